"""The Satu Data catalogue: SDI metadata (Perpres 39/2019; BPS activity and variable
metadata) for every open dataset and every published statistic, and their aggregate tables.

What a package is:
- an **open dataset** (`Dataset.access_level == open`): its current records counted per
  kecamatan and per kelurahan (records and linked persons), never a record;
- a **published statistic**: the city's open area statistics (`api.services.stats`).
Restricted and closed datasets are not packages: they are neither listed nor found.

Every table goes through the area suppression of `api.services.stats.area_table` (counts 1-10
hidden, secondary suppression across both levels and the city), so the kecamatan and the
kelurahan table of one package hide consistent cells. Nothing here reads a person row: the
counts are GROUP BYs, which is why none of it is audited per call (like the planner's
aggregates).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils import timezone

from api.services.stats import MEASURES as AREA_MEASURES
from api.services.stats import RULE as SUPPRESSION_RULE
from api.services.stats import area_counts, area_table
from registry.models import (
    AccessLevel,
    Dataset,
    ImportBatch,
    Region,
    SourceRecord,
    UpdateFrequency,
)

LEVELS = ("kecamatan", "kelurahan")
# Licence of everything the catalogue publishes (aggregates only).
LICENCE_ID = "cc-by"
LICENCE_TITLE = "Creative Commons Attribution 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
REGION_CLASSIFICATION = "Kode wilayah Kemendagri (Kepmendagri 300.2.2-2138/2025)"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:satudata:catalogue")


@dataclass(frozen=True)
class Variable:
    """One column of an aggregate table, with BPS variable metadata."""

    id: str
    type: str  # CKAN datastore type: text | int
    concept: str
    definition: str
    unit: str = ""
    classification: str = ""

    def as_dict(self) -> dict:
        return {
            "nama": self.id,
            "tipe": self.type,
            "konsep": self.concept,
            "definisi": self.definition,
            "satuan": self.unit,
            "klasifikasi": self.classification,
        }


AREA_CODE = Variable(
    "kode_wilayah",
    "text",
    "Wilayah administrasi",
    "Kode kecamatan (6 digit) atau kelurahan/desa (10 digit) tempat tinggal",
    classification=REGION_CLASSIFICATION,
)
AREA_NAME = Variable(
    "nama_wilayah",
    "text",
    "Nama wilayah",
    "Nama kecamatan atau kelurahan/desa menurut Kemendagri",
    classification=REGION_CLASSIFICATION,
)
HIDDEN = Variable(
    "disembunyikan",
    "text",
    "Sel yang disembunyikan",
    "Ukuran yang tidak ditampilkan di baris ini karena bernilai 1-10 atau supaya sel "
    "tersembunyi tidak dapat dihitung ulang (penekanan sel kecil)",
)

# measure key (of the counts) -> its published variable
MEASURE_VARIABLES: dict[str, Variable] = {
    "persons": Variable(
        "jumlah_penduduk",
        "int",
        "Penduduk",
        "Orang yang hidup dalam registri (profil tertaut) dengan kelurahan diketahui",
        unit="orang",
    ),
    "households": Variable(
        "jumlah_keluarga",
        "int",
        "Keluarga (KK)",
        "Keluarga menurut nomor Kartu Keluarga dengan kelurahan diketahui",
        unit="keluarga",
    ),
    "aid_recipients": Variable(
        "jumlah_penerima_bantuan",
        "int",
        "Penerima bantuan sosial",
        "Orang yang menerima sedikitnya satu bantuan sosial yang tercatat",
        unit="orang",
    ),
    "records": Variable(
        "jumlah_baris_data",
        "int",
        "Baris data",
        "Baris data terkini (versi terakhir) dalam dataset dengan kelurahan diketahui",
        unit="baris",
    ),
    "linked_persons": Variable(
        "jumlah_orang",
        "int",
        "Orang tertaut",
        "Orang berbeda dalam dataset setelah penautan rekaman, menurut kelurahan pada baris",
        unit="orang",
    ),
}
DATASET_MEASURES = ("records", "linked_persons")


@dataclass
class Resource:
    id: str
    name: str
    description: str
    level: str
    variables: list[Variable]


@dataclass
class Package:
    """One catalogue entry with its SDI metadata."""

    id: str
    name: str
    title: str
    description: str
    producer: str
    organization: str  # agency code (CKAN organization)
    organization_title: str
    update_frequency: str  # UpdateFrequency value
    access_level: str
    period_start: dt.date | None
    period_end: dt.date | None
    period_label: str
    region_codes: list[str]
    modified: dt.datetime | None
    created: dt.datetime | None
    kind: str  # dataset | statistic
    measures: tuple[str, ...]
    counts: Callable[[], dict[str, dict[str, int]]] = field(repr=False)
    tags: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)

    @property
    def access_label(self) -> str:
        return str(dict(AccessLevel.choices).get(self.access_level, self.access_level))

    @property
    def frequency_label(self) -> str:
        return str(dict(UpdateFrequency.choices).get(self.update_frequency, self.update_frequency))

    @property
    def variables(self) -> list[Variable]:
        return [AREA_CODE, AREA_NAME, *(MEASURE_VARIABLES[m] for m in self.measures), HIDDEN]

    def table(self, level: str) -> list[dict]:
        """The suppressed rows of one level: measures are None where hidden."""
        stats = area_table(level, settings.REGISTRY_REGENCY_CODE, self.counts(), self.measures)
        rows = []
        for cell in stats["areas"]:
            row = {AREA_CODE.id: cell["code"], AREA_NAME.id: cell["name"]}
            for m in self.measures:
                row[MEASURE_VARIABLES[m].id] = cell[m]
            row[HIDDEN.id] = ",".join(MEASURE_VARIABLES[m].id for m in cell["suppressed"])
            rows.append(row)
        return rows


def package_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def _resources(name: str, title: str, variables: list[Variable]) -> list[Resource]:
    return [
        Resource(
            id=package_id(f"{name}/{level}"),
            name=f"{title} per {level}",
            description=(
                f"Tabel agregat per {level}; sel bernilai 1-10 disembunyikan ({SUPPRESSION_RULE})."
            ),
            level=level,
            variables=variables,
        )
        for level in LEVELS
    ]


def _regency_region_codes(present: set[str]) -> list[str]:
    """The regency code and the kecamatan codes with data (Kemendagri codes)."""
    regency = settings.REGISTRY_REGENCY_CODE
    kec = sorted({c[:8] for c in present if c})
    return [regency, *kec]


def _dataset_counts(dataset_id: int) -> Callable[[], dict[str, dict[str, int]]]:
    def counts() -> dict[str, dict[str, int]]:
        current = SourceRecord.objects.filter(dataset_id=dataset_id, is_current=True).exclude(
            kelurahan_code=""
        )
        records = dict(current.values_list("kelurahan_code").annotate(n=Count("pk")).order_by())
        persons = dict(
            current.filter(link__isnull=False)
            .values_list("kelurahan_code")
            .annotate(n=Count("link__person", distinct=True))
            .order_by()
        )
        return {"records": records, "linked_persons": persons}

    return counts


def _period_of(dataset: Dataset) -> tuple[dt.date | None, dt.date | None, str]:
    """Reference period: the span of the aid periods the records carry, else the span of the
    dataset's imports (the dates its data describe)."""
    from registry.reports.common import period_start

    current = SourceRecord.objects.filter(dataset=dataset, is_current=True).exclude(period="")
    span = current.aggregate(first=Min("period"), last=Max("period"))
    first, last = period_start(span["first"] or ""), period_start(span["last"] or "")
    if first and last:
        return first, last, f"{span['first']} s.d. {span['last']}"
    imports = ImportBatch.objects.filter(dataset=dataset).exclude(status="rejected")
    span = imports.aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["first"] is None:
        return None, None, ""
    a, b = timezone.localdate(span["first"]), timezone.localdate(span["last"])
    return a, b, f"{a.isoformat()} s.d. {b.isoformat()}"


