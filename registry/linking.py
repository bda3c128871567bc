"""The one module that moves data between the database and the linkage library.

load current record versions -> cluster (linkage) -> stable person ids -> write persons,
golden values, households, memberships and aid-receipt links in one transaction.
"""

from __future__ import annotations

import io
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record
from linkage.engine import link_records
from registry.ingest.copy import copy_out, copy_rows
from registry.models import (
    SOURCE_PRIORITY,
    Household,
    Membership,
    Person,
    PersonLinkEvent,
    SourceRecord,
    new_public_id,
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


# The columns linkage.engine.link_records reads (its input contract).
ENGINE_COLUMNS = [
    "record_id", "agency", "agency_priority", "nik", "nik_reliable", "kk_number", "name_key",
    "name_sorted", "name_phonetic", "given_name_key", "sex", "birth_date", "address_key",
    "house_number", "rt", "rw", "kelurahan_code", "kecamatan_code", "relationship",
]  # fmt: skip


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


def _priority_case() -> str:
    whens = " ".join(f"WHEN '{kind}' THEN {prio}" for kind, prio in SOURCE_PRIORITY.items())
    return f"CASE a.kind {whens} ELSE 50 END"


def load_records() -> pd.DataFrame:
    """Every current record version with the columns the linkage library reads."""
    sql = f"""
        COPY (
            SELECT r.id AS record_id, a.code AS agency, {_priority_case()} AS agency_priority,
                   r.nik, r.nik_reliable, r.kk_number,
                   NOT (r.flags && ARRAY['kk:excel_damaged','kk:bad_length','kk:missing',
                                         'kk:non_digit','kk:invalid']::varchar[]) AS kk_reliable,
                   r.full_name, r.name_key, r.name_sorted, r.name_phonetic, r.given_name_key,
                   r.sex, r.birth_place, r.birth_date, r.address, r.address_key, r.house_number,
                   r.rt, r.rw, r.kelurahan_code, r.kecamatan_code, r.relationship, r.death_date,
                   r.welfare_decile, r.created_at, r.version,
                   COALESCE(r.person_id, prev.person_id) AS person_id
            FROM {SourceRecord._meta.db_table} r
            JOIN registry_agency a ON a.id = r.agency_id
            LEFT JOIN {SourceRecord._meta.db_table} prev
              ON prev.agency_id = r.agency_id AND prev.source_record_id = r.source_record_id
             AND prev.version = r.version - 1
            WHERE r.is_current
            ORDER BY r.id
        ) TO STDOUT WITH (FORMAT csv, HEADER true)
    """  # noqa: S608 - no user input in this statement
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        copy_out(cursor, sql, buffer)
    buffer.seek(0)
    text_columns = [
        "agency", "nik", "kk_number", "full_name", "name_key", "name_sorted", "name_phonetic",
        "given_name_key", "sex", "birth_place", "address", "address_key", "house_number",
        "kelurahan_code", "kecamatan_code", "relationship",
    ]  # fmt: skip
    frame = pd.read_csv(
        buffer,
        dtype={c: "string" for c in text_columns}
        | {"rt": "Int64", "rw": "Int64", "welfare_decile": "Int64", "person_id": "Int64"},
        keep_default_na=False,
        na_values={"rt": [""], "rw": [""], "welfare_decile": [""], "person_id": [""]},
        parse_dates=["birth_date", "death_date", "created_at"],
        true_values=["t"],
        false_values=["f"],
    )
    for column in text_columns:
        frame[column] = frame[column].fillna("")
    return frame


def link(*, full: bool = False, actor=None) -> LinkSummary:
    """Link every current record version to a person; `full` may also merge or split the
    persons earlier runs made (otherwise only unlinked records are placed)."""
    summary = LinkSummary()
    started = time.perf_counter()
    with transaction.atomic():
        # One linking run at a time; imports and reads go on.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.link'))")
        records = load_records()
        summary.records = len(records)
        summary.seconds["load"] = time.perf_counter() - started
        if records.empty:
            return summary
        result = link_records(records[ENGINE_COLUMNS])
        labels = result.clusters.reindex(records["record_id"].to_numpy()).to_numpy()
        summary.engine = result.stats | {"blocking": result.blocking}
        summary.seconds["cluster"] = time.perf_counter() - started
        person_of = _assign_persons(records, labels, full=full, summary=summary, actor=actor)
        records["person_id"] = person_of
        _write_links(records, summary)
        golden = _golden_values(records)
        _write_golden(golden)
        _write_households(records, golden, summary)
        summary.seconds["write"] = time.perf_counter() - started
        audit_record(
            actor=actor,
            action="persons.link",
            object_type="registry",
            detail={
                "full": full,
                "records": summary.records,
                "persons_created": summary.persons_created,
                "persons_merged": summary.persons_merged,
                "persons_split": summary.persons_split,
                "records_relinked": summary.records_relinked,
            },
        )
    logger.info("link done: %s", summary)
    return summary


def _assign_persons(records, labels, *, full: bool, summary: LinkSummary, actor) -> np.ndarray:
    """Stable ids: a cluster keeps the id most of its records already had; an absorbed id
    redirects to the survivor (merge); the part of a split person holding most of its records
    keeps the id, the other parts get new ids."""
    current = records["person_id"].to_numpy(dtype="float64", na_value=np.nan)
    clusters: dict[int, list[int]] = defaultdict(list)
    for position, label in enumerate(labels.tolist()):
        clusters[label].append(position)
    # Home cluster of each existing person: where most of its records now are.
    spread: dict[int, Counter] = defaultdict(Counter)
    for label, positions in clusters.items():
        for position in positions:
            if not np.isnan(current[position]):
                spread[int(current[position])][label] += 1
    home = {pid: counts.most_common(1)[0][0] for pid, counts in spread.items()}
    result = current.copy()
    new_persons: list[tuple[int, list[int]]] = []  # (label, positions) needing a new person
    merges: list[tuple[int, int, list[int]]] = []
    splits: list[tuple[int, int]] = []  # (old person, label)
    for label, positions in clusters.items():
        counts = Counter(int(current[p]) for p in positions if not np.isnan(current[p]))
        owners = [pid for pid, _ in counts.most_common() if home[pid] == label]
        if not full:
            # Incremental: existing persons are never merged or split, only new records placed.
            target = owners[0] if owners else (counts.most_common(1)[0][0] if counts else None)
            for p in positions:
                if np.isnan(current[p]):
                    result[p] = np.nan if target is None else target
            if target is None:
                new_persons.append((label, positions))
            continue
        if not owners:
            new_persons.append((label, positions))
            for pid in counts:
                splits.append((pid, label))
            continue
        survivor = min(owners, key=lambda pid: (-counts[pid], pid))
        for pid in owners:
            if pid != survivor:
                record_ids = records["record_id"].to_numpy()[positions].tolist()
                merges.append((pid, survivor, record_ids))
        for p in positions:
            result[p] = survivor
    created = _create_persons(len(new_persons))
    for (_label, positions), pid in zip(new_persons, created, strict=True):
        for p in positions:
            result[p] = pid
    label_person = {label: pid for (label, _), pid in zip(new_persons, created, strict=True)}
    _record_identity_changes(merges, splits, label_person, actor)
    summary.persons_created = len(created) - len(splits)
    summary.persons_merged = len(merges)
    summary.persons_split = len(splits)
    return result.astype(np.int64)


def _create_persons(count: int) -> list[int]:
    if not count:
        return []
    now = timezone.now()
    public_ids = [new_public_id("P") for _ in range(count)]
    copy_rows(
        Person._meta.db_table,
        ("public_id", "status", "golden_sources", "created_at", "updated_at",
         "nik", "kk_number", "full_name", "name_key", "sex", "birth_place", "address",
         "kelurahan_code", "kecamatan_code"),
        ((pid, "active", {}, now, now, "", "", "", "", "", "", "", "", "") for pid in public_ids),
    )  # fmt: skip
    ids = dict(Person.objects.filter(public_id__in=public_ids).values_list("public_id", "id"))
    return [ids[p] for p in public_ids]


def _record_identity_changes(merges, splits, label_person, actor) -> None:
    for absorbed, survivor, _record_ids in merges:
        Person.objects.filter(pk=absorbed).update(
            status=Person.Status.MERGED, merged_into_id=survivor
        )
        # Earlier redirects follow the chain to the new survivor.
        Person.objects.filter(merged_into_id=absorbed).update(merged_into_id=survivor)
    PersonLinkEvent.objects.bulk_create(
        [
            PersonLinkEvent(
                kind=PersonLinkEvent.Kind.MERGE,
                person_id=survivor,
                other_id=absorbed,
                actor=actor,
                reason="link",
                record_ids=record_ids[:1000],
            )
            for absorbed, survivor, record_ids in merges
        ]
        + [
            PersonLinkEvent(
                kind=PersonLinkEvent.Kind.SPLIT,
                person_id=old,
                other_id=label_person[label],
                actor=actor,
                reason="link",
            )
            for old, label in splits
        ]
    )


def _write_links(records: pd.DataFrame, summary: LinkSummary) -> None:
    with connection.cursor() as cursor:
        # Dropped first: ON COMMIT DROP never fires when a caller's outer transaction goes on.
        cursor.execute("DROP TABLE IF EXISTS link_tmp")
        cursor.execute(
            "CREATE TEMP TABLE link_tmp (record_id bigint, person_id bigint) ON COMMIT DROP"
        )
    copy_rows(
        "link_tmp",
        ("record_id", "person_id"),
        records[["record_id", "person_id"]].itertuples(index=False),
    )
    table = SourceRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} r SET person_id = t.person_id FROM link_tmp t
                WHERE r.id = t.record_id AND r.person_id IS DISTINCT FROM t.person_id"""  # noqa: S608
        )
        summary.records_relinked = cursor.rowcount
        cursor.execute(
            f"""UPDATE registry_aidreceipt ar SET person_id = r.person_id FROM {table} r
                WHERE ar.source_record_id = r.id AND ar.person_id IS DISTINCT FROM r.person_id"""  # noqa: S608
        )


def _golden_values(records: pd.DataFrame) -> pd.DataFrame:
    """Per person: each field from the highest-priority source (civil registry first), then the
    most recent record; reliable NIKs and KKs before unreliable ones."""
    ordered = records.sort_values(
        ["person_id", "agency_priority", "created_at", "version"],
        ascending=[True, True, False, False],
        kind="stable",
    )
    golden = {}
    for column in GOLDEN_FIELDS:
        values = ordered[["person_id", column]]
        if column == "nik":
            values = ordered.loc[ordered["nik_reliable"], ["person_id", column]]
        elif column == "kk_number":
            values = ordered.loc[ordered["kk_reliable"], ["person_id", column]]
        series = values[column]
        if series.dtype == "string" or series.dtype == object:
            values = values[series != ""]
        golden[column] = values.dropna().groupby("person_id")[column].first()
    frame = pd.DataFrame(golden)
    frame.index.name = "person_id"
    return frame.reset_index()


def _write_golden(golden: pd.DataFrame) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS golden_tmp")
        cursor.execute(
            """CREATE TEMP TABLE golden_tmp (person_id bigint, nik varchar(16),
               kk_number varchar(16), full_name varchar(200), name_key varchar(200),
               sex varchar(1), birth_place varchar(100), birth_date date, death_date date,
               address varchar(255), rt smallint, rw smallint, kelurahan_code varchar(13),
               kecamatan_code varchar(8)) ON COMMIT DROP"""
        )
    columns = ["person_id", *GOLDEN_FIELDS]
    rows = ([_db_value(v) for v in row] for row in golden[columns].itertuples(index=False))
    copy_rows("golden_tmp", columns, rows)
    assignments = ", ".join(
        f"{c} = COALESCE(g.{c}, {_EMPTY.get(c, 'NULL')})" for c in GOLDEN_FIELDS
    )
    new_values = ", ".join(f"COALESCE(g.{c}, {_EMPTY.get(c, 'NULL')})" for c in GOLDEN_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Person._meta.db_table} p SET {assignments}, updated_at = now()
                FROM golden_tmp g WHERE p.id = g.person_id
                AND ({", ".join(f"p.{c}" for c in GOLDEN_FIELDS)}) IS DISTINCT FROM
                    ({new_values})
            """  # noqa: S608 - column names are constants; only unchanged rows are skipped
        )


