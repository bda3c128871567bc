"""Recompute the audit hash chain; exit non-zero naming the first bad event."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (optionally against an exported head hash)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expected-head",
            metavar="HASH",
            help="head hash from an earlier export_audit_head; detects a truncated tail",
        )
        parser.add_argument("--batch-size", type=int, default=10000)

    def handle(self, *args, **options):
        result = verify_chain(
            batch_size=options["batch_size"], expected_head_hash=options["expected_head"]
        )
        if not result.ok:
            where = "" if result.first_bad_id is None else f" at event {result.first_bad_id}"
            # CommandError prints to stderr and exits with status 1.
            raise CommandError(
                f"audit chain INVALID{where}: {result.problem} "
                f"({result.checked} events verified before it)"
            )
        self.stdout.write(f"checked {result.checked} events: OK")
