"""The audit trail: one append-only, hash-chained table (field names follow FHIR AuditEvent).

Rows are written only through `audit.services`; database triggers (migration 0002) refuse
UPDATE, DELETE and TRUNCATE, and `audit.chain` recomputes the hash chain to detect tampering
done by someone able to bypass the triggers.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "allowed"
    DENIED = "denied", "denied"


class AuditEvent(models.Model):
    # Chain order is id order: ids are drawn while the append lock is held (see services).
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField()
    # No database FK constraint and DO_NOTHING: deleting a user must neither be blocked by nor
    # modify (SET_NULL would UPDATE) these rows; actor_id stays as a hashed historical fact and
    # actor_username keeps the trail readable after the user row is gone.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # covered by the (actor, occurred_at) index
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    agency_code = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    persons = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    purpose_code = models.CharField(max_length=64, blank=True)
    purpose_text = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    query = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        # Only "view": nobody, not even a superuser via the admin, should add/change/delete.
        default_permissions = ("view",)
        constraints = [
            # UniqueConstraint rather than unique=True: no extra varchar_pattern_ops index.
            models.UniqueConstraint(fields=["hash"], name="audit_event_hash_unique"),
            # Two events claiming the same predecessor would be a fork; refuse it at the
            # database even if a writer ever skipped the advisory lock.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_event_prev_hash_unique"),
        ]
        indexes = [
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_time"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_time"),
            models.Index(fields=["occurred_at"], name="audit_time"),
            models.Index(fields=["object_type", "object_id", "occurred_at"], name="audit_object"),
            # Subject access requests (UU PDP: processing history within 3x24 h).
            GinIndex(fields=["persons"], name="audit_persons_gin"),
        ]

    def __str__(self) -> str:
        # Ids and codes only: __str__ ends up in logs and admin messages.
        return f"#{self.pk} {self.action} {self.outcome}"


class RefusalTally(models.Model):
    """Anonymous refusals of one source address, per minute: a counter, not the trail.

    The first refusal of a (minute, address, action, route, reason, detail) key is appended to
    the chain at once; the others only count here, and `audit.coalesce.refusal_tallies_flush`
    appends one event carrying their count when the minute is over. So an anonymous flood
    (401s under /api/, attempts on a locked login) costs the chain a bounded number of events
    and never holds the global append lock per request, while no refusal goes uncounted."""

    window_start = models.DateTimeField()
    ip = models.CharField(max_length=45, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    reason = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    user_agent = models.TextField(blank=True)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "window_start",
                    "ip",
                    "action",
                    "object_type",
                    "object_id",
                    "reason",
                    "detail",
                ],
                name="audit_refusal_tally_key",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.action} x{self.count}"
