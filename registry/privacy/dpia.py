"""A data protection impact assessment (DPIA, penilaian dampak pelindungan data pribadi; UU
27/2022 art. 34: required for matching or combining datasets and for large-scale processing
of specific categories), pre-filled from what the registry's configuration and data say, for
the data protection officer to complete, sign and keep.

Every statement here is read from the code's rules or the database at the time of asking
(roles and what each sees, access levels, grants, the small-cell threshold, the linkage
model, the registers' clocks); what only people can decide is left as a marked blank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from registry.models import (
    AccessLevel,
    Dataset,
    DatasetGrant,
    Household,
    LinkModel,
    Person,
    ReviewTask,
)
from registry.privacy.models import DEADLINE, Breach, Clock, CorrectionRequest
from registry.privacy.ropa import LEGAL_BASIS, record_of_processing
from registry.reports.suppression import THRESHOLD
from registry.roles import (
    AID_ROLES,
    AUDIT_ROLES,
    MASKED_ROLES,
    PERSON_ROLES,
    PRIVACY_ROLES,
    Role,
)
from registry.selectors import PURPOSE_CODES

TO_FILL = "[diisi oleh Pejabat Pelindungan Data Pribadi]"


@dataclass
class Section:
    title: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    rows: list[list[str]] = field(default_factory=list)  # an optional table
    header: list[str] = field(default_factory=list)


def _yes(flag: bool) -> str:
    return "ya" if flag else "tidak"


def role_table() -> tuple[list[str], list[list[str]]]:
    header = ["Peran", "Profil orang", "NIK/KK", "Bantuan sosial", "Jejak audit", "Register PDP"]
    rows = []
    for role in Role:
        person = role in PERSON_ROLES
        rows.append(
            [
                str(role.label),
                _yes(person),
                ("disamarkan" if role in MASKED_ROLES else "lengkap") if person else "—",
                _yes(role in AID_ROLES),
                _yes(role in AUDIT_ROLES),
                _yes(role in PRIVACY_ROLES),
            ]
        )
    return header, rows


def dpia_draft(*, purpose_ttl: dt.timedelta | None = None, now: dt.datetime | None = None):
    now = now or timezone.now()
    activities = record_of_processing(now)
    registry, per_dataset = activities[0], activities[1:]
    levels = dict(Dataset.objects.values_list("access_level").annotate(n=Count("pk")).order_by())
    grants = DatasetGrant.objects.filter(revoked_at__isnull=True, expires_at__gt=now)
    model = LinkModel.objects.order_by("-created_at").first()
    persons = Person.objects.filter(status=Person.Status.ACTIVE).count()
    households = Household.objects.count()
    breaches = list(Breach.objects.all())
    corrections = list(CorrectionRequest.objects.all())
    hours = int(DEADLINE.total_seconds() // 3600)

    def count_clock(items, state) -> int:
        return sum(1 for i in items if i.clock(now) == state)

    header, rows = role_table()
    return [
        Section(
            "1. Uraian sistematis pemrosesan",
            [
                (
                    "Pengendali",
                    f"Pemerintah kota (kode wilayah {settings.REGISTRY_REGENCY_CODE}); "
                    "walidata sebagai pengelola registri",
                ),
                (
                    "Sistem",
                    "Registri terpadu Satu Data: data penduduk dari OPD ditautkan menjadi "
                    "satu profil per orang dan per keluarga (KK)",
                ),
                (
                    "Skala",
                    f"{registry.records} baris data terkini dari {len(per_dataset)} "
                    f"dataset; {persons} orang dan {households} keluarga tertaut",
                ),
                (
                    "Tingkat akses dataset",
                    ", ".join(
                        f"{label}: {levels.get(value, 0)}" for value, label in AccessLevel.choices
                    ),
                ),
                (
                    "Pencocokan dan penggabungan",
                    "Penautan probabilistik (Fellegi-Sunter) atas NIK, "
                    "nomor KK, nama, tanggal lahir dan alamat; model terakhir dilatih "
                    + (
                        f"{timezone.localtime(model.created_at):%d-%m-%Y %H:%M}"
                        if model
                        else "belum pernah"
                    ),
                ),
                ("Operasi", registry.operations),
            ],
        ),
        Section(
            "2. Tujuan dan dasar pemrosesan",
            [
                ("Tujuan", "; ".join(registry.purposes)),
                ("Dasar", LEGAL_BASIS),
                (
                    "Tujuan yang harus dinyatakan untuk setiap pembacaan",
                    "; ".join(str(v) for v in PURPOSE_CODES.values()),
                ),
            ],
        ),
        Section(
            "3. Kebutuhan dan proporsionalitas",
            [
                (
                    "Prinsip",
                    "Akses tertutup secara bawaan; data terbatas hanya untuk OPD yang "
                    "diberi izin dengan tujuan dan batas waktu",
                ),
                (
                    "Izin akses aktif",
                    f"{grants.count()} izin; semuanya berakhir otomatis pada "
                    "tanggal kedaluwarsanya",
                ),
                ("Penilaian", TO_FILL),
            ],
            rows=rows,
            header=header,
        ),
        Section(
            "4. Risiko terhadap subjek data",
            [
                (
                    "Kategori data spesifik",
                    "; ".join(sorted({c for a in per_dataset for c in a.specific_categories}))
                    or "tidak ada",
                ),
                (
                    "Salah tautan",
                    "Dua orang berbeda digabung atau satu orang terpecah dapat "
                    "menyebabkan keputusan bantuan yang keliru; "
                    f"{ReviewTask.objects.filter(status=ReviewTask.Status.OPEN).count()} pasangan "
                    "menunggu tinjauan manusia",
                ),
                (
                    "Pengungkapan lewat statistik",
                    f"Sel bernilai 1-{THRESHOLD} dapat mengenali "
                    "orang; ditekan beserta penekanan sekunder",
                ),
                (
                    "Insiden tercatat",
                    f"{len(breaches)} insiden; "
                    f"{count_clock(breaches, Clock.LATE)} diberitahukan melewati {hours} jam, "
                    f"{count_clock(breaches, Clock.OVERDUE)} lewat tenggat",
                ),
                (
                    "Permintaan koreksi",
                    f"{len(corrections)} permintaan; "
                    f"{count_clock(corrections, Clock.OVERDUE)} lewat tenggat {hours} jam",
                ),
                ("Tingkat risiko", TO_FILL),
            ],
        ),
        Section(
            "5. Langkah pengendalian risiko",
            [
                (
                    "Pembatasan tujuan",
                    "Setiap pembacaan data pribadi meminta kode dan uraian "
                    "tujuan"
                    + (
                        f", berlaku {int(purpose_ttl.total_seconds() // 60)} menit"
                        if purpose_ttl
                        else ""
                    ),
                ),
                (
                    "Jejak audit",
                    "Setiap pembacaan dan penulisan tercatat dalam rantai hash yang "
                    "hanya dapat ditambah (trigger basis data menolak ubah/hapus)",
                ),
                (
                    "Penyamaran",
                    "NIK/KK disamarkan untuk: "
                    + ", ".join(str(Role(r).label) for r in sorted(MASKED_ROLES)),
                ),
                (
                    "Statistik terbuka",
                    f"Hanya agregat; sel 1-{THRESHOLD} disembunyikan "
                    "(katalog Satu Data, API CKAN dan DCAT)",
                ),
                ("Log aplikasi", "Tidak memuat NIK atau nama; hanya jumlah dan id"),
                (
                    "Tenggat UU PDP",
                    f"Pemberitahuan insiden dan koreksi dipantau terhadap {hours} jam",
                ),
                ("Langkah tambahan", TO_FILL),
            ],
        ),
        Section(
            "6. Konsultasi dan keputusan",
            [
                ("Pihak yang dikonsultasikan", TO_FILL),
                ("Keputusan (lanjut / lanjut dengan syarat / tidak lanjut)", TO_FILL),
                ("Tanggal dan tanda tangan", TO_FILL),
            ],
        ),
    ]
