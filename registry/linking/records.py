"""Current record versions as the linkage library reads them, and reviewers' decisions."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection

from linkage.diagnostics import ClusterDiagnostics
from linkage.schema import ENGINE_COLUMNS as SCHEMA_ENGINE_COLUMNS
from linkage.schema import RECORD_KEY_COLUMNS
from registry.ingest.copy import copy_out
from registry.models import (
    SOURCE_PRIORITY,
    LinkDecision,
    RecordLink,
    SourceRecord,
)

logger = logging.getLogger(__name__)

GOLDEN_FIELDS = (
    "nik",
    "kk_number",
    "full_name",
    "name_key",
    "sex",
    "birth_place",
    "birth_date",
    "death_date",
    "address",
    "rt",
    "rw",
    "kelurahan_code",
    "kecamatan_code",
)


# The columns linkage.engine.link_records reads (its input contract, linkage.schema).
ENGINE_COLUMNS = [*RECORD_KEY_COLUMNS, *SCHEMA_ENGINE_COLUMNS]


@dataclass
class LinkSummary:
    records: int = 0
    persons_created: int = 0
    persons_merged: int = 0
    persons_split: int = 0
    records_relinked: int = 0
    households: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    engine: dict = field(default_factory=dict)
    review_tasks: int = 0
    # largest persons and persons with conflicting hard identifiers (counts and ids only)
    diagnostics: ClusterDiagnostics | None = None


def priority_case() -> str:
    whens = " ".join(f"WHEN '{kind}' THEN {prio}" for kind, prio in SOURCE_PRIORITY.items())
    return f"CASE a.kind {whens} ELSE 50 END"


# A KK number carrying one of these flags is never a household key nor a golden value.
KK_UNRELIABLE_FLAGS = frozenset(
    {"kk:excel_damaged", "kk:bad_length", "kk:missing", "kk:non_digit", "kk:invalid"}
)
KK_UNRELIABLE_SQL = ",".join(f"'{flag}'" for flag in sorted(KK_UNRELIABLE_FLAGS))

# A new version of a record has no link of its own until it is linked: it keeps the person
# of the version before it (rl: the version's own link, pl: the previous version's).
# The columns every reader of records for the linker selects (r: the record, a: its agency);
# {priority} stands for the agency priority expression (priority_case()).
RECORD_COLUMNS = f"""r.id AS record_id, a.code AS agency, {{priority}} AS agency_priority,
           r.nik, r.nik_reliable, r.kk_number,
           NOT (r.flags && ARRAY[{KK_UNRELIABLE_SQL}]::varchar[]) AS kk_reliable,
           r.full_name, r.name_key, r.name_sorted, r.name_phonetic, r.given_name_key,
           r.sex, r.birth_place, r.birth_date, r.address, r.address_key, r.house_number,
           r.rt, r.rw, r.kelurahan_code, r.kecamatan_code, r.relationship, r.death_date,
           r.welfare_decile, r.created_at, r.version"""

RECORD_SELECT = f"""
    SELECT {RECORD_COLUMNS},
           -- a new version keeps its previous version's person until linked; probed only
           -- for unlinked later versions (a join with every record's previous version was
           -- a hash join of the whole table: at 5.6 M records the COPY took 22-27 s, now 16 s)
           COALESCE(rl.person_id, CASE WHEN r.version > 1 THEN (
               SELECT pl.person_id FROM {SourceRecord._meta.db_table} prev
                 JOIN {RecordLink._meta.db_table} pl ON pl.record_id = prev.id
                WHERE prev.agency_id = r.agency_id
                  AND prev.source_record_id = r.source_record_id
                  AND prev.version = r.version - 1) END) AS person_id
    FROM {SourceRecord._meta.db_table} r
    JOIN registry_agency a ON a.id = r.agency_id
    LEFT JOIN {RecordLink._meta.db_table} rl ON rl.record_id = r.id
    WHERE r.is_current AND ({{where}})
    ORDER BY r.id
