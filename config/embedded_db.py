"""Embedded PostgreSQL for machines without DATABASE_URL.

pgserver ships real PostgreSQL binaries in a wheel. The cluster lives in `.pgdata/` at the
project root (git-ignored), is started on first use and left running so the next command
reuses it; starting it twice is safe because pgserver attaches to a running postmaster.
`python -m config.embedded_db stop` stops it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("SATUDATA_PGDATA", PROJECT_ROOT / ".pgdata"))
DATABASE_NAME = "satudata"


def _server():
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        return pgserver.get_server(PGDATA, cleanup_mode=None)


def database_settings() -> dict:
    """Start (or attach to) the embedded server and return Django DATABASES['default']."""
    server = _server()
    # DATABASE_NAME is a constant of this module, never input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(PGDATA),
        "PORT": "",
    }


def stop() -> None:
    if not (PGDATA / "postmaster.pid").exists():
        return
    pg_ctl = Path(_pg_bin()) / "pg_ctl"
    subprocess.run(  # noqa: S603 - fixed binary shipped by pgserver
        [str(pg_ctl), "-D", str(PGDATA), "-m", "fast", "stop"], check=False, capture_output=True
    )


def _pg_bin() -> str:
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH)


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(database_settings()["HOST"])
