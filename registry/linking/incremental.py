"""link_new_records(): records placed on arrival with the saved model, through indexed keys.

Where the time goes (one record arriving on a loaded city): not in the index probes, which
are O(log n), but in round trips and in per-call overheads of pandas on frames of a few dozen
rows. So this path
- reads the new records and their candidates (one indexed probe per blocking key, each
  mirroring a key of the engine) in ONE statement, and after placing them the other current
  records of just the persons they join, in a second one;
- runs the engine on exactly the pool the probes give (new records + candidates, same order
  as before: same clusters), with one thread, since a thread pool costs more than a few
  dozen comparisons;
- computes golden values and household memberships of the few affected persons in plain
  Python (the rules of registry.linking.profiles, written for whole-city frames);
- writes record links (rows of the link table), aid receipts and golden values in ONE
  statement, and touches households and memberships only when a membership actually changes.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.actions import Action
from audit.services import audit_record
from linkage.config import LinkConfig
from linkage.engine import LinkResult, link_records
from linkage.normalize.dates import MIN_PLAUSIBLE
from linkage.scoring import FSModel
from registry.bound_sql import bound_cursor, int_array, json_rows
from registry.linking import golden
from registry.linking.full import link, write_review_tasks
from registry.linking.profiles import GOLDEN_EMPTY_SQL, GOLDEN_TYPES
from registry.linking.records import (
    ENGINE_COLUMNS,
    GOLDEN_FIELDS,
    RECORD_COLUMNS,
    records_frame,
    review_decisions,
)
from registry.linking.records import KK_UNRELIABLE_SQL as _KK_UNRELIABLE_SQL
from registry.linking.records import priority_case as _priority_case
from registry.models import (
    AidReceipt,
    Household,
    LinkModel,
    Membership,
    Person,
    RecordLink,
    SourceRecord,
    new_public_id,
)

MATCH_PROBABILITY = 0.5
# Pools up to this size are compared on the calling thread (no rapidfuzz thread pool).
SINGLE_THREAD_POOL = 5_000

_T = SourceRecord._meta.db_table
_L = RecordLink._meta.db_table
_P = Person._meta.db_table

# Role of a row in the pool: a new record, a candidate (shares a blocking key with a new
# record), or another current record of the person a new record joins (for golden values).
NEW, CANDIDATE, OTHER = 0, 1, 2

# The columns the engine, golden values and households read, for the rows of {picked}
# (id, role, the record's own person link or NULL).
_POOL_SELECT = f"""
SELECT {RECORD_COLUMNS.format(priority=_priority_case())},
       COALESCE(p.person_id, pl.person_id) AS person_id,
       p.role, pe.public_id AS person_public_id
  FROM picked p  -- p.person_id: the record's own link (new records have none)
  JOIN {_T} r ON r.id = p.id
  JOIN registry_agency a ON a.id = r.agency_id
  LEFT JOIN {_T} prev
    ON p.role = {NEW} AND prev.agency_id = r.agency_id
   AND prev.source_record_id = r.source_record_id AND prev.version = r.version - 1
  LEFT JOIN {_L} pl ON pl.record_id = prev.id
  LEFT JOIN {_P} pe ON pe.id = p.person_id
 ORDER BY r.id
