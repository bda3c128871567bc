"""Engine configuration: which blocking keys and which comparisons run, and the thresholds.

The defaults describe Indonesian agency records (see linkage.engine for the column contract);
FEBRL-like data sets pick a different field set through the same dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass

from linkage.compare import Comparison

DEFAULT_BLOCKING_KEYS: tuple[str, ...] = (
    "nik_exact",
    "nik_one_off",
    # name_sorted + date finds everything name_key + date finds (equal keys sort equal),
    # plus swapped name order, so "name_dob" is not run as well
    "sorted_name_dob",
    "phonetic_year_kelurahan",
    "kk_given",
    "dob_swapped_phonetic",
    "given_dob_kecamatan",
    "dob_kelurahan",
    "monthday_address",
    # no identifier and no region: agencies outside Dukcapil (and FEBRL-like data sets) often
    # hold only a name, a birth date and an address
    "token_dob",
    "dob_house",
    # only records with neither NIK nor KK are keyed by these (a wrong or missing birth date
    # plus a typo: FEBRL); run on every record they shifted EM on a city
    "phonetic_house",
    "name_house",
    "token_address",
    "name_kelurahan",
    # an identifier other than NIK/KK, when the frame has one (skipped otherwise)
    "other_id_exact",
    "other_id_one_off",
)

DEFAULT_COMPARISONS: tuple[str, ...] = (
    "name",
    "given",
    "nik",
    "birth_date",
    "sex",
    "location",
    # only when the frame has an "other_id" column (linkage.febrl): dropped otherwise
    "other_id",
)


@dataclass(frozen=True)
class LinkConfig:
    # a named key (linkage.blocking.NAMED_KEYS) or a tuple of columns compared exactly
    blocking_keys: tuple[str | tuple[str, ...], ...] = DEFAULT_BLOCKING_KEYS
    # a named comparison (linkage.compare.NAMED_COMPARISONS) or a Comparison spec
    comparisons: tuple[str | Comparison, ...] = DEFAULT_COMPARISONS
    # A block larger than this is skipped for that key (reported), because a key shared by
    # thousands of records (e.g. name "siti" + a common date) says almost nothing and its
    # quadratic pair count would dominate the run; other keys still reach those records.
    max_block_size: int = 60
    # Posterior match probability at or above which a pair is linked.
    match_probability: float = 0.5
    # Pairs whose probability falls in [review_low, review_high) go to clerical review.
    review_low: float = 0.1
    review_high: float = 0.9
    # Scored pairs below this probability are not returned (they are most of the candidates
    # and only cost memory); all pairs still count for EM and clustering.
    keep_pairs_min_probability: float = 0.01
    em_max_iterations: int = 60
    em_tolerance: float = 1e-6
    # Term-frequency adjustment of exact-name agreement (0 disables it).
    tf_adjustment_weight: float = 1.0
    tf_adjustment_cap: float = 6.0
    workers: int = -1
