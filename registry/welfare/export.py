"""The by-name-by-address file of an approved batch, for upload to SIKS-NG: one row per family
member. Both formats pass every cell through the one spreadsheet-cell rule
(registry.reports.cells); NIK and KK stay text."""

from __future__ import annotations

import io
from collections.abc import Sequence

from registry.reports.cells import csv_writer
from registry.reports.xlsx import Sheet, workbook_bytes

# Column headers as the SIKS-NG upload templates name them.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("nik", "NIK"),
    ("kk_number", "NO_KK"),
    ("full_name", "NAMA"),
    ("relationship", "HUBUNGAN_KELUARGA"),
    ("address", "ALAMAT"),
    ("rt", "RT"),
    ("rw", "RW"),
    ("kelurahan_name", "KELURAHAN"),
    ("kelurahan_code", "KODE_KELURAHAN"),
    ("kecamatan_name", "KECAMATAN"),
    ("kind_label", "JENIS_USULAN"),
    ("reason_label", "ALASAN"),
    ("reason_text", "KETERANGAN"),
    ("proposal_id", "NO_USULAN"),
)


def _values(row: dict) -> list:
    out = []
    for key, _header in COLUMNS:
        value = row.get(key)
        if key in ("rt", "rw") and value is not None:
            value = f"{int(value):03d}"
        elif key == "relationship" and value:
            value = str(value).replace("_", " ")  # KEPALA_KELUARGA -> KEPALA KELUARGA (SHDK)
        out.append("" if value is None else value)
    return out


def export_xlsx(rows: Sequence[dict]) -> bytes:
    return workbook_bytes(
        [Sheet(title="usulan", headers=[h for _k, h in COLUMNS], rows=(_values(r) for r in rows))]
    )


def export_csv(rows: Sequence[dict]) -> bytes:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([h for _k, h in COLUMNS])
    for row in rows:
        writer.writerow(_values(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
