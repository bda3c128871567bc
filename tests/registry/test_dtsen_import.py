"""DTSEN extract import (issue 18 item 1): a national extract (NIK, KK, desil, triwulan per
row) arrives on the path of every file (import_records -> records_submit -> records_import)
and becomes household decile facts with their source and quarter: Indonesian headers map by
themselves, other layouts through the agency's mapping; a bad row is named by line and field
and nothing lands; the same extract again changes nothing; every quarter is kept."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from registry.ingest.reading import read_file
from registry.models import (
    AccessLevel,
    Agency,
    AgencyKind,
    Dataset,
    DatasetKind,
    HouseholdDecile,
    ImportBatch,
    SourceRecord,
)
from registry.services.submit import records_submit
from tests.registry.conftest import FAMILY, write_csv

pytestmark = pytest.mark.django_db

KK = "3671010310080006"
OTHER_KK = "3671010101100001"
FATHER, MOTHER, SON = (row[1] for row in FAMILY)
LONER = "3671011505900001"
HEADER = ["NIK", "NO KK", "DESIL", "TRIWULAN"]


@pytest.fixture
def dinsos():
    return Agency.objects.create(code="dinsos", name="Dinas Sosial", kind=AgencyKind.SOCIAL_AFFAIRS)


@pytest.fixture
def dtsen(dinsos):
    return Dataset.objects.create(
        agency=dinsos,
        name="dtsen",
        title="DTSEN",
        producer="Kemensos",
        access_level=AccessLevel.RESTRICTED,
        kind=DatasetKind.DTSEN,
    )


def _import(path, *extra, stdout=None):
    out = stdout or io.StringIO()
    call_command("import_records", str(path), "--agency", "dinsos", "--dataset", "dtsen", *extra,
                 stdout=out)  # fmt: skip
    return out.getvalue()


def _facts(**filters):
    return sorted(
        HouseholdDecile.objects.filter(**filters).values_list(
            "kk_number", "quarter", "decile", "is_current"
        )
    )


def test_indonesian_headers_map_and_rows_become_household_facts(tmp_path, dtsen):
    path = write_csv(
        tmp_path / "dtsen-q3.csv",
        [
            [FATHER, KK, "3", "Triwulan III 2026"],
            [MOTHER, KK, "3", "Triwulan III 2026"],
            [SON, KK, "Desil 3", "2026-Q3"],
            [LONER, OTHER_KK, "9", "TW 3 2026"],
        ],
        header=HEADER,
    )
    printed = _import(path)
    assert "imported" in printed and "4 new" in printed
    assert _facts() == [(OTHER_KK, "2026-Q3", 9, True), (KK, "2026-Q3", 3, True)]
    family = HouseholdDecile.objects.get(kk_number=KK)
    assert family.member_niks == sorted([FATHER, MOTHER, SON])
    assert family.dataset == dtsen and family.batch.file_name == "dtsen-q3.csv"
    # Facts, not person records: nothing to link, no agency estimate written.
    assert not SourceRecord.objects.exists()
    event = AuditEvent.objects.get(action="dtsen.import")
    assert event.outcome == "allowed" and event.detail["facts_written"] == 2
    assert FATHER not in str(event.detail) and KK not in str(event.detail)


def test_periode_and_nomor_kk_headers_too(tmp_path, dtsen):
    path = write_csv(
        tmp_path / "q2.csv",
        [["1", FATHER, KK, "4", "2026-Q2"]],
        header=["NO", "NIK", "NOMOR KK", "DESIL NASIONAL", "PERIODE"],
    )
    _import(path)
    assert _facts() == [(KK, "2026-Q2", 4, True)]


def test_another_layout_through_the_agency_mapping(tmp_path, dtsen):
    path = write_csv(
        tmp_path / "ekstrak.csv",
        [[FATHER, KK, "2", "2026-Q3"]],
        header=["NIK_ART", "NOKK_DTSEN", "DESIL_KESEJAHTERAAN_NASIONAL", "PERIODE_DATA_DTSEN"],
    )
    err = io.StringIO()
    with pytest.raises(CommandError):  # unmapped: no header row of a DTSEN extract
        call_command("import_records", str(path), "--agency", "dinsos", "--dataset", "dtsen",
                     stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert "no header row found" in err.getvalue()
    assert not HouseholdDecile.objects.exists() and not ImportBatch.objects.exists()
    _import(
        path,
        "--map", "NIK_ART=nik",
        "--map", "NOKK_DTSEN=kk_number",
        "--map", "DESIL_KESEJAHTERAAN_NASIONAL=welfare_decile",
        "--map", "PERIODE_DATA_DTSEN=period",
    )  # fmt: skip
    assert _facts() == [(KK, "2026-Q3", 2, True)]
    assert Agency.objects.get(code="dinsos").column_mapping["NOKK_DTSEN"] == "kk_number"


def test_bad_rows_are_named_by_line_and_field_and_nothing_lands(tmp_path, dtsen):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            [FATHER, KK, "3", "2026-Q3"],  # line 2: fine
            [MOTHER, KK, "11", "2026-Q3"],  # line 3: decile out of range
            [SON, "3.67101E+15", "3", "2026-Q3"],  # line 4: KK cut by Excel
            [LONER, OTHER_KK, "5", "2026-09"],  # line 5: a month, not a quarter
            ["", OTHER_KK, "5", "2026-Q3"],  # line 6: no NIK
            [FATHER, KK, "3", "2026-Q3"],  # line 7: the same NIK twice in one quarter
            ["3671014107800001", KK, "4", "2026-Q3"],  # line 8: another decile, same KK
        ],
        header=HEADER,
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        _import(path, stdout=out)
    assert not HouseholdDecile.objects.exists()
    errors = {(e["line"], e["field"]) for e in ImportBatch.objects.get().errors}
    assert errors == {
        (3, "welfare_decile"),
        (4, "kk_number"),
        (5, "period"),
        (6, "nik"),
        (7, "nik"),
        (8, "welfare_decile"),
    }
    printed = out.getvalue()
    assert "line 5: period: not a quarter: '2026-09'" in printed
    assert "line 7: nik: duplicate of line 2" in printed
    assert "line 8: welfare_decile: differs from line 2 (same KK and quarter)" in printed
    assert AuditEvent.objects.get(action="dtsen.import").outcome == "denied"
    # --skip-invalid lands the valid rows only.
    _import(path, "--skip-invalid")
    assert _facts() == [(KK, "2026-Q3", 3, True)]


def test_same_extract_again_changes_nothing_and_history_keeps_every_quarter(tmp_path, dtsen):
    q2 = write_csv(tmp_path / "q2.csv", [[FATHER, KK, "4", "2026-Q2"]], header=HEADER)
    q3 = write_csv(tmp_path / "q3.csv", [[FATHER, KK, "2", "Triwulan III 2026"]], header=HEADER)
    _import(q2)
    _import(q3)
    before = list(HouseholdDecile.objects.order_by("pk").values())
    printed = _import(q3)
    assert "0 new, 0 changed, 1 unchanged" in printed
    assert list(HouseholdDecile.objects.order_by("pk").values()) == before
    assert _facts() == [(KK, "2026-Q2", 4, True), (KK, "2026-Q3", 2, True)]
    # A corrected delivery of a quarter already held: the new decile is current, the old kept.
    fixed = write_csv(tmp_path / "q3-fix.csv", [[FATHER, KK, "1", "2026-Q3"]], header=HEADER)
    assert "1 changed" in _import(fixed)
    assert _facts(quarter="2026-Q3") == [(KK, "2026-Q3", 1, True), (KK, "2026-Q3", 2, False)]


def test_agency_estimate_is_kept_apart(tmp_path, dtsen, dinsos):
    """The Dinsos file's own decile stays a SourceRecord value (an estimate); the DTSEN fact of
    the same KK is another row and neither overwrites the other."""
    records = Dataset.objects.create(
        agency=dinsos, name="bansos", title="Bansos", producer="Dinsos"
    )
    row = list(FAMILY[0])
    row[0], row[14] = "BANSOS-1", "7"
    estimate = write_csv(tmp_path / "bansos.csv", [row])
    call_command("import_records", str(estimate), "--agency", "dinsos", "--dataset", "bansos",
                 stdout=io.StringIO())  # fmt: skip
    _import(write_csv(tmp_path / "q3.csv", [[FATHER, KK, "2", "2026-Q3"]], header=HEADER))
    assert SourceRecord.objects.get(dataset=records).welfare_decile == 7
    assert _facts() == [(KK, "2026-Q3", 2, True)]
    call_command("import_records", str(estimate), "--agency", "dinsos", "--dataset", "bansos",
                 stdout=io.StringIO())  # fmt: skip
    assert _facts() == [(KK, "2026-Q3", 2, True)]


def test_records_submit_is_the_one_path(tmp_path, dtsen):
    """The web upload and the API call records_submit; a DTSEN dataset needs no linking."""
    path = write_csv(tmp_path / "q3.csv", [[FATHER, KK, "2", "2026-Q3"]], header=HEADER)
    parsed = read_file(path)
    outcome = records_submit(actor=None, dataset=dtsen, parsed=parsed, channel="api")
    assert outcome.linking == "done" and not outcome.rejected
    assert outcome.batch.channel == "api" and outcome.batch.rows_new == 1
    assert _facts() == [(KK, "2026-Q3", 2, True)]


def test_new_dtsen_dataset_from_the_command(tmp_path, dinsos):
    path = write_csv(tmp_path / "q3.csv", [[FATHER, KK, "2", "2026-Q3"]], header=HEADER)
    call_command("import_records", str(path), "--agency", "dinsos", "--dataset", "dtsen-2026",
                 "--dataset-kind", "dtsen", "--access", "restricted",
                 stdout=io.StringIO())  # fmt: skip
    dataset = Dataset.objects.get(name="dtsen-2026")
    assert dataset.kind == DatasetKind.DTSEN and dataset.access_level == "restricted"
    assert _facts() == [(KK, "2026-Q3", 2, True)]


def test_walidata_creates_a_dtsen_dataset(dinsos):
    from registry.roles import Role, roles_ensure
    from registry.services.accounts import account_create
    from registry.services.catalog import dataset_create

    roles_ensure()
    walidata = account_create(
        actor=None, username="walidata", password="kata-sandi-uji-yang-panjang-1",
        role=Role.WALIDATA,
    )  # fmt: skip
    dataset = dataset_create(
        actor=walidata, agency=dinsos, name="dtsen-desil", title="Desil DTSEN",
        access_level=AccessLevel.RESTRICTED, kind=DatasetKind.DTSEN,
    )  # fmt: skip
    assert dataset.kind == "dtsen"
    event = AuditEvent.objects.get(action="dataset.create")
    assert event.detail["kind"] == "dtsen"
