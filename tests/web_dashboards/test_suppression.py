"""suppress(): primary (1-10 hidden), secondary (no line with exactly one hidden entry)."""

import itertools

from registry.reports.suppression import HIDDEN_LABEL, suppress, suppress_counts


def hidden_positions(result):
    cells = {(i, j) for i, r in enumerate(result.cells) for j, v in enumerate(r) if v is None}
    return cells


def assert_safe(table, result):
    """No row or column (with its total) has exactly one hidden entry, and no count 1-10 shows."""
    rows, cols = len(table), len(table[0])
    grid = [list(r) + [t] for r, t in zip(result.cells, result.row_totals, strict=True)]
    grid.append(list(result.col_totals) + [result.total])
    for line in itertools.chain(
        ([grid[i][j] for j in range(cols + 1)] for i in range(rows + 1)),
        ([grid[i][j] for i in range(rows + 1)] for j in range(cols + 1)),
    ):
        assert sum(v is None for v in line) != 1
    for v in itertools.chain.from_iterable(grid):
        assert v is None or v == 0 or v > 10


def test_primary_and_zero():
    result = suppress([[0, 50, 60], [30, 40, 70]])
    assert hidden_positions(result) == set()
    assert result.total == 250
    assert result.display(None) == HIDDEN_LABEL == "<11"


def test_secondary_hides_next_smallest_in_row_and_column():
    table = [
        [5, 20, 30],
        [40, 50, 60],
        [70, 80, 90],
    ]
    result = suppress(table)
    # 5 is primary; row 0's next smallest is 20; column 0's next smallest is 40;
    # then column 1 (20 hidden) needs 50 and row 1 (40 hidden) is already covered by 50.
    assert hidden_positions(result) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert result.row_totals == [55, 150, 240]
    assert result.col_totals == [115, 150, 180]
    assert_safe(table, result)


def test_hidden_cell_cannot_be_recomputed_from_totals():
    table = [[3, 100], [100, 100]]
    result = suppress(table)
    assert result.cells[0][0] is None
    # Every hidden cell shares each of its lines with another hidden entry.
    assert_safe(table, result)


def test_small_totals_are_hidden_too():
    table = [[2, 3], [50, 60]]
    result = suppress(table)
    assert result.row_totals[0] is None  # 5 is itself a small count
    assert_safe(table, result)


def test_single_row_hides_column_totals_that_equal_cells():
    values, total = suppress_counts([5, 20, 30])
    assert values == [None, None, 30]
    assert total == 55
    result = suppress([[5, 20, 30]])
    assert result.col_totals[0] is None and result.col_totals[1] is None


def test_single_column():
    result = suppress([[4], [25], [30]])
    assert [r[0] for r in result.cells] == [None, None, 30]
    assert result.total == 59


def test_zero_complement_when_nothing_else():
    # Row 0 holds 7 and 0: hiding the 0 is the only complement besides the total.
    result = suppress([[7, 0], [40, 50]])
    assert_safe([[7, 0], [40, 50]], result)
    assert result.cells[0][0] is None


def test_random_tables_are_safe():
    import random

    rng = random.Random(7)
    for _ in range(300):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        table = [
            [rng.choice([0, 1, 5, 9, 11, 15, 40, 200]) for _ in range(cols)] for _ in range(rows)
        ]
        assert_safe(table, suppress(table))
