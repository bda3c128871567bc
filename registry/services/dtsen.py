"""dtsen_import: a DTSEN extract into household decile facts (issue 18 item 1).

DTSEN (Data Tunggal Sosial Ekonomi Nasional, Inpres 4/2025) ranks every family in a welfare
decile (desil 1-10), refreshed quarterly; the city receives it as an extract, one row per
person: NIK, KK number, decile, quarter. Its layout varies by delivery, so it is read like any
agency file (registry.ingest.reading: Indonesian headers DESIL, TRIWULAN/PERIODE, NIK, NO KK
map without configuration, others through the agency's column mapping) and arrives through
the same path (records_submit -> records_import, which hands DTSEN datasets to this module).

Rows become HouseholdDecile facts keyed by (KK, quarter), never SourceRecords: the extract
is not an agency's view of a person, and its decile must never mix with, or be overwritten
by, an agency's own estimate (SourceRecord.welfare_decile). All or nothing; errors name the
line and field; re-sending the same extract changes nothing; a changed decile for a quarter
already held becomes the current fact and the old one is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from audit.actions import Action
from linkage.normalize.household_fields import parse_decile, parse_period
from linkage.normalize.identifiers import ID_LENGTH, identifier_parts, kk_verdict
from registry.ingest.reading import ParsedFile
from registry.models import Agency, Dataset, HouseholdDecile, ImportBatch
from registry.services.imports import (
    ImportOutcome,
    ValidatedRow,
    Validation,
    audit_import,
    import_batch_new,
)

logger = logging.getLogger(__name__)

# The fields every DTSEN row needs (canonical names of the exchange format).
DTSEN_FIELDS = ("nik", "kk_number", "welfare_decile", "period")


@dataclass
class FactDraft:
    """One household's decile for one quarter, as the extract's rows state it."""

    kk_number: str
    quarter: str
    decile: int
    line: int
    niks: set[str] = field(default_factory=set)
    lines: list[int] = field(default_factory=list)


@dataclass
class DtsenValidation:
    validation: Validation
    facts: dict[tuple[str, str], FactDraft]


def _identifier(raw: object, name: str) -> tuple[str, str]:
    """(16 digits, '') or ('', reason): an extract's key must be whole (a number Excel cut
    to 15 digits names another family)."""
    digits, flags = identifier_parts(raw, "kk" if name == "kk_number" else "nik")
    if any(f.endswith(":missing") for f in flags):
        return "", "missing"
    if flags or len(digits) != ID_LENGTH:
        return "", f"not a 16-digit number: {str(raw).strip()!r}"
    if name == "kk_number" and kk_verdict(digits, ()):
        return "", f"not a valid KK number: {digits[:6]}..."
    return digits, ""


def quarter_of(raw: object) -> tuple[str, str]:
    """'2026-Q3', 'Triwulan III 2026', 'TW 3 2026', 'Q3-2026' -> '2026-Q3'; a month or a year
    is no DTSEN quarter."""
    period, error = parse_period(raw)
    if error:
        return "", error
    if not period:
        return "", "missing"
    if "-Q" not in period:
        return "", f"not a quarter: {str(raw).strip()!r}"
    return period, ""


def dtsen_validate(rows: Iterable[tuple[int, dict[str, object]]]) -> DtsenValidation:
    """Every row checked, nothing stored: the facts the extract states, and every error with
    its line and field. One KK has one decile per quarter; a NIK appears once per quarter."""
    result = Validation()
    facts: dict[tuple[str, str], FactDraft] = {}
    nik_line: dict[tuple[str, str], int] = {}
    for line, record in rows:
        errors: list[tuple[str, str]] = []
        nik, why = _identifier(record.get("nik"), "nik")
        if why:
            errors.append(("nik", why))
        kk, why = _identifier(record.get("kk_number"), "kk_number")
        if why:
            errors.append(("kk_number", why))
        decile, why = parse_decile(record.get("welfare_decile"))
        if why or decile is None:
            errors.append(("welfare_decile", why or "missing"))
        quarter, why = quarter_of(record.get("period"))
        if why:
            errors.append(("period", why))
        if not errors:
            assert decile is not None  # noqa: S101 - checked above
            seen = nik_line.get((nik, quarter))
            draft = facts.get((kk, quarter))
            if seen is not None:
                errors.append(("nik", f"duplicate of line {seen}"))
            elif draft is not None and draft.decile != decile:
                errors.append(
                    ("welfare_decile", f"differs from line {draft.line} (same KK and quarter)")
                )
        if errors:
            result.errors += [
                {"line": line, "field": name, "reason": reason, "source_record_id": ""}
                for name, reason in errors
            ]
            continue
        nik_line[(nik, quarter)] = line
        draft = facts.setdefault((kk, quarter), FactDraft(kk, quarter, decile, line))
        draft.niks.add(nik)
        draft.lines.append(line)
        result.valid.append(ValidatedRow(line, "", "", ""))
    return DtsenValidation(result, facts)


def dtsen_import(
    *,
    dataset: Dataset,
    parsed: ParsedFile,
    actor=None,
    file_name: str = "",
    file_sha256: str = "",
    channel: str = "file",
    skip_invalid: bool = False,
) -> ImportOutcome:
    """Validate the extract, then store its facts in one transaction with the audit event.
    With an invalid row and not skip_invalid nothing is stored (the attempt is, audited)."""
    checked = dtsen_validate(parsed.rows)
    validation = checked.validation
    batch = import_batch_new(
        dataset=dataset,
        parsed=parsed,
        actor=actor,
        channel=channel,
        file_name=file_name,
        file_sha256=file_sha256,
        errors=validation.errors,
        rows_invalid=len(validation.invalid_lines),
    )
    if validation.errors and not skip_invalid:
        batch.status = ImportBatch.Status.REJECTED
        with transaction.atomic():
            batch.save()
            _audit(batch, actor, facts=0, outcome="denied")
        return ImportOutcome(batch, validation, [])
    if validation.errors:
        batch.status = ImportBatch.Status.PARTIAL
    with transaction.atomic():
        # One import per agency at a time, as records_import: current facts stay one per
        # (dataset, KK, quarter).
        Agency.objects.select_for_update(no_key=True).filter(pk=dataset.agency_id).exists()
        batch.save()
        stored = _store_facts(batch, checked.facts)
        batch.save()
        _audit(batch, actor, facts=stored, outcome="allowed")
    logger.info(
        "dtsen import batch=%s agency=%s status=%s facts=%s new=%s changed=%s unchanged=%s",
        batch.pk,
        dataset.agency.code,
        batch.status,
        stored,
        batch.rows_new,
        batch.rows_changed,
        batch.rows_unchanged,
    )
    return ImportOutcome(batch, validation, [])


def _store_facts(batch: ImportBatch, facts: dict[tuple[str, str], FactDraft]) -> int:
    """New facts inserted, changed ones superseded (kept, not current); row counters of the
    batch count the extract's rows behind each fact. Returns the facts written."""
    current = {
        (f.kk_number, f.quarter): f
        for f in HouseholdDecile.objects.filter(
            dataset_id=batch.dataset_id,
            is_current=True,
            kk_number__in=sorted({kk for kk, _ in facts}),
        )
    }
    new: list[HouseholdDecile] = []
    superseded: list[int] = []
    for key, draft in facts.items():
        old = current.get(key)
        rows = len(draft.lines)
        niks = sorted(draft.niks)
        if old is not None and old.decile == draft.decile and sorted(old.member_niks) == niks:
            batch.rows_unchanged += rows
            continue
        if old is None:
            batch.rows_new += rows
        else:
            batch.rows_changed += rows
            superseded.append(old.pk)
        new.append(
            HouseholdDecile(
                dataset_id=batch.dataset_id,
                batch=batch,
                kk_number=draft.kk_number,
                quarter=draft.quarter,
                decile=draft.decile,
                member_niks=niks,
                line_number=draft.line,
            )
        )
    if superseded:
        HouseholdDecile.objects.filter(pk__in=superseded).update(is_current=False)
    HouseholdDecile.objects.bulk_create(new, batch_size=5_000)
    return len(new)


def _audit(batch: ImportBatch, actor, *, facts: int, outcome: str) -> None:
    audit_import(
        batch, actor, outcome=outcome, action=Action.DTSEN_IMPORT, extra={"facts_written": facts}
    )
