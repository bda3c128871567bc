"""The exchange format's one definition: canonical fields, header aliases, the columns the
engine reads, and the storage limits every normalised value must fit.

Pure Python (no Django): the importer (registry.ingest), the engine's frame reader
(linkage.frames) and the registry's linking all take their names from here.
`tests/linkage/test_schema.py` pins the limits to the database columns.
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

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "source_record_id": ("ID", "ID RECORD", "ID DATA", "KODE", "NO ID", "ID SUMBER"),
    "nik": ("NIK", "NO NIK", "NOMOR NIK", "NOMOR INDUK KEPENDUDUKAN"),
    "kk_number": (
        "NO KK",
        "NOMOR KK",
        "NOKK",
        "KK",
        "KK NUMBER",
        "NO KARTU KELUARGA",
        "NOMOR KARTU KELUARGA",
    ),
    "full_name": ("NAMA", "NAMA LENGKAP", "NAMA PENERIMA", "NAME"),
    "sex": ("JENIS KELAMIN", "JK", "L/P", "GENDER", "KELAMIN"),
    "birth_place": ("TEMPAT LAHIR", "TMP LAHIR", "PLACE OF BIRTH", "BIRTH PLACE"),
    "birth_date": ("TANGGAL LAHIR", "TGL LAHIR", "DATE OF BIRTH", "DOB", "BIRTH DATE"),
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
    "death_date": (
        "TANGGAL KEMATIAN",
        "TGL KEMATIAN",
        "TANGGAL MENINGGAL",
        "TGL MENINGGAL",
        "DEATH DATE",
    ),
    "welfare_decile": ("DESIL", "DESIL KESEJAHTERAAN", "DESIL NASIONAL", "DESIL DTSEN"),
    "program": ("JENIS BANTUAN", "BANTUAN", "PROGRAM BANTUAN"),
    # TRIWULAN: the quarter of a DTSEN extract (registry.services.dtsen)
    "period": ("PERIODE", "PERIODE BANTUAN", "TAHAP", "TRIWULAN", "PERIODE DATA"),
    "amount": ("NOMINAL", "JUMLAH BANTUAN", "NILAI BANTUAN", "NILAI"),
    RT_RW: ("RT/RW", "RT RW", "RTRW"),
    ROW_COUNTER: ("NO", "NO.", "NOMOR", "NO URUT"),
}

# The columns linkage.engine.link_records reads from each normalised record (its contract);
# the registry adds record_id, agency and agency_priority in front.
ENGINE_COLUMNS = (
    "nik",
    "nik_reliable",
    "kk_number",
    "name_key",
    "name_sorted",
    "name_phonetic",
    "given_name_key",
    "sex",
    "birth_date",
    "address_key",
    "house_number",
    "rt",
    "rw",
    "kelurahan_code",
    "kecamatan_code",
    "relationship",
)
RECORD_KEY_COLUMNS = ("record_id", "agency", "agency_priority")

# Storage limits (SourceRecord's columns). A value that does not fit is a row error
# ("value cannot be stored"), found before anything reaches COPY.
SOURCE_ID_MAX_LENGTH = 100
TEXT_MAX_LENGTH = {
    "nik": 16,
    "kk_number": 16,
    "full_name": 200,
    "name_key": 200,
    "name_sorted": 200,
    "name_phonetic": 200,
    "given_name_key": 60,
    "sex": 1,
    "birth_place": 100,
    "address": 255,
    "address_key": 255,
    "house_number": 20,
    "kelurahan_code": 13,
    "kecamatan_code": 8,
    "relationship": 30,
    "program": 30,
    "period": 10,
}
FLAG_MAX_LENGTH = 60
SMALLINT_MAX = 32_767
BIGINT_MAX = 2**63 - 1


def header_key(header: object) -> str:
    """Upper-case; dots, underscores and repeated spaces folded: 'Tgl. Lahir' -> 'TGL LAHIR'."""
    text = str(header or "").replace("\ufeff", "").strip().upper()
    text = text.replace(".", " ")
    return re.sub(r"[_\s]+", " ", text).strip()


HEADER_LOOKUP: dict[str, str] = {}
for _field, _names in HEADER_ALIASES.items():
    for _name in _names:
        HEADER_LOOKUP[header_key(_name)] = _field
for _field in CANONICAL_FIELDS:
    HEADER_LOOKUP[header_key(_field)] = _field


def map_header(header: object, agency_mapping: Mapping[str, str] | None = None) -> str | None:
    """Canonical field for one header, or None when unknown."""
    key = header_key(header)
    if agency_mapping:
        for theirs, ours in agency_mapping.items():
            if header_key(theirs) == key:
                return ours
    return HEADER_LOOKUP.get(key)


def source_id(record: Mapping[str, object]) -> str:
    """The row's source_record_id as stored: text, stripped; a whole number typed in a
    spreadsheet cell (3.0) without its '.0'."""
    value = record.get("source_record_id")
    if isinstance(value, float) and value.is_integer():
        return format(value, ".0f")
    return str(value or "").strip()
