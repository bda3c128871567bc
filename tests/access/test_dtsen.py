"""DTSEN deciles as household facts (issue 18 item 1): targeting and the recipient check use
the latest DTSEN decile first, fall back to the agency's estimate and name the source; the
household page shows the decile history; and the facts are personal financial data, visible
only to viewers who may read the (restricted) DTSEN dataset: a hidden fact changes no output.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from registry.ingest.reading import ParsedFile
from registry.linking import link
from registry.models import AccessLevel, Dataset, DatasetKind, Household
from registry.reports import planning
from registry.reports.deciles import decile_facts_for, decile_history
from registry.reports.recipient_check import recipients_check
from registry.reports.targeting import decile_coverage, targeting_counts, targeting_list
from registry.services.accounts import grant_create, grant_revoke
from registry.services.imports import records_import
from registry.web.purpose import SESSION_CURRENT, SESSION_PURPOSES

from .conftest import CAPIL_ROWS, FATHER_NIK, KK, MOTHER_NIK, PURPOSE, SON_NIK, import_rows
from .test_closed_source import _outputs, _unsuppressed

pytestmark = pytest.mark.django_db

RIZKY, SOEKARNO = CAPIL_ROWS[3], CAPIL_ROWS[4]
RIZKY_KK, SOEKARNO_KK = RIZKY[2], SOEKARNO[2]
# Who reads the DTSEN dataset (restricted, owned by dinsos; no grant yet).
SEES_DTSEN = {"walidata", "owner", "owner_analyst"}
EVERYONE = (
    "walidata", "capil_op", "owner", "owner_analyst", "member", "outsider", "planner",
    "auditor", "public",
)  # fmt: skip


def _extract(dataset, rows):
    parsed = ParsedFile(
        rows=[
            (i + 2, {"nik": nik, "kk_number": kk, "welfare_decile": d, "period": q})
            for i, (nik, kk, d, q) in enumerate(rows)
        ]
    )
    outcome = records_import(dataset=dataset, parsed=parsed)
    assert outcome.batch.status == "imported", outcome.validation.errors
    return outcome


@pytest.fixture
def dtsen(cast, monkeypatch):
    """DTKS also lists Rizky (no decile, no aid) and Soekarno (agency estimate 3, no aid); then
    the DTSEN extract: the Santosos in desil 2 (Q2) then 9 (Q3), Rizky in desil 1 (Q3)."""
    monkeypatch.setattr(planning, "suppress", _unsuppressed)
    rizky, soekarno = list(RIZKY), list(SOEKARNO)
    rizky[0], soekarno[0], soekarno[14] = "DTKS-3", "DTKS-5", "3"
    import_rows(cast.dtks, [rizky, soekarno])
    link(full=True)
    cast.before = _outputs(cast)
    cast.before_counts_owner = targeting_counts(cast.viewer("owner_analyst"))
    cast.dtsen = Dataset.objects.create(
        agency=cast.dinsos, name="dtsen", title="DTSEN", producer="Kemensos",
        access_level=AccessLevel.RESTRICTED, kind=DatasetKind.DTSEN,
    )  # fmt: skip
    _extract(
        cast.dtsen,
        [(FATHER_NIK, KK, "2", "2026-Q2"), (MOTHER_NIK, KK, "2", "2026-Q2")],
    )
    _extract(
        cast.dtsen,
        [
            (FATHER_NIK, KK, "9", "Triwulan III 2026"),
            (SON_NIK, KK, "9", "Triwulan III 2026"),
            (RIZKY[1], RIZKY_KK, "1", "Triwulan III 2026"),
        ],
    )
    cast.santoso = Household.objects.get(kk_number=KK)
    cast.rizky = Household.objects.get(kk_number=RIZKY_KK)
    cast.soekarno = Household.objects.get(kk_number=SOEKARNO_KK)
    return cast


def test_targeting_uses_the_latest_dtsen_decile_first_and_names_it(dtsen):
    owner = dtsen.viewer("owner_analyst")
    assert dtsen.before_counts_owner["high_decile"] == 0  # DTKS's own estimate: desil 2
    with translation.override("id"):
        high = targeting_list(owner, "high_decile", purpose=PURPOSE).rows
        low = targeting_list(owner, "low_decile_no_aid", purpose=PURPOSE).rows
    # The father's PKH: his household is desil 9 in DTSEN's latest quarter (Q2 said 2).
    assert [(r["nik"], r["decile"], r["decile_source"]) for r in high] == [
        (FATHER_NIK, 9, "DTSEN Triwulan III 2026")
    ]
    by_household = {r["household_public_id"]: r for r in low}
    assert set(by_household) == {dtsen.rizky.public_id, dtsen.soekarno.public_id}
    assert by_household[dtsen.rizky.public_id]["welfare_decile"] == 1
    assert by_household[dtsen.rizky.public_id]["decile_source"] == "DTSEN Triwulan III 2026"
    # No DTSEN fact for Soekarno: the agency's estimate, named as one.
    assert by_household[dtsen.soekarno.public_id]["welfare_decile"] == 3
    assert by_household[dtsen.soekarno.public_id]["decile_source"] == "perkiraan Dinsos"
    counts = targeting_counts(owner)
    assert (counts["high_decile"], counts["low_decile_no_aid"]) == (1, 2)
    coverage = decile_coverage(owner)
    assert "DTSEN" in coverage.datasets_with_deciles and coverage.without_decile == 0


def test_an_agency_estimate_never_overrides_dtsen(dtsen):
    """DTKS later says desil 1 for the Santosos: the DTSEN fact (9) still decides."""
    father = [
        "DTKS-1", FATHER_NIK, KK, "INMAM SANTOSO", "L", "Pandeglang", "1974-08-30",
        "Jl. Ki Samaun No. 80", "11", "12", "Sukarasa", "Tangerang", "KEPALA KELUARGA", "", "1",
        "PKH", "2024-01", "750000",
    ]  # fmt: skip
    import_rows(dtsen.dtks, [father])
    link(full=True)
    owner = dtsen.viewer("owner_analyst")
    high = targeting_list(owner, "high_decile", purpose=PURPOSE).rows
    assert [(r["decile"], r["decile_source"][:5]) for r in high] == [(9, "DTSEN")]
    assert [h["decile"] for h in decile_history(owner, KK)] == [9, 2]


def test_hidden_dtsen_facts_change_no_output(dtsen):
    """The Dinkes analyst (granted DTKS, not DTSEN) and the planner get exactly what they got
    before the extract arrived: counts, lists, exports' rows, dashboards."""
    after = _outputs(dtsen)
    assert after["population planner"], "the comparison is not vacuous"
    for key, value in dtsen.before.items():
        assert after[key] == value, key


