"""Map agency column headers onto the exchange format's canonical fields.

Indonesian and English headers map without configuration (record-format.md); anything else
comes from the mapping an operator gives once per agency (Agency.column_mapping).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

CANONICAL_FIELDS = (
    "source_record_id",
    "nik",
    "kk_number",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "address",
    "rt",
    "rw",
    "kelurahan",
    "kecamatan",
    "relationship",
    "death_date",
    "welfare_decile",
    "program",
    "period",
    "amount",
)
# A single column holding "003/005".
RT_RW = "rt_rw"
# The row counter agencies put first; recognised so it is not reported as unknown.
ROW_COUNTER = "row_counter"

_ALIASES: dict[str, tuple[str, ...]] = {
    "source_record_id": ("ID", "ID RECORD", "ID DATA", "KODE", "NO ID", "ID SUMBER"),
    "nik": ("NIK", "NO NIK", "NOMOR NIK", "NOMOR INDUK KEPENDUDUKAN"),
    "kk_number": ("NO KK", "NOMOR KK", "NOKK", "NO KARTU KELUARGA", "NOMOR KARTU KELUARGA"),
    "full_name": ("NAMA", "NAMA LENGKAP", "NAMA PENERIMA", "NAME"),
    "sex": ("JENIS KELAMIN", "JK", "L/P", "GENDER", "KELAMIN"),
    "birth_place": ("TEMPAT LAHIR", "TMP LAHIR", "PLACE OF BIRTH"),
    "birth_date": ("TANGGAL LAHIR", "TGL LAHIR", "DATE OF BIRTH", "DOB"),
    "address": ("ALAMAT", "ALAMAT RUMAH", "JALAN"),
    "rt": ("RT",),
    "rw": ("RW",),
    "kelurahan": ("KELURAHAN", "DESA", "KELURAHAN/DESA", "DESA/KELURAHAN", "KEL", "VILLAGE"),
    "kecamatan": ("KECAMATAN", "KEC", "DISTRICT"),
    "relationship": (
        "HUBUNGAN KELUARGA",
        "SHDK",
        "STATUS HUBUNGAN DALAM KELUARGA",
        "HUBUNGAN",
        "STATUS DALAM KELUARGA",
    ),
    "death_date": ("TANGGAL KEMATIAN", "TGL KEMATIAN", "TANGGAL MENINGGAL", "TGL MENINGGAL"),
    "welfare_decile": ("DESIL", "DESIL KESEJAHTERAAN"),
    "program": ("JENIS BANTUAN", "BANTUAN", "PROGRAM BANTUAN"),
    "period": ("PERIODE", "PERIODE BANTUAN", "TAHAP"),
    "amount": ("NOMINAL", "JUMLAH BANTUAN", "NILAI BANTUAN", "NILAI"),
    RT_RW: ("RT/RW", "RT RW", "RTRW"),
    ROW_COUNTER: ("NO", "NO.", "NOMOR", "NO URUT"),
}


def header_key(header: object) -> str:
    """Upper-case; dots, underscores and repeated spaces folded: 'Tgl. Lahir' -> 'TGL LAHIR'."""
    text = str(header or "").replace("\ufeff", "").strip().upper()
    text = text.replace(".", " ")
    return re.sub(r"[_\s]+", " ", text).strip()


_LOOKUP: dict[str, str] = {}
for _field, _names in _ALIASES.items():
    for _name in _names:
        _LOOKUP[header_key(_name)] = _field
for _field in CANONICAL_FIELDS:
    _LOOKUP[header_key(_field)] = _field


def map_header(header: object, agency_mapping: Mapping[str, str] | None = None) -> str | None:
    """Canonical field for one header, or None when unknown."""
    key = header_key(header)
    if agency_mapping:
        for theirs, ours in agency_mapping.items():
            if header_key(theirs) == key:
                return ours
    return _LOOKUP.get(key)


def map_headers(
    headers: list[object], agency_mapping: Mapping[str, str] | None = None
) -> tuple[dict[int, str], list[str]]:
    """Column index -> canonical field, plus the headers left unmapped (ignored, reported)."""
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        if header is None or str(header).strip() == "":
            continue
        field = map_header(header, agency_mapping)
        if field is None:
            unknown.append(str(header).strip())
        elif field not in columns.values():
            columns[index] = field
    return columns, unknown
