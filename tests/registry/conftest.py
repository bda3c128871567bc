import csv
from pathlib import Path

import pytest

from registry.ingest.headers import CANONICAL_FIELDS

# The exchange format's columns, in the order the importer documents them.
HEADER = list(CANONICAL_FIELDS)

# One family on one KK in Kota Tangerang (kecamatan Tangerang 36.71.01, kelurahan Sukarasa).
FAMILY = [
    ["CAP-1", "3671013008740001", "3671010310080006", "Inmam Santoso", "L", "Pandeglang",
     "1974-08-30", "Jl. Ki Samaun No. 80", "11", "12", "Sukarasa", "Tangerang",
     "KEPALA KELUARGA", "", "", "", "", ""],
    ["CAP-2", "3671015802660001", "3671010310080006", "Fatimah", "P", "Tangerang",
     "1966-02-18", "Jl. Ki Samaun No. 80", "11", "12", "Sukarasa", "Tangerang",
     "ISTRI", "", "", "", "", ""],
    ["CAP-3", "3671010206230001", "3671010310080006", "Teguh Saputra", "L", "Tangerang",
     "2023-06-02", "Jl. Ki Samaun No. 80", "11", "12", "Sukarasa", "Tangerang",
     "ANAK", "", "", "", "", ""],
]  # fmt: skip


def write_csv(path: Path, rows, header=HEADER, delimiter=",", bom=False) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def per_file_rebuilds(monkeypatch):
    """Any load counts as bulk (the real threshold is 500,000 rows); yields the `enabled` flag
    of every per-file index rebuild records_import considers (records, then aid receipts)."""
    from registry.services import imports

    monkeypatch.setattr("registry.services.bulk_load.IMPORT_REBUILD_MIN_ROWS", 1)
    real = imports.indexes_rebuilt
    taken: list[bool] = []

    def spy(table, *, enabled=True, **kwargs):
        taken.append(enabled)
        return real(table, enabled=enabled, **kwargs)

    monkeypatch.setattr(imports, "indexes_rebuilt", spy)
    return taken


@pytest.fixture
def family_csv(tmp_path):
    return write_csv(tmp_path / "capil.csv", FAMILY)


def indexes_and_constraints(table: str) -> list[tuple[str, str]]:
    """(name, definition) of every index and constraint of `table`, sorted: equal before and
    after a bulk write that dropped and re-created them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s
               UNION ALL
               SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = %s::regclass
               ORDER BY 1, 2""",
            [table, table],
        )
        return cursor.fetchall()


def load(path, agency="capil", kind="civil_registry") -> None:
    """Import one file for `agency` (created on the fly) through the management command."""
    from django.core.management import call_command

    call_command(
        "import_records", "--agency", agency, "--create-agency", "--agency-kind", kind,
        str(path), verbosity=0,
    )  # fmt: skip


STRANGER_NIK = "3671042807990001"


def stranger_row(record_id: str = "DS-2") -> list[str]:
    """A family row turned into someone unrelated: another NIK, no KK, another name and date."""
    stranger = list(FAMILY[0])
    stranger[0] = record_id
    stranger[HEADER.index("nik")] = STRANGER_NIK
    stranger[HEADER.index("kk_number")] = ""
    stranger[HEADER.index("full_name")] = "Rudi Hartono"
    stranger[HEADER.index("birth_date")] = "1999-07-28"
    return stranger


WRITE_PATHS = ["arrays", "copy", "rebuild"]


def use_write_path(path: str, monkeypatch) -> str:
    """Make linking write the way `path` names: array parameters (a few rows), temporary
    tables filled by COPY (a city), or the bulk write that rebuilds indexes and foreign keys
    (registry.bulk_write); every path must give the same result."""
    if path in ("copy", "rebuild"):
        monkeypatch.setattr("registry.linking.profiles.BULK_ROWS", 0)
    if path == "rebuild":
        monkeypatch.setattr("registry.bulk_write.REBUILD_MIN_ROWS", 0)
        monkeypatch.setattr("registry.bulk_write.REBUILD_SHARE", 0)
    return path


def import_generated_city(out: Path) -> None:
    """Import every agency file of a city written by registry.citygen, as an operator would
    (`import_records --skip-invalid`, one agency at a time)."""
    from django.core.management import call_command

    with (out / "agencies.csv").open(encoding="utf-8") as handle:
        for agency in csv.DictReader(handle):
            call_command(
                "import_records", str(out / agency["file"]), "--agency", agency["code"],
                "--create-agency", "--agency-kind", agency["kind"], "--skip-invalid",
                verbosity=0,
            )  # fmt: skip
