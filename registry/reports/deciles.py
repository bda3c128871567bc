"""DTSEN decile facts as a viewer may read them, and which decile a report uses.

The rule (issue 18 item 1): the latest national DTSEN decile of the household's KK first; an
agency's own estimate (SourceRecord.welfare_decile, household_values' v_decile) only where
DTSEN says nothing; every answer names its source ("DTSEN Triwulan III 2026" or "perkiraan
Dinsos"). Facts are personal financial data: only those of DTSEN datasets the viewer may
read (registry.access.policy) exist for a report, so a hidden fact changes no output.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from registry.models import DatasetKind, HouseholdDecile
from registry.reports.common import readable_dataset_ids
from registry.roles import PERSON_ROLES

ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def decile_facts_for(viewer) -> QuerySet[HouseholdDecile]:
    """Current DTSEN facts of the datasets the viewer may read (none for other roles)."""
    if getattr(viewer, "role", None) not in PERSON_ROLES:
        return HouseholdDecile.objects.none()
    return HouseholdDecile.objects.filter(
        is_current=True,
        dataset_id__in=readable_dataset_ids(viewer),
        dataset__kind=DatasetKind.DTSEN,
    )


def latest_facts(facts: QuerySet[HouseholdDecile]) -> QuerySet[HouseholdDecile]:
    """Among `facts`, the latest quarter of each KK (ties of one quarter in two readable
    extracts: the later import). Quarters are 'YYYY-Qn', so text order is time order."""
    newer = facts.filter(kk_number=OuterRef("kk_number")).filter(
        Q(quarter__gt=OuterRef("quarter")) | Q(quarter=OuterRef("quarter"), pk__gt=OuterRef("pk"))
    )
    return facts.filter(~Exists(newer))


def latest_for_viewer(viewer) -> QuerySet[HouseholdDecile]:
    return latest_facts(decile_facts_for(viewer))


def latest_by_kk(viewer, kk_numbers) -> dict[str, tuple[int, str]]:
    """KK -> (decile, quarter) of the latest readable fact, for a page of rows."""
    wanted = sorted({k for k in kk_numbers if k})
    if not wanted:
        return {}
    return {
        kk: (decile, quarter)
        for kk, decile, quarter in latest_for_viewer(viewer)
        .filter(kk_number__in=wanted)
        .values_list("kk_number", "decile", "quarter")
    }


def quarter_label(quarter: str) -> str:
    """'2026-Q3' -> 'Triwulan III 2026' (in the active language)."""
    if len(quarter) == 7 and quarter[4:6] == "-Q" and quarter[6] in ROMAN:
        return gettext("Quarter %(roman)s %(year)s") % {
            "roman": ROMAN[quarter[6]],
            "year": quarter[:4],
        }
    return quarter


def decile_source(quarter: str | None, estimating_agency: str | None) -> str:
    """Where a report's decile came from: 'DTSEN Triwulan III 2026', 'perkiraan Dinsos', or
    '' when there is no decile."""
    if quarter:
        return f"DTSEN {quarter_label(quarter)}"
    if estimating_agency:
        return gettext("estimate of %(agency)s") % {"agency": estimating_agency.capitalize()}
    return ""


def decile_history(viewer, kk_number: str) -> list[dict]:
    """Every quarter's DTSEN decile of one KK the viewer may read, newest first: quarter,
    label, decile, source (the dataset), imported_at. Empty for a viewer without a DTSEN
    dataset: the page then shows nothing, not even that facts exist."""
    if not kk_number:
        return []
    facts = (
        decile_facts_for(viewer)
        .filter(kk_number=kk_number)
        .select_related("dataset__agency")
        .order_by("-quarter", "-pk")
    )
    return [
        {
            "quarter": f.quarter,
            "quarter_label": quarter_label(f.quarter),
            "decile": f.decile,
            "source": f"DTSEN {quarter_label(f.quarter)}",
            "dataset_title": f.dataset.title,
            "agency_code": f.dataset.agency.code,
            "imported_at": f.imported_at,
        }
        for f in facts
    ]
