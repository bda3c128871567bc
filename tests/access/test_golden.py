"""The selectors' per-request golden values follow the linker's rule exactly."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from registry.linking import GOLDEN_FIELDS, golden_values_frame, load_records
from registry.models import SourceRecord
from registry.selectors import GOLDEN_SHOWN, visible_golden

pytestmark = pytest.mark.django_db


def _plain(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def test_python_golden_matches_linker(cast):
    # Make the rule matter: a newer, lower-priority record with a different value, and an
    # unreliable NIK that must be skipped.
    SourceRecord.objects.filter(source_record_id="DTKS-1").update(
        birth_place="SERANG", address="JL. LAIN 1", nik_reliable=False
    )
    SourceRecord.objects.filter(source_record_id="CAP-3").update(birth_place="")
    records = list(SourceRecord.objects.filter(is_current=True).linked().select_related("agency"))
    python = visible_golden(records)
    frame = load_records()
    frame = frame[frame["person_id"].notna()]
    linker = golden_values_frame(frame).set_index("person_id")
    assert set(python) == set(linker.index.astype(int))
    for person_id, values in python.items():
        row = linker.loc[person_id]
        for name in GOLDEN_SHOWN:
            expected = _plain(row[name]) if name in row.index else None
            got = values[name]
            if expected in (None, "") and got in (None, ""):
                continue
            if isinstance(got, dt.date) and isinstance(expected, dt.datetime):
                expected = expected.date()
            assert got == expected, (person_id, name)
    assert set(GOLDEN_SHOWN) <= set(GOLDEN_FIELDS)


def test_one_golden_rule_for_profiles_and_incremental_links(cast, monkeypatch):
    """Selectors and incremental linking both call registry.linking.golden (issue 17 item 1):
    replace the rule and both answers change with it."""
    from registry.linking import golden, incremental
    from registry.selectors import Purpose, person_get_for_user

    calls = []
    real = golden.golden_by_person

    def spy(rows, *args, **kwargs):
        rows = list(rows)
        calls.append(len(rows))
        return real(rows, *args, **kwargs)

    monkeypatch.setattr(golden, "golden_by_person", spy)
    person_get_for_user(
        viewer=cast.viewer("walidata"),
        public_id=cast.father.public_id,
        purpose=Purpose.parse("verifikasi-bansos", "uji"),
    )
    assert calls, "selectors computed golden values without registry.linking.golden"
    calls.clear()
    day = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    rows = [
        {"person_id": 1, "agency_priority": 50, "created_at": day, "version": 1,
         "nik_reliable": True, "kk_reliable": True,
         **dict.fromkeys(GOLDEN_FIELDS, ""), "nik": "3671013008740001"},
        {"person_id": 1, "agency_priority": 0, "created_at": day - dt.timedelta(days=1),
         "version": 1, "nik_reliable": False, "kk_reliable": True,
         **dict.fromkeys(GOLDEN_FIELDS, ""), "nik": "3671013008740009", "full_name": "A"},
    ]  # fmt: skip
    ((pk, values),) = incremental._golden(rows)
    assert calls == [2]
    by_name = dict(zip(GOLDEN_FIELDS, values, strict=True))
    # Priority wins for the name; the unreliable NIK never does, whatever its priority.
    assert (pk, by_name["full_name"], by_name["nik"]) == (1, "A", "3671013008740001")
