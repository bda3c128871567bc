from __future__ import annotations

import uuid

from registry.reports.suppression import suppress_areas as suppress

from .conftest import FAMILY, PURPOSE


def test_rate_limit_answers_429_with_retry_after(http, owner):
    owner.token.rate_limit_per_minute = 3
    owner.token.save()
    statuses = [
        http.get(f"/jobs/{uuid.uuid4()}", headers=owner.headers).status_code for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]
    limited = http.get(f"/jobs/{uuid.uuid4()}", headers=owner.headers)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"


def test_body_size_limit_413(http, owner, settings):
    settings.API_MAX_BODY_BYTES = 2000
    records = [dict(FAMILY[0], source_record_id=f"B-{i}") for i in range(20)]
    response = http.post(
        f"/datasets/{owner.dataset.pk}/submissions",
        json={"records": records},
        headers={**owner.headers, "Idempotency-Key": "big"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_chunked_body_is_counted(settings):
    """A body without Content-Length (chunked) is read only up to the limit."""
    import io

    from django.test import RequestFactory

    from api.middleware import BodySizeLimitMiddleware

    settings.API_MAX_BODY_BYTES = 2000
    request = RequestFactory().post("/api/verifications", data=b"", content_type="application/json")
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = io.BytesIO(b"x" * 5000)
    response = BodySizeLimitMiddleware(lambda r: None)(request)
    assert response.status_code == 413

    request.META["wsgi.input"] = io.BytesIO(b'{"rows": []}')
    seen = []
    BodySizeLimitMiddleware(lambda r: seen.append(r.body))(request)
    assert seen == [b'{"rows": []}']


def test_asgi_wrapper_refuses_large_streams(settings):
    settings.API_MAX_BODY_BYTES = 2000
    import asyncio

    from api.middleware import asgi_body_limit

    called = []

    async def app(scope, receive, send):
        called.append(True)

    sent = []

    async def send(message):
        sent.append(message)

    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True} for _ in range(100)]

    async def receive():
        return chunks.pop(0)

    wrapped = asgi_body_limit(app)
    scope = {"type": "http", "path": "/api/verifications", "headers": []}
    asyncio.run(wrapped(scope, receive, send))
    assert not called
    assert sent[0]["status"] == 413


def test_page_size_cap(http, owner):
    response = http.get(
        "/persons", params={"name": "x", "limit": 1000}, headers={**owner.headers, **PURPOSE}
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["loc"][-1] == "limit"


def test_docs_are_served_without_cdn(http, live_server):
    schema = http.get("/openapi.json")
    assert schema.status_code == 200
    doc = schema.json()
    assert "/api/datasets/{dataset_id}/submissions" in doc["paths"]
    record = doc["components"]["schemas"]["RecordIn"]
    assert all("description" in p for p in record["properties"].values())
    page = http.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in page.text
    import httpx

    asset = httpx.get(f"{live_server.url}/static/ninja/swagger-ui-bundle.js")
    assert asset.status_code == 200


def test_suppression_primary_and_secondary():
    kel = {"36.71.01.1001": 5, "36.71.01.1002": 40, "36.71.01.1003": 50, "36.71.02.1001": 0}
    kec = {"36.71.01": 95, "36.71.02": 0}
    hidden_kel, hidden_kec = suppress(kel, kec)
    # 5 is hidden, and the smallest other cell too so 95 - 50 does not give it back.
    assert hidden_kel == {"36.71.01.1001", "36.71.01.1002"}
    assert hidden_kec == set()

    kel = {"36.71.01.1001": 30, "36.71.02.1001": 8, "36.71.03.1001": 20, "36.71.03.1002": 25}
    kec = {"36.71.01": 30, "36.71.02": 8, "36.71.03": 45}
    hidden_kel, hidden_kec = suppress(kel, kec)
    assert hidden_kec == {"36.71.02", "36.71.01"}  # the city total is published
    # a hidden kecamatan must not be the sum of published kelurahan cells
    assert "36.71.01.1001" in hidden_kel


def test_area_stats_public_and_suppressed(http, owner):
    http.post(
        f"/datasets/{owner.dataset.pk}/submissions",
        json={"records": FAMILY},
        headers={**owner.headers, "Idempotency-Key": "s"},
    )
    response = http.get("/stats/areas", params={"level": "kelurahan"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totals"]["persons"] == 3
    for cell in body["areas"]:
        for measure in ("persons", "households", "aid_recipients"):
            value = cell[measure]
            assert value is None or value == 0 or value > 10
    assert http.get("/stats/areas", params={"level": "rt"}).status_code == 400
