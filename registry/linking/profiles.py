"""Writes shared by every linking path: persons, record links, golden values, households."""

from __future__ import annotations

import time

import numpy as np
import orjson
import pandas as pd
from django.db import connection
from django.utils import timezone

from registry import bulk_write
from registry.bound_sql import int_array
from registry.bulk_write import indexes_rebuilt, worth_rebuilding
from registry.ingest.copy import copy_frame
from registry.linking.records import GOLDEN_FIELDS, TEXT_COLUMNS, LinkSummary, load_records_where
from registry.models import (
    AidReceipt,
    Household,
    Membership,
    Person,
    RecordLink,
    new_public_id,
)


def create_persons_with_golden(golden: pd.DataFrame) -> dict[str, int]:
    """New persons with their golden values (`golden`: public_id and the golden fields), in
    one INSERT from a COPY-filled temporary table: each person row is written once, not
    created empty and then updated. Pks follow the public ids' order; returns id -> pk."""
    if golden.empty:
        return {}
    source = _temp_table(
        "person_new",
        _golden_frame(golden, key="public_id"),
        {"public_id": "varchar"} | {c: GOLDEN_TYPES[c] for c in GOLDEN_FIELDS},
    )
    values = ", ".join(f"COALESCE(g.{c}, {GOLDEN_EMPTY_SQL.get(c, 'NULL')})" for c in GOLDEN_FIELDS)
    now = timezone.now()
    table = Person._meta.db_table
    # a city's first link: 2 million persons into a table with seven secondary indexes
    bulk = worth_rebuilding(table, len(golden))
    with indexes_rebuilt(table, enabled=bulk), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table}
                    (public_id, status, golden_sources, created_at, updated_at,
                     {", ".join(GOLDEN_FIELDS)})
                SELECT g.public_id, 'active', '{{}}'::jsonb, %s, %s, {values}
                FROM {source} g ORDER BY g.public_id
                RETURNING public_id, id""",  # noqa: S608 - constants only
            [now, now],
        )
        pks = dict(cursor.fetchall())
    _drop_temp(source)
    return pks


# Above this many rows a write goes through a temporary table filled by COPY (vectorised
# CSV); below it, array parameters (no DDL on the latency path of incremental linking).
BULK_ROWS = 5000


def _temp_table(name: str, frame: pd.DataFrame, columns: dict[str, str]) -> str:
    """A fresh temporary table `name` holding `frame`'s columns (name -> SQL type)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        definition = ", ".join(f"{c} {t}" for c, t in columns.items())
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({definition})")
    copy_frame(name, frame, list(columns))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {name}")
    return name


