"""Small-cell suppression for published statistics: the one rule (`suppress_lines`), used by
the open statistics API and the catalogue (`suppress_areas`: kelurahan, kecamatan, city) and
the planner's pages and exports (`suppress`: a table with its margins).

Primary: every count from 1 to THRESHOLD (10) is hidden and shown as "<11" (CMS cell-size
rule; ONS uses the same threshold). Zero stays visible: it reveals no person.

Secondary: totals are printed next to the cells, so a row or column with exactly one hidden
entry would let anyone recompute it (total minus the visible cells). Every line of the table
*including its totals* must therefore hold zero or at least two hidden entries. Where a line
has exactly one, the smallest visible non-zero cell of that line is hidden too (the cheapest
complement); failing that a zero cell, failing that the line's total. Hiding a complement can
break another line, so this repeats until every line is safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 10
HIDDEN_LABEL = "<11"


def is_primary(value: int) -> bool:
    return 1 <= value <= THRESHOLD


@dataclass
class SuppressedTable:
    """Cells, row totals, column totals and the grand total; None where hidden."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    total: int | None

    def display(self, value: int | None) -> str:
        return HIDDEN_LABEL if value is None else str(value)


def suppress_lines(
    values: Sequence[int],
    lines: Sequence[Sequence[int]],
    published: frozenset[int] = frozenset(),
) -> list[bool]:
    """The one suppression rule. `values` are the published numbers (cells and totals alike);
    each line lists the positions of its parts followed by the position of their sum. Returns
    which positions are hidden: primary (1..THRESHOLD), then secondary until every line holds
    zero or at least two hidden entries. Positions in `published` are shown whatever they
    hold (a city total printed anyway) and never chosen as a complement."""
    hidden = [is_primary(v) and i not in published for i, v in enumerate(values)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[p] for p in line) != 1:
                continue
            complement = _complement(line, values, hidden, published)
            if complement is None:
                continue  # a one-entry line (a 1x1 table) has nothing to recompute from
            hidden[complement] = True
            changed = True
    return hidden


def _complement(line, values, hidden, published) -> int | None:
    members, total = line[:-1], line[-1]
    visible = [(values[p], p) for p in members if not hidden[p] and p not in published]
    positive = [v for v in visible if v[0] > 0]
    if positive:
        return min(positive)[1]
    if visible:
        return min(visible)[1]
    if not hidden[total] and total not in published and members:
        return total
    return None


def suppress(table: Sequence[Sequence[int]]) -> SuppressedTable:
    """Suppress a table of counts (rows x columns) together with its margins."""
    rows = len(table)
    cols = len(table[0]) if rows else 0
    if any(len(r) != cols for r in table):
        raise ValueError("every row needs the same number of columns")
    # The augmented grid: cell (i, j); row totals at column `cols`; column totals at row `rows`.
    grid = [[int(v) for v in r] + [sum(r)] for r in table]
    grid.append(
        [sum(table[i][j] for i in range(rows)) for j in range(cols)] + [sum(map(sum, table))]
    )
    width = cols + 1

    def at(i: int, j: int) -> int:
        return i * width + j

    lines = [[at(i, j) for j in range(cols + 1)] for i in range(rows + 1)]
    lines += [[at(i, j) for i in range(rows + 1)] for j in range(cols + 1)]
    hidden = suppress_lines([v for r in grid for v in r], lines)

    def value(i: int, j: int) -> int | None:
        return None if hidden[at(i, j)] else grid[i][j]

    return SuppressedTable(
        cells=[[value(i, j) for j in range(cols)] for i in range(rows)],
        row_totals=[value(i, cols) for i in range(rows)],
        col_totals=[value(rows, j) for j in range(cols)],
        total=value(rows, cols),
    )


def kecamatan_of(kelurahan_code: str) -> str:
    return kelurahan_code[:8]


def suppress_areas(kel: dict[str, int], kec: dict[str, int]) -> tuple[set[str], set[str]]:
    """Hidden kelurahan and kecamatan codes of one measure published at both levels with the
    city total (always shown): each kecamatan is the sum of its kelurahan, the city the sum
    of the kecamatan, so the kecamatan and the kelurahan table of the same counts hide
    consistent cells and publishing both is safe."""
    kel_codes = sorted(kel)
    kec_codes = sorted(set(kec) | {kecamatan_of(c) for c in kel_codes})
    codes = kel_codes + kec_codes
    position = {c: i for i, c in enumerate(codes)}
    city = len(codes)
    values = [kel[c] for c in kel_codes] + [kec.get(c, 0) for c in kec_codes]
    values.append(sum(values[len(kel_codes) :]))
    children: dict[str, list[int]] = {c: [] for c in kec_codes}
    for code in kel_codes:
        children[kecamatan_of(code)].append(position[code])
    lines = [[*children[c], position[c]] for c in kec_codes]
    lines.append([*(position[c] for c in kec_codes), city])
    hidden = suppress_lines(values, lines, published=frozenset({city}))
    return (
        {c for c in kel_codes if hidden[position[c]]},
        {c for c in kec_codes if hidden[position[c]]},
    )


def suppress_counts(values: Sequence[int]) -> tuple[list[int | None], int | None]:
    """A single list of counts with its total (one row)."""
    result = suppress([list(values)])
    return result.cells[0], result.total
