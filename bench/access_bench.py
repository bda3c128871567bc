"""Profile-read latency through the permission-checked, audited selector at city scale.

Builds a throwaway database with N persons generated in SQL (two source records per person in
a closed civil-registry dataset and a restricted social-affairs dataset, households of four,
aid receipts for a third), then times person_get_for_user - permission check, profile
assembly from the visible records, and the hash-chained audit event in the same transaction -
for a granted analyst and for the walidata. Drops the database afterwards unless --keep.

    SATUDATA_TEST_DB=access_bench .venv/bin/python bench/access_bench.py --persons 2000000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import config.throwaway_env  # noqa: E402, F401 - per-run keys, debug off

os.environ.setdefault("SATUDATA_TEST_DB", "access_bench")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def populate(n: int) -> None:
    from django.db import connection

    from registry.models import AccessLevel, Agency, AgencyKind, Dataset, ImportBatch

    capil = Agency.objects.create(code="capil", name="Disdukcapil", kind=AgencyKind.CIVIL_REGISTRY)
    dinsos = Agency.objects.create(code="dinsos", name="Dinsos", kind=AgencyKind.SOCIAL_AFFAIRS)
    penduduk = Dataset.objects.create(
        agency=capil, name="penduduk", title="Penduduk", producer="capil",
        access_level=AccessLevel.CLOSED,
    )  # fmt: skip
    dtks = Dataset.objects.create(agency=dinsos, name="dtks", title="DTKS", producer="dinsos",
                                  access_level=AccessLevel.RESTRICTED)  # fmt: skip
    b1 = ImportBatch.objects.create(agency=capil, dataset=penduduk, status="imported")
    b2 = ImportBatch.objects.create(agency=dinsos, dataset=dtks, status="imported")
    steps = [
        f"""INSERT INTO registry_person (public_id, status, nik, kk_number, full_name, name_key,
               sex, birth_place, birth_date, address, kelurahan_code, kecamatan_code,
               golden_sources, created_at, updated_at)
            SELECT 'P' || lpad(g::text, 10, '0'), 'active', '3' || lpad(g::text, 15, '0'),
                   '7' || lpad((g / 4)::text, 15, '0'), 'WARGA ' || g, 'warga ' || g,
                   CASE WHEN g % 2 = 0 THEN 'L' ELSE 'P' END, 'TANGERANG',
                   date '1950-01-01' + (g % 25000), 'JL. BENCH NO. ' || (g / 4),
                   '36.71.01.1001', '36.71.01', '{{}}', now(), now()
            FROM generate_series(1, {n}) g""",
        f"""INSERT INTO registry_household (public_id, kk_number, address, kelurahan_code,
               kecamatan_code, created_at, updated_at)
            SELECT 'H' || lpad(k::text, 10, '0'), '7' || lpad(k::text, 15, '0'),
                   'JL. BENCH NO. ' || k, '36.71.01.1001', '36.71.01', now(), now()
            FROM generate_series(0, {n} / 4) k""",
        """INSERT INTO registry_membership (household_id, person_id, relationship)
            SELECT h.id, p.id, CASE WHEN p.id % 4 = 0 THEN 'KEPALA_KELUARGA' ELSE 'ANAK' END
            FROM registry_person p JOIN registry_household h ON h.kk_number = p.kk_number""",
    ]
    for agency, dataset, batch, prefix in ((capil, penduduk, b1, "C"), (dinsos, dtks, b2, "D")):
        program = "CASE WHEN p.id % 3 = 0 THEN 'PKH' ELSE '' END" if prefix == "D" else "''"
        steps.append(
            f"""INSERT INTO registry_sourcerecord (agency_id, dataset_id, batch_id,
                   source_record_id, version, is_current, content_hash, created_at, original,
                   flags, nik, nik_reliable, kk_number, full_name, name_key, name_sorted,
                   name_phonetic, given_name_key, sex, birth_place, birth_date, address,
                   address_key, house_number, kelurahan_code, kecamatan_code, relationship,
                   program, period, amount)
                SELECT {agency.pk}, {dataset.pk}, {batch.pk}, '{prefix}-' || p.id, 1, true,
                       md5(p.id::text), now(),
                       jsonb_build_object('nik', p.nik, 'nama', p.full_name),
                       '{{}}', p.nik, true, p.kk_number, p.full_name, p.name_key, p.name_key,
                       p.name_key, 'warga', p.sex, p.birth_place, p.birth_date, p.address,
                       p.address, '1', p.kelurahan_code, p.kecamatan_code, 'ANAK',
                       {program}, CASE WHEN {program} <> '' THEN '2026-01' ELSE '' END,
                       CASE WHEN {program} <> '' THEN 750000 END
                FROM registry_person p"""
        )
    steps += [
        # every record is linked to the person its source_record_id ('C-<pk>') names
        """INSERT INTO registry_recordlink (record_id, person_id)
            SELECT id, split_part(source_record_id, '-', 2)::bigint FROM registry_sourcerecord""",
        """INSERT INTO registry_aidreceipt (source_record_id, agency_id, program, period, amount,
               person_id)
            SELECT r.id, r.agency_id, r.program, r.period, r.amount, l.person_id
              FROM registry_sourcerecord r JOIN registry_recordlink l ON l.record_id = r.id
             WHERE r.program <> ''""",
        "ANALYZE",
    ]
    with connection.cursor() as cursor:
        for sql in steps:
            started = time.perf_counter()
            cursor.execute(sql)
            print(
                f"  {sql.split()[2] if len(sql.split()) > 2 else sql:<28} "
                f"{time.perf_counter() - started:6.1f} s",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from registry.models import Agency, AgencyKind, Dataset
        from registry.roles import Role, roles_ensure
        from registry.selectors import Purpose, person_get_for_user, viewer_for
        from registry.services.accounts import account_create, grant_create

        print(f"populating {args.persons:,} persons", flush=True)
        populate(args.persons)
        roles_ensure()
        dinkes = Agency.objects.create(code="dinkes", name="Dinkes", kind=AgencyKind.HEALTH)
        kominfo = Agency.objects.create(
            code="kominfo", name="Kominfo", kind=AgencyKind.DATA_CUSTODIAN
        )
        pw = "bench-password-long-enough-1"  # noqa: S105
        walidata = account_create(actor=None, username="w", password=pw, role=Role.WALIDATA,
                                  agency=kominfo)  # fmt: skip
        analyst = account_create(actor=None, username="a", password=pw, role=Role.ANALYST,
                                 agency=dinkes)  # fmt: skip
        grant_create(actor=walidata, dataset=Dataset.objects.get(name="dtks"), grantee=dinkes,
                     purpose_code="verifikasi-bansos", purpose_text="bench",
                     expires_at=timezone.now() + timedelta(days=1))  # fmt: skip
        purpose = Purpose.parse("verifikasi-bansos", "bench")
        rng = random.Random(7)
        for label, user in (("analyst (granted restricted)", analyst), ("walidata", walidata)):
            viewer = viewer_for(user, ip="10.0.0.1", user_agent="bench")
            for _ in range(20):  # warm-up: connections, caches, plans
                person_get_for_user(viewer=viewer, purpose=purpose,
                                    public_id=f"P{rng.randint(1, args.persons):010d}")  # fmt: skip
            times = []
            if os.environ.get("ACCESS_BENCH_QUERIES"):
                from django.test.utils import CaptureQueriesContext

                with CaptureQueriesContext(connection) as ctx:
                    person_get_for_user(viewer=viewer, purpose=purpose, public_id="P0000000404")
                for q in ctx.captured_queries:
                    print(f"  {q['time']:>6} {q['sql'][:300]}")
            if os.environ.get("ACCESS_BENCH_PROFILE"):
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(50):
                    public_id = f"P{rng.randint(1, args.persons):010d}"
                    person_get_for_user(viewer=viewer, purpose=purpose, public_id=public_id)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            for _ in range(args.reads):
                public_id = f"P{rng.randint(1, args.persons):010d}"
                started = time.perf_counter()
                person_get_for_user(viewer=viewer, public_id=public_id, purpose=purpose)
                times.append((time.perf_counter() - started) * 1000)
            print(
                f"{label:<30} reads={len(times)} p50={statistics.median(times):.1f} ms "
                f"p95={percentile(times, 0.95):.1f} ms max={max(times):.1f} ms",
                flush=True,
            )
    finally:
        if args.keep:
            print("kept database", connection.settings_dict["NAME"])
        else:
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
