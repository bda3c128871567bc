"""Reads of personal data: every one permission-checked, purpose-bound and audited.

Views and API endpoints call these and nothing else to read persons, households or records.
Rules (domain.md, issue 4):
- person-level data comes only from *readable* datasets: closed -> owner agency + walidata;
  restricted -> owner + agencies holding an active grant (guardian object permission on the
  dataset for the agency group AND an unexpired, unrevoked DatasetGrant) + walidata; open ->
  aggregates only, never a person. Filtering happens in SQL (EXISTS subqueries), never per
  object in Python (guardian issues #68/#151/#811: per-object checks do not scale).
- a profile is assembled from the visible source records only; golden values are recomputed
  from them, so a field held only by an invisible source is not even hinted at.
- missing and forbidden both raise NotFound; the denial is audited in its own transaction
  (callers must not wrap selectors in an outer atomic block, or a denial event would roll
  back with the caller's error; ATOMIC_REQUESTS stays off).
- every call writes exactly one audit event, in the same transaction as the read.

Split by entity (issue 17): views.py (what selectors return), records.py (assembling from
visible records), persons.py, households.py, search.py (the one person search), aid.py (a
household's aid). The access rules themselves live in registry.access.
"""

from registry.access.policy import (
    datasets_readable_by,
    households_for_user,
    mask_number,
    membership_records,
    nik_fingerprint,
    readable_dataset_ids,
    visible_records,
)
from registry.access.reads import (
    PURPOSE_CODES,
    PURPOSE_TEXT_MAX,
    InvalidPurpose,
    NotFound,
    Purpose,
    audit_denial,
    audit_read,
    require_purpose,
)
from registry.access.viewer import Viewer, viewer_for, viewer_from_request
from registry.selectors.households import household_get_for_user, household_read, household_view
from registry.selectors.persons import person_get_for_user, resolve_person
from registry.selectors.records import visible_golden
from registry.selectors.views import (
    GOLDEN_SHOWN,
    AidView,
    HouseholdMember,
    HouseholdProfile,
    HouseholdSummary,
    InvalidQuery,
    LinkEventView,
    PersonProfile,
    RecordVersionView,
    RecordView,
)

__all__ = [
    "PURPOSE_CODES",
    "PURPOSE_TEXT_MAX",
    "GOLDEN_SHOWN",
    "AidView",
    "HouseholdMember",
    "HouseholdProfile",
    "HouseholdSummary",
    "InvalidPurpose",
    "InvalidQuery",
    "LinkEventView",
    "NotFound",
    "PersonProfile",
    "Purpose",
    "RecordVersionView",
    "RecordView",
    "Viewer",
    "audit_denial",
    "audit_read",
    "datasets_readable_by",
    "household_get_for_user",
    "household_read",
    "household_view",
    "households_for_user",
    "mask_number",
    "membership_records",
    "nik_fingerprint",
    "person_get_for_user",
    "readable_dataset_ids",
    "require_purpose",
    "resolve_person",
    "viewer_for",
    "viewer_from_request",
    "visible_golden",
    "visible_records",
]
