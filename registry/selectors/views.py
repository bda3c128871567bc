"""What the selectors return: frozen views of records, households and persons, and the
record fields each shows."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from registry.linking import GOLDEN_FIELDS

logger = logging.getLogger(__name__)


# Normalised record fields shown in a record view.
RECORD_FIELDS = (
    "nik",
    "nik_reliable",
    "kk_number",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "address",
    "house_number",
    "rt",
    "rw",
    "kelurahan_code",
    "kecamatan_code",
    "relationship",
    "death_date",
    "welfare_decile",
    "program",
    "period",
    "amount",
)
AID_FIELDS = frozenset({"program", "period", "amount"})
GOLDEN_SHOWN = tuple(f for f in GOLDEN_FIELDS if f != "name_key")


class InvalidQuery(ValueError):
    """A search without any criterion."""


# --- views of the data --------------------------------------------------------------------


@dataclass(frozen=True)
class RecordVersionView:
    version: int
    created_at: datetime
    fields: dict[str, Any]
    original: dict[str, Any]
    flags: list[str]


@dataclass(frozen=True)
class RecordView:
    agency_code: str
    agency_name: str
    dataset_name: str
    dataset_title: str
    access_level: str
    source_record_id: str
    version: int
    created_at: datetime
    fields: dict[str, Any]
    original: dict[str, Any]
    flags: list[str]
    older_versions: list[RecordVersionView] = field(default_factory=list)


@dataclass(frozen=True)
class HouseholdMember:
    public_id: str
    display_name: str
    relationship: str
    sex: str
    birth_year: int | None


@dataclass(frozen=True)
class HouseholdSummary:
    public_id: str
    kk_number: str
    address: str
    rt: int | None
    rw: int | None
    kelurahan_code: str
    kelurahan_name: str
    kecamatan_code: str
    kecamatan_name: str
    welfare_decile: int | None
    members: list[HouseholdMember]


@dataclass(frozen=True)
class HouseholdProfile(HouseholdSummary):
    masked: bool = False


@dataclass(frozen=True)
class AidView:
    program: str
    period: str
    amount: int | None
    agency_code: str
    source_record_id: str


@dataclass(frozen=True)
class LinkEventView:
    kind: str
    other_public_id: str
    occurred_at: datetime
    reason: str


@dataclass(frozen=True)
class PersonProfile:
    public_id: str
    redirected_from: str | None
    golden: dict[str, Any]
    records: list[RecordView]
    household: HouseholdSummary | None
    aid: list[AidView]
    link_events: list[LinkEventView]
    masked: bool = False
