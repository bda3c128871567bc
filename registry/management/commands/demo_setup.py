"""python manage.py demo_setup: a demo city generated, imported, linked, with one account per role.

Idempotent: run it twice and the second run imports nothing new and creates no account twice.
"""

from __future__ import annotations

import csv
import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from registry.ingest.reading import read_file
from registry.linking import link
from registry.models import AccessLevel, Agency, AgencyKind, Dataset, DatasetGrant, DatasetKind
from registry.roles import Role
from registry.services.accounts import account_create, grant_create
from registry.services.bulk_load import bulk_load, data_lines
from registry.services.imports import records_import

# Who shares what in the demo city: the civil registry is restricted (granted to the social
# agency and to planning), the social registry closed, health/education/insurance restricted.
DATASET_ACCESS = {
    "civil_registry": AccessLevel.RESTRICTED,
    "social_affairs": AccessLevel.CLOSED,
    "health": AccessLevel.RESTRICTED,
    "education": AccessLevel.RESTRICTED,
    "health_insurance": AccessLevel.RESTRICTED,
}
# One producing agency registered with a dataset but nothing sent yet, so the walidata board
# of the demo shows a late agency (every generated agency submits during the set-up itself).
LATE_AGENCY = {
    "code": "disnaker",
    "name": "Dinas Tenaga Kerja",
    "kind": AgencyKind.OTHER,
    "dataset_name": "pencari-kerja",
    "dataset_title": "Pencari kerja terdaftar (AK/I)",
}
# The national extract the social agency receives each quarter (issue 18 item 1): restricted,
# its owner reads it; other agencies only through a grant.
DTSEN_DATASET = {
    "name": "dtsen-desil",
    "title": "Desil kesejahteraan DTSEN (ekstrak nasional)",
    "producer": "Kementerian Sosial / BPS (DTSEN)",
    "description": "Desil kesejahteraan keluarga dari Data Tunggal Sosial Ekonomi Nasional, "
    "diterima Dinas Sosial per triwulan.",
}
DEMO_GRANTS = (
    ("civil_registry", "dinsos", "verifikasi-bansos", "Verifikasi sasaran bantuan sosial"),
    ("health_insurance", "dinsos", "verifikasi-bansos", "Cek kepesertaan PBI-JK"),
    ("civil_registry", "bappeda", "perencanaan", "Perencanaan pembangunan berbasis keluarga"),
    ("education", "bappeda", "perencanaan", "Analisis anak tidak sekolah"),
    ("health_insurance", "bappeda", "perencanaan", "Analisis cakupan jaminan kesehatan"),
)


