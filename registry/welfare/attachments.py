"""Evidence files: typed by their first bytes (never by the name or the browser's claim),
bounded in size, stored under a random name in `WELFARE_ATTACHMENT_DIR` (outside static and
media paths), and read back only for the streaming view after its permission check."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

# Magic numbers: JPEG (SOI + marker), PNG (8-byte signature), PDF ("%PDF-").
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


def sniff_type(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's first bytes, or None for anything else."""
    for magic, content_type, extension in SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    return None


def max_bytes() -> int:
    return int(settings.WELFARE_ATTACHMENT_MAX_BYTES)


def check_file(content: bytes, *, images_only: bool = False) -> tuple[str, str]:
    """The file's type, or a ValidationError in Bahasa Indonesia naming what is wrong."""
    if not content:
        raise ValidationError({"file": "berkas kosong"})
    if len(content) > max_bytes():
        raise ValidationError({"file": f"berkas lebih besar dari {max_bytes() // 1024} KiB"})
    found = sniff_type(content)
    if found is None or (images_only and found[0] not in IMAGE_TYPES):
        allowed = "JPEG atau PNG" if images_only else "JPEG, PNG atau PDF"
        raise ValidationError({"file": f"isi berkas bukan {allowed}"})
    return found


def storage_root() -> Path:
    return Path(settings.WELFARE_ATTACHMENT_DIR)


def store(content: bytes, extension: str) -> tuple[str, str]:
    """Write the bytes under a fresh random name; (storage name, sha256)."""
    root = storage_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(20) + extension
    path = root / name
    with open(path, "xb") as out:
        out.write(content)
    path.chmod(0o600)
    return name, hashlib.sha256(content).hexdigest()


def discard(storage_name: str) -> None:
    """Remove a stored file whose database row did not commit."""
    (storage_root() / storage_name).unlink(missing_ok=True)


def open_stored(storage_name: str):
    path = (storage_root() / storage_name).resolve()
    if path.parent != storage_root().resolve():  # a stored name is a bare file name
        raise FileNotFoundError(storage_name)
    return open(path, "rb")
