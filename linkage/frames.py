"""Engine input frames straight from exchange-format CSVs, without a database.

For fast iteration and the benchmark: reads each agency file of a generated city (or any set
of exchange-format files), normalises every row once with the importer's own
``linkage.normalize.record.normalize_record`` and returns the frame ``link_records`` takes.
Rows the importer would reject are dropped (and counted), as the importer would drop them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from linkage.schema import ENGINE_COLUMNS, map_header, source_id

# Source priority by agency kind. Mirrors registry.models.SOURCE_PRIORITY; duplicated
# because the linkage core must not import the Django app. 0 = civil registry.
KIND_PRIORITY = {
    "civil_registry": 0,
    "social_affairs": 10,
    "health_insurance": 20,
    "health": 30,
    "education": 30,
    "village_office": 40,
}


def default_header_mapper(header: str) -> str | None:
    """The importer's own header mapping (linkage.schema), without an agency mapping."""
    return map_header(header)


@dataclass
class AgencyFile:
    agency: str
    kind: str
    path: Path


def read_exchange_csv(
    path: Path, header_mapper: Callable[[str], str | None] = default_header_mapper
) -> list[dict[str, object]]:
    """Rows as canonical-key dicts; delimiter sniffed (comma or semicolon), BOM tolerated."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        fh.seek(0)
        reader = csv.reader(fh, delimiter=delimiter)
        headers = next(reader)
        fields = [header_mapper(h) for h in headers]
        rows = []
        for cells in reader:
            row: dict[str, object] = {}
            for f, v in zip(fields, cells, strict=False):
                if f is not None:
                    row[f] = v
            if "rt_rw" in row and "rt" not in row:
                row["rt"], row["rw"] = row.pop("rt_rw"), None  # the normaliser splits "3/5"
            rows.append(row)
    return rows


def _normalise_rows(args: tuple[list[dict[str, object]], str]) -> list[dict[str, object] | None]:
    from linkage.normalize.record import normalize_record
    from linkage.normalize.regions import RegionMatcher

    rows, regency = args
    regions = RegionMatcher.for_regency(regency)
    out: list[dict[str, object] | None] = []
    for row in rows:
        fields, errors = normalize_record(row, regions=regions)
        out.append(None if errors else {k: fields[k] for k in ENGINE_COLUMNS})
    return out


def city_agency_files(city_dir: Path) -> list[AgencyFile]:
    """Agencies of a generated city from its agencies.csv (code, kind, file columns)."""
    meta = pd.read_csv(city_dir / "agencies.csv", dtype=str, keep_default_na=False)
    code_col = "code" if "code" in meta.columns else "agency"
    file_col = "file" if "file" in meta.columns else "file_name"
    return [
        AgencyFile(r[code_col], r.get("kind", ""), city_dir / r[file_col])
        for _, r in meta.iterrows()
    ]


def build_frame(
    files: Iterable[AgencyFile],
    *,
    regency: str = "36.71",
    workers: int = 1,
    header_mapper: Callable[[str], str | None] = default_header_mapper,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The engine frame for all rows of ``files`` plus counts (rows read, rejected)."""
    parts: list[pd.DataFrame] = []
    counts = {"rows": 0, "rejected": 0}
    chunk = 20_000
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        for af in files:
            rows = read_exchange_csv(af.path, header_mapper)
            chunks = [(rows[k : k + chunk], regency) for k in range(0, len(rows), chunk)]
            results = pool.map(_normalise_rows, chunks) if pool else map(_normalise_rows, chunks)
            fields = [f for res in results for f in res]
            keep = [k for k, f in enumerate(fields) if f is not None]
            counts["rows"] += len(rows)
            counts["rejected"] += len(rows) - len(keep)
            part = pd.DataFrame([fields[k] for k in keep], columns=list(ENGINE_COLUMNS))
            part.insert(0, "source_record_id", [source_id(rows[k]) for k in keep])
            part.insert(0, "agency_priority", KIND_PRIORITY.get(af.kind, 50))
            part.insert(0, "agency", af.agency)
            parts.append(part)
    finally:
        if pool:
            pool.shutdown()
    df = pd.concat(parts, ignore_index=True)
    df.insert(0, "record_id", np.arange(1, len(df) + 1, dtype=np.int64))
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    df["rt"] = pd.array(df["rt"], dtype="Int64")
    df["rw"] = pd.array(df["rw"], dtype="Int64")
    df["nik_reliable"] = df["nik_reliable"].astype(bool)
    return df, counts


def city_frame(city_dir: Path, *, regency: str = "36.71", workers: int = 1) -> pd.DataFrame:
    df, _ = build_frame(city_agency_files(Path(city_dir)), regency=regency, workers=workers)
    return df
