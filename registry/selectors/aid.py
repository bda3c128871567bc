"""The household with every visible member's aid, totalled by program and period: the social
affairs analyst's first question about a family ("what does this KK receive?").

One selector, `household_aid_get_for_user`, on the rules of `registry.selectors`: the household
as `household_read` shows it (visible members only, masked for masked roles), and the
aid receipts of those members from the datasets the viewer may read, for roles that see aid
(AID_ROLES). One audit event (`household.view`) names every member shown; missing and
forbidden both raise NotFound, the denial audited.

Periods: agencies report some programs monthly (2026-03) and others quarterly (2026-Q1).
Totals are by quarter, so a March payment and a Q1 payment meet in one period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from registry.access.reads import Purpose
from registry.access.viewer import Viewer
from registry.models import AidReceipt, Membership
from registry.reports.common import period_quarter
from registry.reports.deciles import decile_history
from registry.roles import AID_ROLES
from registry.selectors import HouseholdProfile, household_read

__all__ = ["AidTotal", "HouseholdAid", "MemberAid", "household_aid_get_for_user"]


@dataclass(frozen=True)
class MemberAid:
    person_public_id: str
    display_name: str
    program: str
    period: str
    quarter: str
    amount: int | None
    agency_code: str
    source_record_id: str


@dataclass(frozen=True)
class AidTotal:
    program: str
    quarter: str  # "" in the per-program totals
    payments: int
    amount: int
    members: int


@dataclass(frozen=True)
class HouseholdAid:
    household: HouseholdProfile
    aid_visible: bool  # False: the role sees no aid at all (the page says so)
    receipts: list[MemberAid] = field(default_factory=list)
    by_program_quarter: list[AidTotal] = field(default_factory=list)
    by_program: list[AidTotal] = field(default_factory=list)
    # DTSEN deciles of the household's KK, every quarter (registry.reports.deciles); only
    # from DTSEN datasets the viewer may read
    decile_history: list[dict] = field(default_factory=list)

    @property
    def total_amount(self) -> int:
        return sum(t.amount for t in self.by_program)

    @property
    def quarters(self) -> list[str]:
        return sorted({t.quarter for t in self.by_program_quarter}, reverse=True)

    @property
    def programs(self) -> list[str]:
        return [t.program for t in self.by_program]

    def matrix(self) -> list[dict]:
        """Rows of quarters (newest first) x program columns, for the table at the top."""
        cells = {(t.program, t.quarter): t for t in self.by_program_quarter}
        return [
            {
                "quarter": q,
                "cells": [cells.get((p, q)) for p in self.programs],
                "amount": sum(t.amount for (p, qq), t in cells.items() if qq == q),
            }
            for q in self.quarters
        ]


def _totals(receipts: list[MemberAid]) -> tuple[list[AidTotal], list[AidTotal]]:
    grouped: dict[tuple[str, str], list[MemberAid]] = defaultdict(list)
    for r in receipts:
        grouped[(r.program, r.quarter)].append(r)
        grouped[(r.program, "")].append(r)
    totals = [
        AidTotal(
            program=program,
            quarter=quarter,
            payments=len(rows),
            amount=sum(r.amount or 0 for r in rows),
            members=len({r.person_public_id for r in rows}),
        )
        for (program, quarter), rows in grouped.items()
    ]
    by_quarter = sorted((t for t in totals if t.quarter), key=lambda t: (t.quarter, t.program))
    by_program = sorted((t for t in totals if not t.quarter), key=lambda t: t.program)
    return by_quarter, by_program


def _member_receipts(
    viewer: Viewer, memberships: list[Membership], shown: set[str], readable: list[int]
) -> list[MemberAid]:
    persons = {m.person_id: m.person for m in memberships if m.person.public_id in shown}
    rows = (
        AidReceipt.objects.filter(
            source_record__is_current=True,
            source_record__dataset_id__in=readable,
            source_record__link__person_id__in=list(persons),
        )
        .select_related("agency", "source_record__link")
        .order_by("period", "program", "id")
    )
    out = []
    for a in rows:
        record = a.source_record
        person = persons[record.link.person_id]
        out.append(
            MemberAid(
                person_public_id=person.public_id,
                # The name as the paying (visible) record wrote it, never a golden value
                # from a source this viewer cannot read.
                display_name=record.full_name,
                program=a.program,
                period=a.period,
                quarter=period_quarter(a.period),
                amount=a.amount,
                agency_code=a.agency.code,
                source_record_id=record.source_record_id,
            )
        )
    return out


def household_aid_get_for_user(*, viewer: Viewer, public_id: str, purpose: Purpose) -> HouseholdAid:
    aid_visible = viewer.role in AID_ROLES

    def with_aid_and_deciles(*, household, memberships, members, readable):
        receipts = (
            _member_receipts(viewer, memberships, set(members), readable) if aid_visible else []
        )
        history = decile_history(viewer, household.kk_number)
        detail = {"aid_receipts": len(receipts), "dtsen_deciles": len(history)}
        return (receipts, history), detail

    profile, (receipts, history) = household_read(
        viewer=viewer, public_id=public_id, purpose=purpose, extend=with_aid_and_deciles
    )
    by_quarter, by_program = _totals(receipts)
    return HouseholdAid(
        household=profile,
        aid_visible=aid_visible,
        receipts=receipts,
        by_program_quarter=by_quarter,
        by_program=by_program,
        decile_history=history,
    )
