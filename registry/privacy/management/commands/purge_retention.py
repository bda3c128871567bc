"""python manage.py purge_retention: destroy what is past its dataset's retention period now
(the nightly task does the same); prints counts only."""

from django.core.management.base import BaseCommand

from registry.privacy.retention import retention_purge


class Command(BaseCommand):
    help = "Destroy superseded versions and ended datasets past their retention period."

    def handle(self, *args, **options):
        for r in retention_purge(actor=None):
            self.stdout.write(
                f"dataset={r.dataset_id} superseded={r.superseded} ended={r.ended} "
                f"persons_refreshed={r.persons_refreshed} persons_emptied={r.persons_emptied}"
            )
