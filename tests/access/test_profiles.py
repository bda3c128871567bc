"""Profile assembly: merge redirects, planner masking, auditor/public refusal, purposes,
name-variant search ranking."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from registry.models import Person, PersonLinkEvent
from registry.selectors import (
    InvalidPurpose,
    InvalidQuery,
    NotFound,
    Purpose,
    household_get_for_user,
    person_get_for_user,
)

from .conftest import FATHER_NIK, KK, PURPOSE, search_hits

pytestmark = pytest.mark.django_db


def test_merged_id_redirects_to_survivor(cast):
    old = Person.objects.create(public_id="POLDMERGED01", status="merged", merged_into=cast.father)
    older = Person.objects.create(public_id="POLDMERGED02", status="merged", merged_into=old)
    profile = person_get_for_user(
        viewer=cast.viewer("walidata"), public_id=older.public_id, purpose=PURPOSE
    )
    assert profile.public_id == cast.father.public_id
    assert profile.redirected_from == "POLDMERGED02"
    event = AuditEvent.objects.order_by("-id").first()
    assert event.persons == [cast.father.public_id, "POLDMERGED02"]
    # A redirect does not widen access: the outsider still gets NotFound.
    with pytest.raises(NotFound):
        person_get_for_user(
            viewer=cast.viewer("outsider"), public_id=old.public_id, purpose=PURPOSE
        )


def test_golden_values_come_from_visible_records_only(cast):
    # The civil registry spells the birth place "PANDEGLANG"; the member sees DTKS only, and the
    # profile is recomputed from DTKS (same value here), never from CAP-1.
    member = person_get_for_user(viewer=cast.viewer("member"), public_id=cast.father.public_id,
                                 purpose=PURPOSE)  # fmt: skip
    assert [r.source_record_id for r in member.records] == ["DTKS-1"]
    assert member.golden["full_name"] == "INMAM SANTOSO"
    assert member.aid and member.aid[0].program == "PKH"
    assert {m.display_name for m in member.household.members} == {"INMAM SANTOSO", "TEGUH SAPUTRA"}
    capil = person_get_for_user(viewer=cast.viewer("capil_op"), public_id=cast.father.public_id,
                                purpose=PURPOSE)  # fmt: skip
    assert [r.source_record_id for r in capil.records] == ["CAP-1"]
    assert capil.aid == []  # the aid record is in DTKS, which capil cannot read
    assert capil.golden["nik"] == FATHER_NIK


def test_planner_sees_masked_numbers_and_no_aid(cast):
    viewer = cast.viewer("planner")
    profile = person_get_for_user(viewer=viewer, public_id=cast.father.public_id, purpose=PURPOSE)
    assert profile.masked
    assert profile.golden["nik"] == "*" * 16
    assert profile.golden["kk_number"] == "*" * 16
    assert profile.household.kk_number == "*" * 16
    assert profile.aid == []
    for record in profile.records:
        assert record.original == {}
        assert "program" not in record.fields and "amount" not in record.fields
    text = repr(profile)
    assert FATHER_NIK not in text and KK not in text
    household = household_get_for_user(
        viewer=viewer, public_id=profile.household.public_id, purpose=PURPOSE
    )
    assert household.masked and KK not in repr(household)
    assert AuditEvent.objects.filter(
        action="person.view", role="planner", outcome="allowed"
    ).exists()


@pytest.mark.parametrize("name", ["auditor", "public"])
def test_auditor_and_public_cannot_browse(cast, name):
    viewer = cast.viewer(name)
    with pytest.raises(NotFound):
        person_get_for_user(viewer=viewer, public_id=cast.father.public_id, purpose=PURPOSE)
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.outcome, event.reason, event.role) == ("denied", "role", name)
    assert event.persons == []  # the refusal does not even look the person up
    with pytest.raises(NotFound):
        search_hits(viewer=viewer, purpose=PURPOSE, name="Inmam")


def test_anonymous_viewer_is_public(cast):
    from django.contrib.auth.models import AnonymousUser

    from registry.selectors import viewer_for

    viewer = viewer_for(AnonymousUser())
    assert viewer.role == "public"
    with pytest.raises(NotFound):
        person_get_for_user(viewer=viewer, public_id=cast.father.public_id, purpose=PURPOSE)
    assert AuditEvent.objects.order_by("-id").first().actor_username == "anonymous"


@pytest.mark.parametrize("code", ["", "jalan-jalan", None])
def test_purpose_is_required_and_checked(cast, code):
    with pytest.raises(InvalidPurpose):
        Purpose.parse(code, "x")
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidPurpose):
        person_get_for_user(viewer=cast.viewer("walidata"), public_id=cast.father.public_id,
                            purpose=Purpose(code or "", "x"))  # fmt: skip
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.outcome, event.reason) == ("denied", "invalid_purpose")


def test_empty_search_is_refused(cast):
    with pytest.raises(InvalidQuery):
        search_hits(viewer=cast.viewer("walidata"), purpose=PURPOSE, name="  ")


@pytest.mark.parametrize(
    ("query", "source_id"),
    [
        ("Moh. Rizky Pratama", "CAP-4"),
        ("Mochamad Rizki Pratama", "CAP-4"),
        ("Sukarno Hadi", "CAP-5"),
        ("H. Soekarno Hadi, S.E.", "CAP-5"),
        ("Siti Nur Haliza", "CAP-6"),
        ("Inmam Santoso", "CAP-1"),
    ],
)
def test_name_variants_rank_the_right_person_first(cast, query, source_id):
    target = cast.person_of("capil", source_id)
    hits = search_hits(viewer=cast.viewer("walidata"), purpose=PURPOSE, name=query)
    assert hits, query
    assert hits[0].public_id == target.public_id
    assert 0 < hits[0].score <= 1
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))
    event = AuditEvent.objects.order_by("-id").first()
    assert event.query["name"] == query and event.persons == sorted(h.public_id for h in hits)


def test_search_filters_and_nik_first(cast):
    viewer = cast.viewer("walidata")
    hits = search_hits(viewer=viewer, purpose=PURPOSE, nik=FATHER_NIK, name="Inmam")
    assert [h.public_id for h in hits] == [cast.father.public_id]
    assert hits[0].matched_on[:2] == ["nik", "name"]
    # With a number typed, the name narrows the hits (it never widens them).
    assert search_hits(viewer=viewer, purpose=PURPOSE, nik=FATHER_NIK, name="Teguh") == []
    import datetime as dt

    hits = search_hits(
        viewer=viewer, purpose=PURPOSE, name="Inmam Santoso", birth_date=dt.date(1990, 1, 1)
    )
    assert hits == []
    hits = search_hits(
        viewer=viewer, purpose=PURPOSE, name="Inmam Santoso", kelurahan_code="36.71.01.1001"
    )
    assert [h.public_id for h in hits] == [cast.father.public_id]
    assert "kelurahan" in hits[0].matched_on


def test_older_versions_are_shown_with_their_record(cast):
    from registry.linking import link

    from .conftest import CAPIL_ROWS, import_rows

    changed = [list(CAPIL_ROWS[0])]
    changed[0][7] = "Jl. Ki Samaun No. 81"
    import_rows(cast.penduduk, changed)
    link()
    profile = person_get_for_user(viewer=cast.viewer("walidata"),
                                  public_id=cast.father.public_id, purpose=PURPOSE)  # fmt: skip
    cap = next(r for r in profile.records if r.source_record_id == "CAP-1")
    assert cap.version == 2 and [v.version for v in cap.older_versions] == [1]
    assert cap.older_versions[0].fields["address"] == "JL. KI SAMAUN NO. 80"
    member = person_get_for_user(viewer=cast.viewer("member"),
                                 public_id=cast.father.public_id, purpose=PURPOSE)  # fmt: skip
    assert "KI SAMAUN NO. 81" not in repr(member)


def test_link_history_names_the_other_person_only_when_the_viewer_may_see_them(cast):
    """A split from the mother (her records: capil and dinsos/kasus, both closed): Dinkes,
    granted DTKS only, sees the father but must not learn the mother's id; Dinsos, which holds
    her case record, may; an old id merged into the father is his own alias, shown to all."""
    absorbed = Person.objects.create(public_id="P-OLD-ALIAS", merged_into=cast.father)
    PersonLinkEvent.objects.create(kind="split", person=cast.father, other=cast.mother)
    PersonLinkEvent.objects.create(kind="merge", person=cast.father, other=absorbed)

    def others(name):
        profile = person_get_for_user(
            viewer=cast.viewer(name), public_id=cast.father.public_id, purpose=PURPOSE
        )
        return sorted((e.kind, e.other_public_id) for e in profile.link_events)

    assert others("member") == [("merge", "P-OLD-ALIAS"), ("split", "")]
    assert others("owner") == [("merge", "P-OLD-ALIAS"), ("split", cast.mother.public_id)]
    assert others("walidata") == [("merge", "P-OLD-ALIAS"), ("split", cast.mother.public_id)]
