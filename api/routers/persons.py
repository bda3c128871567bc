from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from typing import Annotated

from ninja import Field as NField
from ninja import Path, Query, Router, Schema
from pydantic import AfterValidator, BeforeValidator

from api.limits import bounded
from api.params import PURPOSE, PURPOSE_TEXT, PurposeCode, purpose_of
from api.schemas.common import AUTH_ERRORS, errors
from api.schemas.persons import HouseholdProfileOut, PersonProfileOut, PersonSearchOut
from api.services.explain import link_explanation
from registry.selectors import (
    InvalidQuery,
    household_get_for_user,
    person_get_for_user,
    viewer_from_request,
)
from registry.selectors.search import SEARCH_PAGE_SIZE_MAX, search_page_for_user

router = Router(tags=["persons"])
# Letters, digits, '-', '_', '.': anything else (a NUL PostgreSQL cannot even compare) is a 400.
PUBLIC_ID = Path(..., pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="public id")


def _iso_only(value):
    # Pydantic would read "0" as a Unix timestamp (1970-01-01); only YYYY-MM-DD is a date here.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("use YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_only)]


def _no_nul(value):
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class PersonSearchQuery(Schema):
    nik: Text | None = NField(None, max_length=32, description="NIK (exact, reliable NIKs only)")
    kk: Text | None = NField(None, max_length=32, description="KK number (exact)")
    name: Text | None = NField(
        None, max_length=200, description="name (fuzzy, same normalisers as linkage)"
    )
    birth_date: IsoDate | None = NField(None, description="date of birth (ISO)")
    kelurahan: Text | None = NField(None, max_length=13, description="Kemendagri kelurahan code")
    limit: int = NField(
        20, ge=1, le=SEARCH_PAGE_SIZE_MAX, description=f"page size (max {SEARCH_PAGE_SIZE_MAX})"
    )
    offset: int = NField(0, ge=0, le=1_000_000, description="hits to skip (paging)")


@router.get(
    "/persons",
    response={200: PersonSearchOut, **errors(400, 404, 503, *AUTH_ERRORS)},
    summary="Find persons by NIK or KK, or by name + birth date + kelurahan (ranked, paged)",
)
def persons_search(
    request,
    q: Query[PersonSearchQuery],
    x_purpose: PurposeCode = PURPOSE,
    x_purpose_text: str = PURPOSE_TEXT,
):
    viewer = viewer_from_request(request, user=request.auth)
    purpose = purpose_of(x_purpose, x_purpose_text)
    empty = {"results": [], "limit": q.limit, "offset": q.offset, "total": 0, "households": []}
    if not any((v or "").strip() for v in (q.nik, q.kk, q.name)):
        # Nothing to search for: no rows (OpenAPI cannot say "nik, kk or name is required").
        return 200, empty
    try:
        page = bounded(
            lambda: search_page_for_user(
                viewer=viewer,
                purpose=purpose,
                nik=q.nik or "",
                kk=q.kk or "",
                name=q.name or "",
                birth_date=q.birth_date,
                kelurahan_code=q.kelurahan or "",
                offset=q.offset,
                limit=q.limit,
            )
        )
    except InvalidQuery:
        return 200, empty  # e.g. a name of titles or digits only: nothing searchable
    return 200, {
        "results": [asdict(h) for h in page.hits],
        "limit": page.limit,
        "offset": page.offset,
        "total": page.total,
        "total_is_lower_bound": page.total_is_lower_bound,
        "households": [asdict(h) for h in page.households],
    }


@router.get(
    "/persons/{public_id}",
    response={200: PersonProfileOut, **errors(400, 404, *AUTH_ERRORS)},
    summary="Person profile: sources, golden values, household, aid history, link explanation",
)
def person_get(
    request,
    public_id: str = PUBLIC_ID,
    x_purpose: PurposeCode = PURPOSE,
    x_purpose_text: str = PURPOSE_TEXT,
):
    viewer = viewer_from_request(request, user=request.auth)
    profile = person_get_for_user(
        viewer=viewer, public_id=public_id, purpose=purpose_of(x_purpose, x_purpose_text)
    )
    return 200, {**asdict(profile), "link_explanation": link_explanation(profile)}


@router.get(
    "/households/{public_id}",
    response={200: HouseholdProfileOut, **errors(400, 404, *AUTH_ERRORS)},
    tags=["households"],
    summary="Household profile (members visible to the caller)",
)
def household_get(
    request,
    public_id: str = PUBLIC_ID,
    x_purpose: PurposeCode = PURPOSE,
    x_purpose_text: str = PURPOSE_TEXT,
):
    viewer = viewer_from_request(request, user=request.auth)
    profile = household_get_for_user(
        viewer=viewer, public_id=public_id, purpose=purpose_of(x_purpose, x_purpose_text)
    )
    return 200, asdict(profile)