def _write_households(records: pd.DataFrame, golden: pd.DataFrame, summary: LinkSummary) -> None:
    """One household per reliable KK number: members are the persons whose golden KK it is,
    with the relationship the highest-priority source gives."""
    with_kk = golden[golden["kk_number"].notna() & (golden["kk_number"] != "")]
    ordered = records.sort_values(
        ["person_id", "agency_priority", "created_at"], ascending=[True, True, False]
    )
    with_relationship = ordered[ordered["relationship"] != ""]
    relationship = with_relationship.groupby("person_id")["relationship"].first()
    with_decile = ordered.dropna(subset=["welfare_decile"])
    deciles = (
        with_decile.sort_values("created_at", ascending=False)
        .groupby("kk_number")["welfare_decile"]
        .first()
    )
    households = with_kk.groupby("kk_number").first()
    existing = _household_ids(list(households.index))
    now = timezone.now()
    copy_rows(
        Household._meta.db_table,
        HOUSEHOLD_COLUMNS,
        (_household_row(kk, households.loc[kk], deciles.get(kk), now) for kk in households.index
         if kk not in existing),
    )  # fmt: skip
    ids = _household_ids(list(households.index))
    with connection.cursor() as cursor:
        # Memberships are derived state: rebuilt for every linked (and every merged) person.
        cursor.execute(
            f"""DELETE FROM {Membership._meta.db_table} m USING {Person._meta.db_table} p
                WHERE m.person_id = p.id AND (p.status = 'merged' OR p.id IN
                      (SELECT DISTINCT person_id FROM link_tmp))"""  # noqa: S608
        )
    copy_rows(
        Membership._meta.db_table,
        ("household_id", "person_id", "relationship"),
        (
            (ids[row.kk_number], int(row.person_id), relationship.get(row.person_id, ""))
            for row in with_kk.itertuples(index=False)
        ),
    )
    summary.households = len(ids)


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


def _household_row(kk: str, first: pd.Series, decile, now) -> tuple:
    return (
        new_public_id("H"),
        kk,
        _text(first["address"]),
        _db_value(first["rt"]),
        _db_value(first["rw"]),
        _text(first["kelurahan_code"]),
        _text(first["kecamatan_code"]),
        _db_value(decile),
        now,
        now,
    )


def _household_ids(kk_numbers: list[str]) -> dict[str, int]:
    rows = Household.objects.filter(kk_number__in=kk_numbers).values_list("kk_number", "id")
    return dict(rows)


# Person columns that are NOT NULL text get '' when no source has a value.
_EMPTY = {c: "''" for c in GOLDEN_FIELDS if c not in ("birth_date", "death_date", "rt", "rw")}


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
