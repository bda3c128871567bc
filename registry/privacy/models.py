"""UU PDP registers: personal-data breaches and data subjects' correction requests, each on
the law's 3x24-hour clock (UU 27/2022 art. 46 notification of a breach; art. 6 and 30:
correction within 3x24 hours of the request)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Dataset

# UU 27/2022: "paling lambat 3 x 24 (tiga kali dua puluh empat) jam".
DEADLINE = dt.timedelta(hours=72)


class Clock(models.TextChoices):
    """Where an item stands against its 3x24 h deadline."""

    ON_TIME = "on_time", _("Selesai tepat waktu")
    LATE = "late", _("Selesai terlambat")
    RUNNING = "running", _("Berjalan")
    OVERDUE = "overdue", _("Lewat tenggat")


def clock_state(started: dt.datetime, done: dt.datetime | None, now: dt.datetime) -> str:
    due = started + DEADLINE
    if done is not None:
        return Clock.ON_TIME if done <= due else Clock.LATE
    return Clock.RUNNING if now <= due else Clock.OVERDUE


class Breach(models.Model):
    """A personal-data breach (kegagalan pelindungan data pribadi). The clock starts when the
    controller became aware of it (`detected_at`), not when it was entered here."""

    class Status(models.TextChoices):
        OPEN = "open", _("Ditangani")
        CLOSED = "closed", _("Ditutup")

    title = models.CharField(max_length=200)
    description = models.TextField()
    detected_at = models.DateTimeField(help_text="saat pengendali mengetahui kegagalan")
    data_categories = models.CharField(max_length=300)
    datasets = models.ManyToManyField(Dataset, blank=True, related_name="+")
    subjects_estimate = models.PositiveIntegerField(null=True, blank=True)
    measures = models.TextField(blank=True, help_text="penanganan dan pemulihan")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    authority_notified_at = models.DateTimeField(null=True, blank=True)
    subjects_notified_at = models.DateTimeField(null=True, blank=True)
    notification_note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"breach:{self.pk}"

    @property
    def due_at(self) -> dt.datetime:
        return self.detected_at + DEADLINE

    def notified_at(self) -> dt.datetime | None:
        """Both notifications (authority and subjects) are due; the later one stops the clock."""
        if self.authority_notified_at is None or self.subjects_notified_at is None:
            return None
        return max(self.authority_notified_at, self.subjects_notified_at)

    def clock(self, now: dt.datetime | None = None) -> str:
        return clock_state(self.detected_at, self.notified_at(), now or timezone.now())


class CorrectionRequest(models.Model):
    """A data subject's request to correct their data. Holds the person's opaque public id
    and the field, not the values: the officer reads the profile through the audited
    selectors, and the owning agency corrects its record through the normal import path."""

    class Field(models.TextChoices):
        NAME = "full_name", _("Nama")
        NIK = "nik", _("NIK")
        KK = "kk_number", _("Nomor KK")
        BIRTH = "birth_date", _("Tanggal lahir")
        SEX = "sex", _("Jenis kelamin")
        ADDRESS = "address", _("Alamat")
        RELATIONSHIP = "relationship", _("Hubungan keluarga")
        DEATH = "death_date", _("Tanggal kematian")
        AID = "aid", _("Data bantuan sosial")
        OTHER = "other", _("Lainnya")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Diterima")
        FORWARDED = "forwarded", _("Diteruskan ke OPD")
        CORRECTED = "corrected", _("Diperbaiki")
        REJECTED = "rejected", _("Ditolak")

    reference = models.CharField(max_length=100, help_text="nomor surat/tiket permintaan")
    received_at = models.DateTimeField()
    person_public_id = models.CharField(max_length=32, blank=True)
    field = models.CharField(max_length=20, choices=Field.choices)
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(help_text="apa yang salah, tanpa menyalin NIK atau nama")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    FINAL = frozenset({Status.CORRECTED, Status.REJECTED})

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"correction:{self.pk}"

    @property
    def due_at(self) -> dt.datetime:
        return self.received_at + DEADLINE

    def clock(self, now: dt.datetime | None = None) -> str:
        return clock_state(self.received_at, self.resolved_at, now or timezone.now())


class RetentionPolicy(models.Model):
    """How long a dataset's personal data are kept (UU PDP art. 43-44: destroyed when the
    retention period ends). Superseded record versions are destroyed `retention_days` after
    the version that replaced them arrived; a dataset that has ended (`ended_at`, no longer
    collected) loses all its records `retention_days` after it ended."""

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="retention")
    retention_days = models.PositiveIntegerField()
    ended_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(retention_days__gte=1), name="retention_at_least_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"retention:{self.dataset_id}"
