"""The test suite's environment, loaded as a pytest plugin (`-p config.pytest_env` in
pyproject.toml) so it is in place before pytest-django imports the settings.

The suite runs the production settings (DJANGO_DEBUG off, its default) with per-run secrets and
plain HTTP for the live servers; tests/config/test_deploy.py checks the settings a deployment
gets (HTTPS on). Subprocesses (manage.py commands, servers) inherit these variables.
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
