"""Rules that keep different people apart (twins, a same-named father and son, serial-only NIK
differences, the civil registry's NIKs) and keep one person together (a NIK typo with the
same name), plus runs on frames that lack identifiers and regions."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from linkage.blocking import block
from linkage.clustering import cluster
from linkage.compare import Columns, compare_pairs, resolve
from linkage.config import LinkConfig
from linkage.diagnostics import cluster_diagnostics
from linkage.engine import link_records
from linkage.normalize.address import normalize_address
from linkage.normalize.names import normalize_name

KK = "3671011809010001"
TWIN_1 = "3671011809010001"  # born 2001-09-18 in district 01, serial 0001
TWIN_2 = "3671011809010002"
TWIN_3 = "3671011809010003"


def _person(rid: int, name: str, **kw: object) -> dict[str, object]:
    parts = normalize_name(name)
    base: dict[str, object] = {
        "record_id": rid,
        "agency": "dinkes",
        "agency_priority": 30,
        "nik": "",
        "nik_reliable": False,
        "kk_number": KK,
        "name_key": parts.key,
        "name_sorted": parts.sorted_key,
        "name_phonetic": parts.phonetic,
        "given_name_key": parts.given,
        "sex": "L",
        "birth_date": pd.Timestamp("2001-09-18"),
        "address_key": "jl melati",
        "house_number": "12",
        "rt": 3,
        "rw": 5,
        "kelurahan_code": "36.71.01.1001",
        "kecamatan_code": "36.71.01",
        "relationship": "ANAK",
    }
    base.update(kw)
    return base


def _civil(rid: int, name: str, nik: str, **kw: object) -> dict[str, object]:
    return _person(
        rid, name, agency="disdukcapil", agency_priority=0, nik=nik, nik_reliable=True, **kw
    )


# Given names and family names the background people are built from: records of one person
# agree, different people differ in both, so EM has matches and non-matches to learn from.
_GIVEN = ["budi", "agus", "dewi", "sri", "eko", "yuni", "heru", "tuti", "joko", "wati"]
_FAMILY = ["santoso", "wijaya", "hidayat", "lestari", "saputra", "purnomo", "gunawan"]


def _background(n: int) -> list[dict[str, object]]:
    """Unrelated households, each person in the civil registry and in one or two agencies
    (one with a typo in the name, one without NIK)."""
    out = []
    rid = 1000
    for k in range(n):
        name = f"{_GIVEN[k % 10]} {_FAMILY[(k // 10) % 7]}{'' if k < 70 else k}"
        nik = f"36710{(k % 9) + 1}{(k % 28) + 1:02d}0{(k % 9) + 1}{60 + k % 40:02d}{k + 1:04d}"
        kk = f"36710{(k % 9) + 1}0101{k:06d}"[:16]
        common = {
            "kk_number": kk,
            "birth_date": pd.Timestamp("1960-01-01") + pd.Timedelta(days=97 * k),
            "address_key": f"jl mawar {k}",
            "house_number": str(k % 50 + 1),
            "sex": "L" if k % 2 else "P",
            "relationship": "KEPALA KELUARGA",
        }
        out.append(_civil(rid, name, nik, **common))
        out.append(_person(rid + 1, name, agency="bpjs", nik=nik, nik_reliable=True, **common))
        typo = name[:2] + name[3] + name[2] + name[4:]
        out.append(_person(rid + 2, typo, agency="dinsos", **common))
        rid += 3
    return out


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    df = pd.DataFrame(records)
    df["rt"] = df["rt"].astype("Int64")
    df["rw"] = df["rw"].astype("Int64")
    return df


def test_triplets_are_never_one_person() -> None:
    """Same KK, birth date, family name and address; NIKs ...0001/2/3; agencies also list
    them without NIK. Every child stays a person of its own."""
    kids = [("imam aminah", TWIN_1), ("rizky aminah", TWIN_2), ("fajar aminah", TWIN_3)]
    recs = _background(60)
    for k, (name, nik) in enumerate(kids):
        recs.append(_civil(10 * k + 1, name, nik))
        recs.append(_person(10 * k + 2, name))  # no NIK
        recs.append(_person(10 * k + 3, name, agency="bpjs", nik=nik, nik_reliable=True))
    result = link_records(_frame(recs))
    lab = result.clusters
    assert len({lab[1], lab[11], lab[21]}) == 3
    for k in range(3):  # each child's own records are still one person
        assert lab[10 * k + 1] == lab[10 * k + 2] == lab[10 * k + 3]
    assert result.stats["multiple_birth_pairs"] > 0


def test_twins_without_any_nik_stay_apart() -> None:
    """Only household evidence and a family name in common: the given names decide."""
    recs = _background(60) + [
        _person(1, "aldi saputra"),
        _person(2, "aldi saputra", agency="bpjs"),
        _person(3, "nabila saputra", sex="P"),
        _person(4, "nabila saputra", agency="bpjs", sex="P"),
    ]
    lab = link_records(_frame(recs)).clusters
    assert lab[1] == lab[2] and lab[3] == lab[4]
    assert lab[1] != lab[3]


def test_father_and_same_named_son_in_one_kk_stay_apart() -> None:
    """Father and son "Muhammad ... Santoso" in one KK at one address; the son's clinic
    record has neither NIK nor birth date: it must join the son, and the two men stay two."""
    father_nik, son_nik = "3671010303750001", "3671011107050001"
    recs = _background(60) + [
        _civil(1, "muhammad rizki santoso", father_nik, birth_date=pd.Timestamp("1975-03-03")),
        _civil(2, "muhammad fajar santoso", son_nik, birth_date=pd.Timestamp("2005-07-11")),
        _person(3, "muhammad fajar santoso", birth_date=pd.NaT),
        _person(4, "m rizki santoso", birth_date=pd.NaT, agency="bpjs"),
    ]
    lab = link_records(_frame(recs)).clusters
    assert lab[1] != lab[2]
    assert lab[3] == lab[2]
    assert lab[4] == lab[1]


def test_nik_serial_typo_still_merges_when_the_names_agree() -> None:
    """...0001 typed as ...0007 by an agency: same name, date, KK and address -> one person."""
    recs = _background(60) + [
        _civil(1, "siti rahmawati", TWIN_1, sex="P"),
        _person(2, "siti rahmawati", nik=TWIN_1[:-1] + "7", nik_reliable=True, sex="P"),
    ]
    lab = link_records(_frame(recs)).clusters
    assert lab[1] == lab[2]


def test_serial_only_nik_difference_with_other_given_name_is_different() -> None:
    df = _frame(
        [
            _person(1, "rina lestari", nik="3671012502800001", nik_reliable=True),
            _person(2, "fajar lestari", nik="3671012502800002", nik_reliable=True),
            _person(3, "rina lestari", nik="3671012502800002", nik_reliable=True),
            _person(4, "rina lestari", nik="3671012502800000", nik_reliable=True),
            _civil(5, "rina lestari", TWIN_1),
            _civil(6, "rini lestari", TWIN_2),
        ]
    )
    (nik,) = resolve(["nik"])
    i, j = np.array([0, 0, 0, 4]), np.array([1, 2, 3, 5])
    levels = compare_pairs(df, i, j, [nik], workers=1)[:, 0]
    # another given name: two people; the same name: a typo; a last 0: Excel's lost digit;
    # two NIKs the civil registry holds: two people, even with rhyming names (rina / rini)
    assert [nik.labels[x] for x in levels] == [
        "different",
        "one_off_other",
        "one_off_other",
        "different",
    ]


def test_civil_registry_rule_is_checked_again_after_clustering(caplog, monkeypatch) -> None:
    """With the fast path's check switched off (as a bug would), the check after clustering
    still splits two civil records with different NIKs, and logs the count without NIKs."""
    import linkage.clustering

    monkeypatch.setattr(
        linkage.clustering, "_nik_suspects", lambda comp, *a: np.zeros(comp.max() + 1, bool)
    )
    niks = np.array([TWIN_1, TWIN_2, ""], dtype=object)
    with caplog.at_level(logging.WARNING, logger="linkage.clustering"):
        labels, stats = cluster(
            3,
            np.array([0, 1]),
            np.array([2, 2]),
            np.array([9.0, 4.0]),
            reliable_nik=niks,
            civil=np.array([True, True, False]),
        )
    assert labels[0] != labels[1]
    assert labels[2] == labels[0]  # the stronger edge wins the record without NIK
    assert stats["civil_splits"] == 1
    assert "1 clusters held civil-registry records" in caplog.text
    assert TWIN_1 not in caplog.text and TWIN_2 not in caplog.text


def test_a_reviewers_same_on_two_civil_records_is_honoured() -> None:
    """A person Dukcapil registered twice: the reviewer's decision stands on every rerun."""
    niks = np.array([TWIN_1, TWIN_2], dtype=object)
    labels, stats = cluster(
        2,
        np.array([], dtype=np.int64),
        np.array([], dtype=np.int64),
        np.array([]),
        reliable_nik=niks,
        civil=np.array([True, True]),
        must_link=[(0, 1)],
    )
    assert labels[0] == labels[1]
    assert stats["civil_splits"] == 0


