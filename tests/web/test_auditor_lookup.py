"""Issue 16, the auditor: "who viewed whom" from a NIK (through the keyed fingerprint the
search events store) or a name, without the profile; actions, roles and reasons in words; the
action filter a dropdown; /audit/verifikasi/ answers a GET with its page, not a blank 405."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from registry.selectors import nik_fingerprint
from tests.web.conftest import FATHER_NIK
from tests.web.test_views import give_purpose

UNKNOWN_NIK = "3671019999990001"


def _analyst_reads_the_father(client, cast, login):
    login(cast, "analyst")
    give_purpose(client)
    response = client.get(reverse("person_search"), {"nik": FATHER_NIK})
    assert response.status_code == 302  # the exact hit opens the profile
    assert client.get(response.url).status_code == 200
    client.get(reverse("person_search"), {"nik": UNKNOWN_NIK})  # a search that finds nobody
    client.logout()


def test_auditor_finds_who_viewed_a_person_from_a_nik(client, cast, login):
    _analyst_reads_the_father(client, cast, login)
    login(cast, "auditor")
    page = client.post(reverse("auditor:access"), {"nik": FATHER_NIK}).content.decode()
    # The subject: id and masked name, never the profile, the name or the NIK.
    assert cast.father.public_id in page
    assert "I**** S******" in page
    assert "Santoso" not in page.replace("I**** S******", "")
    assert "SANTOSO" not in page and FATHER_NIK not in page
    # The accesses: the analyst's search (by fingerprint) and profile view, in words.
    assert "Profil orang dilihat" in page and "Pencarian orang" in page
    assert "Analis sosial" in page
    assert "Verifikasi penerima bantuan sosial" in page  # the purpose, in words
    lookup = AuditEvent.objects.filter(action="audit.lookup").latest("id")
    assert lookup.actor_username == "auditor"
    assert lookup.query["nik_hmac"] == nik_fingerprint(FATHER_NIK)
    assert FATHER_NIK not in str(lookup.query)
    assert lookup.persons == [cast.father.public_id]


def test_a_nik_nobody_holds_still_finds_the_searches_typed_with_it(client, cast, login):
    _analyst_reads_the_father(client, cast, login)
    login(cast, "auditor")
    page = client.post(reverse("auditor:access"), {"nik": UNKNOWN_NIK}).content.decode()
    assert "NIK ini diketikkan dalam 1 pencarian" in page
    assert "analyst" in page


def test_auditor_finds_candidates_by_name(client, cast, login):
    login(cast, "auditor")
    page = client.post(reverse("auditor:access"), {"name": "Fatimah"}).content.decode()
    assert "F******" in page and "FATIMAH" not in page
    assert "?person=" in page


def test_lookup_is_for_audit_roles_only(client, cast, login):
    login(cast, "analyst")
    assert client.post(reverse("auditor:access"), {"nik": FATHER_NIK}).status_code == 404


def test_trail_action_filter_is_a_dropdown_in_words(client, cast, login):
    _analyst_reads_the_father(client, cast, login)
    login(cast, "auditor")
    page = client.get(reverse("auditor:index")).content.decode()
    assert '<select name="action"' in page
    assert '<option value="person.view">Profil orang dilihat</option>' in page
    filtered = client.get(reverse("auditor:index"), {"action": "person.view"}).content.decode()
    assert "<code>person.view</code>" in filtered
    assert "<code>person.search</code>" not in filtered


def test_verify_page_answers_a_get(client, cast, login):
    login(cast, "auditor")
    response = client.get(reverse("auditor:verify"))
    assert response.status_code == 200
    assert "Verifikasi rantai sekarang" in response.content.decode()
