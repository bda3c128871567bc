"""The synthetic city's national DTSEN extract: one row per living resident (NIK, KK, welfare
decile, quarter), as the social affairs office receives it from the ministry each quarter.

Two deliveries, so the registry shows a decile history: the earlier quarter states each
household's true decile (the one the Dinsos file estimates too), the later one moves about
DECILE_CHANGE_RATE of households one decile up or down. The two deliveries also differ in
layout (header names, quarter spelled "2026-Q2" or "Triwulan III 2026", a row counter), as
real extracts do; both map without configuration.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from registry.citygen.population import PopulationChunk
from registry.citygen.writers import CsvOut

DTSEN_QUARTERS = ("2026-Q2", "2026-Q3")
DECILE_CHANGE_RATE = 0.08
# quarter -> (header, how the quarter is written in that delivery)
LAYOUTS: dict[str, tuple[list[str], str]] = {
    "2026-Q2": (["NIK", "NOMOR KK", "DESIL", "PERIODE"], "2026-Q2"),
    "2026-Q3": (["NO", "NIK", "NO KK", "DESIL NASIONAL", "TRIWULAN"], "Triwulan III 2026"),
}


def dtsen_file(quarter: str) -> str:
    return f"dtsen-{quarter}.csv"


def open_dtsen(out_dir: Path) -> dict[str, CsvOut]:
    return {q: CsvOut(out_dir / dtsen_file(q), LAYOUTS[q][0]) for q in DTSEN_QUARTERS}


def quarter_deciles(chunk: PopulationChunk, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per quarter, every household's decile (the first quarter: the true one)."""
    first = chunk.households.decile.astype(np.int64)
    moved = rng.random(chunk.households.count) < DECILE_CHANGE_RATE
    step = rng.choice(np.array([-1, 1]), size=chunk.households.count)
    later = np.where(moved, np.clip(first + step, 1, 10), first)
    return dict(zip(DTSEN_QUARTERS, (first, later), strict=True))


def emit_dtsen(chunk: PopulationChunk, rng: np.random.Generator, outs: dict[str, CsvOut]) -> None:
    persons = chunk.persons
    alive = np.isnat(persons.death)
    household = persons.household[alive]
    niks = persons.nik[alive].tolist()
    kks = chunk.households.kk[household].tolist()
    for quarter, deciles in quarter_deciles(chunk, rng).items():
        out = outs[quarter]
        header, written = LAYOUTS[quarter]
        values = {
            "NIK": niks,
            "NOMOR KK": kks,
            "NO KK": kks,
            "DESIL": deciles[household].astype(str).tolist(),
            "DESIL NASIONAL": deciles[household].astype(str).tolist(),
            "PERIODE": [written] * len(niks),
            "TRIWULAN": [written] * len(niks),
            "NO": [str(k) for k in range(out.rows + 1, out.rows + 1 + len(niks))],
        }
        out.write_columns([values[column] for column in header])
