"""The one catalogue of audit actions: every code the trail may hold, with its label.

Codes are stored in AuditEvent.action (and hashed), so a code never changes once written;
labels are English msgids shown in Bahasa Indonesia through the catalogue on the auditor pages.
Writers pass `Action.X` to `audit.services.audit_record`; a plain string is still accepted
(old callers), and tests/audit/test_actions.py keeps every action written anywhere in the code
inside this catalogue.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    # Sign-in (registry.web.auth, django-axes)
    LOGIN = "auth.login", _("Login")
    LOGOUT = "auth.logout", _("Logout")
    LOCKOUT = "auth.lockout", _("Account locked after failed logins")
    # Pages and API requests refused before reaching a selector
    PAGE_VIEW = "page.view", _("Page opened")
    API_REFUSED = "api.refused", _("API request refused")
    # Reads of personal data (registry.selectors)
    PERSON_VIEW = "person.view", _("Person profile viewed")
    PERSON_SEARCH = "person.search", _("Person search")
    HOUSEHOLD_VIEW = "household.view", _("Household viewed")
    PERSONS_VERIFY = "persons.verify", _("Recipient list verified")
    JOB_VIEW = "job.view", _("Submission job read")
    # Writes of records and persons
    RECORDS_IMPORT = "records.import", _("Records imported")
    RECORDS_SUBMIT = "records.submit", _("Records submitted (API)")
    RECORDS_UPLOAD = "records.upload", _("Spreadsheet uploaded (API)")
    PERSONS_LINK = "persons.link", _("Records linked to persons")
    PERSON_MERGE = "person.merge", _("Persons merged")
    PERSON_UNMERGE = "person.unmerge", _("Persons split")
    LINKS_EXPORT = "links.export", _("Record links exported")
    # National DTSEN extract (registry.services.dtsen)
    DTSEN_IMPORT = "dtsen.import", _("DTSEN extract imported")
    # Review queue
    REVIEW_QUEUE = "review.queue", _("Review queue opened")
    REVIEW_VIEW = "review.view", _("Review pair viewed")
    REVIEW_DECIDE = "review.decide", _("Review decided")
    # Reports
    REPORT_TARGETING_LIST = "report.targeting.list", _("Targeting list viewed")
    REPORT_TARGETING_EXPORT = "report.targeting.export", _("Targeting list exported")
    REPORT_RECIPIENT_CHECK = "report.recipient_check", _("Recipient list checked")
    REPORT_RECIPIENT_CHECK_EXPORT = (
        "report.recipient_check.export",
        _("Recipient list check exported"),
    )
    REPORT_HOUSEHOLD_QUERY = "report.household_query", _("Household query")
    REPORT_QUALITY_VIEW = "report.quality.view", _("Data quality report viewed")
    REPORT_QUALITY_EXPORT = "report.quality.export", _("Data quality report exported")
    # Accounts, grants, tokens
    ACCOUNT_CREATE = "account.create", _("Account created")
    ACCOUNT_SET_ROLE = "account.set_role", _("Account role changed")
    ACCOUNT_SET_ACTIVE = "account.set_active", _("Account enabled or disabled")
    AGENCY_CREATE = "agency.create", _("Agency created")
    AGENCY_UPDATE = "agency.update", _("Agency changed")
    DATASET_CREATE = "dataset.create", _("Dataset created")
    DATASET_UPDATE = "dataset.update", _("Dataset changed")
    GRANT_CREATE = "grant.create", _("Dataset access granted")
    GRANT_REVOKE = "grant.revoke", _("Dataset access revoked")
    API_TOKEN_CREATE = "api_token.create", _("API token created")
    API_TOKEN_ROTATE = "api_token.rotate", _("API token rotated")
    API_TOKEN_REVOKE = "api_token.revoke", _("API token revoked")
    API_TOKEN_LIST = "api_token.list", _("API tokens listed")
    # UU PDP duties (registry/privacy)
    BREACH_RECORD = "breach.record", _("Data breach recorded")
    BREACH_NOTIFY = "breach.notify", _("Data breach notified")
    BREACH_CLOSE = "breach.close", _("Data breach closed")
    CORRECTION_RECORD = "correction.record", _("Correction request recorded")
    CORRECTION_UPDATE = "correction.update", _("Correction request updated")
    RETENTION_SET = "retention.set", _("Retention period set")
    RETENTION_PURGE = "retention.purge", _("Data past retention destroyed")
    # DTSEN proposals and objections (registry/welfare)
    PROPOSAL_CREATE = "proposal.create", _("DTSEN proposal drafted")
    PROPOSAL_APPROVE = "proposal.approve", _("Proposal approved by the kelurahan meeting")
    PROPOSAL_EXPORT = "proposal.export", _("Approved proposals exported for SIKS-NG")
    PROPOSAL_DECIDE = "proposal.decide", _("National decision on a proposal recorded")
    PROPOSAL_WITHDRAW = "proposal.withdraw", _("Proposal withdrawn")
    PROPOSAL_VIEW = "proposal.view", _("Proposal viewed")
    OBJECTION_FILE = "objection.file", _("Objection filed")
    OBJECTION_ASSIGN = "objection.assign", _("Objection assigned to an officer")
    OBJECTION_VERIFY = "objection.verify", _("Objection verified in the field")
    OBJECTION_RESOLVE = "objection.resolve", _("Objection resolved")
    OBJECTION_VIEW = "objection.view", _("Objection viewed")
    ATTACHMENT_ADD = "attachment.add", _("Evidence file attached")
    ATTACHMENT_VIEW = "attachment.view", _("Evidence file opened")
    # The trail itself
    AUDIT_VIEW = "audit.view", _("Audit trail viewed")
    AUDIT_EXPORT = "audit.export", _("Audit trail exported")
    AUDIT_VERIFY = "audit.verify", _("Audit chain verified")
    AUDIT_SUBJECT_REPORT = "audit.subject_report", _("Subject access report produced")
    AUDIT_LOOKUP = "audit.lookup", _("Data subject looked up for the audit")


def action_label(code: str) -> str:
    """The label of a stored action code; an unknown (older) code is shown as stored."""
    try:
        return str(Action(code).label)
    except ValueError:
        return code