def test_default_configuration_runs_on_a_name_and_date_only_frame() -> None:
    """No NIK, KK, address or region column: no KeyError, the keys needing them are
    skipped (reported with no records), and the name + date keys still find the pairs."""
    names = ["john smith", "smith jonh", "mary jones", "jones mary", "ann lee", "peter pan"]
    df = pd.DataFrame(
        {
            "record_id": range(6),
            "name_key": names,
            "birth_date": pd.to_datetime(
                ["1980-01-02"] * 2 + ["1975-05-05"] * 2 + ["1990-01-01"] * 2
            ),
        }
    )
    result = link_records(df)
    reports = {r["key"]: r for r in result.blocking}
    assert reports["nik_exact"]["records_keyed"] == 0
    assert reports["kk_given"]["records_keyed"] == 0 and reports["kk_given"]["pairs"] == 0
    assert reports["token_dob"]["pairs"] >= 2
    # swapped given/family name plus a typo ("smith jonh") is a candidate pair
    cand = block(df, LinkConfig().blocking_keys, columns=Columns(df))
    assert (0, 1) in set(zip(cand.left.tolist(), cand.right.tolist(), strict=True))


def test_leading_house_number_is_found() -> None:
    assert normalize_address("194 sturt avenue").house_number == "194"
    assert normalize_address("194 sturt avenue").key == "sturt avenue"
    assert normalize_address("Jl. 17 Agustus No. 5").house_number == "5"
    assert normalize_address("17 Agustus").house_number == ""  # a street named after a date


def test_diagnostics_report_conflicts_by_id_only() -> None:
    records = pd.DataFrame(
        {
            "record_id": [1, 2, 3, 4, 5],
            "nik": [TWIN_1, TWIN_2, "", "3671021203850004", "3671099999990009"],
            "nik_reliable": [True, True, False, True, True],
            "agency_priority": [0, 0, 30, 30, 30],
        }
    )
    diag = cluster_diagnostics(records, np.array([7, 7, 7, 8, 8]))
    assert diag.largest[0] == (7, 3)
    assert diag.civil_conflict_count == 1 and diag.civil_conflicts == [(7, [1, 2, 3])]
    assert diag.nik_conflict_count == 1 and diag.nik_conflicts[0][0] == 8
    text = "\n".join(diag.lines("person"))
    assert "person 7: records 1, 2, 3" in text
    assert TWIN_1 not in text and "3671021203850004" not in text
