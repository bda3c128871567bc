"""Street addresses: canonical form and the variants agencies write."""

from __future__ import annotations

import random

STREETS = (
    "Ki Samaun",
    "KH Hasyim Ashari",
    "Daan Mogot",
    "Imam Bonjol",
    "MH Thamrin",
    "Perintis Kemerdekaan",
    "Gatot Subroto",
    "Raden Saleh",
    "Sudirman",
    "Teuku Umar",
    "Moh. Toha",
    "Cisadane",
    "Otista",
    "Kisamaun",
    "Pembangunan",
    "Raya Serang",
    "Marsekal Suryadarma",
    "Husein Sastranegara",
    "Prabu Siliwangi",
    "Benteng Betawi",
    "Ciledug Raya",
    "Hos Cokroaminoto",
    "Kali Pasir",
    "Aria Santika",
    "Veteran",
    "Pahlawan",
    "Merdeka",
    "Proklamasi",
    "Dr. Sitanala",
    "Iskandar Muda",
    "Bouraq",
    "Maulana Hasanudin",
    "Pasar Baru",
    "Beringin Raya",
    "Cemara",
    "Anggrek",
    "Melati",
    "Kenanga",
    "Flamboyan",
    "Kamboja",
    "Dahlia",
)
LANES = (
    "Mawar",
    "Masjid",
    "Haji Salim",
    "Swadaya",
    "Kelapa",
    "Manggis",
    "Nangka",
    "Rambutan",
    "Delima",
    "Langgar",
    "Sawo",
    "Duku",
    "Kemuning",
    "Haji Dul",
    "Sepakat",
    "Damai",
    "Rukun",
    "Bambu",
    "Belimbing",
    "Jambu",
)
STREET_NAMES = STREETS + LANES
LANE_START = len(STREETS)

STREET_PREFIX = "Jl."
LANE_PREFIX = "Gg."
STREET_PREFIX_VARIANTS = ("Jalan", "JL", "Jln.", "JL.", "Jl")
LANE_PREFIX_VARIANTS = ("Gang", "GG", "Gg", "GG.")
NUMBER_VARIANTS = ("No.", "NO.", "No", "no.", "Nomor")


def canonical_address(street_index: int, house_number: int) -> str:
    prefix = LANE_PREFIX if street_index >= LANE_START else STREET_PREFIX
    return f"{prefix} {STREET_NAMES[street_index]} No. {house_number}"


def address_variant(address: str, rnd: random.Random) -> str:
    """Rewrite the street prefix and/or the house-number marker; the address stays the same."""
    prefix, _, rest = address.partition(" ")
    variants = LANE_PREFIX_VARIANTS if prefix == LANE_PREFIX else STREET_PREFIX_VARIANTS
    if prefix in (STREET_PREFIX, LANE_PREFIX) and rnd.random() < 0.8:
        prefix = rnd.choice(variants)
    if " No. " in rest and rnd.random() < 0.4:
        marker = rnd.choice(NUMBER_VARIANTS)
        rest = rest.replace(" No. ", f" {marker} " if rnd.random() < 0.7 else f" {marker}")
    return f"{prefix} {rest}"


def drop_house_number(address: str) -> str:
    head, sep, _ = address.partition(" No. ")
    return head if sep else address
