"""The only code that moves data between the database and the linkage library.

records.py      current record versions as frames (COPY out), reviewers' decisions
full.py         link(): the whole city through the engine, stable person ids, review tasks
incremental.py  link_new_records(): new records placed on arrival through indexed keys
profiles.py     the writes both share: record links, golden values, households
"""

from registry.linking.full import link
from registry.linking.incremental import link_new_records
from registry.linking.profiles import golden_values_frame, refresh_persons
from registry.linking.records import (
    GOLDEN_FIELDS,
    KK_UNRELIABLE_FLAGS,
    LinkSummary,
    load_records,
    load_records_where,
)

__all__ = [
    "GOLDEN_FIELDS",
    "KK_UNRELIABLE_FLAGS",
    "LinkSummary",
    "golden_values_frame",
    "link",
    "link_new_records",
    "load_records",
    "load_records_where",
    "refresh_persons",
]
