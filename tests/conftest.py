"""Test-wide fixtures (the suite's environment is set by config/throwaway_env.py)."""

import pytest


@pytest.fixture(autouse=True)
def _audit_head_file(tmp_path, settings, monkeypatch):
    """Each test exports chain heads to its own file: the test database starts empty, so a
    head exported by an earlier test would (rightly) fail verification."""
    path = tmp_path / "audit-head.log"
    settings.AUDIT_HEAD_FILE = path
    monkeypatch.setenv("AUDIT_HEAD_FILE", str(path))
    return path
