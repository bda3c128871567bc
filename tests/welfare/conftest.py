"""A small city for usulan and sanggahan: the web tests' cast (capil closed; Dinsos's DTKS
restricted, the Santoso family receiving PKH) plus two Dinsos families without aid: the
Rahmawati family in desil 1 (the targeting check's "desil 1-4 tanpa bantuan") and the Hidayat
family in desil 3; a second Dinsos officer, and an analyst of Dinkes (who may not act)."""

from __future__ import annotations

import pytest

from registry.linking import link
from registry.models import Agency, AgencyKind, Household, SourceRecord
from registry.roles import Role
from registry.selectors import Purpose, viewer_for
from registry.services.accounts import account_create
from tests.web.conftest import PASSWORD, _import, build_cast

PURPOSE = Purpose(code="verifikasi-bansos", text="uji usulan dan sanggahan")
POOR_KK = "3671011505120003"
OTHER_KK = "3671011505120004"
POOR_ROWS = [
    ["DTKS-P1", "3671014406800007", POOR_KK, "SITI RAHMAWATI", "P", "Tangerang", "1980-06-04",
     "Gg. Masjid No. 3", "4", "7", "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "1", "", "",
     ""],
    ["DTKS-P2", "3671012109080007", POOR_KK, "ANDI PRATAMA", "L", "Tangerang", "2008-09-21",
     "Gg. Masjid No. 3", "4", "7", "Sukarasa", "Tangerang", "ANAK", "", "1", "", "", ""],
]  # fmt: skip
OTHER_ROWS = [
    ["DTKS-H1", "3671010303650009", OTHER_KK, "AHMAD HIDAYAT", "L", "Tangerang",
     "1965-03-03", "Jl. Merdeka 9", "2", "3", "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "3",
     "", "", ""],
]  # fmt: skip


def household_of_kk(kk: str) -> Household:
    return Household.objects.get(kk_number=kk)


def add_welfare_cast(c):
    _import(c.dtks, POOR_ROWS + OTHER_ROWS)
    link(full=True)
    c.dinkes = Agency.objects.create(code="dinkes", name="Dinas Kesehatan", kind=AgencyKind.HEALTH)
    c.users["petugas"] = account_create(
        actor=None, username="petugas", password=PASSWORD, role=Role.ANALYST, agency=c.dinsos
    )
    c.users["analyst_dinkes"] = account_create(
        actor=None, username="analis-dinkes", password=PASSWORD, role=Role.ANALYST,
        agency=c.dinkes,
    )  # fmt: skip
    c.poor = household_of_kk(POOR_KK)
    c.other = household_of_kk(OTHER_KK)
    c.poor_members = sorted(
        r.link.person.public_id
        for r in SourceRecord.objects.filter(kk_number=POOR_KK, is_current=True)
    )
    return c


def viewer(cast, name):
    return viewer_for(cast.users[name])


@pytest.fixture
def welfare(db, attachment_dir):
    return add_welfare_cast(build_cast())


@pytest.fixture
def attachment_dir(settings, tmp_path):
    settings.WELFARE_ATTACHMENT_DIR = tmp_path / "lampiran"
    return settings.WELFARE_ATTACHMENT_DIR


@pytest.fixture(autouse=True)
def _language():
    from django.utils import translation

    with translation.override("id"):
        yield


# Smallest valid-looking files of each kind, by their magic numbers.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