"""  # noqa: S608 - table names and constants only

# One indexed probe per blocking key of the engine's configuration, united: an OR across
# keys would make the planner fall back to scanning every record. The probes join the new
# records in the database, so the new records and their candidates come back in one round
# trip. PROBES maps each key of linkage.config.DEFAULT_BLOCKING_KEYS to its probe and
# POOL_SQL is built from the configured keys; UNPROBED names the keys with no indexed probe
# and why (tests/registry/test_incremental_keys.py pins both).
#
# The name-sound probe mirrors the engine's phonetic_year_kelurahan key (same sound, village
# and birth year; no date meets no date), plus the same day and month in any other year, so
# a wrong birth year still meets its monthday_address pair. Without the year a common name
# in a big kelurahan brought hundreds of people of every age, whom no key of the engine pairs
# with the new record, and the p95 of a single record went with them.
_PROBE_NIK = """
    SELECT s.id FROM new n JOIN {t} s ON s.nik = n.nik
     WHERE n.nik_reliable AND n.nik <> '' AND s.is_current"""
# a reliable KK brings its household; a damaged one (Excel kept "367107", shared by a
# thousand strangers) only what the engine's kk_given key could pair: same given name
_PROBE_KK = """
    SELECT s.id FROM new n JOIN {t} s ON s.kk_number = n.kk_number
     WHERE n.kk_number <> '' AND s.is_current
       AND (n.kk_reliable OR s.given_name_key = n.given_name_key)"""
_PROBE_NAME_DOB = """
    SELECT s.id FROM new n JOIN {t} s
        ON s.name_key = n.name_key AND s.birth_date = n.birth_date
     WHERE s.is_current"""
_PROBE_SOUND_YEAR = """
    SELECT s.id FROM new n JOIN {t} s
        ON s.name_phonetic = n.name_phonetic AND s.kelurahan_code = n.kelurahan_code
       AND s.birth_date >= n.year_start AND s.birth_date < n.year_start + interval '1 year'
     WHERE n.kelurahan_code <> '' AND n.name_phonetic <> '' AND s.is_current"""
_PROBE_SOUND_MONTHDAY = """
    SELECT s.id FROM new n JOIN {t} s
        ON s.name_phonetic = n.name_phonetic AND s.kelurahan_code = n.kelurahan_code
       AND s.birth_date = ANY(n.same_monthday)
     WHERE n.kelurahan_code <> '' AND n.name_phonetic <> '' AND s.is_current"""
# a mistyped name: same birth date in the same kelurahan, or with the same given name in the
# same kecamatan (the engine's dob_kelurahan and given_dob_kecamatan keys)
_PROBE_DOB_REGION = """
    SELECT s.id FROM new n JOIN {t} s
        ON s.birth_date = n.birth_date AND s.kecamatan_code = n.kecamatan_code
       AND (s.kelurahan_code = n.kelurahan_code OR s.given_name_key = n.given_name_key)
     WHERE n.kecamatan_code <> '' AND s.is_current"""
# no identifier and no region (token_dob, dob_house), and the name in any order
# (sorted_name_dob): the birth date leads the (birth_date, kecamatan, kelurahan) index, a few
# hundred records a day in a city of millions
_PROBE_DOB_NAME_OR_HOUSE = """
    SELECT s.id FROM new n JOIN {t} s ON s.birth_date = n.birth_date
     WHERE s.is_current
       AND (split_part(s.name_key, ' ', 1) IN (n.first_token, n.last_token)
            OR regexp_replace(s.name_key, '^.* ', '') IN (n.first_token, n.last_token)
            OR s.name_sorted = n.name_sorted
            OR (n.house_number <> '' AND s.house_number = n.house_number))"""
# a NIK one typo away with the same given name and birth year (the engine's nik_one_off key):
# a substitution or a swap of adjacent digits leaves the first or the last 8 digits intact,
# a swap across the middle the first 7 and the last 7 (a range of the first index); one
# expression index per half (migration 0018), the same expressions as here
_PROBE_NIK_ONE_OFF = """
    SELECT s.id FROM new n JOIN {t} s
        ON SUBSTRING(s.nik, 1, 8) = SUBSTRING(n.nik, 1, 8)
       AND s.given_name_key = n.given_name_key
     WHERE n.nik_valid AND n.given_name_key <> '' AND s.is_current AND NOT (s.nik = '')
       AND date_trunc('year', s.birth_date)::date IS NOT DISTINCT FROM n.year_start
    UNION
    SELECT s.id FROM new n JOIN {t} s
        ON SUBSTRING(s.nik, 9, 8) = SUBSTRING(n.nik, 9, 8)
       AND s.given_name_key = n.given_name_key
     WHERE n.nik_valid AND n.given_name_key <> '' AND s.is_current AND NOT (s.nik = '')
       AND date_trunc('year', s.birth_date)::date IS NOT DISTINCT FROM n.year_start
    UNION
    SELECT s.id FROM new n JOIN {t} s
        ON SUBSTRING(s.nik, 1, 8) BETWEEN SUBSTRING(n.nik, 1, 7) || '0'
                                      AND SUBSTRING(n.nik, 1, 7) || '9'
       AND s.given_name_key = n.given_name_key
     WHERE n.nik_valid AND n.given_name_key <> '' AND s.is_current AND NOT (s.nik = '')
       AND SUBSTRING(s.nik, 10, 7) = SUBSTRING(n.nik, 10, 7)
       AND date_trunc('year', s.birth_date)::date IS NOT DISTINCT FROM n.year_start"""
# records without a birth date meet by name sound in their kelurahan (no engine key needs
# the date to be missing; this keeps them from meeting nobody)
_PROBE_NO_DATE = """
    SELECT s.id FROM new n JOIN {t} s
        ON s.name_phonetic = n.name_phonetic AND s.kelurahan_code = n.kelurahan_code
     WHERE n.birth_date IS NULL AND s.birth_date IS NULL
       AND n.kelurahan_code <> '' AND n.name_phonetic <> '' AND s.is_current"""

# key -> its probe, which finds every record the key pairs with a new record (a superset:
# probes know no block-size cap)
PROBES: dict[str, str] = {
    "nik_exact": _PROBE_NIK,
    "kk_given": _PROBE_KK,
    "name_dob": _PROBE_NAME_DOB,
    "phonetic_year_kelurahan": _PROBE_SOUND_YEAR,
    "phonetic_monthday": _PROBE_SOUND_MONTHDAY,
    "dob_kelurahan": _PROBE_DOB_REGION,
    "given_dob_kecamatan": _PROBE_DOB_REGION,
    "token_dob": _PROBE_DOB_NAME_OR_HOUSE,
    "dob_house": _PROBE_DOB_NAME_OR_HOUSE,
    "sorted_name_dob": _PROBE_DOB_NAME_OR_HOUSE,
    "nik_one_off": _PROBE_NIK_ONE_OFF,
}
# key -> the probe that stands in for it, finding only part of its pairs
APPROXIMATE_PROBES: dict[str, str] = {
    "monthday_address": _PROBE_SOUND_MONTHDAY,  # only with the same name sound
}
UNPROBED: dict[str, str] = {
    "dob_swapped_phonetic": "the swapped date is found by the name sound probes in the kelurahan",
    # keys for records with neither NIK nor KK: such a record still meets its others by name
    # and date (token_dob, dob_house) or, without a date, by name sound in its kelurahan
    "phonetic_house": "records without NIK and KK only; met by the date and name-sound probes",
    "name_house": "records without NIK and KK only; met by the date and name-sound probes",
    "token_address": "records without NIK and KK only; met by the date and name-sound probes",
    "name_kelurahan": "records without NIK and KK only; met by the date and name-sound probes",
    "other_id_exact": "the registry's records carry no identifier other than NIK and KK",
    "other_id_one_off": "the registry's records carry no identifier other than NIK and KK",
}


def _pool_sql(keys: tuple) -> str:
    """POOL_SQL for the configured blocking keys: their probes (each once), plus the probe
    for records without a birth date."""
    every = PROBES | APPROXIMATE_PROBES
    probes = list(dict.fromkeys(every[k] for k in keys if isinstance(k, str) and k in every))
    probes.append(_PROBE_NO_DATE)
    united = "\n    UNION".join(p.format(t=_T) for p in probes)
    return f"""
