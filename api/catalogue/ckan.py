"""A read-only, CKAN-compatible Action API over the catalogue, so a provincial or national
portal (CKAN harvesters, `ckanapi`) can harvest the city's open data.

Served at /api/3/action/<action> and /api/action/<action> (CKAN answers both; `ckanapi` uses
the second), by GET with query parameters or POST with a JSON body, with CKAN's envelope
{"help", "success", "result"} and CKAN's error shape {"__type", "message"} (404 Not Found
Error, 409 Validation Error / Search Query Error, 400 Bad request), which `ckanapi` turns back
into its NotFound / ValidationError / SearchQueryError exceptions.

Only aggregates leave: a package is an open dataset or a published statistic
(`api.catalogue.metadata`) and `datastore_search` serves its suppressed area tables. There
is no person, household or record anywhere in here, and no write action.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from api.catalogue import metadata as md
from api.limits import bounded

DEFAULT_ROWS = 10
MAX_ROWS = 1000
DATASTORE_DEFAULT_LIMIT = 100
DATASTORE_MAX_LIMIT = 32000
API_VERSION = 3


class CkanError(Exception):
    """An error in CKAN's shape: HTTP status, __type, and either a message or field errors."""

    def __init__(self, status: int, type_: str, message: str = "", fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.fields = fields or {}

    def body(self) -> dict:
        error: dict = {"__type": self.type}
        if self.message:
            error["message"] = self.message
        error.update(self.fields)
        return error


def not_found(message: str = "Not found") -> CkanError:
    return CkanError(404, "Not Found Error", message)


def invalid(**fields: str) -> CkanError:
    return CkanError(409, "Validation Error", fields={k: [v] for k, v in fields.items()})


# --- parameters ---------------------------------------------------------------------------


def _int(params: dict, key: str, default: int, *, maximum: int) -> int:
    raw = params.get(key)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise invalid(**{key: "Invalid integer"}) from None
    if value < 0:
        raise invalid(**{key: "Must be a natural number"})
    return min(value, maximum)


def _bool(params: dict, key: str, default: bool) -> bool:
    raw = params.get(key)
    if raw in (None, ""):
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


def _text(params: dict, key: str) -> str:
    raw = params.get(key)
    if raw is None:
        return ""
    if not isinstance(raw, str | int):
        raise invalid(**{key: "Must be a string"})
    return str(raw).strip()


def _required(params: dict, key: str) -> str:
    value = _text(params, key)
    if not value:
        raise invalid(**{key: "Missing value"})
    return value


def _json_param(params: dict, key: str, kind: type):
    raw = params.get(key)
    if raw in (None, ""):
        return kind()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip()[:1] in "[{" else raw
        except ValueError:
            raise invalid(**{key: "Cannot parse JSON"}) from None
    if kind is list and isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, kind):
        raise invalid(**{key: f"Must be a {'dict' if kind is dict else 'list'}"})
    return raw


# --- serialisation ------------------------------------------------------------------------


def iso_datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    # CKAN writes naive UTC timestamps.
    return timezone.localtime(value, dt.UTC).replace(tzinfo=None).isoformat()


def _organization(package: md.Package) -> dict:
    return {
        "id": md.package_id(f"organization/{package.organization}"),
        "name": package.organization,
        "title": package.organization_title,
        "type": "organization",
        "description": "",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
    }


def _resource_url(request: HttpRequest, resource: md.Resource) -> str:
    url = reverse("ckan:action", kwargs={"action": "datastore_search"})
    return request.build_absolute_uri(f"{url}?resource_id={resource.id}")


def sdi_metadata(package: md.Package) -> dict:
    """The SDI metadata of a package (Indonesian keys, as the Satu Data portals label them)."""
    return {
        "judul": package.title,
        "produsen_data": package.producer,
        "deskripsi": package.description,
        "periode_referensi": package.period_label,
        "periode_awal": package.period_start.isoformat() if package.period_start else None,
        "periode_akhir": package.period_end.isoformat() if package.period_end else None,
        "frekuensi_pemutakhiran": package.update_frequency,
        "tingkat_akses": package.access_level,
        "lisensi": md.LICENCE_ID,
        "kode_wilayah": package.region_codes,
        "jenis": package.kind,
        "variabel": [v.as_dict() for v in package.variables],
    }


