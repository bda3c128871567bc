"""Usulan (proposals to add, remove or update a family in DTSEN) and sanggahan (objections
about a household), with their evidence files. Families are held by the household's opaque
public id and its KK number as the registry knows it; names and NIKs are read through the
audited selectors when a page or an export needs them, never copied here."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Household, ImportBatch


class ProposalKind(models.TextChoices):
    ADD = "add", _("Tambah keluarga")
    REMOVE = "remove", _("Keluarkan keluarga")
    UPDATE = "update", _("Perbarui data keluarga")


class ProposalReason(models.TextChoices):
    """The reasons a musyawarah kelurahan usually records (Permensos 3/2021 verification and
    validation; DTSEN update guidance). Free text says the rest."""

    POOR_NOT_LISTED = "poor_not_listed", _("Keluarga miskin/rentan belum terdata")
    DECILE_TOO_HIGH = "decile_too_high", _("Desil tidak sesuai kondisi (terlalu tinggi)")
    NOW_CAPABLE = "now_capable", _("Keluarga sudah mampu")
    DECEASED = "deceased", _("Seluruh anggota meninggal dunia")
    MOVED_AWAY = "moved_away", _("Pindah domisili ke luar kota")
    DUPLICATE = "duplicate", _("Data ganda")
    DATA_WRONG = "data_wrong", _("Data keluarga/anggota tidak sesuai")
    DISASTER = "disaster", _("Terdampak bencana atau kehilangan pekerjaan")
    OTHER = "other", _("Lainnya")


class Proposal(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draf")
        APPROVED = "approved", _("Disetujui musyawarah kelurahan")
        SENT = "sent", _("Dikirim ke SIKS-NG")
        ACCEPTED = "accepted", _("Diterima pusat")
        REFUSED = "refused", _("Ditolak pusat")
        WITHDRAWN = "withdrawn", _("Ditarik")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    kk_number = models.CharField(max_length=16, blank=True)
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    reason = models.CharField(max_length=20, choices=ProposalReason.choices)
    reason_text = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    source_check = models.CharField(max_length=40, blank=True, help_text="targeting check")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    meeting_date = models.DateField(null=True, blank=True)
    meeting_minutes_ref = models.CharField(max_length=100, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    export = models.ForeignKey(
        "ProposalExport", null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"proposal:{self.pk}"


class ProposalExport(models.Model):
    """One batch of approved proposals written out for upload to SIKS-NG."""

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    families = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"proposal-export:{self.pk}"


class ObjectionKind(models.TextChoices):
    WRONGLY_RECEIVING = "inclusion", _("Menerima bantuan padahal tidak layak")
    WRONGLY_EXCLUDED = "exclusion", _("Layak tetapi tidak menerima bantuan")
    WRONG_DATA = "wrong_data", _("Data keluarga salah")


class Objection(models.Model):
    """A sanggahan about a household, on a deadline clock (DTKS rules: verified within 14 days,
    `OBJECTION_DEADLINE_DAYS`). The due date is fixed when it is filed."""

    class State(models.TextChoices):
        FILED = "filed", _("Diterima")
        ASSIGNED = "assigned", _("Ditugaskan")
        VERIFIED = "verified", _("Sudah diverifikasi lapangan")
        UPHELD = "upheld", _("Diterima (sanggahan benar)")
        REJECTED = "rejected", _("Ditolak (sanggahan tidak terbukti)")

    class Channel(models.TextChoices):
        OFFICER = "officer", _("Petugas")
        CITIZEN = "citizen", _("Warga (dicatat petugas)")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ObjectionKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.OFFICER)
    description = models.TextField()
    filed_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.FILED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    latitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )  # fmt: skip
    longitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )  # fmt: skip
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(blank=True)
    change_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    OPEN = frozenset({State.FILED, State.ASSIGNED, State.VERIFIED})

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"objection:{self.pk}"

    def is_open(self) -> bool:
        return self.state in self.OPEN

    def days_overdue(self, now: dt.datetime | None = None) -> int:
        """Whole days past the due time while open, at least 1 once it is late (so an overdue
        objection never reads "0 days"); 0 when on time or closed."""
        if not self.is_open():
            return 0
        late = (now or timezone.now()) - self.due_at
        return max(1, late.days) if late > dt.timedelta(0) else 0


class Attachment(models.Model):
    """Evidence: a house photo (JPEG/PNG) or a document (PDF), typed by its content. The bytes
    live under `WELFARE_ATTACHMENT_DIR`, outside every served path, and are streamed only by
    the permission-checked, audited view."""

    class Purpose(models.TextChoices):
        EVIDENCE = "evidence", _("Bukti")
        MINUTES = "minutes", _("Berita acara musyawarah kelurahan")
        HOUSE_PHOTO = "house_photo", _("Foto rumah")
        VERIFICATION = "verification", _("Hasil verifikasi lapangan")

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    objection = models.ForeignKey(
        Objection, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=80, unique=True)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=False, objection__isnull=True)
                | models.Q(proposal__isnull=True, objection__isnull=False),
                name="attachment_of_one_case",
            )
        ]

    def __str__(self) -> str:
        return f"attachment:{self.pk}"

    @property
    def household_id(self) -> int:
        return (self.proposal or self.objection).household_id
