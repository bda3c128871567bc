"""The catalogue in the browser (public, no login): every open dataset and published
statistic with its SDI metadata, variables and suppressed tables, and the links a portal
harvests (CKAN API, DCAT). The same `api.catalogue.metadata` as the API: nothing more leaves
here than there."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from api.catalogue import metadata as md
from api.catalogue.ckan import sdi_metadata
from registry.reports.suppression import HIDDEN_LABEL


def index_view(request: HttpRequest) -> HttpResponse:
    packages = md.packages()
    return render(
        request,
        "catalogue/index.html",
        {"packages": [(p, sdi_metadata(p)) for p in packages], "licence": md.LICENCE_TITLE},
    )


def detail_view(request: HttpRequest, name: str) -> HttpResponse:
    package = md.package_get(name)
    if package is None:  # closed, restricted and missing look alike
        raise Http404
    tables = []
    for resource in package.resources:
        columns = [v for v in resource.variables if v.id != md.HIDDEN.id]
        rows = [
            [HIDDEN_LABEL if row[v.id] is None else row[v.id] for v in columns]
            for row in package.table(resource.level)
        ]
        tables.append({"resource": resource, "columns": columns, "rows": rows})
    return render(
        request,
        "catalogue/detail.html",
        {
            "package": package,
            "sdi": sdi_metadata(package),
            "tables": tables,
            "hidden_label": HIDDEN_LABEL,
            "licence": md.LICENCE_TITLE,
            "licence_url": md.LICENCE_URL,
        },
    )


urlpatterns = [
    path("", index_view, name="index"),
    path("<slug:name>/", detail_view, name="detail"),
]
