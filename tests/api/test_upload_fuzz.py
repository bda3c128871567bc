"""Fuzz pass of the API upload over real HTTP: generated files; 201/202, or a 413/422 that
says why and names line and field for each refused record; never a 500 (tests/fuzz_files.py)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings

from tests.fuzz_files import FUZZ, agency_files, assert_named, print_peak  # noqa: F401


@pytest.mark.usefixtures("print_peak")
@settings(FUZZ, max_examples=12)  # each example is a request or three: kept short
@given(file=agency_files)
def test_api_upload(http, owner, file):
    name, content = file
    response = http.post(
        f"/datasets/{owner.dataset.pk}/uploads",
        files={"file": (name, content)},
        data={"skip_invalid": "true"},
        headers={**owner.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code in (201, 202, 413, 422), response.text
    body = response.json()
    if response.status_code in (413, 422):
        assert body["error"]["message"]
        assert_named(body["error"]["details"])
    else:
        assert_named([e for e in body["errors"] if e["severity"] == "error"])
