"""A small city for the UU PDP pack: the web tests' cast (capil closed, dinsos restricted
with PKH aid and a child) plus a data protection officer and a health dataset granted to
dinsos."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from registry.models import AccessLevel, Agency, AgencyKind, Dataset
from registry.roles import Role
from registry.services.accounts import account_create, grant_create
from tests.web.conftest import PASSWORD, build_cast


def add_privacy_cast(c):
    c.users["dpo"] = account_create(actor=None, username="ppdp", password=PASSWORD, role=Role.DPO)
    c.dinkes = Agency.objects.create(code="dinkes", name="Dinas Kesehatan", kind=AgencyKind.HEALTH)
    c.pasien = Dataset.objects.create(
        agency=c.dinkes, name="pasien", title="Pasien puskesmas", producer="Dinkes",
        access_level=AccessLevel.RESTRICTED,
    )  # fmt: skip
    c.grant = grant_create(
        actor=c.users["walidata"], dataset=c.dtks, grantee=c.bappeda,
        purpose_code="perencanaan", purpose_text="uji catatan pemrosesan",
        expires_at=timezone.now() + timedelta(days=30),
    )  # fmt: skip
    return c


@pytest.fixture
def pdp(db):
    return add_privacy_cast(build_cast())


@pytest.fixture(autouse=True)
def _language():
    from django.utils import translation

    with translation.override("id"):
        yield
