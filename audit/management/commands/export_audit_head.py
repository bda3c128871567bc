"""Export the audit chain head: append a signed line to AUDIT_HEAD_FILE (what the periodic job
does), or print/write it as JSON to keep elsewhere (e.g. mailed, printed)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from audit.chain import chain_head, format_timestamp
from audit.head import head_export


class Command(BaseCommand):
    help = "Export the audit chain head (id, hash, occurred_at, count)."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--out", metavar="FILE", help="write JSON here instead of stdout")
        target.add_argument(
            "--append",
            action="store_true",
            help="append a signed line to AUDIT_HEAD_FILE (what the scheduled job does)",
        )

    def handle(self, *args, **options):
        if options["append"]:
            line = head_export()
            self.stdout.write(f"audit head #{line['id']} appended ({line['count']} events)")
            return
        head = chain_head()
        if head["occurred_at"] is not None:
            head["occurred_at"] = format_timestamp(head["occurred_at"])
        text = json.dumps(head, indent=2, sort_keys=True) + "\n"
        if options["out"]:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"audit head #{head['id']} written to {options['out']}")
        else:
            self.stdout.write(text, ending="")
