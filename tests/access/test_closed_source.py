"""A closed dataset as the only source of a field (issue 14 item 4): the registry's golden
household values are built from every agency's records, so a household's decile may come from
a closed dataset alone. No filter, count, list or export of a viewer who cannot read that
dataset may reveal it: not the planner's household query, not another agency's targeting
list, not its XLSX, not the planning dashboard's counts."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from registry.linking import link
from registry.models import Household
from registry.reports import planning
from registry.reports.household_query import HouseholdFilters, household_query_run
from registry.reports.planning import (
    age_sex_pyramid,
    aid_coverage,
    cross_agency_gaps,
    population_by_area,
)
from registry.reports.suppression import SuppressedTable
from registry.reports.targeting import targeting_counts, targeting_list
from registry.selectors import household_get_for_user
from registry.web.purpose import SESSION_CURRENT, SESSION_PURPOSES

from .conftest import CAPIL_ROWS, KK, PURPOSE, import_rows

pytestmark = pytest.mark.django_db

RIZKY = CAPIL_ROWS[3]  # Muhammad Rizky Pratama, on a KK of his own
RIZKY_KK = RIZKY[2]


def _outputs(cast) -> dict:
    """Everything the planner and the Dinkes analyst get from the reports, as plain data."""
    planner, member = cast.viewer("planner"), cast.viewer("member")
    out = {}
    for f in ({}, {"decile_max": 4}, {"decile_min": 1, "decile_max": 1}, {"size_min": 1}):
        r = household_query_run(planner, HouseholdFilters(**f), purpose=PURPOSE, with_list=True)
        out[f"query {f}"] = (r.households, r.persons, r.rows)
    out["targeting"] = targeting_counts(member)
    for check in ("low_decile_no_aid", "high_decile"):
        out[check] = targeting_list(member, check, purpose=PURPOSE, limit=None).rows
    for viewer in (planner, member):
        out[f"gaps {viewer.role}"] = cross_agency_gaps(viewer).as_rows()
        out[f"population {viewer.role}"] = population_by_area(viewer).as_rows()
        out[f"pyramid {viewer.role}"] = age_sex_pyramid(viewer)
        out[f"coverage {viewer.role}"] = aid_coverage(viewer)
    return out


def _unsuppressed(table):
    """Small-cell suppression off, so that the comparison sees the raw counts (every count of
    this small city is below the threshold)."""
    rows = [list(r) for r in table]
    cols = len(rows[0]) if rows else 0
    return SuppressedTable(
        cells=rows,
        row_totals=[sum(r) for r in rows],
        col_totals=[sum(r[j] for r in rows) for j in range(cols)],
        total=sum(map(sum, rows)),
    )


@pytest.fixture
def closed_decile(cast, monkeypatch):
    monkeypatch.setattr(planning, "suppress", _unsuppressed)
    """Rizky in the granted DTKS without a decile, then in Dinsos's closed case file with
    decile 1 and a death date: the closed dataset is the only source of his household's
    decile and of his death."""
    restricted = list(RIZKY)
    restricted[0] = "DTKS-3"
    import_rows(cast.dtks, [restricted])
    link(full=True)
    cast.before = _outputs(cast)
    closed = list(RIZKY)
    closed[0] = "KAS-2"
    closed[13] = "2026-01-15"  # and a death date only the closed case file holds
    closed[14] = "1"
    import_rows(cast.kasus, [closed])
    link(full=True)
    # The golden household value holds the closed decile (what a household built from these
    # records stores; a relink keeps an existing household's row, so set it as built).
    Household.objects.filter(kk_number=RIZKY_KK).update(welfare_decile=1)
    cast.rizky_household = Household.objects.get(kk_number=RIZKY_KK)
    return cast


def _query(cast, name, **filters):
    return household_query_run(
        cast.viewer(name), HouseholdFilters(**filters), purpose=PURPOSE, with_list=True
    )


def test_household_query_computes_from_visible_records(closed_decile):
    hh = closed_decile.rizky_household.public_id
    santoso = Household.objects.get(kk_number=KK).public_id
    planner = _query(closed_decile, "planner", decile_max=4)
    assert [r["public_id"] for r in planner.rows] == [santoso]  # DTKS decile 2: visible
    assert planner.households == 1
    for f in ({"decile_min": 1}, {"decile_min": 1, "decile_max": 1}):
        assert hh not in {r["public_id"] for r in _query(closed_decile, "planner", **f).rows}
    listed = {r["public_id"]: r for r in _query(closed_decile, "planner").rows}
    assert listed[hh]["welfare_decile"] is None
    # The same household's profile agrees with the list.
    profile = household_get_for_user(
        viewer=closed_decile.viewer("planner"), public_id=hh, purpose=PURPOSE
    )
    assert profile.welfare_decile is None
    # The owner of the closed dataset does see it (the rule is visibility, not deletion).
    owner = _query(closed_decile, "owner_analyst", decile_max=1)
    assert hh in {r["public_id"] for r in owner.rows}


def test_targeting_low_decile_list_of_another_agency(closed_decile):
    hh = closed_decile.rizky_household.public_id
    member = closed_decile.viewer("member")  # Dinkes analyst, granted DTKS only
    assert targeting_counts(member)["low_decile_no_aid"] == 0
    page = targeting_list(member, "low_decile_no_aid", purpose=PURPOSE, limit=None, export=True)
    assert page.total == 0 and page.rows == []
    owner = closed_decile.viewer("owner_analyst")
    rows = targeting_list(owner, "low_decile_no_aid", purpose=PURPOSE).rows
    assert hh in {r["household_public_id"] for r in rows}
    assert targeting_counts(owner)["low_decile_no_aid"] == 1


def test_outputs_do_not_change_with_the_closed_dataset(closed_decile):
    """What the planner and the other agency's analyst get is the same with and without the
    closed record (counts included): nothing of it depends on a dataset they cannot read."""
    after = _outputs(closed_decile)
    assert after["population planner"], "the comparison is not vacuous"
    for key, value in closed_decile.before.items():
        assert after[key] == value, key


def _give_purpose(client):
    session = client.session
    session[SESSION_PURPOSES] = {
        PURPOSE.code: {"text": PURPOSE.text, "at": timezone.now().isoformat()}
    }
    session[SESSION_CURRENT] = PURPOSE.code
    session.save()


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_pages_and_exports_do_not_reveal_the_closed_decile(closed_decile):
    hh = closed_decile.rizky_household.public_id
    with translation.override("id"):
        planner = Client()
        planner.force_login(closed_decile.users["planner"])
        _give_purpose(planner)
        page = planner.get(
            reverse("planning:households"), {"run": "1", "list": "1", "decile_max": "4"}
        )
        assert page.status_code == 200 and hh not in page.content.decode()
        member = Client()
        member.force_login(closed_decile.users["member"])
        _give_purpose(member)
        listing = member.get(reverse("targeting:list", kwargs={"check": "low_decile_no_aid"}))
        assert listing.status_code == 200 and hh not in listing.content.decode()
        export = member.get(reverse("targeting:export", kwargs={"check": "low_decile_no_aid"}))
        assert export.status_code == 200 and hh not in _xlsx_text(export.content)
        owner = Client()
        owner.force_login(closed_decile.users["owner_analyst"])
        _give_purpose(owner)
        export = owner.get(reverse("targeting:export", kwargs={"check": "low_decile_no_aid"}))
        assert hh in _xlsx_text(export.content)  # the rows are there for who may see them
