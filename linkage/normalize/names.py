"""Person names: strip titles and degrees, fold old spellings, build match keys.

Why exact matching fails on Indonesian names (see docs/domain.md): two spelling
reforms (1947 Soewandi: oe -> u; 1972 EYD: tj -> c, dj -> j, j -> y, nj -> ny,
sj -> sy, ch -> kh), Muhammad/Ahmad written half a dozen ways, titles and degrees
inside the name field (allowed on KK/KTP since Permendagri 73/2022), and many
people with one name only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .caching import value_cache

# Titles written before the name. With a dot they may be glued to the next word
# ("Drs.H.Ahmad"); without a dot they need a following word ("H SUHARIO").
_PREFIX_TITLE_RE = re.compile(
    r"^(?:(?P<dotted>(?:prof|drs|dra|dr|ir|hj|kh|k\.\s?h|h)\.)\s*"
    r"|(?P<bare>prof|drs|dra|dr|ir|hj|kh|h)\s+(?=\S))",
    re.IGNORECASE,
)

# Academic degrees, compared without dots, spaces and case. A lone "S." at the end
# is an initial (Kartini S.), not a degree, so single letters are never degrees.
DEGREES = frozenset(
    """
    SPD SPDI SE SEAK SH SHI SKOM SAG SSOS SIP SKM SKEP SKED SFARM SPSI SSI ST SP SS
    SSN STP SPT SHUT SGZ SKG SIKOM SAK SAP SDS SKH SPI STH SSTP SSIT STR STRP SAB
    AMD AMDKEB AMKEB AMK AMDKEP AMKEP AMDKES AMF AMG AMAK AMDKOM AMTE AMPD AMDPAR
    MSI MM MH MPD MKES MT MAG MSC MKOM MBA MA MAP MKM MPH MHUM MIKOM MPDI MEK MIP MTI
    MFARM MSN MKN MPSI MKEP MSOS MSTAT
    DR DRS DRA IR PHD BSC BA MD SPOG SPA SPPD SPB SPM SPKK SPJP SPTHT SPRAD SPAN SPKJ
    """.split()  # noqa: SIM905 - a word list reads better than 90 quoted strings
)

_COMPACT_RE = re.compile(r"[.\s]+")
_APOSTROPHE_RE = re.compile(r"['\u2019`\u00b4]")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_SPACES_RE = re.compile(r"\s+")
_DOUBLE_RE = re.compile(r"(.)\1+")

# Pre-1972 spelling shows itself through these digraphs; only such tokens get the
# EYD j -> y fold, so modern "Joko" keeps its j (and meets old "Djoko" via dj -> j).
# "nj" is not evidence: modern names use it for n + j (Panji, Anjani, Ganjar).
_OLD_SPELLING_RE = re.compile(r"oe|tj|dj|sj")

# Muhammad and Ahmad after folding and double-letter collapse:
# muhamad, mohamad, mohamed, mukhamad (Mochammad), muhamat, ...
_MUHAMMAD_RE = re.compile(r"m[ou]k?h?a?m[ae][dt]")
_AHMAD_RE = re.compile(r"ak?h?ma[dt]")
_MUHAMMAD_ABBREVIATIONS = frozenset(
    {"mhd", "moh", "mokh", "muh", "mukh", "mh", "mohd", "muhd", "mokhd", "md", "mch", "mkh"}
)
MUHAMMAD = "muhammad"
AHMAD = "ahmad"
_CANONICAL = frozenset({MUHAMMAD, AHMAD, "abdul"})
_SYNONYMS = {"abd": "abdul", "bt": "binti", "binty": "binti"}
PATRONYM_WORDS = frozenset({"bin", "binti"})

_VOWELS = frozenset("aeiou")
# Consonant classes for the phonetic code: letters Indonesians interchange in
# writing the same name (f/p/b/v in Sundanese and final-b devoicing, d/t finals,
# g/k/q, s/z/x, old j = y) share a class; h is dropped (Rahmat/Ramat, Fatimah/Fatima).
_CONSONANT_CLASS = {
    "b": "p", "p": "p", "f": "p", "v": "p",
    "d": "t", "t": "t",
    "g": "k", "k": "k", "q": "k",
    "s": "s", "z": "s", "x": "s",
    "j": "y", "y": "y",
    "c": "c", "l": "l", "r": "r", "m": "m", "n": "n", "w": "w",
}  # fmt: skip
# nj is here (not in the key fold): old "Njoman" is modern "Nyoman", but modern
# spelling also writes n + j (Panji), so only the coarse code merges them.
_PHONETIC_DIGRAPHS = (
    ("kh", "k"), ("sy", "s"), ("ny", "n"), ("nj", "n"), ("ng", "n"), ("dh", "d"),
)  # fmt: skip
_Y_AS_VOWEL_RE = re.compile(r"y(?![aeiou])")


@dataclass(frozen=True, slots=True)
class NameParts:
    display: str
    titles: tuple[str, ...]
    tokens: tuple[str, ...]
    key: str
    sorted_key: str
    phonetic: str
    given: str


EMPTY_NAME = NameParts("", (), (), "", "", "", "")


@value_cache()
def normalize_name(raw: object) -> NameParts:
    """Display form, removed titles and match keys of one name (see module docstring)."""
    if raw is None:
        return EMPTY_NAME
    text = _SPACES_RE.sub(" ", str(raw)).strip()
    if not text:
        return EMPTY_NAME
    main, titles = split_titles(text)
    display = main.upper()
    tokens = fold_name_tokens(display)
    key = " ".join(tokens)
    given = next((t for t in tokens if t not in PATRONYM_WORDS), "")
    return NameParts(
        display=display,
        titles=titles,
        tokens=tokens,
        key=key,
        sorted_key=" ".join(sorted(tokens)),
        phonetic=" ".join(phonetic_code(t) for t in tokens),
        given=given,
    )


def split_titles(text: str) -> tuple[str, tuple[str, ...]]:
    """(name without titles, titles as written, in reading order).

    Titles come first (Drs. H.), degrees after a comma (", S.Pd") or, when dotted,
    as the last words without a comma ("Wati S.Pd"). A comma part that is not made of
    degrees ("SIREGAR, LESTARI") stays in the name.
    """
    head, *tail = text.split(",")
    degrees: list[str] = []
    kept_tail: list[str] = []
    for part in (p.strip() for p in tail):
        if not part:
            continue
        if _compact(part) in DEGREES:  # "S. Pd"
            degrees.append(part)
        elif all(_compact(word) in DEGREES for word in part.split()):  # "S.Pd M.Si"
            degrees.extend(part.split())
        else:
            kept_tail.append(part)

    prefixes: list[str] = []
    rest = head.strip()
    while (m := _PREFIX_TITLE_RE.match(rest)) and rest[m.end() :].strip():
        prefixes.append(m[0].strip())
        rest = rest[m.end() :].lstrip()

    words = rest.split()
    trailing: list[str] = []
    while len(words) > 1 and "." in words[-1] and _compact(words[-1]) in DEGREES:
        trailing.insert(0, words.pop())
    for part in kept_tail:
        words.extend(part.split())
    name = " ".join(words).strip(" ,;")
    return name, (*prefixes, *trailing, *degrees)


def _compact(word: str) -> str:
    return _COMPACT_RE.sub("", word).upper()


def fold_name_tokens(display: str) -> tuple[str, ...]:
    text = display.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    raw_tokens = _TOKEN_RE.findall(_APOSTROPHE_RE.sub("", text))
    tokens = [fold_token(t) for t in raw_tokens]
    # A lone "M" opening a name is Muhammad (M. Rizky); elsewhere it is an initial.
    if len(tokens) > 1 and tokens[0] == "m":
        tokens[0] = MUHAMMAD
    return tuple(tokens)


@value_cache()
def fold_token(token: str) -> str:
    """One lower-case token in EYD spelling, with Muhammad/Ahmad made canonical."""
    old_spelling = _OLD_SPELLING_RE.search(token) is not None
    t = token.replace("oe", "u")  # 1947 Soewandi reform
    if old_spelling:
        # EYD 1972, digraphs before j -> y: the j that dj leaves behind is a modern j.
        t = t.replace("tj", "c").replace("dj", "\0").replace("nj", "ny").replace("sj", "sy")
        t = t.replace("j", "y").replace("\0", "j")
    t = t.replace("ch", "kh")  # EYD 1972 ch -> kh (Achmad -> Akhmad, Chairul -> Khairul)
    t = _DOUBLE_RE.sub(r"\1", t)  # Abdullah/Abdulah, Hassan/Hasan
    if t in _MUHAMMAD_ABBREVIATIONS or _MUHAMMAD_RE.fullmatch(t):
        return MUHAMMAD
    if _AHMAD_RE.fullmatch(t):
        return AHMAD
    return _SYNONYMS.get(t, t)


@value_cache()
def phonetic_code(token: str) -> str:
    """A coarse sound skeleton of one folded token, for blocking and fuzzy comparison.

    Rules: kh/sy/ny/nj/ng/dh become k/s/n/n/n/d; a y not followed by a vowel is a vowel
    (Rizky = Rizki); an initial vowel becomes 'a' (Irfan = Erfan); later vowels and
    every h are dropped; consonants map to classes (_CONSONANT_CLASS); runs of one
    class collapse. Sukarno -> skrn, Rizky/Rizki/Riski -> rsk, Fauzi/Pauzi -> ps.
    """
    if not token:
        return ""
    t = token
    for digraph, single in _PHONETIC_DIGRAPHS:
        t = t.replace(digraph, single)
    t = _Y_AS_VOWEL_RE.sub("i", t)
    out: list[str] = []
    for index, char in enumerate(t):
        if char in _VOWELS:
            code = "a" if index == 0 else ""
        else:
            code = _CONSONANT_CLASS.get(char, "" if char == "h" else char)
        if code and (not out or out[-1] != code):
            out.append(code)
    return "".join(out) or t[:1]
