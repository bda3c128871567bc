"""Throughput of linkage.normalize.normalize_record on realistic, repetitive rows.

Builds ~100k rows from the value variety of the Dinas Sosial sample spreadsheet
(households repeat over aid receipts; names, streets, kelurahan and NIKs recur,
typed in the variants agencies use) and prints records per second.

    .venv/bin/python -m bench.normalize_bench [--rows 100000] [--seed 7] [--gc-freeze]

"cold" starts with empty caches (a first import in a fresh worker); "warm" repeats
the same rows. --gc-freeze moves the loaded rows out of the garbage collector's
view first (gc.freeze()), as an importer holding a whole file in memory may do:
CPython's full collections otherwise re-traverse every loaded row.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import date, timedelta

from linkage.normalize import RegionMatcher, normalize_record

GIVEN = [
    "Gilang", "Rina", "Rizky", "Yuni", "Yoeni", "Kartini", "Ayu", "Fatimah", "Teguh", "Siti",
    "Cecep", "Wati", "Dedi", "Neneng", "Irfan", "Dadang", "Joko", "Djoko", "Tjahjo", "Ahmad",
    "Achmad", "Moch. Rizky", "Muhammad", "Budi", "Indah", "Eka", "Zahra", "Iwan", "Abdul",
    "Slamet", "Suharto", "Soekarno", "Lestari", "Dwi", "Ani", "Arif", "Maya", "Euis", "Hasan",
]  # fmt: skip
FAMILY = [
    "Rohmah", "Fauzi", "Soetrisno", "Sutrisno", "Utomo", "Saputra", "Purnomo", "Hakim",
    "Gunawan", "Tjandra", "Siregar", "Permata", "Widjaja", "Wijaya", "Kusuma", "Lubis",
    "Hasibuan", "Pratama", "Ramadhan", "Sembiring", "Rahmawati", "Sudjatmiko", "",
]  # fmt: skip
PREFIX_TITLES = ["", "", "", "", "", "", "H. ", "Hj. ", "Drs. ", "Ir. ", "dr. "]
DEGREES = ["", "", "", "", "", "", "", ", S.Pd", ", A.Md", ", S.E.", ", S.H.", ", S.KOM"]
STREETS = [
    "Ki Samaun", "KH Hasyim Ashari", "Sudirman", "Siliwangi", "Imam Bonjol", "Kenanga",
    "Daan Mogot", "Cendrawasih", "Gatot Subroto", "Diponegoro", "Mawar", "Anggrek",
    "Pahlawan Seribu",
]  # fmt: skip
STREET_TYPES = ["Jl.", "Jalan", "Jln.", "JL"]
PLACES = [
    "Cirebon", "Lebak", "Semarang", "Bandung", "Bogor", "Pandeglang", "Tegal", "Serang",
    "Jakarta", "Palembang", "Brebes", "Padang", "Medan", "Surabaya", "Tangerang", "",
]  # fmt: skip
RELATIONS = ["KEPALA KELUARGA", "ISTRI", "ANAK", "ANAK", "ANAK", "FAMILI LAIN", "ORANG TUA"]
PROGRAMS = [("PKH", 750000.0), ("BPNT", 200000.0), ("PBI-JK", 42000.0), ("BLT", 300000.0)]
PERIODS = ["2026-Q1", "2026-Q2", "2026-Q3", "Q1 2026", "2026-03"]
SEX_WORDS = {"L": ["L", "LAKI-LAKI"], "P": ["P", "PEREMPUAN"]}


def build_rows(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    regions = RegionMatcher.for_regency("36.71")
    kelurahan = [(name, code) for code, name, level, _, _ in regions.regions() if level == 4]
    kecamatan = {code: name for code, name, level, _, _ in regions.regions() if level == 3}

    rows: list[dict[str, object]] = []
    # ~1 household per 10 rows, 1-5 members each, 1-4 aid rows per member
    while len(rows) < count:
        kel_name, kel_code = rng.choice(kelurahan)
        kec_name = kecamatan[kel_code.rsplit(".", 1)[0]]
        district = kel_code[:8].replace(".", "")
        registered = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7000))
        kk = f"{district}{registered:%d%m%y}{rng.randint(1, 99):04d}"
        street = f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}"
        rt_rw = f"{rng.randint(1, 15):03d}/{rng.randint(1, 12):03d}"
        family = rng.choice(FAMILY)
        decile = float(rng.randint(1, 5))
        for member in range(rng.randint(1, 5)):
            sex = rng.choice("LP")
            born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 30000))
            day = born.day + (40 if sex == "P" else 0)
            nik = f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}0001"
            name = f"{rng.choice(GIVEN)} {family}".strip()
            relation = "KEPALA KELUARGA" if member == 0 else rng.choice(RELATIONS[1:])
            for _ in range(rng.randint(1, 4)):
                program, amount = rng.choice(PROGRAMS)
                variant = rng.random()
                rows.append(
                    {
                        "source_record_id": f"DINSOS-{len(rows) + 1:07d}",
                        "nik": float(nik) if variant < 0.15 else ("" if variant > 0.9 else nik),
                        "kk_number": float(kk) if variant < 0.3 else kk,
                        "full_name": (
                            rng.choice(PREFIX_TITLES) + name + rng.choice(DEGREES)
                            if variant < 0.2
                            else (name.upper() if variant < 0.5 else name)
                        ),
                        "sex": rng.choice(SEX_WORDS[sex]),
                        "birth_place": rng.choice(PLACES),
                        "birth_date": (
                            born
                            if variant < 0.4
                            else born.strftime("%d/%m/%Y" if variant < 0.7 else "%d-%m-%Y")
                        ),
                        "address": f"{rng.choice(STREET_TYPES)} {street}",
                        "rt": rt_rw,
                        "kelurahan": kel_name.upper() if variant < 0.3 else kel_name,
                        "kecamatan": kec_name,
                        "relationship": relation,
                        "welfare_decile": decile if variant < 0.9 else "",
                        "program": program,
                        "period": rng.choice(PERIODS),
                        "amount": amount,
                    }
                )
    return rows[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gc-freeze", action="store_true")
    args = parser.parse_args()

    rows = build_rows(args.rows, args.seed)
    regions = RegionMatcher.for_regency("36.71")
    today = date(2026, 3, 1)
    if args.gc_freeze:
        gc.freeze()

    errors = 0
    for label in ("cold", "warm"):
        wall, cpu = time.perf_counter(), time.process_time()
        for row in rows:
            _, row_errors = normalize_record(row, regions=regions, today=today)
            errors += bool(row_errors)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"{label} caches: {len(rows) / wall:,.0f} records/s wall "
            f"({wall / len(rows) * 1e6:.1f} µs/record; CPU {cpu / len(rows) * 1e6:.1f} µs/record)"
        )
    print(f"rows: {len(rows):,}  rows with errors: {errors // 2}  gc.freeze: {args.gc_freeze}")


if __name__ == "__main__":
    main()
