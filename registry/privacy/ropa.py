"""The record of processing activities (catatan kegiatan pemrosesan, UU PDP art. 31),
generated from what the registry knows rather than typed by hand: one activity per dataset
(its agency is the controller; its purposes are the agency's task and the purposes of the
grants on it; its recipients are the grantees), plus the registry's own linkage of them all.

The categories of data are read from the data: a dataset holds children's data when a
current record has a birth date under 18 years ago, financial data when it carries aid
receipts or welfare deciles, health data when its agency is a health one (UU PDP art. 4(2):
specific categories). Only counts leave this module, never a record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils import timezone

from registry.models import (
    AccessLevel,
    AgencyKind,
    Dataset,
    DatasetGrant,
    HouseholdDecile,
    ImportBatch,
    SourceRecord,
)
from registry.privacy.models import RetentionPolicy
from registry.selectors import PURPOSE_CODES

CHILD_AGE = 18
LEGAL_BASIS = (
    "Pelaksanaan tugas pelayanan publik dan kewenangan Pengendali Data Pribadi berdasarkan "
    "peraturan perundang-undangan (UU 27/2022 pasal 20 ayat (2) huruf e)"
)
SECURITY = (
    "Akses menurut tingkat akses dataset dan izin berbatas waktu; tujuan wajib untuk setiap "
    "pembacaan; jejak audit berantai hash; NIK/KK disamarkan untuk perencana; statistik "
    "terbuka hanya agregat dengan penekanan sel kecil"
)
OPERATIONS = (
    "Pengumpulan (unggah berkas/API), validasi dan normalisasi, penyimpanan versi, "
    "pencocokan dan penggabungan dengan dataset OPD lain, penampilan terbatas, statistik agregat"
)
# The task an agency processes its residents' data for, by agency kind.
AGENCY_PURPOSE = {
    AgencyKind.CIVIL_REGISTRY: "Administrasi kependudukan",
    AgencyKind.SOCIAL_AFFAIRS: "Penyelenggaraan dan penyaluran bantuan sosial",
    AgencyKind.HEALTH: "Pelayanan kesehatan",
    AgencyKind.HEALTH_INSURANCE: "Jaminan kesehatan",
    AgencyKind.EDUCATION: "Pelayanan pendidikan",
    AgencyKind.PLANNING: "Perencanaan pembangunan",
    AgencyKind.VILLAGE_OFFICE: "Pelayanan kelurahan/kecamatan",
    AgencyKind.DATA_CUSTODIAN: "Pengelolaan Satu Data",
}
HEALTH_KINDS = frozenset({AgencyKind.HEALTH, AgencyKind.HEALTH_INSURANCE})
ACCESS_LABEL = {
    AccessLevel.OPEN: "Terbuka (hanya agregat keluar)",
    AccessLevel.RESTRICTED: "Terbatas (OPD yang diberi izin)",
    AccessLevel.CLOSED: "Tertutup (OPD pemilik dan walidata)",
}


@dataclass
class Activity:
    name: str
    controller: str
    dataset_id: int | None
    access_level: str
    purposes: list[str]
    legal_basis: str
    subjects: list[str]
    categories: list[str]
    specific_categories: list[str]
    recipients: list[str]
    records: int
    last_import: dt.datetime | None
    operations: str = OPERATIONS
    security: str = SECURITY
    retention: str = "Belum ditetapkan"
    dpia_required: bool = True  # every dataset is matched with others (UU PDP art. 34)
    notes: list[str] = field(default_factory=list)


def _facts_by_dataset(today: dt.date) -> dict[int, dict]:
    cutoff = today.replace(year=today.year - CHILD_AGE)
    rows = (
        SourceRecord.objects.filter(is_current=True)
        .values("dataset_id")
        .annotate(
            records=Count("pk"),
            children=Count("pk", filter=Q(birth_date__gt=cutoff)),
            aid=Count("pk", filter=~Q(program="")),
            decile=Count("pk", filter=Q(welfare_decile__isnull=False)),
            deaths=Count("pk", filter=Q(death_date__isnull=False)),
        )
        .order_by()
    )
    facts = {r["dataset_id"]: r for r in rows}
    # A DTSEN extract holds household decile facts, not records: financial data too.
    deciles = (
        HouseholdDecile.objects.filter(is_current=True)
        .values("dataset_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in deciles:
        entry = facts.setdefault(
            row["dataset_id"],
            {"dataset_id": row["dataset_id"], "records": 0, "children": 0, "aid": 0, "deaths": 0},
        )
        entry["records"] = entry.get("records", 0) + row["n"]
        entry["decile"] = entry.get("decile", 0) + row["n"]
    return facts


def _active_grants(now: dt.datetime) -> dict[int, list[DatasetGrant]]:
    grants: dict[int, list[DatasetGrant]] = {}
    active = DatasetGrant.objects.filter(revoked_at__isnull=True, expires_at__gt=now)
    for grant in active.select_related("grantee").order_by("dataset_id", "grantee__code"):
        grants.setdefault(grant.dataset_id, []).append(grant)
    return grants


def _categories(facts: dict, kind: str) -> tuple[list[str], list[str]]:
    general = [
        "Identitas (NIK, nomor KK, nama, tempat dan tanggal lahir, jenis kelamin)",
        "Alamat (jalan, RT/RW, kelurahan, kecamatan)",
        "Hubungan dalam keluarga",
    ]
    specific = []
    if facts.get("deaths"):
        general.append("Tanggal kematian")
    if facts.get("children"):
        specific.append("Data anak")
    if facts.get("aid") or facts.get("decile"):
        specific.append("Data keuangan pribadi (bantuan sosial, desil kesejahteraan)")
    if kind in HEALTH_KINDS:
        specific.append("Data kesehatan")
    return general, specific


def retention_text(policy: RetentionPolicy | None) -> str:
    if policy is None:
        return "Belum ditetapkan"
    text = f"Versi lama dimusnahkan {policy.retention_days} hari setelah diganti"
    if policy.ended_at:
        ended = timezone.localdate(policy.ended_at)
        text += f"; dataset berakhir {ended:%d-%m-%Y}, seluruhnya dimusnahkan setelah masa itu"
    return text


def record_of_processing(now: dt.datetime | None = None) -> list[Activity]:
    now = now or timezone.now()
    facts = _facts_by_dataset(timezone.localdate(now))
    grants = _active_grants(now)
    last_imports = dict(
        ImportBatch.objects.values_list("dataset_id").annotate(m=Max("created_at")).order_by()
    )
    activities = []
    datasets = list(Dataset.objects.select_related("agency").order_by("agency__code", "name"))
    policies = {p.dataset_id: p for p in RetentionPolicy.objects.all()}
    for dataset in datasets:
        f = facts.get(dataset.pk, {})
        general, specific = _categories(f, dataset.agency.kind)
        own = AGENCY_PURPOSE.get(dataset.agency.kind, "Pelaksanaan tugas OPD")
        purposes = [own]
        recipients = ["Walidata (pengelola Satu Data)"]
        for grant in grants.get(dataset.pk, []):
            label = str(PURPOSE_CODES.get(grant.purpose_code, grant.purpose_code))
            if label not in purposes:
                purposes.append(label)
            until = timezone.localdate(grant.expires_at)
            recipients.append(f"{grant.grantee.name} — {label}, s.d. {until:%d-%m-%Y}")
        if dataset.access_level == AccessLevel.OPEN:
            recipients.append("Publik: hanya statistik agregat (sel 1-10 disembunyikan)")
        subjects = ["Penduduk kota"] + (["Anak (di bawah 18 tahun)"] if f.get("children") else [])
        activities.append(
            Activity(
                name=dataset.title,
                controller=f"{dataset.agency.name} ({dataset.agency.get_kind_display()})",
                dataset_id=dataset.pk,
                access_level=ACCESS_LABEL.get(dataset.access_level, dataset.access_level),
                purposes=purposes,
                legal_basis=LEGAL_BASIS,
                subjects=subjects,
                categories=general,
                specific_categories=specific,
                recipients=recipients,
                records=f.get("records", 0),
                last_import=last_imports.get(dataset.pk),
                retention=retention_text(policies.get(dataset.pk)),
            )
        )
    specific_all = sorted({c for a in activities for c in a.specific_categories})
    activities.insert(
        0,
        Activity(
            name="Registri terpadu: penautan rekaman seluruh OPD menjadi satu profil per orang "
            "dan per keluarga",
            controller="Walidata (Diskominfo)",
            dataset_id=None,
            access_level="Menurut dataset sumber",
            purposes=[
                "Pengelolaan Satu Data",
                *sorted({p for a in activities for p in a.purposes}),
            ],
            legal_basis=LEGAL_BASIS,
            subjects=["Penduduk kota"],
            categories=["Semua kategori dataset sumber"],
            specific_categories=specific_all,
            recipients=["Pengguna berperan sesuai tingkat akses dan izin dataset"],
            records=sum(a.records for a in activities),
            last_import=max((a.last_import for a in activities if a.last_import), default=None),
            notes=[f"{len(datasets)} dataset sumber"],
        ),
    )
    return activities
