"""The catalogue as DCAT (W3C Data Catalog Vocabulary) in JSON-LD, the shape ckanext-dcat
serves at /catalog.jsonld, so a portal that harvests DCAT (the EU DCAT-AP and most national
portals) reads the same SDI metadata as the CKAN API. The @context is inline: harvesters on a
government intranet cannot fetch a remote context."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from api.catalogue import metadata as md
from api.catalogue.ckan import iso_datetime

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "csvw": "http://www.w3.org/ns/csvw#",
}
FREQUENCY = {  # Dublin Core Collection Description frequency vocabulary
    "daily": "http://purl.org/cld/freq/daily",
    "monthly": "http://purl.org/cld/freq/monthly",
    "quarterly": "http://purl.org/cld/freq/quarterly",
    "yearly": "http://purl.org/cld/freq/annual",
    "ad_hoc": "http://purl.org/cld/freq/irregular",
}
PUBLIC_ACCESS = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"


def _date(value) -> dict | None:
    return {"@value": value.isoformat(), "@type": "xsd:date"} if value else None


def dataset_node(request: HttpRequest, package: md.Package) -> dict:
    show = reverse("ckan:action", kwargs={"action": "package_show"})
    node = {
        "@id": request.build_absolute_uri(f"{show}?id={package.name}"),
        "@type": "dcat:Dataset",
        "dct:identifier": package.id,
        "dct:title": {"@value": package.title, "@language": "id"},
        "dct:description": {"@value": package.description, "@language": "id"},
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": package.producer},
        "dct:accessRights": {"@id": PUBLIC_ACCESS},
        "dct:license": {"@id": md.LICENCE_URL},
        "dcat:keyword": package.tags,
        "dct:spatial": [
            {
                "@type": "dct:Location",
                "skos:notation": code,
                "skos:inScheme": md.REGION_CLASSIFICATION,
            }
            for code in package.region_codes
        ],
        "dct:modified": {"@value": iso_datetime(package.modified), "@type": "xsd:dateTime"}
        if package.modified
        else None,
        "dcat:distribution": [
            {
                "@id": request.build_absolute_uri(
                    reverse("ckan:action", kwargs={"action": "datastore_search"})
                    + f"?resource_id={r.id}"
                ),
                "@type": "dcat:Distribution",
                "dct:identifier": r.id,
                "dct:title": r.name,
                "dct:description": r.description,
                "dcat:accessURL": {
                    "@id": request.build_absolute_uri(
                        reverse("ckan:action", kwargs={"action": "datastore_search"})
                        + f"?resource_id={r.id}"
                    )
                },
                "dcat:mediaType": "application/json",
                "dct:license": {"@id": md.LICENCE_URL},
                "csvw:tableSchema": {
                    "csvw:column": [
                        {
                            "csvw:name": v.id,
                            "csvw:titles": v.concept,
                            "dct:description": v.definition,
                            "csvw:datatype": "integer" if v.type == "int" else "string",
                        }
                        for v in r.variables
                    ]
                },
            }
            for r in package.resources
        ],
    }
    frequency = FREQUENCY.get(package.update_frequency)
    if frequency:
        node["dct:accrualPeriodicity"] = {"@id": frequency}
    if package.period_start or package.period_end:
        node["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(package.period_start),
            "dcat:endDate": _date(package.period_end),
        }
    return {k: v for k, v in node.items() if v is not None}


def catalog_view(request: HttpRequest) -> JsonResponse:
    body = {
        "@context": CONTEXT,
        "@id": request.build_absolute_uri(reverse("ckan:dcat_catalog")),
        "@type": "dcat:Catalog",
        "dct:title": {"@value": "Katalog Satu Data kota", "@language": "id"},
        "dct:description": {
            "@value": "Data terbuka dan statistik agregat dari registri terpadu kota; sel "
            "kecil (1-10) disembunyikan.",
            "@language": "id",
        },
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": "Walidata kota"},
        "dct:license": {"@id": md.LICENCE_URL},
        "dcat:dataset": [dataset_node(request, p) for p in md.packages()],
    }
    return JsonResponse(body, content_type="application/ld+json")