def package_dict(request: HttpRequest, package: md.Package) -> dict:
    sdi = sdi_metadata(package)
    extras = [
        {"key": key, "value": value if isinstance(value, str) else json.dumps(value)}
        for key, value in sdi.items()
        if key not in ("judul", "deskripsi") and value is not None
    ]
    return {
        "id": package.id,
        "name": package.name,
        "title": package.title,
        "notes": package.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "author": package.producer,
        "author_email": "",
        "maintainer": "Walidata",
        "maintainer_email": "",
        "license_id": md.LICENCE_ID,
        "license_title": md.LICENCE_TITLE,
        "license_url": md.LICENCE_URL,
        "isopen": True,
        "url": "",
        "version": None,
        "metadata_created": iso_datetime(package.created or package.modified),
        "metadata_modified": iso_datetime(package.modified),
        "owner_org": _organization(package)["id"],
        "organization": _organization(package),
        "groups": [],
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "tags": [
            {"id": md.package_id(f"tag/{t}"), "name": t, "display_name": t, "state": "active"}
            for t in package.tags
        ],
        "num_tags": len(package.tags),
        "extras": extras,
        "sdi": sdi,
        "resources": [
            {
                "id": r.id,
                "package_id": package.id,
                "name": r.name,
                "description": r.description,
                "format": "JSON",
                "mimetype": "application/json",
                "url": _resource_url(request, r),
                "url_type": "datastore",
                "datastore_active": True,
                "position": i,
                "state": "active",
                "created": iso_datetime(package.created or package.modified),
                "last_modified": iso_datetime(package.modified),
            }
            for i, r in enumerate(package.resources)
        ],
        "num_resources": len(package.resources),
    }


# --- actions ------------------------------------------------------------------------------


def package_list(request: HttpRequest, params: dict):
    """Names of every open dataset and published statistic (limit, offset)."""
    names = md.package_names()
    offset = _int(params, "offset", 0, maximum=len(names))
    limit = _int(params, "limit", len(names), maximum=len(names))
    return names[offset : offset + limit]


def package_show(request: HttpRequest, params: dict):
    """One package by name or id, with its SDI metadata and resources."""
    package = md.package_get(_required(params, "id"))
    if package is None:
        raise not_found()
    return package_dict(request, package)


# fq terms: field:value, field:"quoted value" or field:[A TO B]; + and - prefixes of Solr are
# accepted for the positive form only.
_FQ_TERM = re.compile(r'\+?([a-z_]+):("[^"]*"|\[[^\]]*\]|\S+)')
_FQ_FIELDS = ("organization", "name", "tags", "res_format", "license_id", "metadata_modified")


def _fq_filters(fq: str) -> list[tuple[str, str]]:
    terms = []
    rest = _FQ_TERM.sub(lambda m: terms.append((m.group(1), m.group(2))) or "", fq)
    if rest.strip() or any(field not in _FQ_FIELDS for field, _v in terms):
        raise CkanError(
            409,
            "Search Query Error",
            f"Search Query is invalid: unsupported fq {fq!r}; fields: {', '.join(_FQ_FIELDS)}",
        )
    return [(f, v.strip('"')) for f, v in terms]


def _in_range(value: dt.datetime | None, spec: str) -> bool:
    low, _to, high = spec.strip("[]").partition(" TO ")
    stamp = iso_datetime(value) or ""
    low, high = low.strip(), high.strip()
    try:
        low_ok = low in ("", "*") or stamp >= _solr_date(low)
        high_ok = high in ("", "*") or stamp <= _solr_date(high)
    except ValueError:
        raise CkanError(409, "Search Query Error", f"Search Query is invalid: {spec}") from None
    return bool(stamp) and low_ok and high_ok


def _solr_date(text: str) -> str:
    if text.upper().startswith("NOW"):
        return iso_datetime(timezone.now()) or ""
    return dt.datetime.fromisoformat(text.rstrip("Z")).isoformat()


