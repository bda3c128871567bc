"""Endpoint matrix: every URL of the project (web pages and the API), enumerated from the URL
conf at test time, × every role (owner / granted / outsider agency where it matters, plus
anonymous and API tokens) × the access level of the object it shows (closed, restricted and
granted, restricted and not granted, another agency's closed data, open data).

A route missing from POLICY fails `test_every_route_has_a_policy` naming it. For each route ×
viewer, every case checks: allowed -> 2xx/3xx (a purpose prompt first where the page needs one,
then the page once the purpose is given); refused -> 404 (web) or 404/403 (API, 401 when
anonymous) with an AuditEvent outcome 'denied' for that user; and never, allowed or not, the
NIK, name or id of a person this viewer may not see (the planner: no full NIK at all).
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from api.models import ApiToken
from audit.models import AuditEvent
from registry.web.purpose import SESSION_CURRENT, SESSION_PURPOSES

from .endpoint_fixtures import (
    LEVELS,
    MASKED_VIEWERS,
    TOKEN_VIEWERS,
    VIEWERS,
    VISIBLE,
    City,
    build_city,
)

PURPOSE_CODE = "verifikasi-bansos"
PURPOSE_TEXT = "uji matriks endpoint"
API_PURPOSE = {"X-Purpose": PURPOSE_CODE, "X-Purpose-Text": PURPOSE_TEXT}

# Framework URLs outside the matrix, each with its reason (matched on route key or path).
SKIPPED = {
    "admin:*": "Django admin: staff-only, its own permission system, no registry views",
    "admin/*": "Django admin (unnamed catch-all patterns)",
    "set_language": "Django i18n language switch: stores a cookie, shows no data",
    "api:openapi-json": "OpenAPI schema: public documentation, no data",
    "api:openapi-view": "Swagger UI: public documentation, no data",
    "api:api-root": "django-ninja's API root: no view of its own (404), no data",
    "login": "Django's login form: the way in, no data",
    "logout": "Django's logout (POST only): no data",
}

W, OP, A, P, AU, PU, ANON = (
    "walidata", "operator", "analyst", "planner", "auditor", "public", "anonymous",
)  # fmt: skip
DPO = "dpo"
AUTHENTICATED = frozenset({W, OP, A, P, AU, PU, DPO})
PERSON_ROLES = frozenset({W, OP, A, P})


# --- cases: how a route's URL is filled from the city, and the per-object answer ----------


@dataclass
class Case:
    label: str
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    data: dict | None = None  # form data (web POST) or JSON body (API POST)
    files: dict | None = None  # multipart (API uploads)
    allowed: bool = True  # the answer for a viewer whose role passes the route's gate
    expect: tuple[str, ...] = ()  # what an allowed answer must contain (not vacuous)
    visible: frozenset | None = None  # person levels this viewer may see here (default VISIBLE)


Cases = Callable[[City, str], list[Case]]


def single(city: City, viewer: str) -> list[Case]:
    return [Case("-")]


def person_cases(city: City, viewer: str) -> list[Case]:
    return [
        Case(
            level,
            kwargs={"public_id": p.public_id},
            allowed=level in VISIBLE[viewer],
            expect=(p.public_id,),
        )
        for level, p in city.persons.items()
    ]


def household_cases(city: City, viewer: str) -> list[Case]:
    return [
        Case(
            level,
            kwargs={"public_id": p.household_id},
            allowed=level in VISIBLE[viewer],
            expect=(p.household_id,),
        )
        for level, p in city.persons.items()
    ]


def upload_job_cases(city: City, viewer: str) -> list[Case]:
    return [
        Case("none", kwargs={"public_id": "00000000-0000-4000-8000-000000000000"}, allowed=False)
    ]


def search_cases(city: City, viewer: str) -> list[Case]:
    # A search is allowed for every person role; a person outside the viewer's datasets is
    # simply not found (and must not show up).
    return [
        Case(
            level,
            query={"name": p.name, "birth_date": p.birth_date},
            expect=(p.public_id,) if level in VISIBLE[viewer] else (),
        )
        for level, p in city.persons.items()
    ]


def verification_cases(city: City, viewer: str) -> list[Case]:
    return [
        Case(
            level,
            data={"rows": [{"nik": p.nik, "full_name": p.name, "birth_date": p.birth_date}]},
            expect=(p.public_id,) if level in VISIBLE[viewer] else (),
        )
        for level, p in city.persons.items()
    ]


def auditor_person_cases(city: City, viewer: str) -> list[Case]:
    return [Case(level, query={"person": p.public_id}) for level, p in city.persons.items()]


def subject_cases(city: City, viewer: str) -> list[Case]:
    # The UU PDP subject access report: everything held on the person, for the walidata.
    everything = frozenset(LEVELS)
    return [
        Case(
            level,
            query={"person": p.public_id, "ref": "surat 1/2026"},
            expect=(p.name.upper(),),
            visible=everything,
        )
        for level, p in city.persons.items()
    ]


def _agency_case(kind: str, kwargs_of: Callable[[City, str], dict], **extra) -> Cases:
    """Owner's object and the outsider agency's: allowed to the walidata and to that agency."""

    def cases(city: City, viewer: str) -> list[Case]:
        out = []
        for code in ("dinsos", "disdik"):
            mine = viewer == "walidata" or city.agency_of(viewer) == code
            out.append(Case(f"{kind}:{code}", kwargs=kwargs_of(city, code), allowed=mine, **extra))
        return out

    return cases


batch_cases = _agency_case("batch", lambda c, code: {"pk": c.batches[code]})
job_cases = _agency_case("job", lambda c, code: {"job_id": c.jobs[code]})
_DATASET_OF = {"dinsos": "kasus", "disdik": "siswa"}


def _dataset_kwargs(city: City, code: str) -> dict:
    return {"dataset_id": city.datasets[_DATASET_OF[code]].pk}


def _new_record(viewer: str) -> dict:
    return {
        "source_record_id": f"NEW-{viewer}",
        "nik": "3671010202020009",
        "full_name": "Warga Baru Matriks",
        "sex": "L",
        "birth_date": "2002-02-02",
        "address": "Jl. Baru 1",
        "rt": "1",
        "rw": "2",
        "kelurahan": "Sukarasa",
        "kecamatan": "Tangerang",
    }


def submission_cases(city: City, viewer: str) -> list[Case]:
    return [
        Case(
            f"dataset:{code}",
            kwargs=_dataset_kwargs(city, code),
            data={"records": [_new_record(viewer)]},
            allowed=viewer == "walidata" or city.agency_of(viewer) == code,
        )
        for code in ("dinsos", "disdik")
    ]


def upload_cases(city: City, viewer: str) -> list[Case]:
    rec = _new_record(viewer)
    content = (",".join(rec) + "\n" + ",".join(rec.values()) + "\n").encode()
    return [
        Case(
            f"dataset:{code}",
            kwargs=_dataset_kwargs(city, code),
            files={"file": SimpleUploadedFile("baru.csv", content, content_type="text/csv")},
            allowed=viewer == "walidata" or city.agency_of(viewer) == code,
        )
        for code in ("dinsos", "disdik")
    ]


def staged_cases(data: dict | None = None) -> Cases:
    """A file staged by the owner operator: only that operator may see or confirm it."""

    def cases(city: City, viewer: str) -> list[Case]:
        from registry.web.uploads import stage_file

        token = stage_file(
            user=city.users["op_owner"], dataset=city.datasets["kasus"], name="a.csv",
            content=b"nik\n", report={"rows_total": 1, "rows_valid": 0, "rows_invalid": 1,
                                      "errors": [], "skipped": [], "unknown_headers": [],
                                      "header_line": 1, "columns": []},
        )  # fmt: skip
        return [
            Case("staged:owner", kwargs={"token": token}, data=data, allowed=viewer == "op_owner")
        ]

    return cases


def token_cases(city: City, viewer: str) -> list[Case]:
    return [Case("token:spare", kwargs={"token_id": city.spare_token_id})]


def token_create_cases(city: City, viewer: str) -> list[Case]:
    return [Case("-", data={"agency_code": "dinkes", "name": f"baru {viewer}"})]


def targeting_cases(city: City, viewer: str) -> list[Case]:
    # Both PKH recipients live in high-decile households (granted: 8, ungranted: 9).
    expect = tuple(
        city.persons[level].public_id
        for level in ("granted", "ungranted")
        if level in VISIBLE[viewer]
    )
    return [Case("high_decile", kwargs={"check": "high_decile"}, expect=expect)]


def targeting_export_cases(city: City, viewer: str) -> list[Case]:
    return [Case("high_decile", kwargs={"check": "high_decile"})]


def household_query_cases(city: City, viewer: str) -> list[Case]:
    return [
        Case("list", query={"run": "1", "list": "1"}),
        Case(
            "saved:planner's",
            query={"saved": city.saved_query_id},
            allowed=viewer == "pl_granted",
        ),
    ]


def saved_delete_cases(city: City, viewer: str) -> list[Case]:
    return [
        Case(
            "saved:planner's",
            kwargs={"pk": city.saved_query_id},
            data={},
            allowed=viewer == "pl_granted",
        )
    ]


def merge_cases(city: City, viewer: str) -> list[Case]:
    closed, other = city.persons["closed"], city.persons["ungranted"]
    data = {"other": other.public_id, "reason": "uji matriks"}
    return [Case("closed+ungranted", kwargs={"public_id": closed.public_id}, data=data)]


def unmerge_cases(city: City, viewer: str) -> list[Case]:
    closed = city.persons["closed"]
    data = {"records": ["dinsos:KAS-1"], "reason": "uji matriks"}
    return [Case("closed", kwargs={"public_id": closed.public_id}, data=data)]


def agency_code_cases(city: City, viewer: str) -> list[Case]:
    return [Case("agency:dinsos", kwargs={"agency_code": "dinsos"})]


def pk_cases(pk_of: Callable[[City], dict], data: dict | None = None) -> Cases:
    def cases(city: City, viewer: str) -> list[Case]:
        return [Case("object", kwargs=pk_of(city), data=data)]

    return cases


def _grant_pk(city: City) -> dict:
    from registry.models import DatasetGrant

    return {"pk": DatasetGrant.objects.order_by("pk").values_list("pk", flat=True).first()}


def export_cases(city: City, viewer: str) -> list[Case]:
    return [Case("coverage.csv", kwargs={"table": "coverage", "fmt": "csv"})]


def task_cases(data: dict | None = None) -> Cases:
    def cases(city: City, viewer: str) -> list[Case]:
        return [Case("task", kwargs={"task_id": city.task_id}, data=data)]

    return cases


def ckan_cases(city: City, viewer: str) -> list[Case]:
    """The catalogue answers everyone the same, and nobody gets a person from it."""
    from api.catalogue.metadata import package_id

    name, nobody = "bappeda-statistik", frozenset()
    return [
        Case("package_list", {"action": "package_list"}, expect=(name,), visible=nobody),
        Case("package_search", {"action": "package_search"}, {"rows": "100"}, expect=(name,),
             visible=nobody),
        Case("package_show", {"action": "package_show"}, {"id": name}, expect=("kode_wilayah",),
             visible=nobody),
        Case("datastore_search", {"action": "datastore_search"},
             {"resource_id": package_id(f"{name}/kelurahan")}, expect=("36.71.01.1001",),
             visible=nobody),
    ]  # fmt: skip


def breach_cases(city: City, viewer: str) -> list[Case]:
    from registry.privacy.models import Breach

    breach = Breach.objects.create(
        title="Matriks", description="uji", detected_at=timezone.now(), data_categories="NIK"
    )
    return [Case("breach", kwargs={"pk": breach.pk}, expect=("Matriks",))]


def correction_cases(city: City, viewer: str) -> list[Case]:
    from registry.privacy.models import CorrectionRequest

    item = CorrectionRequest.objects.create(
        reference="MATRIKS-1", received_at=timezone.now(), field="nik", description="uji"
    )
    return [Case("correction", kwargs={"pk": item.pk}, expect=("MATRIKS-1",))]


def catalogue_page_cases(city: City, viewer: str) -> list[Case]:
    return [Case("-", expect=("STATISTIK",), visible=frozenset())]


def catalogue_detail_cases(city: City, viewer: str) -> list[Case]:
    """The open dataset's page (its one person is a hidden cell); a closed one's is 404 for
    everyone, the walidata included, and not a denial: there is no such page."""
    return [
        Case("open", {"name": "bappeda-statistik"}, expect=("&lt;11",), visible=frozenset()),
    ]


def catalogue_cases(city: City, viewer: str) -> list[Case]:
    return [Case("-", expect=("BAPPEDA-STATISTIK",), visible=frozenset())]


# Usulan and sanggahan act on households: the walidata and Dinsos's social analyst (the owner
# of the closed person's dataset); other analysts pass the role gate and the purpose prompt,
# then get 404 (audited) like a missing object.
WELFARE_OFFICERS = frozenset({"walidata", "an_owner"})


def _welfare_case(city: City, viewer: str, label: str, kwargs=None, query=None, expect=()):
    return [
        Case(label, kwargs=kwargs or {}, query=query or {}, expect=expect,
             allowed=viewer in WELFARE_OFFICERS)
    ]  # fmt: skip


def _welfare_household(city: City):
    from registry.models import Household

    return Household.objects.get(public_id=city.persons["closed"].household_id)


def welfare_proposal(city: City):
    from registry.welfare.models import Proposal

    return Proposal.objects.create(
        household=_welfare_household(city), kind="add", reason="poor_not_listed"
    )


def welfare_objection(city: City):
    from registry.welfare.models import Objection

    now = timezone.now()
    return Objection.objects.create(
        household=_welfare_household(city), kind="exclusion", description="matriks",
        filed_at=now, due_at=now,
    )  # fmt: skip


def welfare_list_cases(city: City, viewer: str) -> list[Case]:
    welfare_proposal(city)
    welfare_objection(city)
    return _welfare_case(city, viewer, "list", expect=(city.persons["closed"].household_id,))


def welfare_new_cases(city: City, viewer: str) -> list[Case]:
    hh = city.persons["closed"].household_id
    return _welfare_case(city, viewer, "closed", query={"keluarga": hh}, expect=(hh,))


def proposal_detail_cases(city: City, viewer: str) -> list[Case]:
    p = welfare_proposal(city)
    hh = city.persons["closed"].household_id
    return _welfare_case(city, viewer, "closed", kwargs={"pk": p.pk}, expect=(hh,))


def objection_detail_cases(city: City, viewer: str) -> list[Case]:
    o = welfare_objection(city)
    return _welfare_case(city, viewer, "closed", kwargs={"pk": o.pk}, expect=("matriks",))


def attachment_cases(city: City, viewer: str) -> list[Case]:
    from registry.welfare.attachments import store
    from registry.welfare.models import Attachment

    content = b"%PDF-1.4 matriks"
    name, digest = store(content, ".pdf")
    item = Attachment.objects.create(
        objection=welfare_objection(city), purpose="evidence", content_type="application/pdf",
        size=len(content), sha256=digest, storage_name=name,
    )  # fmt: skip
    return _welfare_case(city, viewer, "closed", kwargs={"pk": item.pk}, expect=("matriks",))


def export_cases_welfare(fmt: str | None) -> Cases:
    def cases(city: City, viewer: str) -> list[Case]:
        from registry.welfare.models import ProposalExport

        export = ProposalExport.objects.create()
        p = welfare_proposal(city)
        p.state, p.export = "sent", export
        p.save()
        kwargs = {"pk": export.pk, **({"fmt": fmt} if fmt else {})}
        needle = city.persons["closed"].nik if fmt else city.persons["closed"].household_id
        return [Case("export", kwargs=kwargs, expect=(needle,))]

    return cases


# --- the policy table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    roles: frozenset[str]  # roles past the gate; "anonymous" only for public endpoints
    cases: Cases = single
    method: str = "GET"
    purpose: bool = False  # web: purpose prompt first; API: X-Purpose headers required
    person_data: bool = False  # shows person-level data when allowed
    ids_ok: bool = False  # person/household ids may appear (audit pages name who was viewed)


def R(*roles: str, **kw) -> Route:  # noqa: N802 - a table constructor
    return Route(roles=frozenset(roles), **kw)


POLICY: dict[str, Route] = {
    # web: people (purpose-bound, person-level)
    "home": R(*AUTHENTICATED),
    "purpose": R(*AUTHENTICATED),
    "person_search": R(*PERSON_ROLES, cases=search_cases, purpose=True, person_data=True),
    "person_detail": R(*PERSON_ROLES, cases=person_cases, purpose=True, person_data=True),
    "household_detail": R(*PERSON_ROLES, cases=household_cases, purpose=True, person_data=True),
    # web: walidata merges and splits persons (POST from the person page)
    "person_merge": R(W, cases=merge_cases, method="POST", purpose=True),
    "person_unmerge": R(W, cases=unmerge_cases, method="POST", purpose=True),
    # web: operator uploads and import batches
    "upload": R(OP),
    "upload_report": R(OP, cases=staged_cases()),
    "upload_confirm": R(OP, cases=staged_cases({"mode": "cancel"}), method="POST"),
    "batch_list": R(OP, W),
    "batch_detail": R(OP, W, cases=batch_cases),
    # the sender's fix lists (XLSX): same owners as the report and the batch page
    "upload_fix_list": R(OP, cases=staged_cases()),
    "batch_fix_list": R(OP, W, cases=batch_cases),
    # a queued large upload's page: only the operator who confirmed it (tests/web/
    # test_upload_import.py); here, someone else's or no job answers 404 to everyone
    "upload_job": R(OP, cases=upload_job_cases),
    # web: aid targeting
    "targeting:index": R(W, A),
    "targeting:verify": R(W, A, purpose=True),
    "targeting:list": R(W, A, cases=targeting_cases, purpose=True, person_data=True),
    "targeting:export": R(W, A, cases=targeting_export_cases, purpose=True, person_data=True),
    # web: planning
    "planning:dashboard": R(W, P, A),
    "planning:households": R(W, P, A, cases=household_query_cases, purpose=True, person_data=True),
    "planning:saved_delete": R(W, P, A, cases=saved_delete_cases, method="POST"),
    # web: walidata board
    "board:index": R(W),
    # web: walidata administration (agencies, datasets, accounts, grants, API tokens)
    "manage:index": R(W),
    "manage:agencies": R(W),
    "manage:agency_create": R(W, method="POST", cases=pk_cases(lambda c: {}, data={})),
    "manage:agency_edit": R(W, cases=pk_cases(lambda c: {"pk": c.agencies["dinsos"].pk})),
    "manage:datasets": R(W),
    "manage:dataset_create": R(W),
    "manage:dataset_edit": R(W, cases=pk_cases(lambda c: {"pk": c.datasets["kasus"].pk})),
    "manage:accounts": R(W),
    "manage:account_create": R(W, method="POST", cases=pk_cases(lambda c: {}, data={})),
    "manage:account_edit": R(W, cases=pk_cases(lambda c: {"pk": next(iter(c.users.values())).pk})),
    "manage:grants": R(W),
    "manage:grant_create": R(W),
    "manage:grant_revoke": R(W, method="POST", cases=pk_cases(_grant_pk, data={})),
    "manage:tokens": R(W),
    "manage:token_create": R(W),
    "manage:token_action": R(
        W,
        method="POST",
        cases=pk_cases(lambda c: {"pk": c.spare_token_id, "action": "revoke"}, data={}),
    ),
    "planning:export": R(W, P, A, cases=export_cases),
    "board:quality": R(W, cases=agency_code_cases, purpose=True, person_data=True),
    "board:quality_export": R(W, cases=agency_code_cases, purpose=True, person_data=True),
    # web: auditor
    "auditor:index": R(W, AU, ids_ok=True),
    "auditor:csv": R(W, AU, ids_ok=True),
    "auditor:access": R(W, AU, cases=auditor_person_cases, ids_ok=True),
    "auditor:unusual": R(W, AU, ids_ok=True),
    "auditor:verify": R(W, AU, method="POST", ids_ok=True),
    "auditor:subject": R(W, cases=subject_cases, person_data=True, ids_ok=True),
    # web: review queue
    "review:queue": R(W, purpose=True, person_data=True),
    "review:pair": R(W, cases=task_cases(), purpose=True, person_data=True),
    "review:decide": R(W, cases=task_cases({"decision": "skip"}), method="POST", purpose=True),
    # API (tokens are operators of their agency)
    "api:persons_search": R(*PERSON_ROLES, cases=search_cases, purpose=True, person_data=True),
    "api:person_get": R(*PERSON_ROLES, cases=person_cases, purpose=True, person_data=True),
    "api:household_get": R(*PERSON_ROLES, cases=household_cases, purpose=True, person_data=True),
    "api:verification_create": R(
        W, OP, A, cases=verification_cases, method="POST", purpose=True, person_data=True
    ),
    "api:submission_create": R(OP, W, cases=submission_cases, method="POST"),
    "api:upload_create": R(OP, W, cases=upload_cases, method="POST"),
    "api:job_get": R(OP, W, cases=job_cases),
    "api:datasets_list": R(*AUTHENTICATED),  # an empty list for roles without datasets
    "api:stats_areas": R(*AUTHENTICATED, ANON),
    # web: UU PDP pack (data protection officer and walidata; no person data)
    "privacy:index": R(W, DPO),
    "privacy:ropa": R(W, DPO, cases=lambda c, v: [Case("-", expect=("KASUS", "STATISTIK"))]),
    "privacy:dpia": R(W, DPO),
    "privacy:retention": R(W, DPO),
    "privacy:breaches": R(W, DPO),
    "privacy:breach_detail": R(W, DPO, cases=breach_cases),
    "privacy:corrections": R(W, DPO),
    "privacy:correction_detail": R(W, DPO, cases=correction_cases),
    # usulan and sanggahan (registry/welfare): walidata and Dinsos's social analysts
    "welfare:proposals": R(W, A, cases=welfare_list_cases, purpose=True, person_data=True),
    "welfare:proposal_new": R(W, A, cases=welfare_new_cases, purpose=True, person_data=True),
    "welfare:proposal_detail": R(W, A, cases=proposal_detail_cases, purpose=True, person_data=True),
    "welfare:export_create": R(W, method="POST", purpose=True),
    "welfare:export_detail": R(W, cases=export_cases_welfare(None), purpose=True, person_data=True),
    "welfare:export_download": R(
        W, cases=export_cases_welfare("csv"), purpose=True, person_data=True
    ),
    "welfare:objections": R(W, A, cases=welfare_list_cases, purpose=True, person_data=True),
    "welfare:objection_new": R(W, A, cases=welfare_new_cases, purpose=True, person_data=True),
    "welfare:objection_detail": R(
        W, A, cases=objection_detail_cases, purpose=True, person_data=True
    ),
    "welfare:attachment": R(W, A, cases=attachment_cases, purpose=True, person_data=True),
    # Satu Data catalogue (CKAN-compatible, DCAT): open aggregates for everyone
    "ckan:api_root": R(*AUTHENTICATED, ANON, cases=lambda c, v: [Case("-", visible=frozenset())]),
    "ckan:action": R(*AUTHENTICATED, ANON, cases=ckan_cases),
    "ckan:action_unversioned": R(*AUTHENTICATED, ANON, cases=ckan_cases),
    "ckan:dcat_catalog": R(*AUTHENTICATED, ANON, cases=catalogue_cases),
    "catalogue:index": R(*AUTHENTICATED, ANON, cases=catalogue_page_cases),
    "catalogue:detail": R(*AUTHENTICATED, ANON, cases=catalogue_detail_cases),
    "api:tokens_list": R(W),
    "api:tokens_create": R(W, cases=token_create_cases, method="POST"),
    "api:tokens_rotate": R(W, cases=token_cases, method="POST"),
    "api:tokens_revoke": R(W, cases=token_cases, method="POST"),
}
# Token auth is for agency systems: the walidata's token endpoints take a web session only.
SESSION_ONLY = frozenset({"api:tokens_list", "api:tokens_create", "api:tokens_rotate",
                          "api:tokens_revoke"})  # fmt: skip


def enumerate_routes() -> dict[str, str]:
    """Every URL pattern of the project as {route key: path}, walking includes, namespaces,
    i18n_patterns and the ninja API's patterns. The key is the namespaced name (the path
    when a pattern has no name)."""
    with translation.override("id"):
        found: dict[str, str] = {}

        def walk(patterns, prefix: str, namespace: str) -> None:
            for p in patterns:
                if isinstance(p, URLResolver):
                    ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                    walk(p.url_patterns, prefix + str(p.pattern), ns)
                else:
                    path = prefix + str(p.pattern)
                    found[f"{namespace}{p.name}" if p.name else path] = path

        walk(get_resolver().url_patterns, "", "")
    return found


def _skipped(key: str, path: str) -> bool:
    return any(fnmatch.fnmatchcase(key, pat) or fnmatch.fnmatchcase(path, pat) for pat in SKIPPED)


def test_every_route_has_a_policy():
    routes = {k for k, path in enumerate_routes().items() if not _skipped(k, path)}
    missing = sorted(routes - set(POLICY))
    stale = sorted(set(POLICY) - routes)
    assert not missing, f"routes without an entry in POLICY (add one): {missing}"
    assert not stale, f"POLICY entries for routes that no longer exist: {stale}"


# --- the city, once per module ------------------------------------------------------------


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once in a transaction that is rolled back after the module; every test runs in
    a savepoint inside it (pytest-django's `db`)."""
    from django.conf import settings as dj_settings

    upload_dir = tmp_path_factory.mktemp("uploads")
    old_dir = getattr(dj_settings, "WEB_UPLOAD_DIR", None)
    old_hashers = dj_settings.PASSWORD_HASHERS
    dj_settings.WEB_UPLOAD_DIR = upload_dir
    old_attachments = dj_settings.WELFARE_ATTACHMENT_DIR
    dj_settings.WELFARE_ATTACHMENT_DIR = tmp_path_factory.mktemp("lampiran")
    dj_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            c = build_city()
            for name in TOKEN_VIEWERS:
                c.users[name] = ApiToken.objects.get(
                    name=f"{name} token", revoked_at__isnull=True
                ).service_user
            yield c
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            dj_settings.WEB_UPLOAD_DIR = old_dir
            dj_settings.WELFARE_ATTACHMENT_DIR = old_attachments
            dj_settings.PASSWORD_HASHERS = old_hashers


