"""The API's rendering of a recipient-list check (POST /api/verifications).

The check itself, its scoring, its access and volume rules and its audit event live in one
service, registry.reports.recipient_check, shared with the web page (issue 17 item 4); this
module only turns its report into the API's response shape and its refusals into the API's
errors.
"""

from __future__ import annotations

from typing import Any

from api.errors import ApiError
from registry.reports.recipient_check import NotAllowed, VolumeLimitExceeded, recipients_check
from registry.selectors import NotFound, Purpose, Viewer


def recipients_verify_for_user(
    *, viewer: Viewer, purpose: Purpose, rows: list[dict[str, Any]], program: str = ""
) -> dict[str, Any]:
    purpose = Purpose.parse(purpose.code, purpose.text)
    try:
        report = recipients_check(
            viewer, rows=rows, program=program, purpose=purpose, channel="api"
        )
    except NotAllowed as exc:
        raise NotFound("verification") from exc
    except VolumeLimitExceeded as exc:
        raise ApiError(
            429,
            "volume_limit",
            f"more than {exc.limit} recipient rows checked today by this user",
            [{"rows_per_day": exc.limit}],
        ) from exc
    return {
        "rows": [
            {
                "index": r.index,
                "row_id": r.row_id,
                "person_id": r.person_public_id or None,
                "confidence": r.confidence,
                "matched_on": r.matched_on,
                "flags": r.flags,
                "duplicate_of": r.duplicate_of,
                "other_programs": r.other_programs,
                "welfare_decile": r.welfare_decile,
                "welfare_decile_source": r.welfare_decile_source,
            }
            for r in report.rows
        ],
        "matched": report.counts["matched"],
        "flagged": sum(1 for r in report.rows if r.flags),
        "method": report.method,
    }
