"""The incremental linker's probes are built from the engine's blocking keys (one list,
linkage.config.DEFAULT_BLOCKING_KEYS): every key has a probe or a stated reason, and a record
arriving on its own is pooled with every linked record those keys pair it with in a full
link's blocking."""

import random

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection

from linkage.blocking import block
from linkage.config import DEFAULT_BLOCKING_KEYS
from registry.citygen import CityConfig, generate_city
from registry.citygen.variants import row_variant
from registry.ingest.reading import ParsedFile, read_file
from registry.linking.incremental import (
    APPROXIMATE_PROBES,
    CANDIDATE,
    POOL_SQL,
    PROBES,
    UNPROBED,
)
from registry.linking.records import load_records
from registry.models import Dataset, SourceRecord
from registry.services.imports import records_import
from tests.registry.conftest import import_generated_city


def test_every_default_key_has_a_probe_or_a_reason():
    for key in DEFAULT_BLOCKING_KEYS:
        assert (key in PROBES) + (key in APPROXIMATE_PROBES) + (key in UNPROBED) == 1, key
    # a NIK one typo away and a name in another order are probed in full
    for key in ("nik_one_off", "sorted_name_dob"):
        assert PROBES[key].format(t=SourceRecord._meta.db_table) in POOL_SQL
    for key in ("token_dob", "dob_house"):  # the keys that need no identifier and no region
        assert PROBES[key].format(t=SourceRecord._meta.db_table) in POOL_SQL


@pytest.mark.django_db
def test_arriving_record_is_pooled_with_its_full_link_candidates(tmp_path):
    out = tmp_path / "city"
    generate_city(out, CityConfig(persons=800, seed=5))
    import_generated_city(out)
    call_command("link", "--full", verbosity=0)
    dataset = Dataset.objects.get(agency__code="dinsos")
    rows = [
        (line, row) for line, row in read_file(out / "dinsos.csv").rows if row.get("birth_date")
    ]
    rng = random.Random(5)
    new_ids = []
    variants = [
        {"no_nik", "no_kk", "name_typo"},
        {"no_nik", "name_typo"},
        {"no_kk"},
        # a NIK one typo away (nik_one_off), the name in another order (sorted_name_dob)
        {"nik_typo", "no_kk"},
        {"names_swapped", "no_nik", "no_kk"},
        {"nik_typo", "names_swapped", "no_kk"},
    ]
    nik_rows = [(line, row) for line, row in rows if len(row.get("nik") or "") == 16]
    picked = rng.sample(rows, 12) + rng.sample(nik_rows, 6)
    for index, (line, row) in enumerate(picked):
        kinds = variants[index % 3] if index < 12 else variants[3 + index % 3]
        record = dict(row_variant(row, kinds, rng), source_record_id=f"PROBE-{index}")
        outcome = records_import(
            dataset=dataset, parsed=ParsedFile(rows=[(line, record)]), channel="api"
        )
        new_ids += outcome.new_record_ids
    assert len(new_ids) >= 16

    frame = load_records()
    probed_keys = [k for k in DEFAULT_BLOCKING_KEYS if k in PROBES]
    cand = block(frame, probed_keys, max_block_size=10**9)
    rid = frame["record_id"].to_numpy()
    linked = frame["person_id"].notna().to_numpy()
    pos = {int(r): k for k, r in enumerate(rid)}
    with connection.cursor() as cursor:
        cursor.execute(POOL_SQL, {"ids": new_ids})
        columns = [c.name for c in cursor.description]
        role = columns.index("role")
        pooled = {row[0] for row in cursor.fetchall() if row[role] == CANDIDATE}
    for new in new_ids:
        p = pos[new]
        partners = np.r_[cand.right[cand.left == p], cand.left[cand.right == p]]
        expected = {int(rid[x]) for x in partners if linked[x]}
        assert expected, new
        assert expected <= pooled, (new, sorted(expected - pooled))


@pytest.mark.django_db
def test_nik_one_typo_away_is_pooled_through_its_own_probe(tmp_path):
    """A record that shares with its person only a NIK one typo away, the given name and the
    birth year (family name, date, village and KK all different: only the engine's
    nik_one_off key pairs them) is pooled with that person's records."""
    from linkage.normalize.dates import parse_date
    from registry.citygen import noise

    out = tmp_path / "city"
    generate_city(out, CityConfig(persons=400, seed=7))
    import_generated_city(out)
    call_command("link", "--full", verbosity=0)
    dataset = Dataset.objects.get(agency__code="dinsos")
    rows = [
        (line, row)
        for line, row in read_file(out / "dinsos.csv").rows
        if len(row.get("nik") or "") == 16 and row.get("birth_date") and row.get("kelurahan")
    ]
    rng = random.Random(7)
    villages = sorted({row["kelurahan"] for _, row in rows})
    checked = 0
    for index, (line, row) in enumerate(rng.sample(rows, 5)):
        born = parse_date(row["birth_date"], field="birth_date").value
        other_day = born.replace(month=1, day=1) if (born.month, born.day) != (1, 1) else None
        record = dict(
            row,
            source_record_id=f"NIK-TYPO-{index}",
            nik=noise.digit_typo(row["nik"], rng),
            kk_number="",
            full_name=f"{row['full_name'].split()[0]} qwertyzx",
            birth_date=(other_day or born.replace(day=2)).isoformat(),
            kelurahan=next(v for v in villages if v != row["kelurahan"]),
            address="",
        )
        outcome = records_import(
            dataset=dataset, parsed=ParsedFile(rows=[(line, record)]), channel="api"
        )
        (new_id,) = outcome.new_record_ids
        same_nik = set(
            SourceRecord.objects.filter(nik=row["nik"], is_current=True)
            .exclude(id=new_id)
            .values_list("id", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(POOL_SQL, {"ids": [new_id]})
            columns = [c.name for c in cursor.description]
            role = columns.index("role")
            pooled = {r[0] for r in cursor.fetchall() if r[role] == CANDIDATE}
        frame = load_records()
        pair = block(frame, ["nik_one_off"], max_block_size=10**9)
        rid = frame["record_id"].to_numpy()
        p = int(np.flatnonzero(rid == new_id)[0])
        partners = {
            int(rid[x]) for x in np.r_[pair.right[pair.left == p], pair.left[pair.right == p]]
        }
        linked = set(frame.loc[frame["person_id"].notna(), "record_id"].astype(int))
        expected = partners & linked
        if expected:
            checked += 1
            assert expected <= pooled, (index, sorted(expected - pooled))
            assert expected & same_nik
    assert checked >= 3