# --- requests -----------------------------------------------------------------------------


def _role(city: City, viewer: str) -> str:
    return city.role_of(viewer) or ANON


def _give_purpose(client: Client) -> None:
    session = client.session
    session[SESSION_PURPOSES] = {
        PURPOSE_CODE: {"text": PURPOSE_TEXT, "at": timezone.now().isoformat()}
    }
    session[SESSION_CURRENT] = PURPOSE_CODE
    session.save()


def _body(response) -> str:
    if response.streaming:  # a stream is read once: keep it for the next look
        if not hasattr(response, "matrix_body"):
            response.matrix_body = b"".join(response.streaming_content)
        content = response.matrix_body
    else:
        content = response.content
    if content[:2] == b"PK":  # xlsx: read the sheets' XML
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return content.decode("utf-8", "replace")


def _denied_count(user) -> int:
    if user is None:
        return 0
    return AuditEvent.objects.filter(actor=user, outcome="denied").count()


def _web(client: Client, key: str, route: Route, case: Case):
    url = reverse(key, kwargs=case.kwargs)
    if route.method == "GET":
        return client.get(url, case.query)
    if case.query:
        url = f"{url}?{urlencode(case.query)}"
    return client.post(url, case.data or {})


def _api(client: Client, key: str, route: Route, case: Case, headers: dict):
    url = reverse(key, kwargs=case.kwargs)
    if route.method == "GET":
        return client.get(url, case.query, headers=headers)
    headers = {**headers, "Idempotency-Key": f"matrix-{case.label}"}
    if case.files is not None:
        for f in case.files.values():
            f.seek(0)
        return client.post(
            url, {**case.files, "skip_invalid": "false"}, headers=headers
        )  # multipart
    return client.post(
        url, json.dumps(case.data or {}), content_type="application/json", headers=headers
    )


