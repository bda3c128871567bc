"""Indonesian number formats: 12345 -> "12.345", 0.4567 as a share -> "45,7%"."""

from __future__ import annotations

from django import template

from registry.reports.suppression import HIDDEN_LABEL

register = template.Library()


@register.filter
def id_number(value) -> str:
    """Thousands separated by dots, decimals by a comma; None (suppressed) -> "<11"."""
    if value is None:
        return HIDDEN_LABEL
    if value == "":
        return ""
    if isinstance(value, float) and not value.is_integer():
        whole, _, frac = f"{value:,.1f}".partition(".")
        return whole.replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")