def dataset_package(dataset: Dataset) -> Package:
    name = f"{dataset.agency.code}-{dataset.name}".lower()
    start, end, label = _period_of(dataset)
    kel = set(
        SourceRecord.objects.filter(dataset=dataset, is_current=True)
        .exclude(kelurahan_code="")
        .values_list("kelurahan_code", flat=True)
        .distinct()
    )
    modified = ImportBatch.objects.filter(dataset=dataset).aggregate(m=Max("created_at"))["m"]
    package = Package(
        id=package_id(name),
        name=name,
        title=dataset.title,
        description=dataset.description or dataset.title,
        producer=dataset.producer or dataset.agency.name,
        organization=dataset.agency.code.lower(),
        organization_title=dataset.agency.name,
        update_frequency=dataset.update_frequency,
        access_level=dataset.access_level,
        period_start=start,
        period_end=end,
        period_label=label,
        region_codes=_regency_region_codes(kel),
        modified=modified or dataset.created_at,
        created=dataset.created_at,
        kind="dataset",
        measures=DATASET_MEASURES,
        counts=_dataset_counts(dataset.pk),
        tags=["satu-data", dataset.agency.code.lower(), dataset.get_update_frequency_display()],
    )
    package.resources = _resources(name, dataset.title, package.variables)
    return package