@pytest.mark.parametrize("name", EVERYONE)
def test_dtsen_matrix(dtsen, name):
    viewer = dtsen.viewer(name)
    sees = name in SEES_DTSEN
    assert decile_facts_for(viewer).exists() is sees
    assert bool(decile_history(viewer, KK)) is sees


def test_a_grant_opens_dtsen_and_its_revocation_closes_it(dtsen):
    member = dtsen.viewer("member")
    grant = grant_create(
        actor=dtsen.users["walidata"], dataset=dtsen.dtsen, grantee=dtsen.dinkes,
        purpose_code="verifikasi-bansos", purpose_text="PBI-JK per desil",
        expires_at=timezone.now() + timedelta(days=30),
    )  # fmt: skip
    assert [h["decile"] for h in decile_history(member, KK)] == [9, 2]
    assert targeting_counts(member)["high_decile"] == 1
    grant_revoke(actor=dtsen.users["walidata"], grant=grant)
    assert decile_history(member, KK) == []
    assert targeting_counts(member) == dtsen.before["targeting"]


def test_recipient_check_uses_dtsen_first(dtsen):
    rows = [{"row_id": "1", "nik": FATHER_NIK, "full_name": "Inmam Santoso",
             "birth_date": "1974-08-30"}]  # fmt: skip
    owner = recipients_check(dtsen.viewer("owner_analyst"), rows=rows, purpose=PURPOSE)
    (row,) = owner.rows
    assert (row.welfare_decile, row.welfare_decile_source) == (9, "DTSEN 2026-Q3")
    assert "high_welfare_decile" in row.flags
    member = recipients_check(dtsen.viewer("member"), rows=rows, purpose=PURPOSE)
    (row,) = member.rows
    assert (row.welfare_decile, row.welfare_decile_source) == (2, "estimate:dinsos")
    assert "high_welfare_decile" not in row.flags


def _client(cast, name) -> Client:
    client = Client()
    client.force_login(cast.users[name])
    session = client.session
    session[SESSION_PURPOSES] = {
        PURPOSE.code: {"text": PURPOSE.text, "at": timezone.now().isoformat()}
    }
    session[SESSION_CURRENT] = PURPOSE.code
    session.save()
    return client


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_pages_and_exports(dtsen):
    url = reverse("household_detail", kwargs={"public_id": dtsen.santoso.public_id})
    export = reverse("targeting:export", kwargs={"check": "high_decile"})
    with translation.override("id"):
        owner = _client(dtsen, "owner_analyst")
        page = owner.get(url).content.decode()
        assert "Riwayat desil DTSEN" in page
        assert "Triwulan III 2026" in page and "Triwulan II 2026" in page
        analyst = dtsen.users["owner_analyst"]
        event = AuditEvent.objects.filter(action="household.view", actor=analyst).last()
        assert event.detail["dtsen_deciles"] == 2
        text = _xlsx_text(owner.get(export).content)
        assert "Sumber desil" in text and "DTSEN Triwulan III 2026" in text
        member = _client(dtsen, "member")
        page = member.get(url)
        assert page.status_code == 200
        assert "DTSEN" not in page.content.decode()
        assert "DTSEN" not in _xlsx_text(member.get(export).content)
