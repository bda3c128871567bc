"""Open area statistics with small-cell suppression.

Counts of 1-10 are hidden (primary suppression, as statistics offices do: CMS no cell 1-10,
ONS threshold 10); zeros are shown. Secondary suppression keeps hidden cells from being
recomputed from what is published, with both levels and the city total in view:
 A. in a published kecamatan, 0 or at least 2 of its non-zero kelurahan cells are hidden;
 B. across the city (whose total is published), 0 or at least 2 kecamatan cells are hidden;
 C. a hidden kecamatan has at least one hidden non-zero kelurahan (else it is their sum).
Each rule hides the smallest further cell; rules are repeated until none applies. Every
measure (persons, households, aid recipients) is suppressed on its own.
Totals are sums over persons/households with a known area.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef

from registry.models import AidReceipt, Household, Person, Region
from registry.reports.suppression import THRESHOLD

MEASURES = ("persons", "households", "aid_recipients")
RULE = (
    "cells 1-10 hidden; secondary suppression within each kecamatan and across the city so "
    "hidden cells cannot be recomputed from published cells or totals"
)


def kecamatan_of(kelurahan_code: str) -> str:
    return kelurahan_code[:8]


def suppress(
    kel: dict[str, int], kec: dict[str, int], threshold: int = THRESHOLD
) -> tuple[set[str], set[str]]:
    """Hidden kelurahan and kecamatan codes for one measure."""
    children: dict[str, list[str]] = defaultdict(list)
    for code in kel:
        children[kecamatan_of(code)].append(code)
    hidden_kel = {c for c, v in kel.items() if 1 <= v <= threshold}
    hidden_kec = {c for c, v in kec.items() if 1 <= v <= threshold}

    def hide_smallest(cells: dict[str, int], pool: list[str], hidden: set[str]) -> bool:
        options = sorted((cells[c], c) for c in pool if cells[c] > 0 and c not in hidden)
        if not options:
            return False
        hidden.add(options[0][1])
        return True

    changed = True
    while changed:
        changed = False
        for parent, codes in children.items():
            nonzero = [c for c in codes if kel[c] > 0]
            hidden_here = [c for c in nonzero if c in hidden_kel]
            if parent not in hidden_kec and len(hidden_here) == 1:
                changed |= hide_smallest(kel, nonzero, hidden_kel)
        nonzero_kec = [c for c in kec if kec[c] > 0]
        if len([c for c in nonzero_kec if c in hidden_kec]) == 1:
            changed |= hide_smallest(kec, nonzero_kec, hidden_kec)
        for parent in sorted(hidden_kec):
            nonzero = [c for c in children.get(parent, []) if kel[c] > 0]
            if nonzero and not any(c in hidden_kel for c in nonzero):
                changed |= hide_smallest(kel, nonzero, hidden_kel)
    return hidden_kel, hidden_kec


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
        hidden[measure] = suppress(kel, kec)
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