def _matches_fq(package: md.Package, field: str, value: str) -> bool:
    if field == "organization":
        return package.organization == value
    if field == "name":
        return package.name == value
    if field == "tags":
        return value in package.tags
    if field == "res_format":
        return value.upper() == "JSON"
    if field == "license_id":
        return value == md.LICENCE_ID
    return _in_range(package.modified, value)


def _matches_q(package: md.Package, q: str) -> bool:
    if q in ("", "*:*"):
        return True
    haystack = " ".join(
        [package.name, package.title, package.description, package.producer, *package.tags]
    ).lower()
    return all(word in haystack for word in q.lower().split())


_SORTS: dict[str, Callable[[md.Package], object]] = {
    "name": lambda p: p.name,
    "title_string": lambda p: p.title.lower(),
    "metadata_modified": lambda p: iso_datetime(p.modified) or "",
    "score": lambda p: p.name,
}


def package_search(request: HttpRequest, params: dict):
    """Search packages: q (words), fq (organization, name, tags, res_format, license_id,
    metadata_modified:[A TO B]), rows, start, sort."""
    q = _text(params, "q")
    filters = _fq_filters(_text(params, "fq"))
    rows = _int(params, "rows", DEFAULT_ROWS, maximum=MAX_ROWS)
    start = _int(params, "start", 0, maximum=10**9)
    sort = _text(params, "sort") or "score desc, metadata_modified desc"
    found = [
        p
        for p in md.packages()
        if _matches_q(p, q) and all(_matches_fq(p, f, v) for f, v in filters)
    ]
    for part in reversed([s.strip() for s in sort.split(",") if s.strip()]):
        field, _sp, direction = part.partition(" ")
        if field not in _SORTS or direction.strip().lower() not in ("", "asc", "desc"):
            raise CkanError(409, "Search Query Error", f"Search Query is invalid: sort {part!r}")
        found.sort(key=_SORTS[field], reverse=direction.strip().lower() == "desc")
    return {
        "count": len(found),
        "sort": sort,
        "facets": {},
        "search_facets": {},
        "results": [package_dict(request, p) for p in found[start : start + rows]],
    }


def datastore_search(request: HttpRequest, params: dict):
    """Rows of one aggregate table (suppressed): resource_id, filters, q, fields, sort,
    limit, offset, include_total."""
    resource_id = _required(params, "resource_id")
    found = md.resource_get(resource_id)
    if found is None:
        raise not_found(f'Resource "{resource_id}" was not found.')
    package, resource = found
    columns = [v.id for v in resource.variables]
    filters = _json_param(params, "filters", dict)
    unknown = sorted(set(filters) - set(columns))
    if unknown:
        raise invalid(filters=f"field(s) not found: {', '.join(unknown)}")
    fields = _json_param(params, "fields", list) or columns
    if any(f not in columns and f != "_id" for f in fields):
        raise invalid(
            fields=f"field(s) not found: {', '.join(f for f in fields if f not in columns)}"
        )
    limit = _int(params, "limit", DATASTORE_DEFAULT_LIMIT, maximum=DATASTORE_MAX_LIMIT)
    offset = _int(params, "offset", 0, maximum=10**9)
    q = _text(params, "q").lower()

    rows = [{"_id": i + 1, **row} for i, row in enumerate(package.table(resource.level))]

    def keep(row: dict) -> bool:
        for key, wanted in filters.items():
            allowed = wanted if isinstance(wanted, list) else [wanted]
            if str(row[key]) not in {str(w) for w in allowed}:
                return False
        return not q or any(q in str(v).lower() for v in row.values() if isinstance(v, str))

    rows = [r for r in rows if keep(r)]
    for part in reversed([s.strip() for s in _text(params, "sort").split(",") if s.strip()]):
        field, _sp, direction = part.partition(" ")
        if field not in columns and field != "_id":
            raise invalid(sort=f"field {field!r} not found")
        rows.sort(
            key=lambda r, f=field: (r[f] is None, r[f] if r[f] is not None else 0),
            reverse=direction.strip().lower() == "desc",
        )
    wanted = ["_id", *[f for f in fields if f != "_id"]]
    info = {v.id: v for v in resource.variables}
    path = reverse("ckan:action", kwargs={"action": "datastore_search"})
    result = {
        "resource_id": resource.id,
        "fields": [{"id": "_id", "type": "int"}]
        + [
            {
                "id": f,
                "type": info[f].type,
                "info": {
                    "label": info[f].concept,
                    "notes": info[f].definition,
                    "unit": info[f].unit,
                    "classification": info[f].classification,
                },
            }
            for f in wanted[1:]
        ],
        "records": [{f: r[f] for f in wanted} for r in rows[offset : offset + limit]],
        "records_format": "objects",
        "limit": limit,
        "offset": offset,
        "_links": {
            "start": f"{path}?resource_id={resource.id}",
            "next": f"{path}?resource_id={resource.id}&offset={offset + limit}",
        },
    }
    if _bool(params, "include_total", True):
        result["total"] = len(rows)
        result["total_was_estimated"] = False
    return result


