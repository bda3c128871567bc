"""Records arriving after a full link are placed with the saved model, through indexed keys."""

import pytest
from django.core.management import call_command

from registry.ingest.reading import ParsedFile
from registry.linking import link_new_records
from registry.models import Agency, Dataset, Household, LinkModel, Membership, Person
from registry.services.imports import records_import
from tests.registry.conftest import FAMILY, HEADER, STRANGER_NIK, stranger_row

pytestmark = pytest.mark.django_db


def as_record(values):
    return {k: v for k, v in zip(HEADER, values, strict=True) if v != ""}


def submit(rows):
    agency, _ = Agency.objects.get_or_create(
        code="dinsos", defaults={"name": "Dinas Sosial", "kind": "social_affairs"}
    )
    dataset, _ = Dataset.objects.get_or_create(
        agency=agency, name="bansos", defaults={"title": "Bansos", "producer": "Dinsos"}
    )
    parsed = ParsedFile(rows=[(i, as_record(r)) for i, r in enumerate(rows)])
    outcome = records_import(dataset=dataset, parsed=parsed, channel="api")
    assert outcome.batch.status == "imported", outcome.batch.errors
    return outcome.new_record_ids


def test_new_records_attach_to_existing_persons_or_become_new_ones(family_csv):
    call_command(
        "import_records", "--agency", "capil", "--create-agency", "--agency-kind",
        "civil_registry", str(family_csv), verbosity=0,
    )  # fmt: skip
    call_command("link", "--full", verbosity=0)
    assert LinkModel.objects.exists()
    wife = Person.objects.get(nik="3671015802660001")

    # The wife again, old spelling and a title, NIK missing; and a stranger.
    variant = list(FAMILY[1])
    variant[0] = "DS-1"
    variant[HEADER.index("nik")] = ""
    variant[HEADER.index("full_name")] = "Hj. Fatimah"
    stranger = stranger_row()
    ids = submit([variant, stranger])
    persons_before = Person.objects.count()
    memberships_before = set(Membership.objects.values_list("household_id", "person_id"))

    placed = link_new_records(ids)

    assert placed[ids[0]] == wife.public_id
    assert placed[ids[1]] not in {p.public_id for p in Person.objects.exclude(nik=STRANGER_NIK)}
    assert Person.objects.get(public_id=placed[ids[1]]).full_name == "RUDI HARTONO"
    assert Person.objects.count() == persons_before + 1
    # the wife's household is unchanged; the stranger (no KK) is on no family card
    assert set(Membership.objects.values_list("household_id", "person_id")) == memberships_before
    assert not Membership.objects.filter(person__public_id=placed[ids[1]]).exists()


def test_new_household_for_a_new_kk(family_csv):
    call_command(
        "import_records", "--agency", "capil", "--create-agency", "--agency-kind",
        "civil_registry", str(family_csv), verbosity=0,
    )  # fmt: skip
    call_command("link", "--full", verbosity=0)
    newcomer = list(FAMILY[0])
    newcomer[0] = "DS-9"
    newcomer[HEADER.index("nik")] = "3671042807990002"
    newcomer[HEADER.index("kk_number")] = "3671040101250009"
    newcomer[HEADER.index("full_name")] = "Budi Santoso Wijaya"
    newcomer[HEADER.index("birth_date")] = "1999-07-28"
    ids = submit([newcomer])

    placed = link_new_records(ids)

    person = Person.objects.get(public_id=placed[ids[0]])
    assert person.kk_number == "3671040101250009"
    household = Household.objects.get(kk_number="3671040101250009")
    assert list(household.memberships.values_list("person_id", flat=True)) == [person.pk]
    assert link_new_records(ids) == placed  # already placed: answered, nothing rewritten
