"""GET /api/datasets: the datasets an agency token may submit to (its own) and those it may
read through a grant, so `dataset_id` never has to be guessed. Other agencies' datasets are
never listed. Metadata only: no person is read, nothing personal to audit."""

from __future__ import annotations

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from ninja import Router

from api.schemas.common import AUTH_ERRORS, errors
from api.schemas.datasets import DatasetOut
from api.services.submissions import datasets_writable_by
from registry.models import DatasetGrant
from registry.roles import Role
from registry.selectors import datasets_readable_by, viewer_from_request

router = Router(tags=["datasets"])


def _out(dataset, *, relation: str, can_submit: bool, grant_expires_at=None) -> dict:
    return {
        "id": dataset.pk,
        "name": dataset.name,
        "title": dataset.title,
        "agency_code": dataset.agency.code,
        "agency_name": dataset.agency.name,
        "access_level": dataset.access_level,
        "update_frequency": dataset.update_frequency,
        "relation": relation,
        "can_submit": can_submit,
        "submit_url": reverse("api:submission_create", args=[dataset.pk]) if can_submit else None,
        "grant_expires_at": grant_expires_at,
    }


@router.get(
    "/datasets",
    response={200: list[DatasetOut], **errors(*AUTH_ERRORS)},
    summary="Datasets you may submit to (your agency's) and read (granted to your agency)",
)
def datasets_list(request):
    viewer = viewer_from_request(request, user=request.auth)
    writable = list(datasets_writable_by(viewer))
    own_relation = "custodian" if viewer.role == Role.WALIDATA else "own"
    rows = [_out(d, relation=own_relation, can_submit=True) for d in writable]
    if viewer.agency is not None and viewer.role != Role.WALIDATA:
        granted = (
            datasets_readable_by(viewer)
            .exclude(pk__in=[d.pk for d in writable])
            .exclude(agency=viewer.agency)
            .select_related("agency")
        )
        expiry = dict(
            DatasetGrant.objects.filter(
                dataset__in=granted,
                grantee=viewer.agency,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .values("dataset_id")
            .annotate(until=Min("expires_at"))
            .values_list("dataset_id", "until")
        )
        rows += [
            _out(d, relation="granted", can_submit=False, grant_expires_at=expiry.get(d.pk))
            for d in granted
        ]
    return rows
