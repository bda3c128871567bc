"""The one module that moves data between the database and the linkage library.

load current record versions -> cluster (linkage) -> stable person ids -> write persons,
golden values, households, memberships and aid-receipt links in one transaction.
"""

from __future__ import annotations

import io
import json
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record
from linkage.engine import explain_pair_row, link_records
from linkage.scoring import FSModel
from linkage.stable_ids import assign_stable_ids
from registry.ingest.copy import copy_frame, copy_out, copy_rows
from registry.models import (
    SOURCE_PRIORITY,
    AidReceipt,
    Household,
    LinkDecision,
    LinkModel,
    Membership,
    Person,
    PersonLinkEvent,
    ReviewTask,
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
    review_tasks: int = 0


def _priority_case() -> str:
    whens = " ".join(f"WHEN '{kind}' THEN {prio}" for kind, prio in SOURCE_PRIORITY.items())
    return f"CASE a.kind {whens} ELSE 50 END"


# A KK number carrying one of these flags is never a household key nor a golden value.
KK_UNRELIABLE_FLAGS = frozenset(
    {"kk:excel_damaged", "kk:bad_length", "kk:missing", "kk:non_digit", "kk:invalid"}
)
_KK_UNRELIABLE_SQL = ",".join(f"'{flag}'" for flag in sorted(KK_UNRELIABLE_FLAGS))

RECORD_SELECT = f"""
    SELECT r.id AS record_id, a.code AS agency, {{priority}} AS agency_priority,
           r.nik, r.nik_reliable, r.kk_number,
           NOT (r.flags && ARRAY[{_KK_UNRELIABLE_SQL}]::varchar[]) AS kk_reliable,
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


def load_records() -> pd.DataFrame:
    """Every current record version with the columns the linkage library reads (COPY out:
    several times faster than fetching rows for a whole city)."""
    sql = RECORD_SELECT.format(priority=_priority_case(), where="true")
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        copy_out(cursor, f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        dtype={c: "string" for c in TEXT_COLUMNS} | dict.fromkeys(INT_COLUMNS, "Int64"),
        keep_default_na=False,
        na_values={c: [""] for c in INT_COLUMNS},
        parse_dates=DATE_COLUMNS,
        true_values=["t"],
        false_values=["f"],
    )
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].fillna("")
    return frame


def load_records_where(where: str, params: list) -> pd.DataFrame:
    """The same columns for a few records selected by a parameterised condition."""
    with connection.cursor() as cursor:
        cursor.execute(RECORD_SELECT.format(priority=_priority_case(), where=where), params)
        columns = [c.name for c in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=columns)
    frame[TEXT_COLUMNS] = frame[TEXT_COLUMNS].fillna("")
    for column in INT_COLUMNS:
        frame[column] = pd.array(frame[column], dtype="Int64")
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=column == "created_at")
    frame["nik_reliable"] = frame["nik_reliable"].astype(bool)
    frame["kk_reliable"] = frame["kk_reliable"].astype(bool)
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
        saved = None if full else LinkModel.objects.first()
        result = link_records(
            records[ENGINE_COLUMNS],
            decisions=_decisions(),
            model=FSModel.from_dict(saved.parameters) if saved else None,
        )
        labels = result.clusters.reindex(records["record_id"].to_numpy()).to_numpy()
        summary.engine = result.stats | {"blocking": result.blocking}
        summary.seconds["cluster"] = time.perf_counter() - started
        if saved is None:
            LinkModel.objects.create(parameters=result.model.to_dict(), stats=result.stats)
        summary.review_tasks = _write_review_tasks(result)
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
    logger.info(
        "link done: records=%s created=%s merged=%s split=%s relinked=%s seconds=%s",
        summary.records, summary.persons_created, summary.persons_merged,
        summary.persons_split, summary.records_relinked,
        {k: round(v, 1) for k, v in summary.seconds.items()},
    )  # fmt: skip
    return summary


def _decisions(record_ids: list[int] | None = None) -> list[tuple[int, int, str]]:
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


MAX_REVIEW_TASKS = 10_000


def _write_review_tasks(result) -> int:
    """Uncertain pairs become open review tasks (once per pair; decided pairs stay decided)."""
    review = result.review.head(MAX_REVIEW_TASKS)
    if review.empty:
        return 0
    tasks = []
    for row in review.itertuples(index=False):
        a, b = sorted((int(row.left_id), int(row.right_id)))
        explanation = explain_pair_row(result.model, pd.Series(row._asdict()))
        tasks.append(
            ReviewTask(
                record_a_id=a,
                record_b_id=b,
                probability=float(row.probability),
                explanation=json.loads(json.dumps(explanation, default=float)),
            )
        )
    created = ReviewTask.objects.bulk_create(tasks, ignore_conflicts=True, batch_size=2000)
    return len(created)


def _assign_persons(records, labels, *, full: bool, summary: LinkSummary, actor) -> np.ndarray:
    """Person pk per record, with ids kept stable by linkage.stable_ids (merge: the absorbed id
    redirects to the survivor; split: the larger part keeps the id). Without `full`, persons
    made earlier are never merged or split: only records without a person are placed."""
    known = records["person_id"].dropna().astype("int64")
    public_of = dict(
        Person.objects.filter(pk__in=known.unique().tolist()).values_list("pk", "public_id")
    )
    pk_of = {public: pk for pk, public in public_of.items()}
    previous = dict(zip(records.loc[known.index, "record_id"].tolist(),
                        [public_of[int(p)] for p in known.tolist()], strict=True))  # fmt: skip
    result = assign_stable_ids(
        pd.Series(labels, index=records["record_id"].to_numpy()),
        previous,
        lambda: new_public_id("P"),
        id_age=pk_of,
    )
    assignment = result.assignment
    if not full:
        assignment.update(previous)
        result.redirects.clear()
        result.events = [e for e in result.events if e["kind"] == "create"]
    fresh = sorted(set(assignment.values()) - set(pk_of))
    pk_of.update(_create_persons(fresh))
    _record_identity_changes(result, pk_of, assignment, actor)
    summary.persons_created = sum(e["kind"] == "create" for e in result.events)
    summary.persons_merged = len(result.redirects)
    summary.persons_split = sum(e["kind"] == "split" for e in result.events)
    return np.array([pk_of[assignment[r]] for r in records["record_id"].tolist()], dtype=np.int64)


def _create_persons(public_ids: list[str]) -> dict[str, int]:
    """New, empty persons (their golden values follow); returns public id -> pk."""
    if not public_ids:
        return {}
    now = timezone.now()
    copy_rows(
        Person._meta.db_table,
        ("public_id", "status", "golden_sources", "created_at", "updated_at",
         "nik", "kk_number", "full_name", "name_key", "sex", "birth_place", "address",
         "kelurahan_code", "kecamatan_code"),
        ((pid, "active", {}, now, now, "", "", "", "", "", "", "", "", "") for pid in public_ids),
    )  # fmt: skip
    return dict(Person.objects.filter(public_id__in=public_ids).values_list("public_id", "id"))


def _record_identity_changes(result, pk_of: dict[str, int], assignment, actor) -> None:
    """Merges become redirects (earlier redirects follow the chain); merges and splits are
    kept as PersonLinkEvent history."""
    records_of: dict[str, list[int]] = {}
    for record_id, public in assignment.items():
        records_of.setdefault(public, []).append(record_id)
    history = []
    for absorbed, survivor in result.redirects.items():
        Person.objects.filter(pk=pk_of[absorbed]).update(
            status=Person.Status.MERGED, merged_into_id=pk_of[survivor]
        )
        Person.objects.filter(merged_into_id=pk_of[absorbed]).update(merged_into_id=pk_of[survivor])
        history.append(
            PersonLinkEvent(
                kind=PersonLinkEvent.Kind.MERGE,
                person_id=pk_of[survivor],
                other_id=pk_of[absorbed],
                actor=actor,
                reason="link",
                record_ids=records_of.get(survivor, [])[:1000],
            )  # fmt: skip
        )
    for event in result.events:
        if event["kind"] == "split":
            history.append(
                PersonLinkEvent(
                    kind=PersonLinkEvent.Kind.SPLIT,
                    person_id=pk_of[event["source"]],
                    other_id=pk_of[event["new"]],
                    actor=actor,
                    reason="link",
                    record_ids=records_of.get(event["new"], [])[:1000],
                )  # fmt: skip
            )
    PersonLinkEvent.objects.bulk_create(history)


def _write_links(records: pd.DataFrame, summary: LinkSummary) -> None:
    """Point records and their aid receipts at their persons; rows already right are skipped.
    Arrays as parameters: one statement whatever the size, no temporary table."""
    record_ids = records["record_id"].astype("int64").tolist()
    person_ids = records["person_id"].astype("int64").tolist()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {SourceRecord._meta.db_table} r SET person_id = u.person_id
                FROM unnest(%s::bigint[], %s::bigint[]) AS u(record_id, person_id)
                WHERE r.id = u.record_id AND r.person_id IS DISTINCT FROM u.person_id""",  # noqa: S608
            [record_ids, person_ids],
        )
        summary.records_relinked = cursor.rowcount
        cursor.execute(
            f"""UPDATE {AidReceipt._meta.db_table} ar SET person_id = u.person_id
                FROM unnest(%s::bigint[], %s::bigint[]) AS u(record_id, person_id)
                WHERE ar.source_record_id = u.record_id
                  AND ar.person_id IS DISTINCT FROM u.person_id""",  # noqa: S608
            [record_ids, person_ids],
        )


