"""Server-side SVG charts (no CDN, no JavaScript): horizontal bars and a population pyramid.

Values are already suppressed: None means "<11" and is drawn as a hatched stub with its label,
never as a bar whose length would give the hidden count away.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from registry.reports.suppression import HIDDEN_LABEL

ROW_HEIGHT = 22
LABEL_WIDTH = 150
BAR_AREA = 300
VALUE_WIDTH = 70
COLOURS = {"bar": "#1d5c96", "male": "#1d5c96", "female": "#b5475a", "hidden": "#8a94a0"}


def _number(value: int | float | None, fmt: str = "{:,}") -> str:
    if value is None:
        return HIDDEN_LABEL
    return fmt.format(value).replace(",", ".")


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    t = escape(title)
    return mark_safe(  # noqa: S308 - every interpolated text below is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-label="{t}" class="chart"><title>{t}</title>'
        f'<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="2" height="6" fill="{COLOURS["hidden"]}"/>'
        f"</pattern></defs>{''.join(body)}</svg>"
    )


def bar_chart(
    items: Sequence[tuple[str, int | float | None]],
    *,
    title: str,
    fmt: str = "{:,}",
    max_value: float | None = None,
) -> SafeString:
    """Horizontal bars: one (label, value) per row."""
    values = [v for _, v in items if v is not None]
    top = max_value or (max(values) if values else 1) or 1
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    body = []
    for i, (label, value) in enumerate(items):
        y = i * ROW_HEIGHT
        body.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
        )
        if value is None:
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="12" height="{ROW_HEIGHT - 8}" '
                f'fill="url(#hatch)"/>'
            )
            bar = 12
        else:
            bar = max(round(BAR_AREA * value / top), 1 if value else 0)
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{bar}" height="{ROW_HEIGHT - 8}" '
                f'fill="{COLOURS["bar"]}"/>'
            )
        body.append(
            f'<text x="{LABEL_WIDTH + bar + 4}" y="{y + 15}" font-size="12">'
            f"{escape(_number(value, fmt))}</text>"
        )
    return _svg(width, max(len(items), 1) * ROW_HEIGHT, title, body)


def pyramid_chart(
    bands: Sequence[str],
    male: Sequence[int | None],
    female: Sequence[int | None],
    *,
    title: str,
    male_label: str,
    female_label: str,
) -> SafeString:
    """Age/sex pyramid: youngest band at the bottom, men left, women right."""
    half = 200
    centre = 60  # band labels between the two halves
    width = 2 * half + centre
    top = max([v for v in (*male, *female) if v is not None] or [1]) or 1
    n = len(bands)
    header = 20
    body = [
        f'<text x="{half - 4}" y="14" text-anchor="end" font-size="12" font-weight="600">'
        f"{escape(male_label)}</text>",
        f'<text x="{half + centre + 4}" y="14" font-size="12" font-weight="600">'
        f"{escape(female_label)}</text>",
    ]
    for row, index in enumerate(reversed(range(n))):
        y = header + row * ROW_HEIGHT
        body.append(
            f'<text x="{half + centre / 2}" y="{y + 15}" text-anchor="middle" font-size="11">'
            f"{escape(bands[index])}</text>"
        )
        for value, colour, side in ((male[index], "male", -1), (female[index], "female", 1)):
            length = 10 if value is None else round((half - 50) * value / top)
            fill = "url(#hatch)" if value is None else COLOURS[colour]
            x = half - length if side < 0 else half + centre
            body.append(
                f'<rect x="{x}" y="{y + 4}" width="{length}" height="{ROW_HEIGHT - 8}" '
                f'fill="{fill}"><title>{escape(bands[index])}: {escape(_number(value))}</title>'
                "</rect>"
            )
            label_x = x - 4 if side < 0 else x + length + 4
            anchor = "end" if side < 0 else "start"
            body.append(
                f'<text x="{label_x}" y="{y + 15}" text-anchor="{anchor}" font-size="11">'
                f"{escape(_number(value))}</text>"
            )
    return _svg(width, header + n * ROW_HEIGHT, title, body)
