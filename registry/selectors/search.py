"""The one person and household search: the API (`GET /persons`) and the web search page
both render `search_page_for_user` (real totals, paging, a minimum score, search by KK number,
exact hits the page can open directly).

On the rules of `registry.selectors`: visible records only, a purpose, one audit event per
call naming exactly the persons (or households' members) on the page shown, and NIK/KK
searches refused to masked roles (search must not become a number -> person oracle for a role
that sees numbers only masked).

Scoring: every word the user typed must find itself in the name (or its phonetic form), so
"siti" finds every Siti at 100 % and "zzzzqqq" finds nobody; below SEARCH_PAGE_MIN_SCORE a
candidate is not a hit. Candidates come from index-backed prefixes (`name_candidate_condition`,
also used by the auditor's subject lookup); when more than SEARCH_PAGE_CANDIDATES_MAX records match
the prefixes, the total is a lower bound and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from rapidfuzz import fuzz

from audit.actions import Action
from linkage.normalize.names import normalize_name
from registry.models import Membership, Person
from registry.roles import PERSON_ROLES
from registry.selectors import (
    InvalidQuery,
    NotFound,
    Purpose,
    Viewer,
    audit_denial,
    audit_read,
    households_for_user,
    mask_number,
    nik_fingerprint,
    require_purpose,
    visible_records,
)

__all__ = [
    "SEARCH_PAGE_MIN_SCORE",
    "SEARCH_PAGE_SIZE_MAX",
    "HouseholdHit",
    "PersonHit",
    "SearchPage",
    "name_candidate_condition",
    "name_score",
    "search_page_for_user",
]

SEARCH_PAGE_MIN_SCORE = 0.8
SEARCH_PAGE_SIZE_MAX = 100
SEARCH_PAGE_CANDIDATES_MAX = 20_000
# Phonetic keys this short ("st" for Siti) match half a city: only longer ones count.
PHONETIC_MIN_CHARS = 3


@dataclass(frozen=True)
class PersonHit:
    public_id: str
    display_name: str
    birth_date: date | None
    sex: str
    kelurahan_code: str
    score: float
    matched_on: list[str]


@dataclass(frozen=True)
class HouseholdHit:
    public_id: str
    kelurahan_code: str
    members: int


@dataclass(frozen=True)
class SearchPage:
    hits: list[PersonHit]
    total: int
    offset: int
    limit: int
    total_is_lower_bound: bool = False
    # Set when the numbers typed identify exactly one person / household: open it directly.
    exact_person: str | None = None
    exact_household: str | None = None
    households: list[HouseholdHit] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.hits) < self.total

    @property
    def page_number(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def search_query_for_audit(
    nik: str, name: str, birth_date: date | None, kelurahan_code: str, limit: int
) -> dict[str, Any]:
    query: dict[str, Any] = {"limit": limit}
    if nik:
        query["nik_masked"] = mask_number(nik)
        query["nik_hmac"] = nik_fingerprint(nik)
    if name:
        query["name"] = name
    if birth_date:
        query["birth_date"] = birth_date.isoformat()
    if kelurahan_code:
        query["kelurahan_code"] = kelurahan_code
    return query


def name_candidate_condition(parts) -> Q:
    """Which records a name search considers (the one definition, shared by the search and
    the auditor's subject lookup)."""
    # Index-backed prefixes only (varchar_pattern_ops indexes, migration 0006): full key,
    # phonetic key, sorted tokens, and "first phonetic token + start of the second" so that
    # split or joined second names (Nur Haliza / Nurhaliza) still meet.
    condition = (
        Q(name_key__startswith=parts.key)
        | Q(name_phonetic__startswith=parts.phonetic)
        | Q(name_sorted__startswith=parts.sorted_key)
    )
    phonetic_tokens = parts.phonetic.split()
    if len(phonetic_tokens) >= 2 and phonetic_tokens[1]:
        condition |= Q(name_phonetic__startswith=f"{phonetic_tokens[0]} {phonetic_tokens[1][0]}")
    return condition


def _cover(query_tokens: list[str], name_tokens: list[str]) -> float:
    """Mean over the query's words of the best similarity with a word of the name."""
    if not query_tokens or not name_tokens:
        return 0.0
    best = [max(fuzz.ratio(q, n) for n in name_tokens) / 100 for q in query_tokens]
    return sum(best) / len(best)


def name_score(parts, name_key: str, name_phonetic: str) -> float:
    """How well a record's name answers the typed name, 0..1 (1: every word found)."""
    key_score = max(
        _cover(parts.key.split(), name_key.split()),
        fuzz.token_sort_ratio(parts.key, name_key) / 100,
        # Split or joined names (Nur Haliza / Nurhaliza) are one name.
        fuzz.ratio(parts.key.replace(" ", ""), name_key.replace(" ", "")) / 100,
    )
    phonetic_score = 0.0
    if len(parts.phonetic.replace(" ", "")) >= PHONETIC_MIN_CHARS:
        phonetic_score = 0.95 * _cover(parts.phonetic.split(), name_phonetic.split())
    return max(key_score, phonetic_score)


def _name_rows(base, name: str) -> tuple[list[dict[str, Any]], bool]:
    parts = normalize_name(name)
    if not parts.key:
        return [], False
    rows = list(
        base.filter(name_candidate_condition(parts)).values(
            "person_id", "full_name", "name_key", "name_phonetic", "birth_date", "sex",
            "kelurahan_code",
        )[: SEARCH_PAGE_CANDIDATES_MAX + 1]
    )  # fmt: skip
    capped = len(rows) > SEARCH_PAGE_CANDIDATES_MAX
    scored = []
    for row in rows[:SEARCH_PAGE_CANDIDATES_MAX]:
        score = name_score(parts, row["name_key"] or "", row["name_phonetic"] or "")
        if score >= SEARCH_PAGE_MIN_SCORE:
            matched = ["name"] if row["name_key"] == parts.key or score == 1 else ["name_phonetic"]
            scored.append({**row, "score": round(score, 4), "matched_on": matched})
    return scored, capped


def _households_by_kk(viewer: Viewer, kk: str) -> list[HouseholdHit]:
    households = list(
        households_for_user(viewer).filter(kk_number=kk).values("pk", "public_id", "kelurahan_code")
    )
    counts: dict[int, int] = {}
    for hh in Membership.objects.filter(household_id__in=[h["pk"] for h in households]).values_list(
        "household_id", flat=True
    ):
        counts[hh] = counts.get(hh, 0) + 1
    return [
        HouseholdHit(h["public_id"], h["kelurahan_code"], counts.get(h["pk"], 0))
        for h in households
    ]


def _household_members(public_ids: list[str]) -> list[str]:
    return list(
        Membership.objects.filter(household__public_id__in=public_ids).values_list(
            "person__public_id", flat=True
        )
    )


def search_page_for_user(
    *,
    viewer: Viewer,
    purpose: Purpose,
    nik: str = "",
    kk: str = "",
    name: str = "",
    birth_date: date | None = None,
    kelurahan_code: str = "",
    offset: int = 0,
    limit: int = 25,
) -> SearchPage:
    nik = "".join(ch for ch in (nik or "") if ch.isdigit())
    kk = "".join(ch for ch in (kk or "") if ch.isdigit())
    name = (name or "").strip()
    kelurahan_code = (kelurahan_code or "").strip()
    limit = max(1, min(int(limit or 25), SEARCH_PAGE_SIZE_MAX))
    offset = max(0, int(offset or 0))
    query = search_query_for_audit(nik, name, birth_date, kelurahan_code, limit)
    query["offset"] = offset
    if kk:
        query["kk_masked"] = mask_number(kk)
        query["kk_hmac"] = nik_fingerprint(kk)
    target = {"action": Action.PERSON_SEARCH, "object_type": "person", "query": query}
    purpose = require_purpose(viewer, purpose, **target)
    if viewer.role not in PERSON_ROLES:
        audit_denial(viewer, purpose=purpose, reason="role", **target)
        raise NotFound("search")
    if (nik or kk) and viewer.masked:
        audit_denial(viewer, purpose=purpose, reason="nik_search_masked_role", **target)
        raise NotFound("search")
    if not nik and not kk and not normalize_name(name).key:
        audit_denial(viewer, purpose=purpose, reason="empty_query", **target)
        raise InvalidQuery("a NIK, a KK number or a name is required")
    with transaction.atomic():
        base = visible_records(viewer).linked()
        extra_matched = []
        if birth_date:
            base = base.filter(birth_date=birth_date)
            extra_matched.append("birth_date")
        if kelurahan_code:
            base = base.filter(kelurahan_code=kelurahan_code)
            extra_matched.append("kelurahan")
        best: dict[int, dict[str, Any]] = {}
        capped = False
        if nik:
            for row in base.filter(nik=nik, nik_reliable=True).values(
                "person_id", "full_name", "birth_date", "sex", "kelurahan_code"
            ):
                best.setdefault(row["person_id"], {**row, "score": 1.0, "matched_on": ["nik"]})
        if kk:
            for row in base.filter(kk_number=kk).values(
                "person_id", "full_name", "birth_date", "sex", "kelurahan_code"
            ):
                best.setdefault(row["person_id"], {**row, "score": 1.0, "matched_on": ["kk"]})
        if name:
            rows, capped = _name_rows(base, name)
            numbers = bool(nik or kk)
            for row in rows:
                current = best.get(row["person_id"])
                if current is None:
                    # With a number typed, the name narrows (it does not widen) the hits.
                    if not numbers:
                        best[row["person_id"]] = row
                elif current["matched_on"][0] in ("nik", "kk"):
                    current["matched_on"] = [*current["matched_on"], *row["matched_on"]]
                elif row["score"] > current["score"]:
                    best[row["person_id"]] = row
            if numbers:
                named = {r["person_id"] for r in rows}
                best = {k: v for k, v in best.items() if k in named}
        # Best first; equal scores by name, so the order is stable from page to page.
        ranked = sorted(
            best.values(),
            key=lambda r: (
                r["matched_on"][0] not in ("nik", "kk"),
                -r["score"],
                r["full_name"] or "",
                r["person_id"],
            ),
        )
        total = len(ranked)
        shown = ranked[offset : offset + limit]
        public_ids = dict(
            Person.objects.filter(pk__in=[r["person_id"] for r in shown]).values_list(
                "pk", "public_id"
            )
        )
        hits = [
            PersonHit(
                public_id=public_ids[r["person_id"]],
                display_name=r["full_name"],
                birth_date=r["birth_date"],
                sex=r["sex"],
                kelurahan_code=r["kelurahan_code"],
                score=float(r["score"]),
                matched_on=[*r["matched_on"], *extra_matched],
            )
            for r in shown
            if r["person_id"] in public_ids
        ]
        households: list[HouseholdHit] = []
        exact_household = None
        if kk or (nik and not hits):
            # A KK number typed into the NIK field is a common slip: try it as a KK too.
            households = _households_by_kk(viewer, kk or nik)
            if len(households) == 1 and not name:
                exact_household = households[0].public_id
        exact_person = None
        if nik and not kk and total == 1 and hits and hits[0].matched_on[0] == "nik":
            exact_person = hits[0].public_id
        persons = [h.public_id for h in hits]
        if households:
            persons += _household_members([h.public_id for h in households])
        audit_read(
            viewer,
            persons=sorted(set(persons)),
            purpose=purpose,
            detail={
                "hits": len(hits),
                "total": total,
                "total_is_lower_bound": capped,
                "households": [h.public_id for h in households],
            },
            **target,
        )
        return SearchPage(
            hits=hits,
            total=total,
            offset=offset,
            limit=limit,
            total_is_lower_bound=capped,
            exact_person=exact_person,
            exact_household=exact_household,
            households=households,
        )