def _secrets(city: City, viewer: str, route: Route, case: Case) -> set[str]:
    visible = case.visible if case.visible is not None else VISIBLE[viewer]
    out: set[str] = set()
    for level, p in city.persons.items():
        if level not in visible:
            out |= {p.nik, p.name}
            if not route.ids_ok:
                out |= {p.public_id, p.household_id}
        elif viewer in MASKED_VIEWERS:
            out.add(p.nik)
    # What the request itself carries is echoed legitimately (a search box, a URL).
    asked = json.dumps([case.kwargs, case.query, case.data], default=str).upper()
    return {s for s in out if s and s.upper() not in asked}


def _check_no_leak(city, viewer, route, case, response, where):
    body = _body(response).upper()
    leaked = sorted(s for s in _secrets(city, viewer, route, case) if s.upper() in body)
    assert not leaked, f"{where}: LEAK of {leaked} (status {response.status_code})"
    _check_nik_not_rebuilt(city, viewer, case, body, where)


# A NIK as a page may show it: 16 characters of digits and mask stars.
NIK_SHOWN = re.compile(r"(?<![0-9*])[0-9*]{16}(?![0-9*])")
# Digits 1-12 of a NIK (city, kecamatan, birth date +40 for women) are derivable from what a
# page shows next to it (domain.md); only the serial, digits 13-16, may stay unknown.
DERIVABLE = range(12)
MIN_UNKNOWN_DIGITS = 4  # at least 10^4 candidates left for every NIK the viewer may not see


