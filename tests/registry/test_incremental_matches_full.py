"""A record linked on arrival (incremental) ends with the same golden values, the same
household and the same membership as after a full link of the same records: both paths use
the one golden rule and the one household rule of registry.linking.golden. A private copy in
either path (another order, another relationship or decile choice) fails here."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from registry.linking import GOLDEN_FIELDS, link, link_new_records
from registry.models import Household, Membership, Person
from tests.registry.conftest import FAMILY, HEADER
from tests.registry.test_incremental_link import submit

pytestmark = pytest.mark.django_db

NEW_KK = "3671040101250009"


def _row(base: int, record_id: str, **fields) -> list[str]:
    row = list(FAMILY[base])
    row[0] = record_id
    for name, value in fields.items():
        row[HEADER.index(name)] = value
    return row


# Arrivals from a lower-priority agency (dinsos): a newer record of the father with other
# values (the civil registry's must still win), one of the wife without a relationship, and a
# newcomer family on a new KK with deciles on two records (the latest must win).
ARRIVALS = [
    _row(0, "DS-1", address="JL. LAIN 9", birth_place="SERANG", welfare_decile="3",
         relationship="SUAMI"),
    _row(1, "DS-2", relationship="", welfare_decile="4"),
    _row(0, "DS-3", nik="3671042807990002", kk_number=NEW_KK, full_name="Budi Wijaya",
         birth_date="1999-07-28", address="Jl. Baru 1", rt="3", rw="4",
         relationship="KEPALA KELUARGA", welfare_decile="2"),
    _row(1, "DS-4", nik="3671045505010001", kk_number=NEW_KK, full_name="Sari Wijaya",
         birth_date="2001-05-15", address="", rt="", rw="", relationship="ISTRI",
         welfare_decile="5"),
]  # fmt: skip


def _state() -> dict:
    persons = {
        p["public_id"]: tuple(p[f] for f in GOLDEN_FIELDS)
        for p in Person.objects.filter(status="active").values("public_id", *GOLDEN_FIELDS)
    }
    households = {
        h["kk_number"]: h
        for h in Household.objects.values(
            "kk_number", "address", "rt", "rw", "kelurahan_code", "kecamatan_code",
            "welfare_decile",
        )
    }  # fmt: skip
    members = set(
        Membership.objects.values_list("person__public_id", "household__kk_number", "relationship")
    )
    return {"persons": persons, "households": households, "members": members}


def test_incremental_and_full_link_agree(family_csv):
    call_command(
        "import_records", "--agency", "capil", "--create-agency", "--agency-kind",
        "civil_registry", str(family_csv), verbosity=0,
    )  # fmt: skip
    call_command("link", "--full", verbosity=0)
    ids = submit(ARRIVALS)
    placed = link_new_records(ids)
    assert len(set(placed.values())) == 4  # the father, the wife and two newcomers
    incremental = _state()
    assert NEW_KK in incremental["households"]
    link(full=True)
    full = _state()
    assert incremental["persons"] == full["persons"]
    assert incremental["members"] == full["members"]
    # Households created on arrival keep their values; the full link finds them existing...
    assert incremental["households"] == full["households"]
    # ...and builds the new KK's household the same from nothing (address from the first
    # member holding one, the latest decile), with the same members and relationships. (The
    # family's household existed before the arrivals: neither path rewrites its values.)
    Membership.objects.all().delete()
    Household.objects.all().delete()
    link(full=True)
    rebuilt = _state()
    assert rebuilt["households"][NEW_KK] == incremental["households"][NEW_KK]
    assert rebuilt["households"][NEW_KK]["address"]
    assert rebuilt["households"][NEW_KK]["welfare_decile"] is not None
    assert rebuilt["members"] == incremental["members"]
