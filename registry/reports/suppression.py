"""Small-cell suppression for published statistics.

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
    hidden = [[is_primary(v) for v in r] for r in grid]

    def lines():
        # Each line is a list of (i, j) positions whose values sum to its last position.
        for i in range(rows + 1):
            yield [(i, j) for j in range(cols + 1)]
        for j in range(cols + 1):
            yield [(i, j) for i in range(rows + 1)]

    changed = True
    while changed:
        changed = False
        for line in lines():
            if sum(hidden[i][j] for i, j in line) != 1:
                continue
            complement = _complement(line, grid, hidden)
            if complement is None:
                continue  # a one-entry line (a 1x1 table) has nothing to recompute from
            hidden[complement[0]][complement[1]] = True
            changed = True

    def value(i: int, j: int) -> int | None:
        return None if hidden[i][j] else grid[i][j]

    return SuppressedTable(
        cells=[[value(i, j) for j in range(cols)] for i in range(rows)],
        row_totals=[value(i, cols) for i in range(rows)],
        col_totals=[value(rows, j) for j in range(cols)],
        total=value(rows, cols),
    )


def _complement(line, grid, hidden) -> tuple[int, int] | None:
    members, total_pos = line[:-1], line[-1]
    visible = [(grid[i][j], (i, j)) for i, j in members if not hidden[i][j]]
    positive = [v for v in visible if v[0] > 0]
    if positive:
        return min(positive)[1]
    if visible:
        return min(visible)[1]
    if not hidden[total_pos[0]][total_pos[1]] and members:
        return total_pos
    return None


def suppress_counts(values: Sequence[int]) -> tuple[list[int | None], int | None]:
    """A single list of counts with its total (one row)."""
    result = suppress([list(values)])
    return result.cells[0], result.total