def rebuild_unknown_digits(shown: str, nik: str) -> int | None:
    """Digits of `nik` still unknown once `shown` is combined with what the page reveals, or
    None when `shown` cannot be this NIK (a digit disagrees)."""
    if any(ch != "*" and ch != real for ch, real in zip(shown, nik, strict=True)):
        return None
    return sum(1 for i, ch in enumerate(shown) if ch == "*" and i not in DERIVABLE)


def _check_nik_not_rebuilt(city, viewer, case, body, where):
    """Rebuild every NIK this viewer may not see in full from every masked number in the
    answer (plus the page's own birth date and kecamatan): none may come back whole, nor with
    fewer than 10^4 candidates."""
    visible = case.visible if case.visible is not None else VISIBLE[viewer]
    hidden = [
        p for level, p in city.persons.items() if level not in visible or viewer in MASKED_VIEWERS
    ]
    for shown in set(NIK_SHOWN.findall(body)):
        for p in hidden:
            unknown = rebuild_unknown_digits(shown, p.nik)
            assert unknown is None or unknown >= MIN_UNKNOWN_DIGITS, (
                f"{where}: {p.level}'s NIK rebuilt from {shown!r} ({unknown} digits unknown)"
            )


def test_rebuild_finds_the_old_mask():
    """The rebuild above is not vacuous: the old mask gave the NIK back whole."""
    nik = "3671015506820002"
    assert rebuild_unknown_digits(nik[:4] + "*" * 8 + nik[-4:], nik) == 0
    assert rebuild_unknown_digits("*" * 16, nik) == MIN_UNKNOWN_DIGITS


