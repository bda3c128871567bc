"""link and export_links: households and members appear, ids are stable, export round-trips."""

import csv

import pytest
from django.core.management import call_command

from registry.models import AidReceipt, Household, Membership, Person, RecordLink, SourceRecord
from tests.registry.conftest import (
    FAMILY,
    HEADER,
    WRITE_PATHS,
    indexes_and_constraints,
    load,
    use_write_path,
    write_csv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=WRITE_PATHS)
def write_path(request, monkeypatch):
    """Every test runs once per write path (conftest.use_write_path)."""
    return use_write_path(request.param, monkeypatch)


def test_indexes_and_constraints_are_the_same_after_a_link(family_csv):
    tables = (SourceRecord._meta.db_table, RecordLink._meta.db_table)
    before = {table: indexes_and_constraints(table) for table in tables}
    link_keys = [d for _, d in before[RecordLink._meta.db_table] if "FOREIGN KEY" in d]
    assert len(link_keys) == 2 and any("(person_id)" in d for d in link_keys)
    assert any("(person_id)" in d and "INDEX" in d for _, d in before[RecordLink._meta.db_table])
    load(family_csv)
    call_command("link", "--full", verbosity=0)
    assert SourceRecord.objects.filter(link__isnull=True).count() == 0
    assert {table: indexes_and_constraints(table) for table in tables} == before


def test_profile_tables_keep_their_indexes_and_constraints_after_a_link(family_csv):
    """A city's first link rebuilds the indexes and foreign keys of persons, households,
    memberships and aid receipts around its bulk writes (registry.bulk_write): all must come
    back as they were."""
    models = (Person, Household, Membership, AidReceipt)
    before = [indexes_and_constraints(model._meta.db_table) for model in models]
    assert any("FOREIGN KEY (person_id)" in d for _, d in before[2])
    load(family_csv)
    call_command("link", "--full", verbosity=0)
    assert Membership.objects.count() == 3
    assert [indexes_and_constraints(model._meta.db_table) for model in models] == before


def test_household_and_members_appear_after_link(family_csv, tmp_path):
    load(family_csv)
    # The social agency knows the wife under an old spelling, with a title and no NIK.
    dinsos = [list(FAMILY[1])]
    dinsos[0][0] = "DS-9"
    dinsos[0][HEADER.index("program")] = "PKH"
    dinsos[0][HEADER.index("period")] = "2026-Q1"
    dinsos[0][HEADER.index("amount")] = "750000"
    load(write_csv(tmp_path / "dinsos.csv", dinsos), agency="dinsos", kind="social_affairs")
    call_command("link", verbosity=0)

    assert Person.objects.filter(status="active").count() == 3
    household = Household.objects.get()
    assert household.kk_number == "3671010310080006"
    members = {
        m.person.full_name: m.relationship for m in Membership.objects.select_related("person")
    }
    assert members == {
        "INMAM SANTOSO": "KEPALA_KELUARGA",
        "FATIMAH": "ISTRI",
        "TEGUH SAPUTRA": "ANAK",
    }
    wife = Person.objects.get(nik="3671015802660001")
    assert SourceRecord.objects.filter(link__person=wife, is_current=True).count() == 2
    assert wife.aid_receipts.get().program == "PKH"
    assert household.kelurahan_code.startswith("36.71.01.")


def test_household_takes_the_address_of_its_first_person(tmp_path):
    # Each member on another street: the household's address is that of the member with the
    # smallest person pk, whichever order the linker met them in.
    rows = [list(row) for row in FAMILY]
    for number, row in enumerate(rows):
        row[HEADER.index("address")] = f"Jl. Nomor {number + 1}"
    load(write_csv(tmp_path / "capil.csv", rows))
    call_command("link", "--full", verbosity=0)
    first = Person.objects.filter(memberships__isnull=False).order_by("pk").first()
    assert Household.objects.get().address == first.address


def test_golden_values_prefer_the_civil_registry(family_csv, tmp_path):
    rows = [list(FAMILY[0])]
    rows[0][0] = "DS-1"
    rows[0][HEADER.index("birth_place")] = "Serang"
    load(write_csv(tmp_path / "dinsos.csv", rows), agency="dinsos", kind="social_affairs")
    load(family_csv)
    call_command("link", verbosity=0)
    head = Person.objects.get(nik="3671013008740001")
    assert head.birth_place == "PANDEGLANG"


def test_export_links_round_trips_and_full_relink_keeps_ids(family_csv, tmp_path):
    load(family_csv)
    call_command("link", verbosity=0)
    first = tmp_path / "links1.csv"
    call_command("export_links", str(first), verbosity=0)
    with first.open() as handle:
        exported = list(csv.DictReader(handle))
    in_db = {
        (r.agency.code, r.source_record_id): r.link.person.public_id
        for r in SourceRecord.objects.filter(is_current=True).select_related(
            "agency", "link__person"
        )
    }
    assert {(r["agency"], r["source_record_id"]): r["person_id"] for r in exported} == in_db
    assert len(exported) == 3

    call_command("link", "--full", verbosity=0)
    second = tmp_path / "links2.csv"
    call_command("export_links", str(second), verbosity=0)
    assert first.read_text() == second.read_text()


@pytest.mark.parametrize("full", [False, True])
def test_household_from_a_kk_without_address(tmp_path, full):
    """A record with a KK number but no address (and no RT/RW) still makes its household: the
    household's text columns are empty strings, never NULL."""
    row = list(FAMILY[0])
    for field in ("address", "rt", "rw"):
        row[HEADER.index(field)] = ""
    load(write_csv(tmp_path / "no_address.csv", [row]))
    call_command("link", *(["--full"] if full else []), verbosity=0)
    household = Household.objects.get(kk_number=FAMILY[0][HEADER.index("kk_number")])
    assert household.address == ""
    assert Membership.objects.filter(household=household).count() == 1
