"""Writes shared by every linking path: persons, record links, golden values, households."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from registry.ingest.copy import copy_frame, copy_rows
from registry.linking.records import GOLDEN_FIELDS, TEXT_COLUMNS, LinkSummary, load_records_where
from registry.models import (
    AidReceipt,
    Household,
    Membership,
    Person,
    SourceRecord,
    new_public_id,
)


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