# --- the matrix ---------------------------------------------------------------------------

WEB_VIEWERS = list(VIEWERS)
API_VIEWERS = [*VIEWERS, *TOKEN_VIEWERS]
PARAMS = [
    pytest.param(key, viewer, id=f"{key}-{viewer}")
    for key in POLICY
    for viewer in (API_VIEWERS if key.startswith("api:") else WEB_VIEWERS)
]


@pytest.fixture(autouse=True)
def _language():
    with translation.override("id"):
        yield


@pytest.mark.parametrize(("key", "viewer"), PARAMS)
def test_endpoint(city, db, key, viewer):
    route = POLICY[key]
    is_api = key.startswith("api:")
    role = _role(city, viewer)
    gate = role in route.roles and not (is_api and viewer in TOKEN_VIEWERS and key in SESSION_ONLY)
    user = city.users.get(viewer)
    client = Client()
    headers: dict[str, str] = {}
    if viewer in TOKEN_VIEWERS:
        headers["Authorization"] = f"Bearer {city.tokens[viewer]}"
    elif user is not None:
        client.force_login(user)

    purpose_given = False
    for case in route.cases(city, viewer):
        where = f"{key} as {viewer} [{case.label}]"
        allowed = gate and case.allowed
        before = _denied_count(user)
        if is_api:
            if route.purpose and gate:
                # Without the purpose headers a read is refused before anything is read.
                r = _api(client, key, route, case, headers)
                assert r.status_code == 400, f"{where}: no purpose -> {r.status_code}"
                _check_no_leak(city, viewer, route, case, r, where + " (no purpose)")
                before = _denied_count(user)
            response = _api(client, key, route, case, {**headers, **API_PURPOSE})
        else:
            response = _web(client, key, route, case)
            if response.status_code == 302 and response["Location"].startswith(reverse("purpose")):
                assert route.purpose, f"{where}: asks for a purpose, POLICY says it does not"
                assert gate, f"{where}: asks a refused role for a purpose instead of refusing"
                _give_purpose(client)
                purpose_given = True
                response = _web(client, key, route, case)
            elif gate and route.purpose and not purpose_given:
                pytest.fail(f"{where}: no purpose prompt ({response.status_code})")
        status = response.status_code
        _check_no_leak(city, viewer, route, case, response, where)

        if role == ANON and ANON not in route.roles:
            if is_api:
                assert status == 401, f"{where}: anonymous -> {status}"
            else:
                assert status == 302 and response["Location"].startswith(reverse("login")), (
                    f"{where}: anonymous -> {status}"
                )
            continue
        if allowed:
            assert 200 <= status < 400, f"{where}: allowed but {status}: {_body(response)[:300]}"
            if status >= 300:
                assert not response["Location"].startswith(reverse("login")), where
            body = _body(response)
            for needle in case.expect:
                assert needle.upper() in body.upper(), f"{where}: {needle!r} not in the answer"
            assert _denied_count(user) == before, f"{where}: allowed, yet a denial was audited"
        else:
            expected = {404, 403} if is_api else {404}
            assert status in expected, f"{where}: must be refused, got {status}"
            assert _denied_count(user) > before, f"{where}: refused ({status}) but NOT audited"


