"""Bad input answers 4xx, never 500 (issue 14 item 11), on the web pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.test_views import give_purpose

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/orang/%00/", "/keluarga/%00/", "/orang/a%00b/", "/en/orang/%00/"]
)
def test_nul_in_url_ids_is_4xx(client, cast, login, path):
    login(cast, "walidata")
    give_purpose(client)
    assert client.get(path).status_code in (400, 404)
    # without the guard, the id converter alone refuses it (a NUL is no public id)
    assert client.get(path.replace("%00", "%C2%A0")).status_code == 404


def test_page_number_of_twenty_digits(client, cast, login):
    login(cast, "walidata")
    give_purpose(client)
    url = reverse("targeting:list", args=["deceased"])
    assert client.get(url, {"page": "9" * 20}).status_code == 200
    assert client.get(reverse("batch_list"), {"page": "9" * 20}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [{"until": "9999-12-31"}, {"since": "0001-01-01"}, {"since": "9999-12-31"}],
)
def test_extreme_audit_dates(client, cast, login, params):
    login(cast, "auditor")
    give_purpose(client)
    for name in ("auditor:index", "auditor:csv"):
        assert client.get(reverse(name), params).status_code == 200, name


@pytest.mark.parametrize(
    "url",
    ["/audit/subjek/?person=%00", "/cari/?nik=%00", "/sasaran-bansos/deceased/?kelurahan=a%00"],
)
def test_nul_in_a_query_string_is_400(client, cast, login, url):
    login(cast, "walidata")
    give_purpose(client)
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
