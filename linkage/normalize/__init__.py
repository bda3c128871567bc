"""Normalisation of agency records: pure Python, no Django.

The importer calls `normalize_record(row, regions=RegionMatcher.for_regency("36.71"))`
once per row and stores the original values next to the returned fields. Everything
else here is the per-value machinery, usable on its own by the linkage.

Decisions worth knowing (details in each module):
- Errors make a row unreadable; flags ("nik:excel_damaged", "kelurahan:fuzzy", ...)
  describe a readable row. An invalid, damaged or missing NIK/KK is always a flag.
- A 16-digit number that passed through Excel as a number lost its last digit
  (15 significant digits): such NIKs are kept but never `nik_reliable`.
- Name keys fold the 1947 and 1972 (EYD) spelling reforms so old and new spellings
  meet; the old j -> y fold is applied only to tokens that show other old-spelling
  digraphs (oe, tj, dj, sj), so a modern "Joko" stays "joko" (= "Djoko"). The
  phonetic code is the coarser key (j/y, f/p/b, d/t, g/k merged, vowels dropped).
- Amounts: "." groups thousands, "," is the decimal mark (Indonesian usage);
  "300,000" is also read as thousands. Program Sembako is BPNT.
- Empty text fields are '', empty dates and numbers None.
- Speed: every per-value normaliser is behind a bounded LRU cache; agency files
  repeat households, streets and region names, so most rows are cache hits.
  An importer holding a whole file in memory should call `gc.freeze()` after
  loading it (see bench/normalize_bench.py): CPython's full collections otherwise
  re-traverse every loaded row while the caches grow.
"""

from .address import AddressParts, normalize_address, parse_rt_rw
from .dates import ParsedDate, parse_date, swap_day_month, today_wib
from .household_fields import (
    RELATIONSHIPS,
    normalize_program,
    normalize_relationship,
    parse_amount,
    parse_decile,
    parse_period,
)
from .identifiers import CleanedId, NikCheck, check_kk, check_nik, clean_identifier
from .names import NameParts, normalize_name, phonetic_code
from .record import FIELD_NAMES, normalize_record
from .regions import RegionMatch, RegionMatcher
from .sex import normalize_sex

__all__ = [
    "FIELD_NAMES",
    "RELATIONSHIPS",
    "AddressParts",
    "CleanedId",
    "NameParts",
    "NikCheck",
    "ParsedDate",
    "RegionMatch",
    "RegionMatcher",
    "check_kk",
    "check_nik",
    "clean_identifier",
    "normalize_address",
    "normalize_name",
    "normalize_program",
    "normalize_record",
    "normalize_relationship",
    "normalize_sex",
    "parse_amount",
    "parse_date",
    "parse_decile",
    "parse_period",
    "parse_rt_rw",
    "phonetic_code",
    "swap_day_month",
    "today_wib",
]
