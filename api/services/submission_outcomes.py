"""What an agency learns back about each record it submitted (issue 14 item 3).

A submission's answer must derive from the agency's own and granted data only. The linker
places a record using every agency's records, so facts about *how* it was placed are not the
submitter's to learn: `linked_to_existing: true` or a pre-existing person id for a record
carrying only a NIK told an agency that the civil registry (closed) holds that NIK, and which
person it belongs to. The answer keeps what the submitter's own rows decide: the position, its
own key, the storage outcome (new / changed / unchanged / invalid) and whether linking ran
(done / pending / not_run), the same for every record of the batch.

The agency finds its records' persons through the permission-checked selectors (search,
profile), which show only what its datasets hold.
"""

from __future__ import annotations

from typing import Any

# The keys of a per-record outcome a submitter may see; anything else (person ids, link facts)
# stays in the stored result for the registry's own use.
SUBMITTER_KEYS = ("index", "line", "source_record_id", "status")


def outcomes_for_submitter(records: list[dict[str, Any]], *, linking: str) -> list[dict[str, Any]]:
    """Per-record outcomes reduced to what the submitting agency's own data decides."""
    out = []
    for record in records:
        shown = {key: record.get(key) for key in SUBMITTER_KEYS}
        shown["linking"] = "not_run" if record.get("status") == "invalid" else linking
        out.append(shown)
    return out
