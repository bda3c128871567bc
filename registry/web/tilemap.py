"""A tile-grid cartogram of the city, drawn server-side as SVG (no CDN, no map library, no
boundary file).

Why tiles: open kelurahan boundaries for Indonesian cities are not reliably available under an
open licence offline, and a choropleth of true shapes lets the large, sparse kelurahan dominate
the eye. A tile grid gives every kelurahan the same square, so small dense areas weigh as much
as large empty ones.

Layout comes from the Kemendagri region codes alone: one block per kecamatan in code order,
blocks flowing left to right in rows of BLOCKS_PER_ROW; inside a block the kelurahan tiles sit in
code order on a near-square grid (ceil(sqrt(n)) columns). Neighbouring codes are usually
neighbouring places, so the blocks keep a rough sense of the city without claiming geography.

Colours: five classes of equal width between the lowest and highest shown value (sequential
blues); a suppressed value ("<11") is hatched grey and never coloured, so the map gives no more
away than the table; an area with no data is white with a dashed outline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from registry.reports.suppression import HIDDEN_LABEL

TILE = 46
GAP = 3
BLOCK_GAP = 18
LABEL_HEIGHT = 18
BLOCKS_PER_ROW = 4
PALETTE = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
HIDDEN = "#8a94a0"


@dataclass(frozen=True)
class Tile:
    code: str  # kelurahan code, 36.71.01.1001
    name: str
    value: float | int | None  # None: suppressed
    shown: str  # the value as printed in the table ("<11" when suppressed)
    has_data: bool = True


def _classes(values: Sequence[float]) -> tuple[float, float]:
    return (min(values), max(values)) if values else (0.0, 0.0)


def _colour(value: float, low: float, high: float) -> str:
    if high <= low:
        return PALETTE[2]
    step = (high - low) / len(PALETTE)
    index = min(int((value - low) / step), len(PALETTE) - 1)
    return PALETTE[index]


def _short(name: str, limit: int = 7) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "."


def tile_map(
    tiles: Sequence[Tile],
    kecamatan_names: dict[str, str],
    *,
    title: str,
    legend_fmt=str,
    group_len: int = 8,
) -> SafeString:
    """One SVG: tiles grouped by the first `group_len` characters of their code: kelurahan by
    kecamatan (36.71.01), or kecamatan by the city (group_len=5, 36.71)."""
    blocks: dict[str, list[Tile]] = {}
    for tile in sorted(tiles, key=lambda t: t.code):
        blocks.setdefault(tile.code[:group_len], []).append(tile)
    shown = [float(t.value) for t in tiles if t.value is not None and t.has_data]
    low, high = _classes(shown)
    body: list[str] = []
    x = y = 0
    row_height = 0
    width = 0
    for i, (kec, members) in enumerate(sorted(blocks.items())):
        if i and i % BLOCKS_PER_ROW == 0:
            x = 0
            y += row_height + BLOCK_GAP
            row_height = 0
        cols = math.ceil(math.sqrt(len(members)))
        rows = math.ceil(len(members) / cols)
        block_w = cols * (TILE + GAP)
        body.append(
            f'<text x="{x}" y="{y + 13}" font-size="12" font-weight="600">'
            f"{escape(_short(kecamatan_names.get(kec, kec), 22))}</text>"
        )
        for j, tile in enumerate(members):
            tx = x + (j % cols) * (TILE + GAP)
            ty = y + LABEL_HEIGHT + (j // cols) * (TILE + GAP)
            if not tile.has_data:
                fill, extra = "#ffffff", ' stroke="#8a94a0" stroke-dasharray="3 2"'
            elif tile.value is None:
                fill, extra = "url(#tilehatch)", ""
            else:
                fill, extra = _colour(float(tile.value), low, high), ""
            dark = fill in PALETTE[3:]
            text_fill = "#ffffff" if dark else "#1b2733"
            label = f"{tile.name}: {tile.shown}"
            body.append(
                f'<g class="tile" data-code="{escape(tile.code)}"><title>{escape(label)}</title>'
                f'<rect x="{tx}" y="{ty}" width="{TILE}" height="{TILE}" rx="3" fill="{fill}"'
                f"{extra}/>"
                f'<text x="{tx + TILE / 2}" y="{ty + 19}" font-size="9" text-anchor="middle" '
                f'fill="{text_fill}">{escape(_short(tile.name))}</text>'
                f'<text x="{tx + TILE / 2}" y="{ty + 34}" font-size="10" text-anchor="middle" '
                f'font-weight="600" fill="{text_fill}">{escape(tile.shown)}</text></g>'
            )
        x += block_w + BLOCK_GAP
        width = max(width, x)
        row_height = max(row_height, LABEL_HEIGHT + rows * (TILE + GAP))
    height = y + row_height + 44
    body.append(_legend(0, height - 34, low, high, legend_fmt))
    width = max(width, 420)
    t = escape(title)
    return mark_safe(  # noqa: S308 - every interpolated text is escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-label="{t}" class="chart tile-map"><title>{t}</title>'
        '<defs><pattern id="tilehatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eef2f6"/>'
        f'<rect width="2" height="6" fill="{HIDDEN}"/></pattern></defs>'
        f"{''.join(body)}</svg>"
    )


def _legend(x: int, y: int, low: float, high: float, fmt) -> str:
    parts = []
    step = (high - low) / len(PALETTE) if high > low else 0
    for i, colour in enumerate(PALETTE):
        lx = x + i * 62
        parts.append(f'<rect x="{lx}" y="{y}" width="60" height="12" fill="{colour}"/>')
        if high > low or low:  # no visible value: colours without numbers
            parts.append(
                f'<text x="{lx}" y="{y + 26}" font-size="10">{escape(fmt(low + i * step))}</text>'
            )
    hx = x + len(PALETTE) * 62 + 12
    parts.append(f'<rect x="{hx}" y="{y}" width="20" height="12" fill="url(#tilehatch)"/>')
    parts.append(f'<text x="{hx + 24}" y="{y + 10}" font-size="10">{HIDDEN_LABEL}</text>')
    return "".join(parts)
