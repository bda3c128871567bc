"""`manage.py generate_city --persons N --seed S --out DIR`: a synthetic city's agency files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.citygen import CityConfig, generate_city


class Command(BaseCommand):
    help = (
        "Generate a synthetic Kota Tangerang population and the noisy CSV files of five agencies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, required=True, help="number of true persons")
        parser.add_argument("--seed", type=int, default=0, help="same seed, byte-identical files")
        parser.add_argument("--out", type=Path, required=True, help="output directory")
        parser.add_argument(
            "--noise-scale", type=float, default=1.0, help="multiply every noise rate (0 = clean)"
        )
        parser.add_argument(
            "--adversarial",
            action="store_true",
            help="add twins, triplets, juniors, remarried widows, mononyms and movers",
        )
        parser.add_argument(
            "--noise-log", action="store_true", help="also write noise.csv (noise kinds per row)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["persons"] < 1:
            raise CommandError("--persons must be at least 1")
        if options["noise_scale"] < 0:
            raise CommandError("--noise-scale must not be negative")
        config = CityConfig(
            persons=options["persons"],
            seed=options["seed"],
            noise_scale=options["noise_scale"],
            noise_log=options["noise_log"],
            adversarial=options["adversarial"],
        )
        summary = generate_city(options["out"], config)
        self.stdout.write(
            f"{summary.persons} persons in {summary.households} households -> {summary.out_dir}"
        )
        for code, rows in summary.rows.items():
            self.stdout.write(f"  {code:<12} {rows:>10} rows")
        total = sum(summary.rows.values())
        self.stdout.write(f"  {'total':<12} {total:>10} rows")
        self.stdout.write(f"files: {', '.join(summary.files)}")
        self.stdout.write(self.style.SUCCESS(f"done in {summary.seconds:.1f} s"))