WITH new AS MATERIALIZED (  -- NOT EXISTS: one probe of the link table's primary key each
    SELECT id, nik, nik_reliable, kk_number, name_key, name_sorted, birth_date, name_phonetic,
           nik ~ '^[0-9]{{16}}$' AS nik_valid,
           kelurahan_code, kecamatan_code, given_name_key, house_number,
           split_part(name_key, ' ', 1) AS first_token,
           regexp_replace(name_key, '^.* ', '') AS last_token,
           NOT (flags && ARRAY[{_KK_UNRELIABLE_SQL}]::varchar[]) AS kk_reliable,
           date_trunc('year', birth_date)::date AS year_start,
           ARRAY(SELECT (birth_date + make_interval(years => k))::date
                   FROM generate_series({MIN_PLAUSIBLE.year} - extract(year FROM birth_date)::int,
                                        extract(year FROM current_date)::int
                                        - extract(year FROM birth_date)::int) AS k
                  WHERE k <> 0) AS same_monthday
      FROM {_T} r WHERE id = ANY(%(ids)s) AND is_current
       AND NOT EXISTS (SELECT FROM {_L} l WHERE l.record_id = r.id)
), probed AS ({united}
), picked AS (
    SELECT id, {NEW} AS role, NULL::bigint AS person_id FROM new
    UNION ALL
    -- candidates are the linked records among them: one probe of the link's primary key
    -- each, after the union (one join to plan, not one per key)
    SELECT p.id, {CANDIDATE}, l.person_id FROM probed p JOIN {_L} l ON l.record_id = p.id
)
{_POOL_SELECT}"""  # noqa: S608 - table names and constants only


POOL_SQL = _pool_sql(LinkConfig().blocking_keys)

# The other current records of the persons the new records join: read after placing, so a
# pool of a hundred candidates does not bring the hundred persons' every record.
OTHERS_SQL = f"""
WITH picked AS (
    -- an array, not a join, so the link table's person index is used whatever the
    -- estimates; is_current as an expression, so no partial index on current records gets
    -- ANDed in (a full scan)
    SELECT s.id, {OTHER} AS role, l.person_id FROM {_L} l JOIN {_T} s ON s.id = l.record_id
     WHERE l.person_id = ANY(%(persons)s::bigint[]) AND s.is_current::int = 1
       AND l.record_id <> ALL(%(known)s::bigint[])
)
{_POOL_SELECT}"""  # noqa: S608 - table names and constants only


def link_new_records(record_ids: list[int], *, actor=None) -> dict[int, str]:
    """Place just-arrived records with the saved model (the same comparisons and weights as
    the last full run): candidates come through the indexed blocking keys, never a scan.
    Returns record id -> person public id. Without a saved model a full link runs first."""
    if not record_ids:
        return {}
    model = _saved_model()
    if model is None:
        link(full=True, actor=actor)
        return _public_ids(record_ids)
    record_ids = [int(r) for r in record_ids]
    with transaction.atomic():
        with bound_cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.link'))")
            cursor.execute(POOL_SQL, {"ids": record_ids})
            columns = [c.name for c in cursor.description]
            rows = cursor.fetchall()
        if not any(row[-2] == NEW for row in rows):
            return _public_ids(record_ids)
        pool = _Pool(columns, rows)
        placed, result = _place(pool, model)
        reviews = write_review_tasks(result, involving=list(placed))
        _read_others(pool, placed)
        answer = _write(pool, placed)
        audit_record(
            actor=actor,
            action=Action.PERSONS_LINK,
            object_type="registry",
            detail={
                "incremental": True,
                "records": len(pool.new),
                "persons": len(set(placed.values())),
                "review_tasks": reviews,
            },
        )
    missing = [r for r in record_ids if r not in answer]
    if missing:
        answer.update(_public_ids(missing))
    return {r: answer[r] for r in record_ids if r in answer}


class _Pool:
    """The rows of POOL_SQL, by role, as dicts (a few dozen per new record), and then those
    of OTHERS_SQL."""

    def __init__(self, columns: list[str], rows: list[tuple]) -> None:
        self.all_columns = columns
        self.columns = columns[:-2]
        role_at = len(columns) - 2
        self.rows = [dict(zip(columns, row, strict=True)) for row in rows]
        self.new = [r for r, row in zip(self.rows, rows, strict=True) if row[role_at] == NEW]
        self.candidates = [
            r for r, row in zip(self.rows, rows, strict=True) if row[role_at] == CANDIDATE
        ]
        keep = slice(0, role_at)
        self.engine_rows = [row[keep] for row in rows if row[role_at] == CANDIDATE] + [
            row[keep] for row in rows if row[role_at] == NEW
        ]
        self.public_id = {
            r["person_id"]: r["person_public_id"] for r in self.rows if r["role"] != NEW
        }

    def add_others(self, rows: list[tuple]) -> None:
        self.rows.extend(dict(zip(self.all_columns, row, strict=True)) for row in rows)


def _read_others(pool: _Pool, placed: dict[int, int]) -> None:
    """The other current records of the existing persons the new records join (OTHERS_SQL),
    added to the pool for their golden values."""
    joined = sorted({pk for pk in placed.values() if pk > 0})
    if not joined:
        return
    known = [row["record_id"] for row in pool.rows]
    with bound_cursor() as cursor:
        cursor.execute(OTHERS_SQL, {"persons": int_array(joined), "known": int_array(known)})
        pool.add_others(cursor.fetchall())


def _place(pool: _Pool, model: FSModel) -> tuple[dict[int, int], LinkResult]:
    """Person of each new record: the engine clusters the new records together with their
    candidates (vectorised, saved model, NIK constraints, reviewers' decisions), and a new
    record takes the existing person that holds most records of its cluster (ties: the lower
    id). Existing persons are never merged here (that is `link --full`'s job); clusters of
    new records only get a new person each. Returns (record id -> person pk, or -1, -2, ...
    for the new persons, which are created with their golden values; the engine's result,
    whose uncertain pairs become review tasks)."""
    frame = records_frame(pool.columns, pool.engine_rows)
    ids = frame["record_id"].tolist()
    decisions = review_decisions(ids) if len(ids) > 1 else []
    config = LinkConfig()
    if len(ids) <= SINGLE_THREAD_POOL:
        config = dataclasses.replace(config, workers=1)
    result = link_records(frame[ENGINE_COLUMNS], model=model, decisions=decisions, config=config)
    label_of = dict(zip(ids, result.clusters.reindex(ids).tolist(), strict=True))
    counts: dict[int, Counter] = defaultdict(Counter)
    for row in pool.candidates:
        counts[label_of[row["record_id"]]][row["person_id"]] += 1
    owner = {
        label: min(c.items(), key=lambda item: (-item[1], item[0]))[0]
        for label, c in counts.items()
    }
    new_labels = {row["record_id"]: label_of[row["record_id"]] for row in pool.new}
    orphans = sorted({label for label in new_labels.values() if label not in owner})
    # new persons: temporary keys -1, -2, ... in label order (their pks follow that order)
    owner.update({label: -1 - k for k, label in enumerate(orphans)})
    return {rid: owner[label] for rid, label in new_labels.items()}, result


def _create_persons(golden: list[tuple[int, list]]) -> tuple[dict[int, int], dict[int, str]]:
    """New persons with their golden values (one insert, no update after it), pks in the
    order of their temporary keys -1, -2, ...; returns (temporary key -> pk, pk -> public
    id)."""
    if not golden:
        return {}, {}
    golden = sorted(golden, reverse=True)  # -1, -2, ...
    public_ids = [new_public_id("P") for _ in golden]
    rows = json_rows(
        ("public_id", "n", *GOLDEN_FIELDS),
        (
            (public, n, *values)
            for n, (public, (_, values)) in enumerate(zip(public_ids, golden, strict=True))
        ),
    )
    values = ", ".join(f"COALESCE(g.{c}, {GOLDEN_EMPTY_SQL.get(c, 'NULL')})" for c in GOLDEN_FIELDS)
    with bound_cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {_P} (public_id, status, golden_sources, created_at, updated_at,
                                  {", ".join(GOLDEN_FIELDS)})
                SELECT g.public_id, 'active', '{{}}'::jsonb, now(), now(), {values}
                  FROM json_to_recordset(%s::json)
                       AS g(public_id varchar, n integer, {_GOLDEN_COLUMNS})
                 ORDER BY g.n
                RETURNING public_id, id""",  # noqa: S608 - constants only
            [rows],
        )
        ids = dict(cursor.fetchall())
    pk_of = {key: ids[public] for (key, _), public in zip(golden, public_ids, strict=True)}
    return pk_of, {pk: public for public, pk in ids.items()}


def _write(pool: _Pool, placed: dict[int, int]) -> dict[int, str]:
    """New persons inserted with their golden values; record links, aid receipts and golden
    values of the existing affected persons in one statement; households and memberships
    only where a membership changes. Returns the answer: new record id -> person public id."""
    affected = set(placed.values())
    records = []
    for row in pool.rows:
        person = placed.get(row["record_id"]) if row["role"] == NEW else row["person_id"]
        if person in affected:
            records.append({**row, "person_id": person})
    golden = _golden(records)
    pk_of, public = _create_persons([(key, values) for key, values in golden if key < 0])
    if pk_of:
        pool.public_id.update(public)
        placed = {rid: pk_of.get(pk, pk) for rid, pk in placed.items()}
        for record in records:
            record["person_id"] = pk_of.get(record["person_id"], record["person_id"])
        golden = sorted((pk_of.get(pk, pk), values) for pk, values in golden)
    fresh = set(pk_of.values())
    existing = [(pk, values) for pk, values in golden if pk not in fresh]
    known_persons = sorted(pk for pk in affected if pk > 0)
    new_ids = list(placed)
    persons = [placed[r] for r in new_ids]
    golden_rows = json_rows(("person_id", *GOLDEN_FIELDS), ((pk, *v) for pk, v in existing))
    new_values = ", ".join(
        f"COALESCE(g.{c}, {GOLDEN_EMPTY_SQL.get(c, 'NULL')})" for c in GOLDEN_FIELDS
    )
    with bound_cursor() as cursor:
        cursor.execute(
            f"""WITH links AS (
                    INSERT INTO {_L} AS l (record_id, person_id)
                    SELECT * FROM unnest(%s::bigint[], %s::bigint[])
                    ON CONFLICT (record_id) DO UPDATE SET person_id = EXCLUDED.person_id
                     WHERE l.person_id IS DISTINCT FROM EXCLUDED.person_id
                    RETURNING 1
                ), aid AS (
                    UPDATE {AidReceipt._meta.db_table} ar SET person_id = u.person_id
                      FROM unnest(%s::bigint[], %s::bigint[]) AS u(record_id, person_id)
                     WHERE ar.source_record_id = u.record_id
                       AND ar.person_id IS DISTINCT FROM u.person_id
                    RETURNING 1
                ), golden AS (
                    UPDATE {_P} p
                       SET ({", ".join(GOLDEN_FIELDS)}, updated_at) = ({new_values}, now())
                      FROM json_to_recordset(%s::json) AS g(person_id bigint, {_GOLDEN_COLUMNS})
                     WHERE p.id = g.person_id
                       AND ({", ".join(f"p.{c}" for c in GOLDEN_FIELDS)}) IS DISTINCT FROM
                           ({new_values})
                    RETURNING 1
                )
                SELECT m.person_id, h.kk_number, m.relationship, h.id
                  FROM {Membership._meta.db_table} m
                  JOIN {Household._meta.db_table} h ON h.id = m.household_id
                 WHERE m.person_id = ANY(%s::bigint[])
                UNION ALL
                SELECT NULL, h.kk_number, NULL, h.id FROM {Household._meta.db_table} h
                 WHERE h.kk_number = ANY(%s::varchar[]) AND h.kk_number <> ''""",  # noqa: S608
            [
                *(int_array(new_ids), int_array(persons)) * 2,
                golden_rows,
                int_array(known_persons),
                _kks(golden),
            ],
        )
        state = cursor.fetchall()
    _write_households(records, golden, state, known_persons)
    return {rid: pool.public_id[pk] for rid, pk in placed.items()}


_GOLDEN_COLUMNS = ", ".join(f"{c} {GOLDEN_TYPES[c]}" for c in GOLDEN_FIELDS)
_KK = GOLDEN_FIELDS.index("kk_number")
_NIK = GOLDEN_FIELDS.index("nik")


def _kks(golden: list[tuple[int, list]]) -> list[str]:
    return sorted({values[_KK] for _, values in golden if values[_KK]})


def _missing(value) -> bool:
    return value is None or value == ""


def _golden(records: list[dict]) -> list[tuple[int, list]]:
    """Golden values of the affected persons (registry.linking.golden's rule), as
    (person pk, values in GOLDEN_FIELDS order) by pk."""
    golden_values = golden.golden_by_person(records)
    return sorted(
        (pk, [_plain(values[f]) for f in GOLDEN_FIELDS]) for pk, values in golden_values.items()
    )


def _plain(value):
    if isinstance(value, datetime):
        return value.date()
    return value


def _write_households(
    records: list[dict], golden_values: list[tuple[int, list]], state, known_persons: list[int]
) -> None:
    """profiles.write_households for the affected persons, by registry.linking.golden's
    household rule: one household per reliable golden KK, members with the relationship of
    their first record in golden order. Memberships are rewritten only when they differ from
    the stored ones; new KKs get their household."""
    relationship = golden.relationship_by_person(records)
    latest_decile = golden.latest_decile_by_kk(records)
    wanted = {
        pk: (values[_KK], relationship.get(pk, "")) for pk, values in golden_values if values[_KK]
    }
    stored = {person: (kk, rel) for person, kk, rel, _ in state if person is not None}
    household_id = {kk: hid for _, kk, _, hid in state}
    if wanted == stored and all(kk in household_id for kk, _ in wanted.values()):
        return
    new_kks = sorted({kk for kk, _ in wanted.values()} - set(household_id))
    if new_kks:
        household_id.update(_create_households(new_kks, golden_values, latest_decile))
    members = sorted(wanted.items())
    with bound_cursor() as cursor:
        if known_persons:  # persons created in this transaction are on no card yet
            cursor.execute(
                f"DELETE FROM {Membership._meta.db_table} WHERE person_id = ANY(%s::bigint[])",  # noqa: S608
                [int_array(known_persons)],
            )
        if members:
            cursor.execute(
                f"""INSERT INTO {Membership._meta.db_table} (household_id, person_id, relationship)
                    SELECT * FROM json_to_recordset(%s::json)
                        AS m(household_id bigint, person_id bigint, relationship varchar)""",  # noqa: S608
                [
                    json_rows(
                        ("household_id", "person_id", "relationship"),
                        ((household_id[kk], pk, rel) for pk, (kk, rel) in members),
                    )
                ],
            )


def _create_households(kks: list[str], golden_values, latest_decile) -> dict[str, int]:
    """Households of KKs seen for the first time (registry.linking.golden.household_values),
    welfare decile from the latest record carrying one."""
    by_name = [(pk, dict(zip(GOLDEN_FIELDS, values, strict=True))) for pk, values in golden_values]
    fields = golden.household_values(by_name, kks)
    now = timezone.now()
    rows = []
    for kk in kks:
        decile = latest_decile.get(kk)
        rows.append(
            (
                new_public_id("H"),
                kk,
                *(
                    value if value is not None else (None if column in ("rt", "rw") else "")
                    for column, value in fields[kk].items()
                ),
                None if decile is None else round(decile),
            )
        )
    columns = ("public_id", "kk_number", *golden.HOUSEHOLD_FIELDS, "welfare_decile")
    with bound_cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Household._meta.db_table} (public_id, kk_number, address, rt, rw,
                    kelurahan_code, kecamatan_code, welfare_decile, created_at, updated_at)
                SELECT u.*, %s, %s FROM json_to_recordset(%s::json) AS u(public_id varchar,
                    kk_number varchar, address varchar, rt smallint, rw smallint,
                    kelurahan_code varchar, kecamatan_code varchar, welfare_decile smallint)
                RETURNING kk_number, id""",  # noqa: S608 - constants only
            [now, now, json_rows(columns, rows)],
        )
        return dict(cursor.fetchall())


def _public_ids(record_ids: list[int]) -> dict[int, str]:
    rows = RecordLink.objects.filter(record_id__in=record_ids).values_list(
        "record_id", "person__public_id"
    )
    return dict(rows)


_MODEL_CACHE: dict[int, FSModel] = {}


def _saved_model() -> FSModel | None:
    """The latest saved model. Parsing its parameters costs more than scoring one record:
    only its id is read per call, the parsed model is kept per process."""
    pk = LinkModel.objects.values_list("pk", flat=True).first()
    if pk is None:
        return None
    if pk not in _MODEL_CACHE:
        saved = LinkModel.objects.get(pk=pk)
        _MODEL_CACHE.clear()
        _MODEL_CACHE[pk] = FSModel.from_dict(saved.parameters)
    return _MODEL_CACHE[pk]
