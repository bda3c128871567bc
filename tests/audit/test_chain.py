"""Building and verifying the chain, including values that change form in PostgreSQL."""

import datetime as dt
import decimal
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser

from audit import services
from audit.chain import GENESIS_HASH, HASHED_FIELDS, compute_hash
from audit.models import AuditEvent
from audit.services import audit_record, audit_record_many, chain_head, verify_chain

pytestmark = pytest.mark.django_db


def test_chain_builds_and_verifies(user):
    first = audit_record(actor=user, action="person.view", persons=["P0000000001"])
    second = audit_record(actor=None, action="records.import", object_type="dataset")
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.actor_username == "petugas1"
    assert second.actor_id is None
    result = verify_chain()
    assert result.ok, result
    assert result.checked == 2
    head = chain_head()
    assert head["id"] == second.id
    assert head["hash"] == second.hash
    assert head["count"] == 2


def test_empty_chain_verifies():
    assert verify_chain().ok
    assert chain_head() == {"id": None, "hash": GENESIS_HASH, "occurred_at": None, "count": 0}


EXOTIC = {
    "actor": None,
    "action": "person.search",
    "persons": ("P0000000001", "P0000000002"),
    "purpose_code": "bansos",
    "purpose_text": 'Bantuan \u2014 \u00f1 \u6f22\u5b57 \U0001f600 "q" \\ \t',
    "ip": "2001:0DB8:0000::0001",
    "user_agent": "Mozilla/5.0\x00evil\ud800",
    "query": {
        "name": "Siti",
        "big": 1e100,
        "int_float": 5.0,
        "neg_zero": -0.0,
        "small": 1.5e-7,
        "huge_int": 10**30,
        "round_int": 1200,
        "when": dt.date(2024, 10, 17),
        "uid": uuid.UUID(int=1),
        "amount": decimal.Decimal("12.50"),
        "tuple": (1, 2),
        "nested": {"b": [True, None, "x\x00"], "a": 1, "\u00e9": {}},
    },
    "detail": {"count": 3, "empty": []},
}


def test_stored_values_hash_like_written_values(user):
    """Values PostgreSQL normalises (jsonb numbers, inet, timestamps) must not break hashes."""
    event = audit_record(**{**EXOTIC, "actor": user})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.ip == "2001:db8::1"
    assert "\x00" not in stored.user_agent
    assert stored.hash == event.hash
    assert verify_chain().ok


def test_bulk_stored_values_hash_like_written_values(user):
    assert audit_record_many([{**EXOTIC, "actor": user}, EXOTIC]) == 2
    first, second = AuditEvent.objects.order_by("id")
    assert first.actor_id == user.pk
    assert first.actor_username == "petugas1"
    assert first.persons == ["P0000000001", "P0000000002"]
    assert first.ip == "2001:db8::1"
    assert first.query["nested"]["a"] == 1
    assert second.actor_id is None
    assert second.prev_hash == first.hash
    assert verify_chain().ok


def test_bulk_insert_writes_every_column():
    """The bulk path lists columns by hand; a new model field must be added there too."""
    columns = {name for name, _ in services._BULK_COLUMNS}
    fields = {f.attname for f in AuditEvent._meta.concrete_fields} - {"id"}
    assert columns == fields
    assert columns == set(HASHED_FIELDS) | {"hash"}


def test_anonymous_actor_is_recorded_without_user():
    event = audit_record(actor=AnonymousUser(), action="person.view", outcome="denied")
    assert event.actor_id is None
    assert event.actor_username == "anonymous"
    assert verify_chain().ok


def test_record_many_chains_in_order(user):
    before = audit_record(actor=user, action="records.import")
    n = audit_record_many(
        [
            {"actor": user, "action": "person.merge", "persons": [f"P{i:010d}"], "detail": {"i": i}}
            for i in range(2500)
        ]
    )
    assert n == 2500
    events = list(AuditEvent.objects.order_by("id").values("prev_hash", "hash", "detail"))
    assert events[0]["hash"] == before.hash
    assert [e["detail"]["i"] for e in events[1:]] == list(range(2500))
    for prev, cur in zip(events, events[1:], strict=False):
        assert cur["prev_hash"] == prev["hash"]
    result = verify_chain(batch_size=700)  # several pages
    assert result.ok and result.checked == 2501
    after = audit_record(actor=user, action="person.view")
    assert after.prev_hash == events[-1]["hash"]


def test_record_many_empty_is_noop():
    assert audit_record_many([]) == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"action": ""},
        {"action": "person.view", "outcome": "maybe"},
        {"action": "person.view", "persons": "P0000000001"},
        {"action": "person.view", "query": {"x": float("nan")}},
        {"action": "person.view", "ip": "not-an-ip"},
    ],
)
def test_invalid_input_is_refused(kwargs):
    with pytest.raises((ValueError, TypeError)):
        audit_record(actor=None, **kwargs)
    assert AuditEvent.objects.count() == 0


def test_hash_covers_every_field(user):
    event = audit_record(actor=user, action="person.view", query={"a": 1})
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert compute_hash(row) == event.hash
    for field, value in [
        ("action", "person.export"),
        ("actor_id", None),
        ("persons", ["PX"]),
        ("query", {"a": 2}),
        ("prev_hash", "1" * 64),
        ("occurred_at", row["occurred_at"] + dt.timedelta(microseconds=1)),
    ]:
        assert compute_hash({**row, field: value}) != event.hash, field
