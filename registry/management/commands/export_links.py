"""python manage.py export_links FILE: agency, source_record_id, person_id per current version."""

from django.core.management.base import BaseCommand

from audit.actions import Action
from audit.services import audit_record
from registry.models import SourceRecord
from registry.reports.cells import csv_writer


class Command(BaseCommand):
    help = "Write agency, source_record_id, person_id (public id) for every current record version."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **opts):
        rows = (
            SourceRecord.objects.filter(is_current=True)
            .order_by("agency__code", "source_record_id")
            .values_list("agency__code", "source_record_id", "link__person__public_id")
        )
        count = 0
        with open(opts["file"], "w", newline="", encoding="utf-8") as handle:
            writer = csv_writer(handle)
            writer.writerow(["agency", "source_record_id", "person_id"])
            for agency, source_id, person in rows.iterator(chunk_size=20000):
                writer.writerow([agency, source_id, person or ""])
                count += 1
        audit_record(
            actor=None,
            action=Action.LINKS_EXPORT,
            object_type="registry",
            detail={"rows": count, "file": str(opts["file"])},
        )
        self.stdout.write(f"wrote {count} links to {opts['file']}")
