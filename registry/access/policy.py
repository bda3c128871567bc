"""Access policy: which datasets and records a viewer may read, which households they may
see, and how identifiers are masked for roles that may not see them (domain.md access levels,
issue 4 and issue 14). Part of registry.access."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from guardian.models import GroupObjectPermission

from registry.access.viewer import Viewer
from registry.models import AccessLevel, Dataset, DatasetGrant, Household, SourceRecord
from registry.roles import AGENCY_ROLES, PERSON_ROLES, Role, agency_group_name


def mask_number(value: str | None) -> str:
    """NIK or KK for a role that may not see them: no digit at all, only the length
    ('3671011204900001' -> '****************').

    Why no digit: a NIK is `PP KK CC DDMMYY SSSS` (domain.md) and the pages already show what
    digits 1-12 encode (the city, the kecamatan, the birth date with +40 for women), so any
    mask that keeps the serial, however few digits, rebuilds the whole number; the old
    '3671********0001' gave back ~83 % of a demo city's NIKs. With no digit shown, what a page
    reveals leaves the serial open (10^4 candidates per person). KK numbers use the same rule.
    """
    if not value:
        return ""
    return "*" * len(str(value))


def nik_fingerprint(nik: str) -> str:
    """Keyed hash of a searched NIK for the audit query: an auditor holding the key can check
    whether a given NIK was searched, but the trail does not reveal it (NIKs are structured
    enough to brute-force a plain hash)."""
    return hmac.new(settings.SECRET_KEY.encode(), nik.encode(), hashlib.sha256).hexdigest()


def dataset_content_type() -> ContentType:
    return ContentType.objects.get_for_model(Dataset)


def datasets_readable_by(viewer: Viewer) -> QuerySet[Dataset]:
    """Datasets whose person-level records the viewer may read (open ones never are)."""
    person_level = Dataset.objects.exclude(access_level=AccessLevel.OPEN)
    if viewer.role == Role.WALIDATA:
        return person_level
    if viewer.role not in AGENCY_ROLES or viewer.agency is None:
        return Dataset.objects.none()
    content_type = dataset_content_type()
    permission = GroupObjectPermission.objects.filter(
        group__name=agency_group_name(viewer.agency.code),
        group__user=viewer.user,
        permission__codename="view_dataset_records",
        permission__content_type=content_type,
        content_type=content_type,
        object_pk=Cast(OuterRef("pk"), output_field=CharField()),
    )
    grant = DatasetGrant.objects.filter(
        dataset=OuterRef("pk"),
        grantee=viewer.agency,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    granted = Q(access_level=AccessLevel.RESTRICTED) & Exists(permission) & Exists(grant)
    return person_level.filter(Q(agency=viewer.agency) | granted)


def readable_dataset_ids(viewer: Viewer) -> list[int]:
    """The readable dataset ids, fetched once per selector call: one small query on the
    dataset table instead of repeating the grant subqueries in every record query."""
    if viewer.role not in PERSON_ROLES:
        return []
    return list(datasets_readable_by(viewer).values_list("pk", flat=True))


def visible_records(viewer: Viewer) -> QuerySet[SourceRecord]:
    """Current record versions in the datasets the viewer may read."""
    if viewer.role not in PERSON_ROLES:
        return SourceRecord.objects.none()
    return SourceRecord.objects.filter(
        is_current=True, dataset__in=datasets_readable_by(viewer).values("pk")
    )


def membership_records(records: QuerySet[SourceRecord]) -> QuerySet[SourceRecord]:
    """The records among `records` that show a person's membership of a household (the
    household is the outer query's row): a current record of a member carrying the household's
    KK number.

    Households are built from KK numbers, whichever agency's record held them. A viewer sees a
    membership only through a record of their own datasets that carries that KK: a household
    assembled from another agency's closed records (the civil registry's KK, say) is not
    theirs to see, even when their own record of the person was linked to it."""
    return records.filter(
        kk_number=OuterRef("kk_number"), link__person__memberships__household=OuterRef("pk")
    )


def households_for_user(viewer: Viewer) -> QuerySet[Household]:
    """Households with at least one member whose membership the viewer can see (see
    membership_records). Fields of these rows are the registry's golden values built from
    every record: never show, filter or count by them; household_get_for_user recomputes them
    from the visible records."""
    if viewer.role not in PERSON_ROLES:
        return Household.objects.none()
    return Household.objects.filter(Exists(membership_records(visible_records(viewer))))
