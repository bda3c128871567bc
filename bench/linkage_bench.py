"""Linkage benchmark: generate a city, normalise its files, link with our engine and with
Splink (DuckDB) on the same records in the same run, and compare.

    .venv/bin/python -m bench.linkage_bench --persons 20000 --seed 1

Each engine runs in its own subprocess so wall time and peak memory are its own; both load
the same pickled frame first, then the peak-RSS counter is reset (Linux clear_refs) so the
peak reported is the process's peak while linking; the RSS before linking is shown too.
Times are linking only (blocking through clustering, or Splink's training + predict +
clustering), not CSV reading or normalisation, which both share.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bench.memory import peak_rss_mib, reset_peak_rss
from registry.memory import rss_mib


def prepare_city(
    persons: int, seed: int, workdir: Path, workers: int, adversarial: bool = False
) -> Path:
    """Generated files + the normalised engine frame, cached per (persons, seed, kind)."""
    from linkage.frames import build_frame, city_agency_files
    from registry.citygen import CityConfig, generate_city

    city = workdir / f"city-{persons}-{seed}{'-adversarial' if adversarial else ''}"
    if not (city / "truth.csv").exists():
        t = time.perf_counter()
        generate_city(city, CityConfig(persons=persons, seed=seed, adversarial=adversarial))
        print(f"generated {persons} persons in {time.perf_counter() - t:.1f}s -> {city}")
    frame = city / "frame.pkl"
    if not frame.exists():
        t = time.perf_counter()
        df, counts = build_frame(city_agency_files(city), workers=workers)
        df.to_pickle(frame)
        print(
            f"normalised {counts['rows']} rows ({counts['rejected']} rejected) "
            f"in {time.perf_counter() - t:.1f}s"
        )
    return city


def run_engine(engine: str, city: Path) -> dict[str, Any]:
    """Runs inside the per-engine subprocess."""
    from linkage.evaluation import read_truth, scores_against_truth

    df = pd.read_pickle(city / "frame.pkl")
    truth = read_truth(city / "truth.csv")
    gc.collect()
    rss_before = rss_mib()
    reset_peak_rss()  # the peak measured after linking is the linking's, not the loading's
    t = time.perf_counter()
    if engine == "ours":
        from linkage.engine import link_records

        result = link_records(df)
        labels = result.clusters
        extra: dict[str, Any] = {
            "pairs_compared": result.stats["candidate_pairs"],
            "timings": result.timings,
            "stats": result.stats,
            "blocking": result.blocking,
        }
    elif engine == "splink":
        from bench.splink_baseline import link_with_splink

        labels, extra = link_with_splink(df)
    else:
        raise ValueError(engine)
    wall = time.perf_counter() - t
    peak = peak_rss_mib()
    scores = scores_against_truth(df, labels, truth)
    from linkage.diagnostics import cluster_diagnostics

    diagnostics = cluster_diagnostics(df, labels.reindex(df["record_id"].to_numpy()).to_numpy())
    return {
        "engine": engine,
        "records": len(df),
        "wall_seconds": wall,
        "peak_rss_mb": peak,
        "rss_before_link_mb": rss_before,
        **extra,
        "scores": scores.as_dict(),
        # persons holding two civil-registry records with different NIKs (goal: none)
        "civil_conflicts": diagnostics.civil_conflict_count,
        "nik_conflicts": diagnostics.nik_conflict_count,
    }


def _spawn(engine: str, city: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    cmd = [sys.executable, "-m", "bench.linkage_bench", "--run-engine", engine]
    cmd += ["--city", str(city), "--result", str(out)]
    subprocess.run(cmd, check=True)
    result = json.loads(out.read_text())
    out.unlink()
    return result


def _print_report(results: dict[str, dict[str, Any]]) -> None:
    rows = [
        ("wall time (s)", "wall_seconds", "{:.2f}"),
        ("peak RSS, linking (MB)", "peak_rss_mb", "{:.0f}"),
        ("RSS before link (MB)", "rss_before_link_mb", "{:.0f}"),
        ("pairs compared", "pairs_compared", "{:,}"),
        ("civil NIK conflicts", "civil_conflicts", "{:,}"),
        ("NIK conflicts", "nik_conflicts", "{:,}"),
    ]
    score_rows = [
        ("precision", "precision", "{:.5f}"),
        ("recall", "recall", "{:.5f}"),
        ("F1", "f1", "{:.5f}"),
        ("predicted clusters", "predicted_clusters", "{:,}"),
        ("true clusters", "true_clusters", "{:,}"),
    ]
    names = list(results)
    print(f"\n{'':24}" + "".join(f"{n:>16}" for n in names) + "   ratio ours/splink")
    for label, key, fmt in rows + score_rows:
        vals = [
            results[n]["scores"][key] if (label, key, fmt) in score_rows else results[n][key]
            for n in names
        ]
        line = f"{label:24}" + "".join(f"{fmt.format(v):>16}" for v in vals)
        if len(vals) == 2 and vals[1]:
            line += f"   {vals[0] / vals[1]:.3f}"
        print(line)
    if "ours" in results:
        o = results["ours"]
        print("\nour engine stages (s):", {k: round(v, 2) for k, v in o["timings"].items()})
        print("blocking keys (pairs / new pairs / oversized blocks):")
        for r in o["blocking"]:
            print(
                f"  {r['key']:26} {r['pairs']:>10,} {r['new_pairs']:>10,} "
                f"{r['oversized_blocks']:>6}"
            )
    if "splink" in results:
        stages = {k: round(v, 2) for k, v in results["splink"]["timings"].items()}
        print("splink stages (s):", stages)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--persons", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "linkage-bench")
    p.add_argument("--engines", default="ours,splink")
    p.add_argument(
        "--adversarial",
        action="store_true",
        help="the adversarial city (twins, juniors, remarried widows, mononyms, movers)",
    )
    p.add_argument("--workers", type=int, default=2, help="processes for normalisation")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--run-engine", help=argparse.SUPPRESS)
    p.add_argument("--city", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)

    if a.run_engine:  # child process
        a.result.write_text(json.dumps(run_engine(a.run_engine, a.city), default=str))
        return

    a.workdir.mkdir(parents=True, exist_ok=True)
    city = prepare_city(a.persons, a.seed, a.workdir, a.workers, a.adversarial)
    results = {}
    for engine in a.engines.split(","):
        print(f"linking with {engine} ...", flush=True)
        results[engine] = _spawn(engine, city)
        r = results[engine]
        print(f"  {r['wall_seconds']:.1f}s, F1 {r['scores']['f1']:.5f}", flush=True)
    _print_report(results)
    if a.json:
        a.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
