"""API credentials, submissions (idempotency record and job in one row) and rate-limit
counters. Personal data never lives here except a queued submission's payload, which is
cleared as soon as the job has run."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Agency, Dataset, ImportBatch


class ApiToken(models.Model):
    """An agency credential. Only a hash of the secret is stored; the secret is shown once.

    The full token is `sdt_<prefix>_<secret>`; `prefix` finds the row, the SHA-256 of the whole
    token is compared in constant time. The secret is 256 random bits, so a fast hash is
    enough (slow password hashes protect low-entropy secrets; they would only add latency)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    service_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=600)

    class Meta:
        ordering = ["agency__code", "name", "id"]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.name}"


class Submission(models.Model):
    """One API submission: the idempotency record (agency + key + body hash, first response)
    and, for large batches, the job the worker runs."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Diterima")
        QUEUED = "queued", _("Antre")
        RUNNING = "running", _("Diproses")
        SUCCEEDED = "succeeded", _("Selesai")
        REJECTED = "rejected", _("Ditolak")
        FAILED = "failed", _("Gagal")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="submissions")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="submissions")
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200)
    request_sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, default="json")  # json | upload
    file_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    records_total = models.PositiveIntegerField(default=0)
    # Rows waiting for the worker ([[index_or_line, {field: value}], ...]); emptied after the run.
    payload = models.JSONField(null=True, blank=True)
    skip_invalid = models.BooleanField(default=False)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "idempotency_key"], name="submission_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class RateLimitWindow(models.Model):
    """Requests per bucket (token or user) per fixed one-minute window. Kept in PostgreSQL so
    every web process and machine shares one count (an UPSERT per request)."""

    bucket = models.CharField(max_length=60)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "window_start"], name="ratelimit_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_window_start")]
