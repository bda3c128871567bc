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
        if summary.diagnostics is not None:
            for line in summary.diagnostics.lines(label="person"):
                self.stdout.write(line)
        engine = summary.engine
        if engine:
            self.stdout.write(
                f"engine: {engine.get('candidate_pairs', 0):,} candidate pairs, "
                f"{engine.get('accepted_pairs', 0):,} accepted, {summary.review_tasks:,} "
                f"uncertain pairs for review, EM iterations {engine.get('em_iterations', 0)}"
            )
            for key in engine.get("blocking", []):
                oversized = key.get("oversized_blocks", 0)
                warning = f"  ({oversized} oversized blocks skipped)" if oversized else ""
                self.stdout.write(
                    f"  block {key['key']:<26} {key['pairs']:>12,} pairs "
                    f"{key['new_pairs']:>12,} new{warning}"
                )
