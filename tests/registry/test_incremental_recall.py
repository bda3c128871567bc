"""A person typed again by another clerk joins their person on arrival: the incremental
linker's indexed probes reach every candidate the engine's blocking keys would pair.

A generated city (registry.citygen) is imported and fully linked; then variants of its Dinsos
rows arrive one at a time, each with the NIK and KK gone plus one more error, and must join
the person the full link gave the row they vary.
"""

import random

import pytest
from django.core.management import call_command

from linkage.normalize.dates import parse_date
from registry.citygen import CityConfig, generate_city
from registry.citygen.variants import row_variant
from registry.ingest.reading import ParsedFile, read_file
from registry.linking import link_new_records
from registry.linking.records import person_public_ids
from registry.models import Dataset, Person, RecordLink, ReviewTask
from registry.services.imports import records_import
from tests.registry.conftest import import_generated_city

pytestmark = pytest.mark.django_db

PER_KIND = 15


@pytest.fixture
def linked_city(tmp_path):
    out = tmp_path / "city"
    generate_city(out, CityConfig(persons=3_000, seed=11))
    import_generated_city(out)
    call_command("link", "--full", verbosity=0)
    return out


@pytest.mark.parametrize(
    "kinds",
    [
        {"no_nik", "no_kk", "name_typo"},  # same date in the same kelurahan
        {"no_nik", "no_kk", "year_off"},  # same sound and day+month at the same address
        {"no_nik", "no_kk", "day_month_swap"},  # same sound, year and kelurahan
    ],
    ids=lambda kinds: "+".join(sorted(kinds)),
)
def test_variant_without_nik_or_kk_joins_its_person(linked_city, kinds):
    dataset = Dataset.objects.get(agency__code="dinsos")
    rng = random.Random(3)
    rows = _dated_rows(linked_city / "dinsos.csv")
    if "day_month_swap" in kinds:  # only dates whose swap is another valid date
        rows = [(line, row) for line, row in rows if _swappable(row)]
    sample = rng.sample(rows, PER_KIND)
    expected = person_public_ids(dataset.agency, [row["source_record_id"] for _, row in sample])
    persons_before = Person.objects.count()

    joined, new_ids = [], {}
    for index, (line, row) in enumerate(sample):
        record = dict(row_variant(row, kinds, rng), source_record_id=f"AGAIN-{index}")
        outcome = records_import(
            dataset=dataset, parsed=ParsedFile(rows=[(line, record)]), channel="api"
        )
        assert outcome.batch.status == "imported", outcome.batch.errors
        placed = link_new_records(outcome.new_record_ids)
        new_ids[outcome.new_record_ids[0]] = row["source_record_id"]
        joined.append(placed[outcome.new_record_ids[0]] == expected[row["source_record_id"]])
    assert Person.objects.count() == persons_before + joined.count(False)
    for new, other in _review_pairs(new_ids):  # a reviewer sees the true person's record
        assert _person_of_record(other) == expected[new_ids[new]]

    # The same decisions as a full link over everything: the probes missed no candidate
    # the engine's keys would have paired (a variant the model does not join, such as a
    # wrong birth year on a record without house number, stays apart there too).
    call_command("link", "--full", verbosity=0)
    after = person_public_ids(
        dataset.agency,
        [f"AGAIN-{index}" for index in range(len(sample))]
        + [row["source_record_id"] for _, row in sample],
    )
    after_full = [
        after[f"AGAIN-{index}"] == after[row["source_record_id"]]
        for index, (_, row) in enumerate(sample)
    ]
    assert joined == after_full
    assert sum(joined) >= PER_KIND * 2 // 3, joined


def _born(row: dict):  # noqa: ANN202
    return parse_date(row["birth_date"], field="birth_date").value


def _swappable(row: dict) -> bool:
    born = _born(row)
    return born is not None and born.day <= 12 and born.day != born.month


@pytest.mark.xfail(
    strict=True,
    reason="linkage branch 2026-12-04: with u from random pairs and the population prior, 5 of "
    "40 wrong-year arrivals without NIK/KK become new persons with no review task although "
    "they score p~1.0 against their person's records (35/40 join, as on main); not yet "
    "diagnosed (issue 15 closing note, 2026-12-04 evening)",
)
def test_uncertain_arrivals_wait_for_a_reviewer(linked_city):
    """A wrong birth year with no NIK or KK often lands in the model's uncertain band: the
    arriving record then gets a review task beside its true person's record."""
    dataset = Dataset.objects.get(agency__code="dinsos")
    rng = random.Random(3)
    rows = _dated_rows(linked_city / "dinsos.csv")
    sample = rng.sample(rows, 40)
    expected = person_public_ids(dataset.agency, [row["source_record_id"] for _, row in sample])
    new_ids = {}
    for index, (line, row) in enumerate(sample):
        record = dict(
            row_variant(row, {"no_nik", "no_kk", "year_off"}, rng),
            source_record_id=f"AGAIN-{index}",
        )
        outcome = records_import(
            dataset=dataset, parsed=ParsedFile(rows=[(line, record)]), channel="api"
        )
        if not outcome.new_record_ids:  # born this year: a year later is in the future
            continue
        link_new_records(outcome.new_record_ids)
        new_ids[outcome.new_record_ids[0]] = row["source_record_id"]

    assert len(new_ids) >= 35
    pairs = _review_pairs(new_ids)
    assert len(pairs) >= 5
    assert ReviewTask.objects.filter(status="open").count() >= len(pairs)
    for new, other in pairs:
        assert _person_of_record(other) == expected[new_ids[new]]


def _dated_rows(path) -> list[tuple[int, dict]]:  # noqa: ANN001
    """(line, row) of the file's rows that carry a birth date and a kelurahan."""
    return [
        (line, row)
        for line, row in read_file(path).rows
        if row.get("birth_date") and row.get("kelurahan")
    ]


def _review_pairs(new_ids: dict) -> list[tuple[int, int]]:
    """(new record, other record) of every review task that involves a new record."""
    return [
        (a, b) if a in new_ids else (b, a)
        for a, b in ReviewTask.objects.values_list("record_a_id", "record_b_id")
        if a in new_ids or b in new_ids
    ]


def _person_of_record(record_id: int) -> str:
    return RecordLink.objects.get(record_id=record_id).person.public_id
