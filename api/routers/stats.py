from __future__ import annotations

from typing import Literal

from django.conf import settings
from ninja import Field as NField
from ninja import Query, Router, Schema

from api.limits import bounded
from api.schemas.common import errors
from api.schemas.stats import AreaStatsOut
from api.services.stats import area_stats

router = Router(tags=["statistics"])


class AreaQuery(Schema):
    level: Literal["kecamatan", "kelurahan"] = NField(
        "kecamatan", description="area level of the cells"
    )


@router.get(
    "/stats/areas",
    auth=None,
    response={200: AreaStatsOut, **errors(400, 413, 503)},
    summary="Open statistics per area (persons, households, aid recipients), small cells hidden",
)
def stats_areas(request, q: Query[AreaQuery]):
    return 200, bounded(lambda: area_stats(q.level, settings.REGISTRY_REGENCY_CODE))
