"""End-to-end linking of a loaded city, our `link --full` against Splink, one process each.

    DATABASE_URL=... .venv/bin/python -m bench.link_e2e_bench --repeat 2

Run against a database a city was loaded into (`manage.py bench_pipeline --persons 200000`
loads one and links it once). Each run is its own process, alternating the engines:
- ours: `registry.linking.link(full=True)`: the records read from the database, the engine,
  persons, record links, golden values and households written back;
- splink: the same records read by the same reader (`load_records`), Splink (DuckDB) with the
  baseline's settings (bench/splink_baseline.py), its clusters written back into a table by
  COPY (record id, cluster), then the table dropped.
Times are measured inside the process after Django's start-up (the same for both), and the
ratio is taken over runs of the same invocation: the box is shared, so only ratios measured
side by side mean anything.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

SPLINK_TABLE = "bench_splink_cluster"


def _run_ours() -> dict[str, float]:
    from registry.linking import link

    started = time.perf_counter()
    summary = link(full=True)
    return {"seconds": time.perf_counter() - started, "records": summary.records} | {
        f"step_{k}": round(v, 2) for k, v in summary.seconds.items()
    }


def _run_splink() -> dict[str, float]:
    from django.db import connection

    from bench.splink_baseline import link_with_splink
    from registry.linking.records import load_records

    started = time.perf_counter()
    records = load_records()
    loaded = time.perf_counter()
    labels, extra = link_with_splink(records)
    linked = time.perf_counter()
    buffer = io.StringIO()
    for record_id, cluster in zip(labels.index.tolist(), labels.tolist(), strict=True):
        buffer.write(f"{record_id}\t{cluster}\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SPLINK_TABLE}")
        cursor.execute(f"CREATE UNLOGGED TABLE {SPLINK_TABLE} (record_id bigint, cluster bigint)")
        with cursor.copy(f"COPY {SPLINK_TABLE} FROM STDIN") as copy:  # psycopg 3
            copy.write(buffer.getvalue())
    written = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {SPLINK_TABLE}")
    return {
        "seconds": written - started,
        "records": len(records),
        "step_load": round(loaded - started, 2),
        "step_splink": round(linked - loaded, 2),
        "step_write": round(written - linked, 2),
    } | {f"splink_{k}": round(v, 2) for k, v in extra["timings"].items()}


def _child(engine: str) -> None:
    import django

    django.setup()
    from registry.memory import peak_rss_mib

    result = _run_ours() if engine == "ours" else _run_splink()
    result["peak_rss_mib"] = peak_rss_mib()
    print("RESULT " + json.dumps(result), flush=True)


def _spawn(engine: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.link_e2e_bench", "--child", engine],
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=2, help="runs per engine, alternating")
    p.add_argument("--child", choices=("ours", "splink"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        _child(a.child)
        return
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "splink": []}
    for _ in range(a.repeat):
        for engine in ("ours", "splink"):
            result = _spawn(engine)
            runs[engine].append(result)
            steps = {k: v for k, v in result.items() if k.startswith(("step_", "splink_"))}
            print(
                f"{engine:7} {result['records']:>10,} records {result['seconds']:7.1f} s "
                f"peak {result['peak_rss_mib']:,.0f} MiB  {steps}",
                flush=True,
            )
    ours = statistics.median(r["seconds"] for r in runs["ours"])
    splink = statistics.median(r["seconds"] for r in runs["splink"])
    pairs = [o["seconds"] / s["seconds"] for o, s in zip(runs["ours"], runs["splink"], strict=True)]
    print(
        f"median: ours {ours:.1f} s, splink {splink:.1f} s, ratio {ours / splink:.2f} "
        f"(run by run: {', '.join(f'{x:.2f}' for x in pairs)})"
    )


if __name__ == "__main__":
    main()
