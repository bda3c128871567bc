"""Request context for audit_record and the read-only, self-auditing admin."""

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.test import RequestFactory, override_settings

from audit.models import AuditEvent
from audit.services import audit_context_from_request, audit_record, verify_chain

FORWARDED = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}


def test_context_ignores_forwarded_for_by_default():
    request = RequestFactory().get("/", HTTP_USER_AGENT="UA " * 400, **FORWARDED)
    ctx = audit_context_from_request(request)
    assert ctx["ip"] == "10.0.0.2"
    assert len(ctx["user_agent"]) == 512


@override_settings(AUDIT_TRUST_X_FORWARDED_FOR=True)
def test_context_uses_the_proxy_appended_forwarded_for_entry():
    request = RequestFactory().get("/", **FORWARDED)
    assert audit_context_from_request(request)["ip"] == "203.0.113.7"


@override_settings(AUDIT_TRUST_X_FORWARDED_FOR=True)
def test_context_drops_garbage_addresses():
    request = RequestFactory().get("/", REMOTE_ADDR="x", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert audit_context_from_request(request) == {"ip": None, "user_agent": ""}


def test_admin_has_no_write_permissions(rf):
    admin = site._registry[AuditEvent]
    request = rf.get("/")
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


@pytest.mark.django_db
def test_admin_views_are_audited(client):
    auditor = get_user_model().objects.create_superuser("auditor", password="x" * 12)
    event = audit_record(actor=None, action="person.view")
    client.force_login(auditor)
    assert client.get("/admin/audit/auditevent/", {"action": "person.view"}).status_code == 200
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="reason"' not in page.content  # rendered read-only, no inputs
    views = list(AuditEvent.objects.filter(action="audit.view").order_by("id"))
    assert [v.object_id for v in views] == ["", str(event.pk)]
    assert views[0].query == {"action": "person.view"}
    assert {v.actor_username for v in views} == {"auditor"}
    assert verify_chain().ok


@pytest.mark.django_db
def test_admin_refusal_is_audited_as_denied(client):
    staff = get_user_model().objects.create_user("staff", password="x" * 12, is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/audit/auditevent/").status_code == 403
    denied = AuditEvent.objects.get(action="audit.view")
    assert denied.outcome == "denied"
    assert denied.actor_username == "staff"


@pytest.mark.django_db
def test_event_survives_deletion_of_its_user():
    user = get_user_model().objects.create_user("leaver", password="x" * 12)
    event = audit_record(actor=user, action="person.view")
    user.delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id == event.actor_id
    assert stored.actor_username == "leaver"
    assert verify_chain().ok
