"""Fold write-log rows staged by transactions that set app.actor_id without audit_actor."""

from django.core.management.base import BaseCommand

from registry.write_log import write_log_fold


class Command(BaseCommand):
    help = "Turn staged database-level writes into hash-chained audit events."

    def handle(self, *args, **options):
        total = 0
        while True:
            written = write_log_fold(pending=True)
            if not written:
                break
            total += written
        self.stdout.write(f"folded into {total} audit events")
