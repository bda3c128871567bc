"""Open area statistics with small-cell suppression.

Suppression is the one rule of `registry.reports.suppression` (`suppress_areas`): counts of
1-10 hidden, zeros shown, and secondary suppression so that no hidden cell can be recomputed
from what is published, with both levels and the city total in view (each kecamatan is the
sum of its kelurahan, the city the sum of the kecamatan). Every measure (persons,
households, aid recipients) is suppressed on its own. Totals are sums over
persons/households with a known area.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef

from registry.models import AidReceipt, Household, Person, Region
from registry.reports.suppression import kecamatan_of, suppress_areas

MEASURES = ("persons", "households", "aid_recipients")
RULE = (
    "cells 1-10 hidden; secondary suppression within each kecamatan and across the city so "
    "hidden cells cannot be recomputed from published cells or totals"
)


def area_counts() -> dict[str, dict[str, int]]:
    """measure -> kelurahan code -> count."""
    persons = Person.objects.filter(status=Person.Status.ACTIVE).exclude(kelurahan_code="")
    aid = persons.filter(Exists(AidReceipt.objects.filter(person=OuterRef("pk"))))
    households = Household.objects.exclude(kelurahan_code="")

    def by_kel(qs) -> dict[str, int]:
        return {
            row["kelurahan_code"]: row["n"]
            for row in qs.values("kelurahan_code").annotate(n=Count("pk")).order_by()
        }

    return {
        "persons": by_kel(persons),
        "households": by_kel(households),
        "aid_recipients": by_kel(aid),
    }


def area_stats(level: str, regency_code: str) -> dict:
    return area_table(level, regency_code, area_counts(), MEASURES)


def area_table(
    level: str, regency_code: str, counts: dict[str, dict[str, int]], measures: tuple[str, ...]
) -> dict:
    """Cells per area of `counts` (measure -> kelurahan code -> count), every measure
    suppressed on its own with both levels and the city total in view: the kecamatan and the
    kelurahan table of the same counts hide consistent cells, so publishing both is safe."""
    kel_codes = set().union(*(set(counts[m]) for m in measures))
    regions = Region.objects.filter(code__startswith=f"{regency_code}.")
    names = dict(regions.values_list("code", "name"))
    kel_codes |= set(regions.filter(level=4).values_list("code", flat=True))
    kec_codes = {kecamatan_of(c) for c in kel_codes} | set(
        regions.filter(level=3).values_list("code", flat=True)
    )
    cells: dict[str, dict] = {}
    totals = {}
    hidden: dict[str, tuple[set[str], set[str]]] = {}
    for measure in measures:
        kel = {c: counts[measure].get(c, 0) for c in kel_codes}
        kec: dict[str, int] = {c: 0 for c in kec_codes}
        for code, value in kel.items():
            kec[kecamatan_of(code)] += value
        totals[measure] = sum(kel.values())
        hidden[measure] = suppress_areas(kel, kec)
        values = kel if level == "kelurahan" else kec
        for code, value in values.items():
            cells.setdefault(code, {"code": code, "name": names.get(code, ""), "suppressed": []})
            is_hidden = code in hidden[measure][0 if level == "kelurahan" else 1]
            cells[code][measure] = None if is_hidden else value
            if is_hidden:
                cells[code]["suppressed"].append(measure)
    return {
        "level": level,
        "areas": [cells[c] for c in sorted(cells)],
        "totals": totals,
        "suppression": RULE,
    }
