"""Property-based contract test of the live OpenAPI document with every schemathesis check
(including ignored_auth): 0 failures. Bounded (few examples per operation) to stay fast."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from api.services.tokens import token_create
from registry.models import AccessLevel, Agency, AgencyKind, Dataset
from registry.services.accounts import grant_create

pytestmark = pytest.mark.slow


def test_schemathesis_all_checks(live_server, tmp_path):
    agency = Agency.objects.create(
        code="dinsos", name="Dinas Sosial", kind=AgencyKind.SOCIAL_AFFAIRS
    )
    owner = Agency.objects.create(code="dinkes", name="Dinas Kesehatan", kind=AgencyKind.HEALTH)
    # A dataset id no generator is likely to draw: random writes would otherwise be validated
    # as real records (and rightly refused with 422). GET /api/datasets lists it to the token
    # (granted to its agency), and the stateful phase follows that id into the submission
    # endpoints: owned by another agency, it is readable but never writable (404).
    dataset = Dataset.objects.create(
        pk=7_654_321,
        agency=owner,
        name="bansos",
        title="Bansos",
        producer="Dinkes",
        access_level=AccessLevel.RESTRICTED,
    )
    grant_create(
        actor=None, dataset=dataset, grantee=agency, purpose_code="verifikasi-bansos",
        purpose_text="schemathesis", expires_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    issued = token_create(
        actor=None, agency=agency, name="schemathesis", rate_limit_per_minute=100_000
    )
    cli = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(  # noqa: S603 - our own venv's CLI, fixed arguments
        [
            str(cli),
            "run",
            f"{live_server.url}/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "8",
            "--seed",
            "20261123",
            "--request-timeout",
            "60",
            "-H",
            f"Authorization: Bearer {issued.secret}",
            "--suppress-health-check",
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    (tmp_path / "schemathesis.txt").write_text(output)
    assert result.returncode == 0, output[-12000:]
