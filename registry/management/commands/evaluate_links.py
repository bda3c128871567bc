"""python manage.py evaluate_links TRUTH.csv: pairwise precision/recall/F1 of the current links."""

import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from linkage.diagnostics import cluster_diagnostics
from linkage.evaluation import pairwise_scores, read_truth
from registry.linking.records import load_records, same_decision_pairs
from registry.models import SourceRecord


class Command(BaseCommand):
    help = "Pairwise precision/recall/F1 of current links against a truth file."

    def add_arguments(self, parser):
        parser.add_argument("truth")

    def handle(self, *args, **opts):
        truth = read_truth(opts["truth"])
        rows = SourceRecord.objects.filter(is_current=True, link__isnull=False).values_list(
            "agency__code", "source_record_id", "link__person"
        )
        links = pd.DataFrame(list(rows), columns=["agency", "source_record_id", "person_id"])
        if links.empty:
            raise CommandError("no linked records: run `manage.py link` first")
        key = ["agency", "source_record_id"]
        joined = links.merge(truth, on=key, how="inner")
        if joined.empty:
            raise CommandError("no record of the truth file is in the registry")
        index = pd.MultiIndex.from_frame(joined[key])
        scores = pairwise_scores(
            pd.Series(joined["person_id"].to_numpy(), index=index),
            pd.Series(joined["person_key"].to_numpy(), index=index),
        )
        # without the truth file's help: persons that hold contradicting identifiers
        records = load_records()
        diagnostics = cluster_diagnostics(
            records, records["person_id"].to_numpy(), same_decisions=same_decision_pairs()
        )
        for line in diagnostics.lines(label="person"):
            self.stdout.write(line)
        self.stdout.write(
            f"records {scores.records:,} | precision {scores.precision:.5f} "
            f"recall {scores.recall:.5f} F1 {scores.f1:.5f} | predicted persons "
            f"{scores.predicted_clusters:,} true persons {scores.true_clusters:,} | pairs: "
            f"true positive {scores.true_positive_pairs:,}, predicted "
            f"{scores.predicted_pairs:,}, true {scores.true_pairs:,}"
        )
