"""python manage.py link [--full]: turn unlinked record versions into persons and households."""

from django.core.management.base import BaseCommand

from registry.linking import link


class Command(BaseCommand):
    help = "Link current record versions into persons and households."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="re-cluster everything; earlier persons may merge (redirect) or split",
        )

    def handle(self, *args, **opts):
        summary = link(full=opts["full"])
        timings = ", ".join(f"{k} {v:.1f}s" for k, v in summary.seconds.items())
        self.stdout.write(
            f"linked {summary.records} records: {summary.persons_created} persons created, "
            f"{summary.persons_merged} merged, {summary.persons_split} split, "
            f"{summary.records_relinked} record links changed, {summary.households} households "
            f"({timings})"
        )