def _drop_temp(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def write_links(records: pd.DataFrame, summary: LinkSummary) -> None:
    """Record versions onto their persons in the link table, and their aid receipts; links
    already right are not rewritten, and SourceRecord itself is never written. A few
    records: arrays as parameters; a whole city: a temporary table filled by COPY."""
    started = time.perf_counter()
    links = pd.DataFrame(
        {
            "record_id": records["record_id"].astype("int64").to_numpy(),
            "person_id": records["person_id"].astype("int64").to_numpy(),
        }
    )
    if len(links) >= BULK_ROWS:
        source = _temp_table(
            "link_update", links, {"record_id": "bigint PRIMARY KEY", "person_id": "bigint"}
        )
        params: list = []
    else:
        source = "unnest(%s::bigint[], %s::bigint[])"
        params = [links["record_id"].tolist(), links["person_id"].tolist()]
    table = RecordLink._meta.db_table
    laps = summary.seconds

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        laps[name] = now - since
        return now

    mark = lap("links_prepare", started)
    bulk = not params and _links_worth_rebuilding(source, len(links))
    mark = lap("links_count", mark)
    # A bulk write (a city's first link) drops the link table's person index and foreign
    # keys and re-creates them after it: one sort and one join each instead of an index entry
    # and a deferred check per link (two keys: 11 million checks at 2 million persons). The
    # primary key stays: ON CONFLICT needs it, and ascending record ids append to it.
    with indexes_rebuilt(table, enabled=bulk), connection.cursor() as cursor:
        # Only the links that change are written (the anti-join), so a rerun that moves
        # nothing locks no link row; the WHERE of DO UPDATE keeps the count exact should a
        # concurrent merge have set the same person meanwhile.
        cursor.execute(
            f"""INSERT INTO {table} AS l (record_id, person_id)
                SELECT u.record_id, u.person_id
                  FROM {source} AS u(record_id, person_id)
                  LEFT JOIN {table} old ON old.record_id = u.record_id
                 WHERE old.person_id IS DISTINCT FROM u.person_id
                ON CONFLICT (record_id) DO UPDATE SET person_id = EXCLUDED.person_id
                 WHERE l.person_id IS DISTINCT FROM EXCLUDED.person_id""",  # noqa: S608
            params,
        )
        summary.records_relinked = cursor.rowcount
        mark = lap("links_update", mark)
    if bulk:
        lap("links_reindex", mark)
    laps["links_records"] = time.perf_counter() - started
    mark = time.perf_counter()
    # The aid receipts follow their records: in a bulk link most of them move too (1.35 M
    # receipts at 2 million persons, five secondary indexes and three keys).
    aid_table = AidReceipt._meta.db_table
    with indexes_rebuilt(aid_table, enabled=bulk), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {aid_table} ar SET person_id = u.person_id
                FROM {source} AS u(record_id, person_id)
                WHERE ar.source_record_id = u.record_id
                  AND ar.person_id IS DISTINCT FROM u.person_id""",  # noqa: S608
            params,
        )
    lap("links_aid", mark)
    if not params:
        _drop_temp(source)


def _links_worth_rebuilding(source: str, rows: int) -> bool:
    """Whether writing the links of `source` (`rows` rows) is a bulk write: the links that
    change, counted only when the write could be large and the table holds any."""
    if rows < bulk_write.REBUILD_MIN_ROWS:
        return False
    table = RecordLink._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT FROM {table})")  # noqa: S608
        changing = rows
        if cursor.fetchone()[0]:
            cursor.execute(
                f"""SELECT count(*) FROM {source} u LEFT JOIN {table} l
                      ON l.record_id = u.record_id
                     WHERE l.person_id IS DISTINCT FROM u.person_id"""  # noqa: S608
            )
            changing = cursor.fetchone()[0]
    return worth_rebuilding(table, changing)


def golden_order_index(records: pd.DataFrame, person) -> np.ndarray:
    """Row positions in golden order (registry.linking.golden.golden_order) within each
    person: one stable indirect sort (lexsort: last key first), so each column is then taken
    once in that order; sorting the frame itself copies every column of it, twice."""
    return np.lexsort(
        (
            -records["version"].to_numpy(dtype=np.int64),
            -records["created_at"].to_numpy(dtype="datetime64[ns]").view(np.int64),
            records["agency_priority"].to_numpy(dtype=np.int64),
            np.asarray(person, dtype=np.int64),
        )
    )


def golden_values_frame(
    records: pd.DataFrame, person_ids: np.ndarray | None = None
) -> pd.DataFrame:
    """Per person: each field from the highest-priority source (civil registry first), then the
    most recent record; reliable NIKs and KKs before unreliable ones, which never win.
    `person_ids` (one per record) stands in for the records' person_id column."""
    person = records["person_id"].to_numpy() if person_ids is None else person_ids
    order = golden_order_index(records, person)
    values = {"person_id": np.asarray(person, dtype=np.int64)[order]}
    unreliable = {
        "nik": ~records["nik_reliable"].to_numpy(dtype=bool)[order],
        "kk_number": ~records["kk_reliable"].to_numpy(dtype=bool)[order],
    }
    for column in GOLDEN_FIELDS:
        taken = records[column].array[order]
        if column in TEXT_COLUMNS:
            text = np.asarray(taken, dtype=object)
            missing = text == ""
            if column in unreliable:
                missing |= unreliable[column]
            taken = np.where(missing, None, text)
        values[column] = taken
    # first() skips missing values column by column: one pass for every field.
    frame = pd.DataFrame(values, copy=False)
    return frame.groupby("person_id", sort=True).first().reset_index()


# SQL types of the golden columns, for the unnest() of the update below.
GOLDEN_TYPES = {
    "nik": "varchar", "kk_number": "varchar", "full_name": "varchar", "name_key": "varchar",
    "sex": "varchar", "birth_place": "varchar", "birth_date": "date", "death_date": "date",
    "address": "varchar", "rt": "smallint", "rw": "smallint", "kelurahan_code": "varchar",
    "kecamatan_code": "varchar",
}  # fmt: skip


def write_golden(golden: pd.DataFrame) -> None:
    """Golden values onto persons, in one statement; persons whose values are unchanged are
    not rewritten (a rerun after no change writes nothing)."""
    new_values = ", ".join(
        f"COALESCE(g.{c}, {GOLDEN_EMPTY_SQL.get(c, 'NULL')})" for c in GOLDEN_FIELDS
    )
    if len(golden) >= BULK_ROWS:
        source = _temp_table(
            "golden_update",
            _golden_frame(golden),
            {"person_id": "bigint PRIMARY KEY"} | {c: GOLDEN_TYPES[c] for c in GOLDEN_FIELDS},
        )
        params: list = []
    else:
        source = "unnest({})".format(
            ", ".join(["%s::bigint[]"] + [f"%s::{GOLDEN_TYPES[c]}[]" for c in GOLDEN_FIELDS])
        )
        params = [golden["person_id"].astype("int64").tolist()]
        for column in GOLDEN_FIELDS:
            params.append([_db_value(v) for v in golden[column].tolist()])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Person._meta.db_table} p
                SET ({", ".join(GOLDEN_FIELDS)}, updated_at) = ({new_values}, now())
                FROM {source} AS g(person_id, {", ".join(GOLDEN_FIELDS)})
                WHERE p.id = g.person_id
                  AND ({", ".join(f"p.{c}" for c in GOLDEN_FIELDS)}) IS DISTINCT FROM
                      ({new_values})""",  # noqa: S608 - column names are constants
            params,
        )
    if not params:
        _drop_temp(source)


def _golden_frame(golden: pd.DataFrame, key: str = "person_id") -> pd.DataFrame:
    """The golden columns with the dtypes copy_frame writes as the SQL types above."""
    values = golden[key].astype("int64") if key == "person_id" else golden[key]
    frame = pd.DataFrame({key: values.to_numpy()})
    for column in GOLDEN_FIELDS:
        values = golden[column]
        kind = GOLDEN_TYPES[column]
        if kind == "date":
            values = pd.to_datetime(values)
        elif kind == "smallint":
            values = pd.array(values, dtype="Int64")
        frame[column] = values.to_numpy() if kind != "smallint" else values
    return frame


def write_households(records: pd.DataFrame, golden: pd.DataFrame, summary: LinkSummary) -> None:
    """One household per reliable KK number: members are the persons whose golden KK it is,
    with the relationship of their first record in golden order (registry.linking.golden)."""
    with_kk = golden[golden["kk_number"].notna() & (golden["kk_number"] != "")]
    columns = ["person_id", "created_at", "relationship", "kk_number", "welfare_decile"]
    # registry.linking.golden's household rule, vectorised: records in golden order (only the
    # columns read are taken: sorting the whole frame copies every column).
    ordered = records[columns].iloc[golden_order_index(records, records["person_id"].to_numpy())]
    with_relationship = ordered[ordered["relationship"] != ""]
    relationship = with_relationship.groupby("person_id")["relationship"].first()
    with_decile = ordered.dropna(subset=["welfare_decile"])
    deciles = (
        with_decile.sort_values("created_at", ascending=False, kind="stable")
        .groupby("kk_number")["welfare_decile"]
        .first()
    )
    households = with_kk.groupby("kk_number").first()
    existing = _household_ids(list(households.index))
    fresh = households[~households.index.isin(list(existing))].reset_index()
    if len(fresh):
        now = timezone.now()
        fresh["public_id"] = [new_public_id("H") for _ in range(len(fresh))]
        fresh["welfare_decile"] = pd.array(
            fresh["kk_number"].map(deciles).astype("Float64").round(), dtype="Int64"
        )
        fresh["created_at"] = fresh["updated_at"] = now.isoformat()
        # A KK whose records carry no address still makes its household; its text columns
        # are NOT NULL, so "no value" is written as an empty string.
        for column in HOUSEHOLD_TEXT_COLUMNS:
            fresh[column] = fresh[column].fillna("")
        table = Household._meta.db_table
        with indexes_rebuilt(table, enabled=worth_rebuilding(table, len(fresh))):
            copy_frame(table, fresh, HOUSEHOLD_COLUMNS)
    ids = _household_ids(list(households.index))
    members = pd.DataFrame(
        {
            "household_id": with_kk["kk_number"].map(ids).astype("int64").to_numpy(),
            "person_id": with_kk["person_id"].astype("int64").to_numpy(),
            # object dtype even when empty (an empty map is float64 and would not merge).
            "relationship": with_kk["person_id"]
            .map(relationship)
            .fillna("")
            .to_numpy(dtype=object),
        }
    )
    _write_memberships(records["person_id"].astype("int64").unique(), members)
    summary.households = len(ids)


def _write_memberships(person_ids: np.ndarray, members: pd.DataFrame) -> None:
    """Memberships are derived state: those of `person_ids` become `members`, and merged
    persons have none. Only the rows that differ are deleted and inserted (a rerun after no
    change writes nothing)."""
    table = Membership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""DELETE FROM {table} m USING {Person._meta.db_table} p
                WHERE m.person_id = p.id AND p.status = 'merged'"""  # noqa: S608
        )
        cursor.execute(
            f"""SELECT person_id, household_id, relationship FROM {table}
                WHERE person_id = ANY(%s::bigint[])""",  # noqa: S608
            [int_array(person_ids)],
        )
        existing = pd.DataFrame(
            cursor.fetchall(), columns=["person_id", "household_id", "relationship"]
        )
    existing = existing.astype(
        {"person_id": "int64", "household_id": "int64", "relationship": object}
    )
    merged = existing.merge(
        members, on=["person_id", "household_id", "relationship"], how="outer", indicator=True
    )
    changed = merged.loc[merged["_merge"] != "both", "person_id"].unique()
    if not len(changed):
        return
    old = merged.loc[merged["_merge"] == "left_only", "person_id"].unique()
    if len(old):
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE person_id = ANY(%s::bigint[])",  # noqa: S608
                [int_array(old)],
            )
    fresh = members[members["person_id"].isin(changed)]
    with indexes_rebuilt(table, enabled=worth_rebuilding(table, len(fresh))):
        copy_frame(table, fresh, ["household_id", "person_id", "relationship"])