def organization_list(request: HttpRequest, params: dict):
    """Names of the organizations (agencies) that publish a package."""
    return sorted({p.organization for p in md.packages()})


def license_list(request: HttpRequest, params: dict):
    """The one licence of the catalogue."""
    return [{"id": md.LICENCE_ID, "title": md.LICENCE_TITLE, "url": md.LICENCE_URL}]


def status_show(request: HttpRequest, params: dict):
    """What this endpoint is (CKAN harvesters ask first)."""
    return {
        "ckan_version": "2.10.0",
        "site_title": "Satu Data kota: katalog data terbuka",
        "site_description": "Registri terpadu: hanya data agregat dengan penekanan sel kecil",
        "site_url": request.build_absolute_uri("/"),
        "locale_default": "id",
        "extensions": ["datastore", "dcat"],
    }


def help_show(request: HttpRequest, params: dict):
    """The documentation of an action (name)."""
    name = _required(params, "name")
    if name not in ACTIONS:
        raise not_found(f"Action function not found: {name}")
    return (ACTIONS[name].__doc__ or "").strip()


ACTIONS: dict[str, Callable[[HttpRequest, dict], object]] = {
    f.__name__: f
    for f in (
        package_list,
        package_show,
        package_search,
        datastore_search,
        organization_list,
        license_list,
        status_show,
        help_show,
    )
}


# --- the view -----------------------------------------------------------------------------


def _params(request: HttpRequest) -> dict:
    params: dict = dict(request.GET.items())
    if request.method == "POST" and request.body:
        if (request.content_type or "").startswith("application/json"):
            try:
                body = json.loads(request.body)
            except ValueError as exc:
                raise CkanError(400, "Bad Request", f"Bad request - JSON Error: {exc}") from None
            if not isinstance(body, dict):
                raise CkanError(400, "Bad Request", "Bad request - JSON Error: not an object")
            params.update(body)
        else:
            params.update(request.POST.items())
    return params


@csrf_exempt  # read-only and anonymous: there is nothing a forged request could change
@require_http_methods(["GET", "POST"])
def action_view(request: HttpRequest, action: str) -> JsonResponse:
    help_url = request.build_absolute_uri(
        reverse("ckan:action", kwargs={"action": "help_show"}) + f"?name={action}"
    )
    try:
        function = ACTIONS.get(action)
        if function is None:
            raise CkanError(400, "Bad Request", f"Bad request - Action name not known: {action}")
        params = _params(request)
        # Anonymous callers: every action runs under the API's statement timeout.
        result = bounded(lambda: function(request, params))
    except CkanError as exc:
        return JsonResponse(
            {"help": help_url, "success": False, "error": exc.body()}, status=exc.status
        )
    except OperationalError as exc:
        if type(exc.__cause__).__name__ != "QueryCanceled":
            raise
        error = {"__type": "Timeout Error", "message": "the query took too long"}
        return JsonResponse({"help": help_url, "success": False, "error": error}, status=503)
    return JsonResponse({"help": help_url, "success": True, "result": result})


def api_root_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": API_VERSION})