def test_catalogue_lists_only_open_datasets(city, db):
    """Closed and restricted datasets are absent from every catalogue answer, their
    packages and tables not found; the open dataset's one person is a hidden cell."""
    from api.catalogue.metadata import STATISTIC_NAME, package_id

    client = Client()
    url = reverse("ckan:action", kwargs={"action": "package_list"})
    assert client.get(url).json()["result"] == ["bappeda-statistik", STATISTIC_NAME]
    search = client.get(reverse("ckan:action", kwargs={"action": "package_search"}))
    assert search.json()["result"]["count"] == 2
    for key, dataset in city.datasets.items():
        if dataset.access_level == "open":
            continue
        name = f"{dataset.agency.code}-{key}"
        shown = client.get(reverse("ckan:action", kwargs={"action": "package_show"}), {"id": name})
        assert shown.status_code == 404, name
        for level in ("kecamatan", "kelurahan"):
            table = client.get(
                reverse("ckan:action", kwargs={"action": "datastore_search"}),
                {"resource_id": package_id(f"{name}/{level}")},
            )
            assert table.status_code == 404, (name, level)
    rows = client.get(
        reverse("ckan:action", kwargs={"action": "datastore_search"}),
        {"resource_id": package_id("bappeda-statistik/kelurahan")},
    ).json()["result"]["records"]
    sukarasa = next(r for r in rows if r["kode_wilayah"] == "36.71.01.1001")
    assert sukarasa["jumlah_baris_data"] is None and sukarasa["jumlah_orang"] is None