"""  # noqa: S608 - no user input is formatted into this statement
TEXT_COLUMNS = [
    "agency", "nik", "kk_number", "full_name", "name_key", "name_sorted", "name_phonetic",
    "given_name_key", "sex", "birth_place", "address", "address_key", "house_number",
    "kelurahan_code", "kecamatan_code", "relationship",
]  # fmt: skip
INT_COLUMNS = ["rt", "rw", "welfare_decile", "person_id"]
DATE_COLUMNS = ["birth_date", "death_date", "created_at"]


# Rows parsed at a time by load_records: the parser's working memory for a whole city is
# gigabytes (5.6 M records: peak 5.9 GB in one parse, 3.8 GB by chunks of a million).
LOAD_CHUNK_ROWS = 1_000_000


def load_records() -> pd.DataFrame:
    """Every current record version with the columns the linkage library reads.

    COPY out into a temporary file, parsed a million rows at a time: a city's records are
    gigabytes of CSV and are never held as one Python string (at 5.6 M records the text alone
    is 1.3 GB, and a string buffer held it two to four times over). The parser reuses one
    string object for a value repeated nearby (codes, sex, relationship), which keeps the
    frame near half the size of distinct strings; categoricals save little more and parse
    slower."""
    sql = RECORD_SELECT.format(priority=priority_case(), where="true")
    with tempfile.TemporaryFile() as spool:
        with connection.cursor() as cursor:
            copy_out(cursor, f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", spool)
        spool.seek(0)
        chunks = pd.read_csv(
            spool,
            chunksize=LOAD_CHUNK_ROWS,
            dtype=dict.fromkeys(TEXT_COLUMNS, object) | dict.fromkeys(INT_COLUMNS, "Int64"),
            keep_default_na=False,
            na_values={c: [""] for c in INT_COLUMNS},
            parse_dates=DATE_COLUMNS,
            date_format="ISO8601",
            true_values=["t"],
            false_values=["f"],
        )
        return pd.concat(list(chunks), ignore_index=True)


def load_records_where(where: str, params: list) -> pd.DataFrame:
    """The same columns for a few records selected by a parameterised condition."""
    with connection.cursor() as cursor:
        cursor.execute(RECORD_SELECT.format(priority=priority_case(), where=where), params)
        columns = [c.name for c in cursor.description]
        return records_frame(columns, cursor.fetchall())


_BOOL_COLUMNS = ("nik_reliable", "kk_reliable")


def records_frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """Fetched record rows as the frame load_records() gives: built column by column in one
    DataFrame construction (assigning columns one by one into a frame costs more than the
    query itself for the few dozen rows of an incremental link)."""
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    data = {}
    for name, column in zip(columns, values, strict=True):
        if name in TEXT_COLUMNS:
            data[name] = np.array(["" if v is None else v for v in column], dtype=object)
        elif name in INT_COLUMNS:
            data[name] = pd.array(list(column), dtype="Int64")
        elif name in DATE_COLUMNS:
            data[name] = pd.to_datetime(pd.Series(column, dtype=object), utc=name == "created_at")
        elif name in _BOOL_COLUMNS:
            data[name] = np.array(column, dtype=bool)
        else:
            data[name] = pd.Series(column, dtype=None if rows else object)
    frame = pd.DataFrame({k: _values(v) for k, v in data.items()}, columns=columns)
    return frame


def _values(column):
    return column.array if isinstance(column, pd.Series) else column


def review_decisions(record_ids: list[int] | None = None) -> list[tuple[int, int, str]]:
    """Reviewers' decisions mapped onto the current versions of the two records; with
    `record_ids`, only decisions between those records (incremental linking)."""
    table = SourceRecord._meta.db_table
    among = "" if record_ids is None else "AND ra.id = ANY(%(ids)s) AND rb.id = ANY(%(ids)s)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT ra.id, rb.id, d.decision FROM {LinkDecision._meta.db_table} d
                JOIN {table} ra ON ra.agency_id = d.agency_a_id
                 AND ra.source_record_id = d.source_record_id_a AND ra.is_current
                JOIN {table} rb ON rb.agency_id = d.agency_b_id
                 AND rb.source_record_id = d.source_record_id_b AND rb.is_current
                WHERE d.revoked_at IS NULL {among} ORDER BY d.decided_at""",  # noqa: S608
            {"ids": record_ids},
        )
        return [(a, b, decision) for a, b, decision in cursor.fetchall()]


def same_decision_pairs() -> list[tuple[int, int]]:
    """(record id, record id) of the current versions of the pairs reviewers decided are one
    person (diagnostics list the double civil registrations among them)."""
    return [(a, b) for a, b, decision in review_decisions() if decision == "same"]


def person_public_ids(agency, source_record_ids: list[str]) -> dict[str, str]:
    """Source record id -> public id of the person its current version is linked to, for one
    agency's records (benchmarks and tests check placements with it; it is no read path for
    users: it checks no permission and writes no audit event). Two single-table probes, by
    the current-version index and then by the link table's key: one three-table join could
    be planned as scans on tables whose statistics are stale (a city's first link)."""
    record_ids = dict(
        SourceRecord.objects.filter(
            agency=agency, is_current=True, source_record_id__in=list(source_record_ids)
        ).values_list("id", "source_record_id")
    )
    links = RecordLink.objects.filter(record_id__in=list(record_ids)).values_list(
        "record_id", "person__public_id"
    )
    return {record_ids[record]: person for record, person in links}
