"""The one catalogue of record flags: code -> field, label (English msgid, Bahasa Indonesia in
locale/id), and whether the sender is told about it.

The normaliser (linkage.normalize) emits the codes; the upload report, the batch page, the API
response and the downloadable fix list all read their words from here. A flag told to the
sender is a *problem*: the row landed, the value is kept in `original`, the normalised field
is empty or unreliable. Field problems (FIELD_PROBLEMS) are the ones an agency may ask to be
refused instead (strict mode). Flags not listed here (name:titles_removed, *:swap_candidate,
*:missing, *:fuzzy) are facts for the linkage and reviewers, not problems of the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linkage.normalize.record import FIELD_PROBLEMS  # noqa: F401 - strict reads it here

# Problems stored per batch (the counts are always complete).
PROBLEMS_KEPT = 20_000


@dataclass(frozen=True)
class FlagInfo:
    field: str
    label: Promise


CATALOGUE: dict[str, FlagInfo] = {
    "nik:missing": FlagInfo("nik", _("NIK missing")),
    "nik:excel_damaged": FlagInfo("nik", _("NIK damaged by Excel (15 digits)")),
    "nik:bad_length": FlagInfo("nik", _("NIK does not have 16 digits")),
    "nik:non_digit": FlagInfo("nik", _("NIK is not a number")),
    "nik:invalid": FlagInfo("nik", _("NIK not valid (region or date part)")),
    "nik:kk_in_nik": FlagInfo("nik", _("family card number in the NIK column")),
    "nik:date_mismatch": FlagInfo("nik", _("NIK date differs from the date of birth")),
    "nik:sex_mismatch": FlagInfo("nik", _("NIK does not match the sex")),
    "nik:date_day_month_swapped": FlagInfo(
        "birth_date", _("day and month of birth swapped (according to the NIK)")
    ),
    "kk:excel_damaged": FlagInfo("kk_number", _("KK number damaged by Excel (15 digits)")),
    "kk:bad_length": FlagInfo("kk_number", _("KK number does not have 16 digits")),
    "kk:non_digit": FlagInfo("kk_number", _("KK number is not a number")),
    "kk:invalid": FlagInfo("kk_number", _("KK number not valid")),
    "kelurahan:unknown": FlagInfo("kelurahan", _("unknown kelurahan")),
    "kelurahan:ambiguous": FlagInfo("kelurahan", _("kelurahan name found in several kecamatan")),
    "kelurahan:kecamatan_mismatch": FlagInfo(
        "kelurahan", _("kelurahan not in the given kecamatan")
    ),
    "kecamatan:unknown": FlagInfo("kecamatan", _("unknown kecamatan")),
    "full_name:missing": FlagInfo("full_name", _("name missing")),
    "sex:unknown": FlagInfo("sex", _("unknown sex code")),
    "relationship:unknown": FlagInfo("relationship", _("unknown relationship to the head")),
    "welfare_decile:invalid": FlagInfo("welfare_decile", _("welfare decile not between 1 and 10")),
    "birth_date:future": FlagInfo("birth_date", _("date of birth in the future")),
    "birth_date:too_old": FlagInfo("birth_date", _("date of birth before 1900")),
    "birth_date:unreadable": FlagInfo("birth_date", _("date of birth is not a date")),
    "birth_date:two_digit_year": FlagInfo("birth_date", _("date of birth with a two-digit year")),
    "birth_date:year_only": FlagInfo("birth_date", _("date of birth is only a year")),
    "death_date:future": FlagInfo("death_date", _("date of death in the future")),
    "death_date:too_old": FlagInfo("death_date", _("date of death before 1900")),
    "death_date:unreadable": FlagInfo("death_date", _("date of death is not a date")),
    "death_date:two_digit_year": FlagInfo("death_date", _("date of death with a two-digit year")),
    "death_date:year_only": FlagInfo("death_date", _("date of death is only a year")),
    "death_date:before_birth": FlagInfo("death_date", _("date of death before the date of birth")),
}


def reported(flags: Iterable[str]) -> list[str]:
    """The flags of a row that the sender is told about, in catalogue order."""
    return [code for code in flags if code in CATALOGUE]


def flag_label(code: str) -> str:
    info = CATALOGUE.get(code)
    return str(info.label) if info is not None else code


def flag_field(code: str) -> str:
    info = CATALOGUE.get(code)
    return info.field if info is not None else code.partition(":")[0]


def problem(line: int, code: str, record: Mapping[str, object], source_id: str) -> dict:
    """One problem of one row, as stored on the batch and shown to the sender. The value is
    the agency's own (from the row as sent): it goes back to the sender only."""
    field = flag_field(code)
    raw = record.get(field)
    if raw is None and field == "full_name":
        raw = ""
    return {
        "line": line,
        "field": field,
        "code": code,
        "value": "" if raw is None else str(raw)[:200],
        "source_record_id": source_id,
    }


def summary(counts: Mapping[str, int]) -> list[dict]:
    """'39 NIK damaged by Excel (15 digits)' lines, most frequent first."""
    out = []
    for code, count in Counter(counts).most_common():
        label = flag_label(code)
        out.append(
            {
                "code": code,
                "count": count,
                "text": gettext("%(count)s %(problem)s") % {"count": count, "problem": label},
            }
        )
    return out


def line_text(item: Mapping[str, object]) -> str:
    """'line 1737: date of birth in the future'."""
    return gettext("line %(line)s: %(problem)s") % {
        "line": item["line"],
        "problem": flag_label(str(item["code"])),
    }
