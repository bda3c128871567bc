"""GET /api/datasets (issue 16): an agency token lists its own datasets (submittable) and the
ones granted to its agency (readable, not submittable); never another agency's. Real HTTP
against the live server, real PostgreSQL."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from registry.models import AccessLevel, Dataset
from registry.services.accounts import grant_create
from tests.api.conftest import FAMILY, session_client


def _by_id(response) -> dict[int, dict]:
    assert response.status_code == 200, response.text
    return {row["id"]: row for row in response.json()}


def test_token_lists_its_own_datasets_only(http, owner, other):
    rows = _by_id(http.get("/datasets", headers=owner.headers))
    assert set(rows) == {owner.dataset.pk}
    mine = rows[owner.dataset.pk]
    assert mine["relation"] == "own" and mine["can_submit"] is True
    assert mine["agency_code"] == "dinsos" and mine["access_level"] == "closed"
    assert mine["submit_url"] == f"/api/datasets/{owner.dataset.pk}/submissions"
    # The other agency's closed dataset is not listed, and cannot be written either.
    assert other.dataset.pk not in rows


def test_granted_dataset_is_listed_readable_but_not_submittable(http, owner, other, walidata):
    shared = Dataset.objects.create(
        agency=owner.agency, name="dtks", title="DTKS", producer="Dinsos",
        access_level=AccessLevel.RESTRICTED,
    )  # fmt: skip
    until = timezone.now() + dt.timedelta(days=30)
    grant_create(
        actor=walidata, dataset=shared, grantee=other.agency, purpose_code="perencanaan",
        purpose_text="uji", expires_at=until,
    )  # fmt: skip
    rows = _by_id(http.get("/datasets", headers=other.headers))
    assert set(rows) == {other.dataset.pk, shared.pk}
    granted = rows[shared.pk]
    assert granted["relation"] == "granted" and granted["can_submit"] is False
    assert granted["submit_url"] is None
    expires = dt.datetime.fromisoformat(granted["grant_expires_at"])
    assert abs(expires - until) < dt.timedelta(milliseconds=1)  # JSON keeps milliseconds
    # Listed as granted does not mean writable: the submission is refused as not found.
    refused = http.post(
        f"/datasets/{shared.pk}/submissions",
        headers={**other.headers, "Idempotency-Key": "granted-1"},
        json={"records": [FAMILY[0]]},
    )
    assert refused.status_code == 404
    # The owner's own closed dataset is still not the other agency's to see.
    assert owner.dataset.pk not in rows


def test_revoked_or_expired_grant_is_not_listed(http, owner, other, walidata):
    shared = Dataset.objects.create(
        agency=owner.agency, name="dtks", title="DTKS", producer="Dinsos",
        access_level=AccessLevel.RESTRICTED,
    )  # fmt: skip
    grant = grant_create(
        actor=walidata, dataset=shared, grantee=other.agency, purpose_code="perencanaan",
        purpose_text="uji", expires_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    grant.expires_at = timezone.now() - dt.timedelta(minutes=1)
    grant.save(update_fields=["expires_at"])
    assert set(_by_id(http.get("/datasets", headers=other.headers))) == {other.dataset.pk}


def test_walidata_session_sees_every_dataset_and_anonymous_gets_401(
    http, base_url, owner, other, walidata
):
    with session_client(base_url, walidata) as client:
        rows = _by_id(client.get("/datasets"))
    assert set(rows) == {owner.dataset.pk, other.dataset.pk}
    assert {r["relation"] for r in rows.values()} == {"custodian"}
    assert http.get("/datasets").status_code == 401
    assert http.get("/datasets", headers={"Authorization": "Bearer sdt_x_y"}).status_code == 401
