"""Noise kinds real agency files carry, their rates, and the string functions that apply them."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, fields, replace

NOISE_KINDS = (
    "old_spelling",  # reverse EYD: Sukarno -> Soekarno, Joko -> Djoko, Cahyo -> Tjahjo
    "title",  # H., Hj., Drs., Ir., dr. before, ", S.Pd" etc. after (adults only)
    "muhammad_variant",  # rate among names holding Muhammad/Ahmad: M., Moch., Achmad, ...
    "name_typo",  # one character inserted, deleted, substituted or transposed
    "name_case",  # upper/lower/title case other than the agency's usual case
    "nik_missing",
    "nik_typo",  # one digit changed or two adjacent digits swapped
    "nik_is_kk",  # the KK number typed into the NIK field
    "nik_excel",  # 16 digits through Excel: last digit 0, or 3.67101E+15
    "kk_missing",
    "kk_excel",
    "sex_missing",
    "birth_place_missing",
    "date_swap",  # rate among dates whose day <= 12 and day != month: day and month swapped
    "year_off",  # birth year one off
    "address_variant",  # Jl./Jalan/JL/Jln., Gg./Gang, No./NO.
    "house_number_missing",
    "moved",  # per person: another address in this agency's rows
    "duplicate",  # the same row again under another source_record_id
    "deceased_aid",  # per deceased aid recipient: receipts continue after death (dinsos)
    "decile_missing",
)


@dataclass(frozen=True)
class NoiseRates:
    old_spelling: float = 0.05
    title: float = 0.04
    muhammad_variant: float = 0.5
    name_typo: float = 0.03
    name_case: float = 0.10
    nik_missing: float = 0.04
    nik_typo: float = 0.02
    nik_is_kk: float = 0.01
    nik_excel: float = 0.02
    kk_missing: float = 0.05
    kk_excel: float = 0.03
    sex_missing: float = 0.01
    birth_place_missing: float = 0.15
    date_swap: float = 0.03
    year_off: float = 0.01
    address_variant: float = 0.35
    house_number_missing: float = 0.05
    moved: float = 0.03
    duplicate: float = 0.02
    deceased_aid: float = 0.3
    decile_missing: float = 0.03

    def scaled(self, factor: float) -> NoiseRates:
        """All rates times `factor` (capped at 1)."""
        return replace(
            self, **{f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)}
        )


# The civil registry is the reference: legitimate titles, few spelling slips, no identifier noise.
CIVIL_REGISTRY_RATES = NoiseRates(
    old_spelling=0.01,
    title=0.03,
    muhammad_variant=0.05,
    name_typo=0.003,
    name_case=0.0,
    nik_missing=0.0,
    nik_typo=0.0,
    nik_is_kk=0.0,
    nik_excel=0.0,
    kk_missing=0.0,
    kk_excel=0.0,
    sex_missing=0.0,
    birth_place_missing=0.0,
    date_swap=0.0,
    year_off=0.0,
    address_variant=0.05,
    house_number_missing=0.01,
    moved=0.0,
    duplicate=0.001,
    deceased_aid=0.0,
    decile_missing=0.0,
)

# --- names -----------------------------------------------------------------------------------

MALE_TITLES = ("H.", "Drs.", "Ir.", "dr.", "H.")
FEMALE_TITLES = ("Hj.", "Dra.", "dr.", "Hj.", "Ir.")
DEGREES = (", S.Pd", ", S.E.", ", A.Md", ", S.H.", ", S.Kom", ", S.Sos", ", M.M.", ", S.Ag")
MUHAMMAD_VARIANTS = ("M.", "Moch.", "Mohammad", "Muhamad", "Moh.", "Mochamad", "Muh.", "Mohamad")
AHMAD_VARIANTS = ("Achmad", "Akhmad", "A.")
LOWER_WORDS = frozenset({"bin", "binti"})


def _old_word(word: str) -> str:
    low = word.lower()
    old = low.replace("j", "dj").replace("y", "j").replace("c", "tj").replace("kh", "ch")
    old = old.replace("u", "oe")
    if word[:1].isupper():
        return old[:1].upper() + old[1:]
    return old


def old_spelling(name: str) -> str:
    """Pre-1972 (and pre-1947 oe) spelling: the reverse of the EYD reform."""
    return " ".join(w if w in LOWER_WORDS else _old_word(w) for w in name.split(" "))


def has_muhammad(name: str) -> bool:
    return name.startswith(("Muhammad ", "Ahmad ")) or " Ahmad" in name or " Muhammad" in name


def muhammad_variant(name: str, rnd: random.Random) -> str:
    if "Muhammad" in name:
        return name.replace("Muhammad", rnd.choice(MUHAMMAD_VARIANTS), 1)
    return name.replace("Ahmad", rnd.choice(AHMAD_VARIANTS), 1)


def add_title(name: str, female: bool, rnd: random.Random) -> str:
    if rnd.random() < 0.5:
        return f"{rnd.choice(FEMALE_TITLES if female else MALE_TITLES)} {name}"
    return name + rnd.choice(DEGREES)


def typo(text: str, rnd: random.Random) -> str:
    """One character inserted, deleted, substituted, or two adjacent ones transposed."""
    if len(text) < 3:
        return text + rnd.choice(string.ascii_lowercase)
    pos = rnd.randrange(1, len(text) - 1)
    letter = rnd.choice(string.ascii_lowercase)
    if text[pos].isupper():
        letter = letter.upper()
    op = rnd.randrange(4)
    if op == 0:
        return text[:pos] + letter + text[pos:]
    if op == 1:
        return text[:pos] + text[pos + 1 :]
    if op == 3 and text[pos] != text[pos + 1]:
        return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
    if letter.lower() == text[pos].lower():
        letter = "z" if letter.lower() != "z" else "q"
    return text[:pos] + letter + text[pos + 1 :]


def change_case(name: str, usual: str, rnd: random.Random) -> str:
    """A case other than the agency's usual one."""
    styles = [s for s in ("upper", "lower", "title") if s != usual]
    return apply_case(name, rnd.choice(styles))


def apply_case(name: str, style: str) -> str:
    if style == "upper":
        return name.upper()
    if style == "lower":
        return name.lower()
    return name


# --- identifiers -----------------------------------------------------------------------------


def digit_typo(number: str, rnd: random.Random) -> str:
    """One digit changed, or two adjacent different digits swapped."""
    pos = rnd.randrange(4, len(number))
    if rnd.random() < 0.5 and pos + 1 < len(number) and number[pos] != number[pos + 1]:
        return number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
    digit = rnd.choice([d for d in string.digits if d != number[pos]])
    return number[:pos] + digit + number[pos + 1 :]


def excel_mangle(number: str, rnd: random.Random) -> str:
    """What Excel does to a 16-digit number: 15 significant digits, maybe shown in E notation."""
    if rnd.random() < 0.4:
        return format(int(number), ".5E")
    return number[:15] + "0"


# --- dates (ISO strings) ---------------------------------------------------------------------


def swappable(iso: str) -> bool:
    return int(iso[8:10]) <= 12 and iso[5:7] != iso[8:10]


def swap_day_month(iso: str) -> str:
    return f"{iso[:4]}-{iso[8:10]}-{iso[5:7]}"


def year_off(iso: str, rnd: random.Random) -> str:
    year = int(iso[:4]) + rnd.choice((-1, 1))
    day = iso[8:10]
    if iso[5:10] == "02-29":
        day = "28"
    return f"{year:04d}-{iso[5:7]}-{day}"
