"""The Indonesian catalogue is the default interface: an entry marked fuzzy is not compiled,
so its page would show English ("House number" on the person page did). Every entry must be
final, and the compiled file must match the catalogue (msgfmt --check)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def test_indonesian_catalogue_has_no_fuzzy_entry():
    text = (LOCALE / "id" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    fuzzy = [
        block.splitlines()[-2:]
        for block in text.split("\n\n")
        if "#, fuzzy" in block and 'msgid ""\n' not in block
    ]
    assert fuzzy == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt not installed")
@pytest.mark.parametrize("language", ["id", "en"])
def test_catalogue_passes_msgfmt_check(language, tmp_path):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
