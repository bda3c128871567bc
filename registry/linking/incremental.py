"""link_new_records(): records placed on arrival with the saved model, through indexed keys."""

from __future__ import annotations

import pandas as pd
from django.db import connection, transaction

from audit.services import audit_record
from linkage.engine import link_records
from linkage.scoring import FSModel
from registry.linking.full import link
from registry.linking.profiles import (
    _create_persons,
    _golden_values,
    _write_golden,
    _write_households,
    _write_links,
)
from registry.linking.records import ENGINE_COLUMNS, LinkSummary, _decisions, load_records_where
from registry.models import (
    LinkModel,
    SourceRecord,
    new_public_id,
)

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
