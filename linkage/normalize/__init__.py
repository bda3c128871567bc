"""Normalisation of agency records (pure Python, no Django): see record.normalize_record."""

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
