"""Write the audit chain head, to be kept outside the database (e.g. signed, mailed, printed)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from audit.chain import chain_head, format_timestamp


class Command(BaseCommand):
    help = "Export the audit chain head (id, hash, occurred_at, count) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--out", metavar="FILE", help="write here instead of stdout")

    def handle(self, *args, **options):
        head = chain_head()
        if head["occurred_at"] is not None:
            head["occurred_at"] = format_timestamp(head["occurred_at"])
        text = json.dumps(head, indent=2, sort_keys=True) + "\n"
        if options["out"]:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"audit head #{head['id']} written to {options['out']}")
        else:
            self.stdout.write(text, ending="")
