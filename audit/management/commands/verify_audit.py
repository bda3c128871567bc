"""Recompute the audit hash chain and compare it with the heads exported outside the database;
exit non-zero naming the first bad event."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_chain
from audit.head import verify_with_exported_heads


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain against the heads exported to AUDIT_HEAD_FILE "
        "(or against one given head hash)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expected-head",
            metavar="HASH",
            help="check against this head hash (from export_audit_head) instead of the file",
        )
        parser.add_argument(
            "--chain-only",
            action="store_true",
            help="check the chain alone (cannot see a consistently rewritten chain)",
        )
        parser.add_argument("--batch-size", type=int, default=10000)

    def handle(self, *args, **options):
        latest = None
        if options["expected_head"] or options["chain_only"]:
            result = verify_chain(
                batch_size=options["batch_size"], expected_head_hash=options["expected_head"]
            )
        else:
            check = verify_with_exported_heads(batch_size=options["batch_size"])
            result, latest = check.result, check.latest
        if not result.ok:
            where = "" if result.first_bad_id is None else f" at event {result.first_bad_id}"
            # CommandError prints to stderr and exits with status 1.
            raise CommandError(
                f"audit chain INVALID{where}: {result.problem} "
                f"({result.checked} events verified before it)"
            )
        self.stdout.write(f"checked {result.checked} events: OK")
        if latest is not None:
            self.stdout.write(
                f"matches the head exported at {latest['exported_at']} (event #{latest['id']})"
            )
        elif not (options["expected_head"] or options["chain_only"]):
            self.stderr.write(
                "no exported head yet: a consistently rewritten chain would pass; run "
                "`export_audit_head --append` or a procrastinate worker"
            )
