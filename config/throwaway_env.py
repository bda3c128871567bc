"""The environment of a throwaway run: the test suite (loaded as a pytest plugin,
`-p config.throwaway_env` in pyproject.toml, so it is in place before pytest-django imports the
settings) and the benchmark scripts (imported before Django).

Such runs use the production settings (DJANGO_DEBUG off, its default) with per-run secrets and
plain HTTP for their local servers; tests/config/test_deploy.py checks the settings a
deployment gets (HTTPS on). Subprocesses (manage.py commands, servers) inherit these variables.
Variables already set win.
"""

import os
import secrets
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("AUDIT_HEAD_KEY", secrets.token_urlsafe(32))
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault(
    "AUDIT_HEAD_FILE", str(Path(tempfile.mkdtemp(prefix="satudata-audit-head-")) / "head.log")
)