class Command(BaseCommand):
    help = "Generate, import and link a demo city and create one demo account per role."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--dir", default="var/demo-city")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where it is served")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        city = Path(opts["dir"])
        if not (city / "agencies.csv").exists():
            call_command("generate_city", persons=opts["persons"], seed=opts["seed"], out=str(city))
        agencies = self._import_city(city)
        self._import_dtsen(city, agencies.get(AgencyKind.SOCIAL_AFFAIRS))
        summary = link(full=False)
        self.stdout.write(
            f"linked {summary.records} records: {summary.persons_created} new persons, "
            f"{summary.households} households"
        )
        password = os.environ.get("DEMO_PASSWORD", "satudata-demo-2026")
        logins = self._accounts(agencies, password)
        self._grants(agencies)
        self.stdout.write(f"\nDemo ready in {time.perf_counter() - started:.0f} s.")
        for line in ready_lines(opts["url"].rstrip("/"), password, logins):
            self.stdout.write(line)

    def _import_city(self, city: Path) -> dict[str, Agency]:
        agencies: dict[str, Agency] = {}
        with (city / "agencies.csv").open(encoding="utf-8") as handle:
            manifest = list(csv.DictReader(handle))
        with bulk_load(data_lines(city / row["file"] for row in manifest)):
            self._import_files(city, manifest, agencies)
        late = LATE_AGENCY
        agencies[late["kind"]] = agency = Agency.objects.get_or_create(
            code=late["code"], defaults={"name": late["name"], "kind": late["kind"]}
        )[0]
        Dataset.objects.get_or_create(
            agency=agency,
            name=late["dataset_name"],
            defaults={"title": late["dataset_title"], "producer": agency.name},
        )
        for code, name, kind in (
            (
                "diskominfo",
                "Dinas Komunikasi dan Informatika (Walidata)",
                AgencyKind.DATA_CUSTODIAN,
            ),
            ("bappeda", "Badan Perencanaan Pembangunan Daerah", AgencyKind.PLANNING),
        ):
            agencies[kind] = Agency.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind}
            )[0]
        return agencies

    def _import_files(self, city: Path, manifest: list[dict], agencies: dict) -> None:
        for row in manifest:
            agency, _ = Agency.objects.get_or_create(
                code=row["code"], defaults={"name": row["name"], "kind": row["kind"]}
            )
            agencies[agency.kind] = agency
            dataset, _ = Dataset.objects.get_or_create(
                agency=agency,
                name=row["dataset_name"],
                defaults={
                    "title": row["dataset_title"],
                    "producer": agency.name,
                    "access_level": DATASET_ACCESS.get(agency.kind, AccessLevel.CLOSED),
                },
            )
            path = city / row["file"]
            parsed = read_file(path, agency_mapping=agency.column_mapping)
            outcome = records_import(
                dataset=dataset,
                parsed=parsed,
                file_name=path.name,
                file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                skip_invalid=True,
            )
            batch = outcome.batch
            self.stdout.write(
                f"{path.name}: {batch.rows_new} new, {batch.rows_changed} changed, "
                f"{batch.rows_unchanged} unchanged, {batch.rows_invalid} invalid"
            )

    def _import_dtsen(self, city: Path, agency: Agency | None) -> None:
        """The national DTSEN extract, one file per quarter (registry.citygen.dtsen), into the
        social agency's restricted DTSEN dataset: household decile facts, oldest quarter
        first, through the same import as every file."""
        files = sorted(city.glob("dtsen-*.csv"))
        if agency is None or not files:
            return
        dataset, _ = Dataset.objects.get_or_create(
            agency=agency,
            name=DTSEN_DATASET["name"],
            defaults={
                "title": DTSEN_DATASET["title"],
                "producer": DTSEN_DATASET["producer"],
                "description": DTSEN_DATASET["description"],
                "access_level": AccessLevel.RESTRICTED,
                "kind": DatasetKind.DTSEN,
            },
        )
        for path in files:
            parsed = read_file(path, agency_mapping=agency.column_mapping)
            batch = records_import(
                dataset=dataset,
                parsed=parsed,
                file_name=path.name,
                file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            ).batch
            self.stdout.write(
                f"{path.name}: {batch.status}, {batch.rows_new} new, {batch.rows_changed} "
                f"changed, {batch.rows_unchanged} unchanged, {batch.rows_invalid} invalid"
            )

    def _accounts(self, agencies: dict[str, Agency], password: str) -> list[tuple[str, str]]:
        wanted = [
            ("walidata", Role.WALIDATA, agencies[AgencyKind.DATA_CUSTODIAN], "walidata"),
            ("auditor", Role.AUDITOR, None, "auditor"),
            ("ppdp", Role.DPO, None, "data protection officer"),
            ("analis.dinsos", Role.ANALYST, agencies.get(AgencyKind.SOCIAL_AFFAIRS), "analyst"),
            ("perencana", Role.PLANNER, agencies[AgencyKind.PLANNING], "planner"),
        ]
        for kind, agency in agencies.items():
            if kind not in (AgencyKind.DATA_CUSTODIAN, AgencyKind.PLANNING):
                wanted.append((f"operator.{agency.code}", Role.OPERATOR, agency, "operator"))
        users = get_user_model().objects
        logins = []
        for username, role, agency, label in wanted:
            if not users.filter(username=username).exists():
                account_create(
                    actor=None, username=username, password=password, role=role, agency=agency
                )
            suffix = f" ({agency.code})" if agency else ""
            logins.append((username, f"{label}{suffix}"))
        return logins

    def _grants(self, agencies: dict[str, Agency]) -> None:
        expires = timezone.now() + timedelta(days=365)
        for owner_kind, grantee_code, purpose, text in DEMO_GRANTS:
            owner = agencies.get(owner_kind)
            grantee = Agency.objects.filter(code=grantee_code).first()
            if owner is None or grantee is None:
                continue
            for dataset in owner.datasets.all():
                active = DatasetGrant.objects.filter(
                    dataset=dataset, grantee=grantee, revoked_at__isnull=True
                ).exists()
                if not active:
                    with transaction.atomic():
                        grant_create(
                            actor=None,
                            dataset=dataset,
                            grantee=grantee,
                            purpose_code=purpose,
                            purpose_text=text,
                            expires_at=expires,
                        )


def ready_lines(url: str, password: str, logins: list[tuple[str, str]]) -> list[str]:
    """What `make demo` prints last: the address, the API docs, the token command, then every
    login with its password on one line each (copy-paste ready)."""
    lines = [
        f"Web app:    {url}/",
        f"API docs:   {url}/api/docs",
        "API token:  .venv/bin/python manage.py api_token create --agency dinsos --name demo"
        "   (prints the token once; send it as 'Authorization: Bearer <token>')",
    ]
    width = max((len(username) for username, _ in logins), default=0)
    lines += [
        f"Login:      {username:<{width}}  password {password}  ({label})"
        for username, label in logins
    ]
    return lines
