"""Orchestration: population chunk by chunk, each agency's rows streamed to its file."""

from __future__ import annotations

import csv
import random
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from registry.citygen.adversarial import ADVERSARIAL, make_adversarial
from registry.citygen.agencies import AGENCIES, AgencySpec, select_rows
from registry.citygen.columns import build_columns
from registry.citygen.dtsen import DTSEN_QUARTERS, dtsen_file, emit_dtsen, open_dtsen
from registry.citygen.noise import NoiseRates
from registry.citygen.population import PopulationChunk, SerialCounters, generate_chunk
from registry.citygen.regions import City, load_city
from registry.citygen.writers import CsvOut, header

MANIFEST_FILE = "agencies.csv"
TRUTH_FILE = "truth.csv"
NOISE_LOG_FILE = "noise.csv"
DEFAULT_CHUNK_PERSONS = 100_000


@dataclass
class CityConfig:
    persons: int
    seed: int = 0
    noise_scale: float = 1.0  # multiplies every agency's noise rates
    rates: dict[str, NoiseRates] = field(
        default_factory=dict
    )  # per agency code, replaces its rates
    noise_log: bool = False  # also write noise.csv: agency, source_record_id, noise kinds
    chunk_persons: int = DEFAULT_CHUNK_PERSONS
    # twins, juniors, remarried widows, mononyms, movers (registry.citygen.adversarial)
    adversarial: bool = False
    # the national DTSEN extract, one file per quarter (registry.citygen.dtsen)
    dtsen: bool = True

    def rates_for(self, spec: AgencySpec) -> NoiseRates:
        rates = self.rates.get(spec.code, spec.rates).scaled(self.noise_scale)
        if self.adversarial and spec.kind != "civil_registry":
            rates = replace(
                rates,
                moved=max(rates.moved, ADVERSARIAL.moved),
                nik_missing=max(rates.nik_missing, ADVERSARIAL.nik_missing),
            )
        return rates


@dataclass
class CitySummary:
    out_dir: Path
    persons: int
    households: int
    files: list[str]
    rows: dict[str, int]  # per agency code
    seconds: float


def generate_city(out_dir: Path, config: CityConfig) -> CitySummary:
    started = time.perf_counter()
    if config.persons < 1:
        raise ValueError("persons must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    city = load_city()
    _write_manifest(out_dir / MANIFEST_FILE)
    outputs = {
        spec.code: CsvOut(out_dir / spec.file, header(spec), spec.shape.delimiter, spec.shape.bom)
        for spec in AGENCIES
    }
    truth = CsvOut(out_dir / TRUTH_FILE, ["agency", "source_record_id", "person_key"])
    if not config.noise_log:
        (out_dir / NOISE_LOG_FILE).unlink(missing_ok=True)  # never leave a stale log behind
    noise_log = (
        CsvOut(out_dir / NOISE_LOG_FILE, ["agency", "source_record_id", "noise"])
        if config.noise_log
        else None
    )
    dtsen = open_dtsen(out_dir) if config.dtsen else {}
    counters = SerialCounters(len(city.kecamatan))
    households = 0
    try:
        for index, first in enumerate(range(0, config.persons, config.chunk_persons)):
            wanted = min(config.chunk_persons, config.persons - first)
            chunk = generate_chunk(
                city,
                wanted,
                first,
                counters,
                np.random.default_rng([config.seed, index, 0]),
                random.Random(config.seed * 1_000_003 + index),
            )
            if config.adversarial:
                make_adversarial(
                    chunk,
                    counters,
                    np.random.default_rng([config.seed, index, 99]),
                    random.Random(config.seed * 1_000_003 + index + 7_777),
                )
            households += chunk.households.count
            if dtsen:
                # its own random stream: the agencies' files stay what they were
                emit_dtsen(chunk, np.random.default_rng([config.seed, index, 1_000]), dtsen)
            for agency_index, spec in enumerate(AGENCIES, start=1):
                _emit_agency(
                    spec,
                    chunk,
                    city,
                    config.rates_for(spec),
                    np.random.default_rng([config.seed, index, agency_index]),
                    random.Random((config.seed * 1_000_003 + index) * 16 + agency_index),
                    outputs[spec.code],
                    truth,
                    noise_log,
                )
    finally:
        for out in [
            *outputs.values(),
            *dtsen.values(),
            truth,
            *([noise_log] if noise_log else []),
        ]:
            out.close()
    files = [MANIFEST_FILE, *(spec.file for spec in AGENCIES), TRUTH_FILE]
    if noise_log:
        files.append(NOISE_LOG_FILE)
    if dtsen:
        files += [dtsen_file(q) for q in DTSEN_QUARTERS]
    return CitySummary(
        out_dir=out_dir,
        persons=config.persons,
        households=households,
        files=files,
        rows={code: out.rows for code, out in outputs.items()},
        seconds=time.perf_counter() - started,
    )


def _emit_agency(
    spec: AgencySpec,
    chunk: PopulationChunk,
    city: City,
    rates: NoiseRates,
    rng: np.random.Generator,
    rnd: random.Random,
    out: CsvOut,
    truth: CsvOut,
    noise_log: CsvOut | None,
) -> None:
    rows = select_rows(spec, chunk, rng, rates)
    n = len(rows)
    copies = np.flatnonzero(rng.random(n) < rates.duplicate)
    rows = rows.take(np.concatenate([np.arange(n), copies]))
    duplicate = np.arange(len(rows)) >= n
    # Shuffled, or grouped by person with a copy right after its original.
    order = rng.permutation(len(rows)) if spec.shuffle else np.argsort(rows.person, kind="stable")
    rows, duplicate = rows.take(order), duplicate[order]

    columns, flags = build_columns(spec, rows, duplicate, chunk, city, rates, rng, rnd)
    first_id = out.rows + 1
    ids = [f"{spec.id_prefix}{k:08d}" for k in range(first_id, first_id + len(rows))]
    columns["source_record_id"] = ids
    out.write_columns([columns[c] for c in spec.columns])

    keys = (rows.person + chunk.persons.first_key + 1).tolist()
    truth.write_columns([[spec.code] * len(ids), ids, [f"P{k:08d}" for k in keys]])
    if noise_log is not None:
        labels = flags.labels()
        noisy = sorted(labels)
        noise_log.write_columns(
            [[spec.code] * len(noisy), [ids[i] for i in noisy], [labels[i] for i in noisy]]
        )


def _write_manifest(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "kind", "file", "dataset_name", "dataset_title"])
        for spec in AGENCIES:
            writer.writerow(
                [spec.code, spec.name, spec.kind, spec.file, spec.dataset_name, spec.dataset_title]
            )
