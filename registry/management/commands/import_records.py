"""python manage.py import_records --agency CODE [--create-agency] [--dataset NAME] FILE..."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from registry.ingest import flags
from registry.ingest.headers import CANONICAL_FIELDS
from registry.ingest.reading import FileFormatError, read_file
from registry.models import AccessLevel, Agency, AgencyKind, Dataset, DatasetKind
from registry.services.imports import ImportBusy
from registry.services.submit import LINK_QUEUE, LINKING_PENDING, records_submit

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Validate and import agency files (CSV/XLSX in the exchange format) as record versions."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--agency", required=True, help="agency (OPD) code")
        parser.add_argument("--create-agency", action="store_true")
        parser.add_argument("--agency-name", default="")
        parser.add_argument(
            "--agency-kind", choices=[k.value for k in AgencyKind], default=AgencyKind.OTHER
        )
        parser.add_argument("--dataset", default="", help="dataset name (slug) of the agency")
        parser.add_argument("--dataset-title", default="")
        parser.add_argument(
            "--access",
            choices=[a.value for a in AccessLevel],
            default=AccessLevel.CLOSED,
            help="access level of a newly created dataset (default closed)",
        )
        parser.add_argument(
            "--dataset-kind",
            choices=[k.value for k in DatasetKind],
            default=DatasetKind.RECORDS,
            help="kind of a newly created dataset: records (default) or dtsen (a national DTSEN "
            "extract: NIK, NO KK, DESIL, TRIWULAN per row, stored as household decile facts)",
        )
        parser.add_argument("--sheet", default=None, help="XLSX sheet name (default: first)")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="map one of the agency's own headers to an exchange-format field; saved",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and report the rest (default: all or nothing)",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="refuse rows with field problems too (a future birth date, an unknown sex "
            "code, ...); by default such a row lands with the field empty and flagged",
        )

    def handle(self, *args, **opts):
        agency = self._agency(opts)
        self._save_mapping(agency, opts["map"])
        dataset = self._dataset(agency, opts)
        failed = False
        for name in opts["files"]:
            failed |= not self._import_one(Path(name), agency, dataset, opts)
        if failed:
            raise CommandError("one or more files were rejected; nothing from them was imported")

    def _agency(self, opts) -> Agency:
        code = opts["agency"]
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            if not opts["create_agency"]:
                raise CommandError(f"unknown agency {code!r} (use --create-agency to create it)")
            agency = Agency.objects.create(
                code=code, name=opts["agency_name"] or code.upper(), kind=opts["agency_kind"]
            )
            self.stdout.write(f"created agency {code}")
        return agency

    def _save_mapping(self, agency: Agency, pairs: list[str]) -> None:
        if not pairs:
            return
        mapping = dict(agency.column_mapping)
        for pair in pairs:
            header, _, field = pair.partition("=")
            if not header or field not in CANONICAL_FIELDS:
                raise CommandError(
                    f"--map {pair!r}: expected HEADER=FIELD with FIELD one of "
                    + ", ".join(CANONICAL_FIELDS)
                )
            mapping[header.strip()] = field
        agency.column_mapping = mapping
        agency.save(update_fields=["column_mapping"])

    def _dataset(self, agency: Agency, opts) -> Dataset:
        name = opts["dataset"]
        if not name:
            existing = list(agency.datasets.all()[:2])
            if len(existing) == 1:
                return existing[0]
            if len(existing) > 1:
                raise CommandError(f"agency {agency.code} has several datasets: give --dataset")
            name = f"{agency.code}-records"
        with transaction.atomic():
            dataset, created = Dataset.objects.get_or_create(
                agency=agency,
                name=name,
                defaults={
                    "title": opts["dataset_title"] or f"{agency.name}: {name}",
                    "producer": agency.name,
                    "access_level": opts["access"],
                    "kind": opts["dataset_kind"],
                },
            )
        if created:
            self.stdout.write(f"created dataset {dataset} ({dataset.access_level})")
        return dataset

    def _import_one(self, path: Path, agency: Agency, dataset: Dataset, opts) -> bool:
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            parsed = read_file(path, sheet=opts["sheet"], agency_mapping=agency.column_mapping)
        except FileFormatError as exc:
            self.stderr.write(f"{path.name}: {exc}")
            return False
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with tqdm(
            total=len(parsed.rows),
            desc=f"{path.name}: validating",
            unit="rows",
            disable=len(parsed.rows) < 5000 or opts["verbosity"] == 0,
            file=self.stderr._out,  # the command's stderr (call_command's too), unwrapped
        ) as bar:
            try:
                outcome = records_submit(
                    actor=None,
                    dataset=dataset,
                    parsed=parsed,
                    channel="file",
                    file_name=path.name,
                    file_sha256=digest,
                    skip_invalid=opts["skip_invalid"],
                    strict=opts["strict"],
                    link=LINK_QUEUE,  # a file links in the worker (or `manage.py link`)
                    progress=bar.update,
                )
            except ImportBusy as exc:
                raise CommandError(f"{path.name}: {exc}") from exc
        self._report(path, parsed, outcome)
        return not outcome.rejected

    def _report(self, path: Path, parsed, outcome) -> None:
        batch = outcome.batch
        write = self.stdout.write
        write(
            f"{path.name}: {batch.status} — {batch.rows_total} rows, {batch.rows_new} new, "
            f"{batch.rows_changed} changed, {batch.rows_unchanged} unchanged, "
            f"{batch.rows_invalid} invalid, {batch.rows_skipped} skipped (batch {batch.pk})"
        )
        if outcome.linking == LINKING_PENDING:
            write("  linking pending: queued for the worker (or run `manage.py link`)")
        if parsed.unknown_headers:
            write("  ignored columns: " + ", ".join(parsed.unknown_headers))
        for item in parsed.skipped:
            write(f"  line {item['line']}: skipped ({item['reason']})")
        for error in outcome.errors[:MAX_ERRORS_SHOWN]:
            write(f"  line {error['line']}: {error['field']}: {error['reason']}")
        if len(outcome.errors) > MAX_ERRORS_SHOWN:
            write(f"  ... {len(outcome.errors) - MAX_ERRORS_SHOWN} more errors stored in the batch")
        for item in flags.summary(batch.problem_counts):
            write(f"  flagged: {item['text']}")
        for problem in batch.problems[:MAX_ERRORS_SHOWN]:
            write(f"  {flags.line_text(problem)}")
        if batch.problems:
            write(f"  the fix list of batch {batch.pk}: /impor/{batch.pk}/perbaikan.xlsx")