def _golden_values(records: pd.DataFrame) -> pd.DataFrame:
    """Per person: each field from the highest-priority source (civil registry first), then the
    most recent record; reliable NIKs and KKs before unreliable ones, which never win."""
    ordered = records.sort_values(
        ["person_id", "agency_priority", "created_at", "version"],
        ascending=[True, True, False, False],
        kind="stable",
    )
    values = ordered[["person_id", *GOLDEN_FIELDS]].copy()
    values.loc[~ordered["nik_reliable"].astype(bool), "nik"] = None
    values.loc[~ordered["kk_reliable"].astype(bool), "kk_number"] = None
    text = [c for c in GOLDEN_FIELDS if c in TEXT_COLUMNS]
    values[text] = values[text].replace("", None)
    # first() skips missing values column by column: one pass for every field.
    return values.groupby("person_id", sort=True).first().reset_index()


# SQL types of the golden columns, for the unnest() of the update below.
GOLDEN_TYPES = {
    "nik": "varchar", "kk_number": "varchar", "full_name": "varchar", "name_key": "varchar",
    "sex": "varchar", "birth_place": "varchar", "birth_date": "date", "death_date": "date",
    "address": "varchar", "rt": "smallint", "rw": "smallint", "kelurahan_code": "varchar",
    "kecamatan_code": "varchar",
}  # fmt: skip


