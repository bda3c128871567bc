"""Synthetic city generator: identifiers, ground truth, determinism, file shapes and noise rates.

Plain pytest, no database: run with `-p no:django`.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from stdnum.id import nik as stdnum_nik

from registry.citygen import CityConfig, NoiseRates, generate_city
from registry.citygen.agencies import AGENCIES, INDONESIAN_HEADERS
from registry.citygen.noise import NOISE_KINDS, old_spelling

PERSONS = 20_000
SPECS = {spec.code: spec for spec in AGENCIES}


def read_agency(out: Path, code: str) -> list[dict[str, str]]:
    spec = SPECS[code]
    with (out / spec.file).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=spec.shape.delimiter))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class City:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.rows = {code: read_agency(out, code) for code in SPECS}
        self.truth = {
            (r["agency"], r["source_record_id"]): r["person_key"]
            for r in read_csv(out / "truth.csv")
        }
        self.noise: dict[tuple[str, str], set[str]] = {
            (r["agency"], r["source_record_id"]): set(r["noise"].split("|"))
            for r in read_csv(out / "noise.csv")
        }
        # The civil registry never alters identifiers: it is the reference for NIK, KK, dates.
        self.civil = {}
        for row in self.rows["disdukcapil"]:
            self.civil.setdefault(self.truth[("disdukcapil", row["source_record_id"])], row)

    def id_column(self, code: str) -> str:
        return "ID" if SPECS[code].shape.indonesian_headers else "source_record_id"

    def column(self, code: str, canonical: str) -> str:
        if SPECS[code].shape.indonesian_headers:
            return INDONESIAN_HEADERS[canonical]
        return canonical

    def with_noise(self, code: str, kind: str) -> list[dict[str, str]]:
        id_col = self.id_column(code)
        return [r for r in self.rows[code] if kind in self.noise.get((code, r[id_col]), ())]

    def true_row(self, code: str, row: dict[str, str]) -> dict[str, str]:
        return self.civil[self.truth[(code, row[self.id_column(code)])]]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    out = tmp_path_factory.mktemp("city")
    summary = generate_city(
        out, CityConfig(persons=PERSONS, seed=7, noise_log=True, chunk_persons=6_000)
    )
    assert summary.persons == PERSONS
    return City(out)


def iso(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


# --- files and ground truth ----------------------------------------------------------------


def test_manifest_lists_five_agencies(city: City) -> None:
    manifest = read_csv(city.out / "agencies.csv")
    assert [m["code"] for m in manifest] == ["disdukcapil", "dinsos", "dinkes", "disdik", "bpjs"]
    assert {m["kind"] for m in manifest} == {
        "civil_registry",
        "social_affairs",
        "health",
        "education",
        "health_insurance",
    }
    for m in manifest:
        assert (city.out / m["file"]).exists()
        assert m["name"] and m["dataset_name"] and m["dataset_title"]


def test_every_row_is_in_truth_exactly_once(city: City) -> None:
    total = 0
    for code, rows in city.rows.items():
        ids = [r[city.id_column(code)] for r in rows]
        assert len(ids) == len(set(ids)), code
        for source_id in ids:
            assert (code, source_id) in city.truth
        total += len(ids)
    assert total == len(city.truth)
    keys = set(city.truth.values())
    assert all(re.fullmatch(r"P\d{8}", k) for k in keys)
    assert len(city.civil) == PERSONS  # everyone is in the civil registry


def test_records_per_person_near_target(city: City) -> None:
    per_person = len(city.truth) / PERSONS
    assert 2.4 < per_person < 3.1
    assert 0.6 <= len(city.rows["bpjs"]) / PERSONS <= 0.72
    distinct_dinkes = {city.truth[("dinkes", r["source_record_id"])] for r in city.rows["dinkes"]}
    assert 0.25 < len(distinct_dinkes) / PERSONS < 0.36


# --- identifiers ----------------------------------------------------------------------------


def test_civil_registry_niks_valid_and_encode_birth_date_and_sex(city: City) -> None:
    mismatched = 0
    for row in city.rows["disdukcapil"]:
        nik = row["nik"]
        assert stdnum_nik.is_valid(nik), "clean NIK must validate"
        assert nik[:4] == "3671" and 1 <= int(nik[4:6]) <= 13
        born = iso(row["birth_date"])
        day = int(nik[6:8])
        assert (day > 40) == (row["sex"] == "P")
        encoded = (day % 40, int(nik[8:10]), int(nik[10:12]))
        if encoded != (born.day, born.month, born.year % 100):
            mismatched += 1  # NIK-date != birth date happens legitimately, rarely
    assert mismatched / len(city.rows["disdukcapil"]) < 0.01


def test_nik_unique_per_person_and_many_one_digit_apart(city: City) -> None:
    niks = {key: row["nik"] for key, row in city.civil.items()}
    assert len(set(niks.values())) == len(niks)
    masked = Counter(nik[:i] + "_" + nik[i + 1 :] for nik in niks.values() for i in range(16))
    near = sum(
        any(masked[nik[:i] + "_" + nik[i + 1 :]] > 1 for i in range(16)) for nik in niks.values()
    )
    assert near > 0.3 * len(niks), "different people's NIKs are often one digit apart"


def test_kk_numbers(city: City) -> None:
    members: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in city.civil.values():
        kk = row["kk_number"]
        assert re.fullmatch(r"3671(0[1-9]|1[0-3])\d{10}", kk)
        assert 1 <= int(kk[6:8]) <= 31 and 1 <= int(kk[8:10]) <= 12
        members[kk].append(row)
    sizes = Counter(len(m) for m in members.values())
    assert max(sizes) <= 7
    for rows in members.values():
        assert sum(r["relationship"] == "KEPALA KELUARGA" for r in rows) == 1
        assert len({(r["rt"], r["rw"], r["kelurahan"]) for r in rows}) == 1
    relationships = Counter(r["relationship"] for r in city.civil.values())
    assert set(relationships) == {
        "KEPALA KELUARGA",
        "ISTRI",
        "SUAMI",
        "ANAK",
        "ORANG TUA",
        "FAMILI LAIN",
    }


def test_ages_and_deaths_realistic(city: City) -> None:
    today = datetime.date(2026, 9, 30)
    ages = [(today - iso(r["birth_date"])).days / 365.25 for r in city.civil.values()]
    assert min(ages) >= 0 and max(ages) < 100
    children = sum(a < 18 for a in ages) / len(ages)
    elderly = sum(a >= 60 for a in ages) / len(ages)
    assert 0.2 < children < 0.45 and 0.04 < elderly < 0.2
    deaths = [r for r in city.civil.values() if r["death_date"]]
    assert 0.002 < len(deaths) / PERSONS < 0.03
    for r in deaths:
        assert iso(r["birth_date"]) < iso(r["death_date"]) <= today


# --- file shapes ----------------------------------------------------------------------------


def test_headers_and_delimiters(city: City) -> None:
    raw = {spec.code: (city.out / spec.file).read_bytes()[:400] for spec in AGENCIES}
    assert raw["disdik"].startswith(b"\xef\xbb\xbf")
    assert not raw["disdukcapil"].startswith(b"\xef\xbb\xbf")
    first = {code: data.decode("utf-8-sig").splitlines()[0] for code, data in raw.items()}
    assert first["dinkes"].startswith("source_record_id;nik;")
    assert first["disdukcapil"].startswith("source_record_id,nik,kk_number,full_name")
    dinsos = first["dinsos"].split(",")
    for header in (
        "ID",
        "NIK",
        "NO KK",
        "NAMA LENGKAP",
        "JENIS KELAMIN",
        "TGL LAHIR",
        "RT/RW",
        "SHDK",
    ):
        assert header in dinsos
    assert {"DESIL", "JENIS BANTUAN", "PERIODE", "NOMINAL"} <= set(dinsos)
    assert all(re.fullmatch(r"\d{3}/\d{3}", r["RT/RW"]) for r in city.rows["dinsos"])


def test_date_and_sex_styles(city: City) -> None:
    patterns = {
        "iso": r"\d{4}-\d{2}-\d{2}",
        "dash": r"\d{2}-\d{2}-\d{4}",
        "slash": r"\d{2}/\d{2}/\d{4}",
    }

    def styles(code: str) -> set[str]:
        column = city.column(code, "birth_date")
        return {
            name
            for r in city.rows[code]
            for name, p in patterns.items()
            if re.fullmatch(p, r[column])
        }

    assert styles("disdukcapil") == {"iso"}
    assert styles("dinkes") == {"dash"}
    assert styles("disdik") == {"slash"}
    assert styles("dinsos") == {"iso", "dash", "slash"}
    sexes = {code: {r[city.column(code, "sex")] for r in rows} for code, rows in city.rows.items()}
    assert sexes["disdukcapil"] == {"L", "P"}
    assert sexes["dinkes"] - {""} == {"1", "2"}
    assert sexes["dinsos"] - {""} == {"L", "P", "LAKI-LAKI", "PEREMPUAN"}
    assert all(re.fullmatch(r"36\.71\.\d{2}\.\d{4}", r["kelurahan"]) for r in city.rows["bpjs"])


def test_dinsos_rows_are_aid_receipts(city: City) -> None:
    amounts = {"PKH", "BPNT", "PBI-JK", "BLT", "KIP"}
    programs = Counter(r["JENIS BANTUAN"] for r in city.rows["dinsos"])
    assert set(programs) == amounts
    for r in city.rows["dinsos"]:
        assert r["PERIODE"] in {"2026-Q1", "2026-Q2", "2026-Q3"}
        assert int(r["NOMINAL"]) > 0
        assert r["DESIL"] == "" or 1 <= int(r["DESIL"]) <= 5
    pbi = [r for r in city.rows["bpjs"] if r["program"] == "PBI-JK"]
    assert pbi and all(r["amount"] == "42000" for r in pbi)


def test_school_children_only_in_education(city: City) -> None:
    today = datetime.date(2026, 9, 30)
    for r in city.rows["disdik"]:
        born = iso(city.true_row("disdik", r)["birth_date"])
        assert 6 <= (today - born).days / 365.25 < 19


# --- noise ----------------------------------------------------------------------------------

ROW_RATE_KINDS = (
    "name_typo",
    "name_case",
    "nik_missing",
    "nik_typo",
    "nik_is_kk",
    "kk_missing",
    "sex_missing",
    "birth_place_missing",
    "year_off",
    "house_number_missing",
    "duplicate",
)


@pytest.mark.parametrize("code", ["dinsos", "dinkes", "disdik", "bpjs"])
def test_noise_kinds_at_their_rates(city: City, code: str) -> None:
    rates: NoiseRates = SPECS[code].rates
    rows = len(city.rows[code])
    counts = Counter(
        kind for (agency, _), kinds in city.noise.items() if agency == code for kind in kinds
    )
    for kind in ROW_RATE_KINDS:
        if kind not in SPECS[code].columns and kind in ("kk_missing",):
            continue
        if kind == "birth_place_missing" and "birth_place" not in SPECS[code].columns:
            continue
        expected = getattr(rates, kind) * rows
        if kind == "duplicate":
            expected = rates.duplicate * rows / (1 + rates.duplicate)
        tolerance = 4 * expected**0.5 + 0.1 * expected + 3
        assert abs(counts[kind] - expected) <= tolerance, (kind, counts[kind], expected)
    for kind in ("old_spelling", "title", "address_variant", "nik_excel", "kk_excel", "moved"):
        if getattr(rates, kind) > 0:
            assert counts[kind] > 0.15 * getattr(rates, kind) * rows, kind
    assert counts["muhammad_variant"] > 0 and counts["date_swap"] > 0


def test_civil_registry_is_cleanest(city: City) -> None:
    counts = Counter(
        kind
        for (agency, _), kinds in city.noise.items()
        if agency == "disdukcapil"
        for kind in kinds
    )
    for kind in (
        "nik_missing",
        "nik_typo",
        "nik_is_kk",
        "nik_excel",
        "kk_excel",
        "date_swap",
        "year_off",
    ):
        assert counts[kind] == 0
    noisy = sum(1 for (agency, _) in city.noise if agency == "disdukcapil") / len(
        city.rows["disdukcapil"]
    )
    others = sum(1 for (agency, _) in city.noise if agency == "dinkes") / len(city.rows["dinkes"])
    assert noisy < 0.15 < others


def test_noise_is_what_the_log_says(city: City) -> None:
    for code in ("dinsos", "dinkes", "disdik", "bpjs"):
        nik_col, kk_col = city.column(code, "nik"), city.column(code, "kk_number")
        for r in city.with_noise(code, "nik_missing"):
            assert r[nik_col] == ""
        for r in city.with_noise(code, "nik_is_kk"):
            assert r[nik_col] == city.true_row(code, r)["kk_number"]
        for r in city.with_noise(code, "nik_typo"):
            true = city.true_row(code, r)["nik"]
            diff = [i for i in range(16) if true[i] != r[nik_col][i]]
            assert len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1), (true, r[nik_col])
        for r in city.with_noise(code, "nik_excel"):
            true = city.true_row(code, r)["nik"]
            assert r[nik_col] in (true[:15] + "0", format(int(true), ".5E"))
        for r in city.with_noise(code, "kk_excel"):
            value = r[kk_col]
            assert "E+" in value or value.endswith("0")
    # Rows without identifier noise carry the true NIK and KK.
    for code in ("dinkes", "bpjs"):
        for r in city.rows[code]:
            kinds = city.noise.get((code, r["source_record_id"]), set())
            true = city.true_row(code, r)
            if not kinds & {"nik_missing", "nik_typo", "nik_is_kk", "nik_excel"}:
                assert r["nik"] == true["nik"]
                assert stdnum_nik.is_valid(r["nik"])
            if not kinds & {"kk_missing", "kk_excel"}:
                assert r["kk_number"] == true["kk_number"]


def test_name_noise_visible(city: City) -> None:
    names = [r["full_name"] for r in city.rows["dinkes"]]
    assert any(n.startswith(("H. ", "Hj. ", "Drs. ", "Ir. ", "dr. ")) for n in names)
    assert any(re.search(r", (S\.Pd|S\.E\.|A\.Md)$", n) for n in names)
    # Degrees hold the delimiter of comma files: such names are quoted, columns stay aligned.
    assert any(", " in r["NAMA LENGKAP"] for r in city.rows["dinsos"])
    assert all(
        len(r) == len(SPECS["dinsos"].columns) and None not in r for r in city.rows["dinsos"]
    )
    assert any(re.match(r"(M\.|Moch\.|Mohammad|Muhamad) ", n) for n in names)
    assert any("oe" in n.lower() or "dj" in n.lower() or "tj" in n.lower() for n in names)
    common = Counter(n.split(" ")[0] for r in city.civil.values() for n in [r["full_name"]])
    assert common["SITI"] + common["NUR"] + common["MUHAMMAD"] > 0.02 * PERSONS
    single = sum(" " not in r["full_name"] for r in city.civil.values())
    assert 0.1 < single / PERSONS < 0.45


def test_old_spelling_reverses_eyd() -> None:
    assert old_spelling("Sukarno") == "Soekarno"
    assert old_spelling("Joko") == "Djoko"
    assert old_spelling("Cahyo") == "Tjahjo"
    assert old_spelling("Yuni") == "Joeni"
    assert old_spelling("Siti Aminah binti Mamat") == "Siti Aminah binti Mamat"


def test_dates_swapped_and_years_off(city: City) -> None:
    for r in city.with_noise("dinkes", "date_swap"):
        if "year_off" in city.noise[("dinkes", r["source_record_id"])]:
            continue
        true = iso(city.true_row("dinkes", r)["birth_date"])
        assert r["birth_date"] == f"{true.month:02d}-{true.day:02d}-{true.year}"
    for r in city.with_noise("dinkes", "year_off"):
        true = iso(city.true_row("dinkes", r)["birth_date"])
        assert abs(int(r["birth_date"][-4:]) - true.year) == 1
        assert r["birth_date"][:5] in (true.strftime("%d-%m"), true.strftime("%m-%d"), "28-02")


def test_moved_people_have_another_address_in_that_agency(city: City) -> None:
    moved = city.with_noise("disdik", "moved")
    assert moved
    differ = sum(
        (r["address"], r["kelurahan"])
        != (city.true_row("disdik", r)["address"], city.true_row("disdik", r)["kelurahan"].title())
        for r in moved
    )
    assert differ > 0.9 * len(moved)


def test_duplicates_are_the_same_person_twice(city: City) -> None:
    per_person = Counter(city.truth[("disdik", r["source_record_id"])] for r in city.rows["disdik"])
    duplicated = sum(count - 1 for count in per_person.values())
    assert duplicated == len(city.with_noise("disdik", "duplicate")) > 0


def test_deceased_still_receiving_aid(city: City) -> None:
    starts = {
        "2026-Q1": datetime.date(2026, 1, 1),
        "2026-Q2": datetime.date(2026, 4, 1),
        "2026-Q3": datetime.date(2026, 7, 1),
    }
    after_death = []
    for r in city.rows["dinsos"]:
        death = city.true_row("dinsos", r)["death_date"]
        if death and iso(death) < starts[r["PERIODE"]]:
            after_death.append(r)
    assert after_death, "some deceased keep receiving aid"
    logged = {r["ID"] for r in city.with_noise("dinsos", "deceased_aid")}
    assert {r["ID"] for r in after_death} == logged


def test_noise_kinds_all_known(city: City) -> None:
    seen = set().union(*city.noise.values())
    assert seen == set(NOISE_KINDS)


# --- determinism and scale ------------------------------------------------------------------


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_same_seed_byte_identical_other_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_city(
            tmp_path / name,
            CityConfig(persons=3_000, seed=seed, noise_log=True, chunk_persons=1_000),
        )
    a, b, c = (_files(tmp_path / name) for name in "abc")
    assert a == b
    assert a.keys() == c.keys() and a["disdukcapil.csv"] != c["disdukcapil.csv"]


def test_counts_scale_with_persons(tmp_path: Path) -> None:
    small = generate_city(tmp_path / "s", CityConfig(persons=2_000, seed=1))
    large = generate_city(tmp_path / "l", CityConfig(persons=10_000, seed=1))
    assert small.rows["disdukcapil"] >= 2_000 and large.rows["disdukcapil"] >= 10_000
    for code in small.rows:
        assert 3.5 < large.rows[code] / small.rows[code] < 6.5, code


def test_zero_noise_scale_writes_clean_files(tmp_path: Path) -> None:
    generate_city(tmp_path, CityConfig(persons=2_000, seed=2, noise_scale=0.0, noise_log=True))
    assert len(read_csv(tmp_path / "noise.csv")) == 0
    for code in ("dinkes", "bpjs"):
        for r in read_agency(tmp_path, code):
            assert stdnum_nik.is_valid(r["nik"])