HOUSEHOLD_TEXT_COLUMNS = ("kk_number", "address", "kelurahan_code", "kecamatan_code")
HOUSEHOLD_COLUMNS = (
    "public_id",
    "kk_number",
    "address",
    "rt",
    "rw",
    "kelurahan_code",
    "kecamatan_code",
    "welfare_decile",
    "created_at",
    "updated_at",
)


def _household_ids(kk_numbers: list[str]) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            # one JSON parameter parsed by PostgreSQL: psycopg dumps a list element by
            # element (~1 s for a city's 560,000 KK numbers)
            f"""SELECT h.kk_number, h.id FROM {Household._meta.db_table} h
                JOIN json_array_elements_text(%s::json) AS k(kk_number)
                  ON h.kk_number = k.kk_number""",  # noqa: S608
            [orjson.dumps(kk_numbers).decode()],
        )
        return dict(cursor.fetchall())


# Person columns that are NOT NULL text get '' when no source has a value.
GOLDEN_EMPTY_SQL = {
    c: "''" for c in GOLDEN_FIELDS if c not in ("birth_date", "death_date", "rt", "rw")
}


def _db_value(value):
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.integer):
        return int(value)
    return value


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def refresh_persons(person_ids: list[int]) -> None:
    """Recompute golden values, memberships and aid links of some persons after a manual
    merge or split (the same code paths a link run uses)."""
    records = load_records_where("rl.person_id = ANY(%s)", [person_ids])
    if records.empty:
        return
    records["person_id"] = records["person_id"].astype("int64")
    summary = LinkSummary(records=len(records))
    write_links(records, summary)
    golden = golden_values_frame(records)
    write_golden(golden)
    write_households(records, golden, summary)