def _write_golden(golden: pd.DataFrame) -> None:
    """Golden values onto persons, in one statement; persons whose values are unchanged are
    not rewritten (a rerun after no change writes nothing)."""
    arrays = [golden["person_id"].astype("int64").tolist()]
    for column in GOLDEN_FIELDS:
        arrays.append([_db_value(v) for v in golden[column].tolist()])
    unnest = ", ".join(["%s::bigint[]"] + [f"%s::{GOLDEN_TYPES[c]}[]" for c in GOLDEN_FIELDS])
    new_values = ", ".join(f"COALESCE(g.{c}, {_EMPTY.get(c, 'NULL')})" for c in GOLDEN_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Person._meta.db_table} p
                SET ({", ".join(GOLDEN_FIELDS)}, updated_at) = ({new_values}, now())
                FROM unnest({unnest}) AS g(person_id, {", ".join(GOLDEN_FIELDS)})
                WHERE p.id = g.person_id
                  AND ({", ".join(f"p.{c}" for c in GOLDEN_FIELDS)}) IS DISTINCT FROM
                      ({new_values})""",  # noqa: S608 - column names are constants
            arrays,
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
    fresh = households[~households.index.isin(list(existing))].reset_index()
    if len(fresh):
        now = timezone.now()
        fresh["public_id"] = [new_public_id("H") for _ in range(len(fresh))]
        fresh["welfare_decile"] = pd.array(
            fresh["kk_number"].map(deciles).astype("Float64").round(), dtype="Int64"
        )
        fresh["created_at"] = fresh["updated_at"] = now.isoformat()
        copy_frame(Household._meta.db_table, fresh, HOUSEHOLD_COLUMNS)
    ids = _household_ids(list(households.index))
    with connection.cursor() as cursor:
        # Memberships are derived state: rebuilt for every linked (and every merged) person.
        cursor.execute(
            f"""DELETE FROM {Membership._meta.db_table} m USING {Person._meta.db_table} p
                WHERE m.person_id = p.id AND (p.status = 'merged' OR p.id IN
                      (SELECT unnest(%s::bigint[])))""",  # noqa: S608
            [records["person_id"].astype("int64").unique().tolist()],
        )
    members = pd.DataFrame(
        {
            "household_id": with_kk["kk_number"].map(ids).astype("int64").to_numpy(),
            "person_id": with_kk["person_id"].astype("int64").to_numpy(),
            "relationship": with_kk["person_id"].map(relationship).fillna("").to_numpy(),
        }
    )
    copy_frame(Membership._meta.db_table, members, ["household_id", "person_id", "relationship"])
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


MATCH_PROBABILITY = 0.5


def link_new_records(record_ids: list[int], *, actor=None) -> dict[int, str]:
    """Place just-arrived records with the saved model (the same comparisons and weights as
    the last full run): candidates come through the indexed blocking keys, never a scan.
    Returns record id -> person public id. Without a saved model a full link runs first."""
    if not record_ids:
        return {}
    saved = LinkModel.objects.first()
    if saved is None:
        link(full=True, actor=actor)
        return _public_ids(record_ids)
    model = _saved_model(saved)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.link'))")
        new = load_records_where("r.id = ANY(%s) AND r.person_id IS NULL", [record_ids])
        if new.empty:
            return _public_ids(record_ids)
        placed = _place(new, _candidates_for(new), model)
        new["person_id"] = placed.astype("int64")
        affected = [int(p) for p in new["person_id"].unique()]
        records = load_records_where(
            "r.person_id = ANY(%s) OR r.id = ANY(%s)", [affected, record_ids]
        )
        records["person_id"] = (
            records["record_id"]
            .map(dict(zip(new["record_id"], new["person_id"], strict=True)))
            .fillna(records["person_id"])
            .astype("int64")
        )
        summary = LinkSummary(records=len(new))
        _write_links(records, summary)
        golden = _golden_values(records)
        _write_golden(golden)
        _write_households(records, golden, summary)
        audit_record(
            actor=actor,
            action="persons.link",
            object_type="registry",
            detail={"incremental": True, "records": len(new), "persons": len(affected)},
        )
    return _public_ids(record_ids)


def _public_ids(record_ids: list[int]) -> dict[int, str]:
    rows = SourceRecord.objects.filter(id__in=record_ids).values_list("id", "person__public_id")
    return {rid: pid for rid, pid in rows if pid}


def _candidates_for(new: pd.DataFrame) -> pd.DataFrame:
    """Already-linked records sharing a blocking key with any new record (indexed lookups)."""
    niks = [n for n, ok in zip(new["nik"], new["nik_reliable"], strict=True) if ok and n]
    kks = [k for k in new["kk_number"] if k]
    dated = new[new["birth_date"].notna()]
    names = dated["name_key"].tolist()
    dates = [d.date() for d in dated["birth_date"]]
    phon = new[new["kelurahan_code"] != ""]
    table = SourceRecord._meta.db_table
    # One indexed probe per blocking key, united: an OR across keys would make the planner
    # fall back to scanning every record.
    return load_records_where(
        f"""r.person_id IS NOT NULL AND r.id IN (
              SELECT id FROM {table} WHERE is_current AND nik = ANY(%s)
              UNION SELECT id FROM {table} WHERE is_current AND kk_number = ANY(%s)
              UNION SELECT s.id FROM {table} s
                    JOIN unnest(%s::varchar[], %s::date[]) AS k(name_key, birth_date)
                      ON s.name_key = k.name_key AND s.birth_date = k.birth_date
                   WHERE s.is_current
              UNION SELECT s.id FROM {table} s
                    JOIN unnest(%s::varchar[], %s::varchar[]) AS k(phonetic, kelurahan)
                      ON s.name_phonetic = k.phonetic AND s.kelurahan_code = k.kelurahan
                   WHERE s.is_current)""",  # noqa: S608 - the table name is a constant
        [niks, kks, names, dates, phon["name_phonetic"].tolist(), phon["kelurahan_code"].tolist()],
    )


def _place(new: pd.DataFrame, candidates: pd.DataFrame, model: FSModel) -> pd.Series:
    """Person of each new record: the engine clusters the new records together with their
    candidates (vectorised, saved model, NIK constraints, reviewers' decisions), and a new
    record takes the existing person that holds most records of its cluster. Existing persons
    are never merged here (that is `link --full`'s job); clusters of new records only get a
    new person each."""
    pool = pd.concat([candidates, new], ignore_index=True)
    decisions = _decisions(pool["record_id"].astype("int64").tolist())
    result = link_records(pool[ENGINE_COLUMNS], model=model, decisions=decisions)
    labels = result.clusters.reindex(pool["record_id"].to_numpy()).to_numpy()
    pool["label"] = labels
    known = pool.iloc[: len(candidates)]
    owner = (
        known.groupby(["label", "person_id"]).size().reset_index(name="n")
        .sort_values(["label", "n", "person_id"], ascending=[True, False, True])
        .drop_duplicates("label").set_index("label")["person_id"]
    )  # fmt: skip
    new_labels = labels[len(candidates) :]
    placed = pd.Series(new_labels, index=new.index).map(owner).astype("float64")
    orphan_labels = sorted(set(new_labels[placed.isna().to_numpy()].tolist()))
    fresh = [new_public_id("P") for _ in orphan_labels]
    pks = _create_persons(fresh)
    created = {label: pks[public] for label, public in zip(orphan_labels, fresh, strict=True)}
    return placed.fillna(pd.Series(new_labels, index=new.index).map(created))


_MODEL_CACHE: dict[int, FSModel] = {}


def _saved_model(saved: LinkModel) -> FSModel:
    """Parsing the saved parameters costs more than scoring one record: keep it per process."""
    if saved.pk not in _MODEL_CACHE:
        _MODEL_CACHE.clear()
        _MODEL_CACHE[saved.pk] = FSModel.from_dict(saved.parameters)
    return _MODEL_CACHE[saved.pk]


def refresh_persons(person_ids: list[int]) -> None:
    """Recompute golden values, memberships and aid links of some persons after a manual
    merge or split (the same code paths a link run uses)."""
    records = load_records_where("r.person_id = ANY(%s)", [person_ids])
    if records.empty:
        return
    records["person_id"] = records["person_id"].astype("int64")
    summary = LinkSummary(records=len(records))
    _write_links(records, summary)
    golden = _golden_values(records)
    _write_golden(golden)
    _write_households(records, golden, summary)