STATISTIC_NAME = "statistik-penduduk-wilayah"


def statistic_package() -> Package:
    """The city's published area statistics (the open /api/stats/areas)."""
    today = timezone.localdate()
    regency = settings.REGISTRY_REGENCY_CODE
    kel = set(
        Region.objects.filter(code__startswith=f"{regency}.", level=4).values_list(
            "code", flat=True
        )
    )
    modified = ImportBatch.objects.aggregate(m=Max("created_at"))["m"]
    package = Package(
        id=package_id(STATISTIC_NAME),
        name=STATISTIC_NAME,
        title="Statistik penduduk, keluarga dan penerima bantuan per wilayah",
        description=(
            "Jumlah penduduk, keluarga (KK) dan penerima bantuan sosial per kecamatan dan "
            "kelurahan, dihitung dari registri terpadu kota (profil orang hasil penautan data "
            "seluruh OPD). Sel kecil disembunyikan."
        ),
        producer="Walidata kota (Diskominfo)",
        organization="walidata",
        organization_title="Walidata",
        update_frequency="daily",
        access_level=AccessLevel.OPEN,
        period_start=today,
        period_end=today,
        period_label=f"keadaan {today.isoformat()}",
        region_codes=_regency_region_codes(kel),
        modified=modified,
        created=None,
        kind="statistic",
        measures=AREA_MEASURES,
        counts=area_counts,
        tags=["satu-data", "statistik", "kependudukan", "bantuan-sosial"],
    )
    package.resources = _resources(STATISTIC_NAME, "Statistik penduduk", package.variables)
    return package


def open_datasets():
    return Dataset.objects.filter(access_level=AccessLevel.OPEN).select_related("agency")


def packages() -> list[Package]:
    """Every catalogue entry, by name: the published statistic and each open dataset."""
    found = [statistic_package(), *(dataset_package(d) for d in open_datasets())]
    return sorted(found, key=lambda p: p.name)


def package_names() -> list[str]:
    names = [STATISTIC_NAME]
    names += [f"{d.agency.code}-{d.name}".lower() for d in open_datasets()]
    return sorted(names)


def package_get(id_or_name: str) -> Package | None:
    """The open package with this name or id; None for anything else (closed, restricted and
    missing look alike)."""
    key = (id_or_name or "").strip().lower()
    if key in (STATISTIC_NAME, package_id(STATISTIC_NAME)):
        return statistic_package()
    for dataset in open_datasets():
        name = f"{dataset.agency.code}-{dataset.name}".lower()
        if key in (name, package_id(name)):
            return dataset_package(dataset)
    return None


def resource_get(resource_id: str) -> tuple[Package, Resource] | None:
    key = (resource_id or "").strip().lower()
    for name in package_names():
        for level in LEVELS:
            if key == package_id(f"{name}/{level}"):
                package = package_get(name)
                if package is None:
                    return None
                return package, next(r for r in package.resources if r.level == level)
    return None
