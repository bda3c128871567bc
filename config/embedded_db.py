"""Embedded PostgreSQL for machines without DATABASE_URL.

pgserver ships real PostgreSQL binaries in a wheel. The cluster lives in `.pgdata/` at the
project root (git-ignored), is started on first use and left running so the next command
reuses it; starting it twice is safe because pgserver attaches to a running postmaster.
`python -m config.embedded_db stop` stops it.
"""

from __future__ import annotations

import contextlib
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


# Bulk imports and links maintain a dozen indexes over hundreds of thousands of rows: the
# initdb defaults (128 MB shared buffers, 1 GB of WAL between checkpoints) make PostgreSQL
# evict index pages and checkpoint mid-import. Core settings only, applied once per cluster.
TUNING = {
    "shared_buffers": "1GB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "wal_compression": "on",
    "work_mem": "32MB",
    "maintenance_work_mem": "512MB",
}


def _tune(server) -> None:
    if TUNING["shared_buffers"] in server.psql("SHOW shared_buffers;"):
        return
    for name, value in TUNING.items():
        server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
    _pg_ctl(server, "restart")  # shared_buffers needs a restart; the other settings follow


def _pg_ctl(server, action: str) -> None:
    # pgserver runs PostgreSQL as its own system user when started by root.
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", action], pgdata=PGDATA, user=server.system_user, timeout=60)


def database_settings() -> dict:
    """Start (or attach to) the embedded server and return Django DATABASES['default']."""
    server = _server()
    _tune(server)
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
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
        _pg_ctl(_server(), "stop")


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(database_settings()["HOST"])
