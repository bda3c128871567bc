"""One person search: the API (`GET /api/persons`) and the web search page render the same
service (registry.selectors.search), so for the same query and role they show the same
persons in the same order, with the same total, and write the same audit event. A private
copy of the search behind either (another minimum score, another cap, another ranking)
fails here."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from registry.roles import Role
from registry.services.accounts import account_create
from tests.web.test_views import give_purpose

from .conftest import FAMILY, PURPOSE, person_record, session_client

pytestmark = pytest.mark.django_db(transaction=True)

# Near names of the family's head: some above the minimum score, some below.
NEIGHBOURS = [
    {**person_record(i, "N"), "full_name": name}
    for i, name in enumerate(
        ["Inmam Santosa", "Iman Santoso", "Santoso", "Inmam", "Imam Sentosa", "Budi Santoso"]
    )
]
WEB_PAGE_SIZE = 25
HIT_LINK = re.compile(r'href="/orang/([A-Za-z0-9_.-]+)/"')

QUERIES = [
    {"name": "Inmam Santoso"},
    {"name": "santoso"},
    {"name": "inmam"},
    {"name": "inmam santoso"},
    {"name": "Inmam Santoso", "birth_date": "1974-08-30"},
    {"nik": FAMILY[1]["nik"]},
    {"kk": FAMILY[0]["kk_number"]},
    {"nik": FAMILY[0]["nik"], "name": "Inmam"},
    {"name": "zzzzqqq"},
]


@pytest.fixture
def registry_with_neighbours(http, owner):
    response = http.post(
        f"/datasets/{owner.dataset.pk}/submissions",
        json={"records": FAMILY + NEIGHBOURS},
        headers={**owner.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code in (200, 201, 202), response.text
    return owner


def _user(role: Role, agency):
    return account_create(
        actor=None,
        username=f"{role}-search",
        password="Rahasia-Cari-2026",
        role=role,
        agency=agency if role != Role.WALIDATA else None,
    )


def _last_search_event() -> AuditEvent:
    return AuditEvent.objects.filter(action="person.search").order_by("-id").first()


def _web_ids(client: Client, query: dict) -> list[str]:
    response = client.get(reverse("person_search"), {**query, "partial": "1"})
    assert response.status_code == 200, response.status_code
    return HIT_LINK.findall(response.content.decode())


@pytest.mark.parametrize("role", [Role.WALIDATA, Role.ANALYST, Role.OPERATOR])
def test_api_and_web_search_show_the_same_persons(base_url, registry_with_neighbours, role):
    user = _user(role, registry_with_neighbours.agency)
    web = Client()
    web.force_login(user)
    give_purpose(web)
    with session_client(base_url, user) as api:
        for query in QUERIES:
            web_ids = _web_ids(web, query)
            web_event = _last_search_event()
            response = api.get(
                "/persons", params={**query, "limit": WEB_PAGE_SIZE}, headers=PURPOSE
            )
            assert response.status_code == 200, (query, response.text)
            body = response.json()
            api_ids = [hit["public_id"] for hit in body["results"]]
            api_event = _last_search_event()
            assert api_ids == web_ids, query
            assert body["total"] == len(api_ids), query
            # The same audit: the same persons named, the same outcome and count.
            assert api_event.id != web_event.id
            assert api_event.persons == web_event.persons, query
            assert api_event.detail["hits"] == web_event.detail["hits"], query
            assert api_event.detail["total"] == web_event.detail["total"], query
            if "kk" in query:
                assert [h["public_id"] for h in body["households"]], query
    # The neighbours make the queries meaningful: some names hit several persons, one none.
    counts = {
        e.query.get("name"): e.detail["hits"]
        for e in AuditEvent.objects.filter(action="person.search", outcome="allowed")
    }
    assert counts["inmam"] >= 3 and counts["zzzzqqq"] == 0, counts


def test_api_pages_like_the_web(base_url, registry_with_neighbours):
    user = _user(Role.WALIDATA, None)
    with session_client(base_url, user) as api:
        whole = api.get("/persons", params={"name": "inmam", "limit": 100}, headers=PURPOSE)
        everyone = [h["public_id"] for h in whole.json()["results"]]
        assert len(everyone) >= 3
        paged = []
        for offset in range(0, len(everyone), 2):
            page = api.get(
                "/persons",
                params={"name": "inmam", "limit": 2, "offset": offset},
                headers=PURPOSE,
            ).json()
            assert page["total"] == len(everyone) and page["offset"] == offset
            paged += [h["public_id"] for h in page["results"]]
        assert paged == everyone
        # The audit names exactly the persons on the page shown, not the whole result.
        assert _last_search_event().persons == sorted(paged[-(len(everyone) % 2 or 2) :])
