"""Human labels for exchange-format fields, record flags and validation reasons.

Msgids are English; Indonesian comes from locale/id. Validation reasons are produced in
English by the importer (with the offending value inside), so the common shapes are matched
here and rendered through the catalogue; anything unknown is shown as the importer wrote it.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.ingest import flags
from registry.reports.xlsx import Sheet

FIELD_LABELS = {
    "source_record_id": _("Record ID"),
    "nik": _("NIK"),
    "nik_reliable": _("NIK checked valid"),
    "house_number": _("House number"),
    "kk_number": _("Family card (KK) number"),
    "full_name": _("Name"),
    "sex": _("Sex"),
    "birth_place": _("Place of birth"),
    "birth_date": _("Date of birth"),
    "address": _("Address"),
    "rt": _("RT"),
    "rw": _("RW"),
    "rt_rw": _("RT/RW"),
    "kelurahan": _("Kelurahan"),
    "kelurahan_code": _("Kelurahan"),
    "kecamatan": _("Kecamatan"),
    "kecamatan_code": _("Kecamatan"),
    "relationship": _("Relationship to the head of family"),
    "death_date": _("Date of death"),
    "welfare_decile": _("Welfare decile"),
    "program": _("Aid program"),
    "period": _("Period"),
    "amount": _("Amount"),
}

ACCESS_LABELS = {"open": _("open"), "restricted": _("restricted"), "closed": _("closed")}

SEX_LABELS = {"L": _("Male"), "P": _("Female")}

# (pattern, msgid with %(value)s) for the importer's reasons.
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^missing$"), _("missing")),
    (re.compile(r"^title row above the header$"), _("title row above the header")),
    (re.compile(r"^total row$"), _("total row")),
    (re.compile(r"^missing for an aid receipt$"), _("missing for an aid receipt")),
    (re.compile(r"^before the birth date$"), _("before the birth date")),
    (re.compile(r"^date in the future$"), _("date in the future")),
    (re.compile(r"^duplicate of line (?P<value>\d+)$"), _("duplicate of line %(value)s")),
    (re.compile(r"^not a date: (?P<value>.*)$"), _("not a date: %(value)s")),
    (re.compile(r"^two-digit year: (?P<value>.*)$"), _("two-digit year: %(value)s")),
    (re.compile(r"^date before (?P<value>.*)$"), _("date before %(value)s")),
    (re.compile(r"^unknown sex value (?P<value>.*)$"), _("unknown sex value %(value)s")),
    (re.compile(r"^bad decile (?P<value>.*)$"), _("not a welfare decile (1–10): %(value)s")),
    (re.compile(r"^bad amount (?P<value>.*)$"), _("not an amount: %(value)s")),
    (re.compile(r"^not a period: (?P<value>.*)$"), _("not a period: %(value)s")),
    (re.compile(r"^bad RT/RW value (?P<value>.*)$"), _("not an RT/RW value: %(value)s")),
    (re.compile(r"^bad RT value (?P<value>.*)$"), _("not an RT value: %(value)s")),
    (re.compile(r"^bad RW value (?P<value>.*)$"), _("not an RW value: %(value)s")),
    (
        re.compile(r"^missing \(and no NIK or KK number\)$"),
        _("missing, and no NIK or KK number either"),
    ),
    (
        re.compile(r"^too long \(max (?P<value>\d+) characters\)$"),
        _("too long (at most %(value)s characters)"),
    ),
    (re.compile(r"^too large \(max (?P<value>\d+)\)$"), _("too large (at most %(value)s)")),
    (re.compile(r"^contains a NUL character$"), _("contains a NUL character")),
    # DTSEN extracts (registry.services.dtsen)
    (re.compile(r"^not a quarter: (?P<value>.*)$"), _("not a quarter: %(value)s")),
    (
        re.compile(r"^differs from line (?P<value>\d+) \(same KK and quarter\)$"),
        _("differs from line %(value)s (same KK and quarter)"),
    ),
    (re.compile(r"^not a 16-digit number: (?P<value>.*)$"), _("not a 16-digit number: %(value)s")),
    (re.compile(r"^not a valid KK number: (?P<value>.*)$"), _("not a valid KK number: %(value)s")),
]


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def reason_label(reason: str) -> str:
    if reason in flags.CATALOGUE:  # a field problem refused in strict mode
        return flags.flag_label(reason)
    for pattern, msgid in _REASONS:
        match = pattern.match(reason)
        if match:
            value = match.groupdict().get("value")
            text = str(msgid)
            return text % {"value": value} if value is not None else text
    return reason


RELATIONSHIP_LABELS = {
    "KEPALA_KELUARGA": _("Head of family"),
    "SUAMI": _("Husband"),
    "ISTRI": _("Wife"),
    "ANAK": _("Child"),
    "MENANTU": _("Child-in-law"),
    "CUCU": _("Grandchild"),
    "ORANG_TUA": _("Parent"),
    "MERTUA": _("Parent-in-law"),
    "FAMILI_LAIN": _("Other relative"),
    "PEMBANTU": _("Household help"),
    "LAINNYA": _("Other"),
}


def relationship_label(code: str) -> str:
    label = RELATIONSHIP_LABELS.get(code)
    return str(label) if label is not None else code


# --- aid periods: one format on every page -------------------------------------------------

_ROMAN_QUARTERS = {"1": "I", "2": "II", "3": "III", "4": "IV"}
_QUARTER_RE = re.compile(r"^(?P<year>\d{4})-Q(?P<q>[1-4])$")
_MONTH_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")


def period_label(period: str) -> str:
    """'2026-Q1' -> 'Triwulan I 2026', '2026-03' -> 'Maret 2026' (English: 'Quarter I 2026',
    'March 2026'); anything else as stored."""
    from datetime import date

    from django.utils.formats import date_format

    period = str(period or "")
    if m := _QUARTER_RE.match(period):
        return str(_("Quarter %(roman)s %(year)s")) % {
            "roman": _ROMAN_QUARTERS[m["q"]],
            "year": m["year"],
        }
    if m := _MONTH_RE.match(period):
        return date_format(date(int(m["year"]), int(m["month"]), 1), "F Y")
    return period


# --- dates: one format on every page (templates use the `day` filter) ----------------------

DATE_FORMAT = "j M Y"  # 30 Agu 1974
DATETIME_FORMAT = "j M Y H:i"


def date_label(value) -> str:
    from django.utils.formats import date_format

    if value is None or value == "":
        return ""
    return date_format(value, DATE_FORMAT)


# --- audit trail: action codes, roles and denial reasons in words ---------------------------
# Action labels live in the audit action catalogue (audit/actions.py).


DENIAL_REASON_LABELS = {
    "role": _("role not allowed"),
    "not_found": _("not found"),
    "no_visible_record": _("no record the user may read"),
    "no_visible_member": _("no member the user may read"),
    "invalid_purpose": _("no valid purpose"),
    "empty_query": _("empty search"),
    "nik_search_masked_role": _("number search refused to a masked role"),
    "not_found_or_forbidden": _("not found or not allowed"),
}

OUTCOME_LABELS = {"allowed": _("allowed"), "denied": _("denied")}


def action_label(code: str) -> str:
    """Audit action codes in words: the one catalogue, audit.actions."""
    from audit.actions import action_label as catalogue_label

    return catalogue_label(code)


def role_label(code: str) -> str:
    from registry.roles import Role

    try:
        return str(Role(code).label)
    except ValueError:
        return code


def denial_reason_label(code: str) -> str:
    label = DENIAL_REASON_LABELS.get(code)
    return str(label) if label is not None else code


# --- aid-targeting rules: codes in words ----------------------------------------------------

RULE_LABELS = {
    "household_cash_stack": _("Cash programs stacked in one household"),
    "person_cash_stack": _("Cash programs stacked on one person"),
}
RULE_LEVEL_LABELS = {"household": _("household (KK)"), "person": _("person")}


def rule_label(code: str) -> str:
    label = RULE_LABELS.get(code)
    return str(label) if label is not None else code


def rule_level_label(level: str) -> str:
    label = RULE_LEVEL_LABELS.get(level)
    return str(label) if label is not None else level


def problems_labelled(problems: list[dict]) -> list[dict]:
    """Flagged values of rows that landed, with their field and problem in words."""
    return [
        {
            **p,
            "field_label": field_label(str(p["field"])),
            "problem_label": flags.flag_label(str(p["code"])),
        }
        for p in problems
    ]


def fix_list_sheet(errors: list[dict], problems: list[dict]) -> Sheet:
    """The sender's fix list: every refused row and every flagged value, by line."""
    rows = [
        (e["line"], field_label(str(e["field"])), "", reason_label(str(e["reason"])),
         gettext("refused"), e.get("source_record_id", ""))
        for e in errors
    ] + [
        (p["line"], field_label(str(p["field"])), p.get("value", ""),
         flags.flag_label(str(p["code"])), gettext("imported; the value is flagged"),
         p.get("source_record_id", ""))
        for p in problems
    ]  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[1]))
    return Sheet(
        title=gettext("Fix list"),
        headers=[
            gettext("Line"),
            gettext("Field"),
            gettext("Value"),
            gettext("Problem"),
            gettext("Outcome"),
            gettext("Record ID"),
        ],
        rows=rows,
    )
