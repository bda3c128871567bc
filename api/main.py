"""The one NinjaAPI: a router per area, one error shape, OpenAPI at /api/openapi.json and
interactive docs at /api/docs (Swagger UI served from django-ninja's own static files)."""

from __future__ import annotations

from ninja import NinjaAPI

from api import errors
from api.auth import AUTH
from api.routers import datasets, persons, stats, submissions, tokens, verifications

DESCRIPTION = """
Agencies (OPD) submit records in the exchange format; city systems query linked persons,
households and open statistics.

* **Auth**: `Authorization: Bearer <token>` (agency tokens, managed by the walidata) or a web
  session (unsafe methods need the `X-CSRFToken` header).
* **Purpose**: every person, household, search and verification read needs `X-Purpose` (a
  code) and `X-Purpose-Text` (free text); both are recorded in the audit trail.
* **Errors**: always `{"error": {"code", "message", "details"}}`.
* **Limits**: request bodies up to 10 MiB (413), per-credential rate limits (429 with
  `Retry-After`), page sizes capped, long queries cancelled (503 `query_timeout`).
"""

api = NinjaAPI(
    title="Satu Data person registry API",
    version="1.0.0",
    description=DESCRIPTION,
    auth=AUTH,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)
api.add_router("", submissions.router)
api.add_router("", datasets.router)
api.add_router("", persons.router)
api.add_router("", verifications.router)
api.add_router("", stats.router)
api.add_router("", tokens.router)
