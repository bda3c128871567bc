import pytest

from linkage.normalize.regions import RegionMatcher


@pytest.fixture(scope="module")
def regions():
    return RegionMatcher.for_regency("36.71")


def test_for_regency_is_cached(regions):
    assert RegionMatcher.for_regency("36.71") is regions
    assert RegionMatcher.for_regency("3671") is regions


@pytest.mark.parametrize(
    ("kelurahan", "kecamatan"),
    [
        ("JURUMUDI BARU", "Benda"),
        ("Jurumudi Baru", "BENDA"),
        ("Kel. Jurumudi Baru", "Kec. Benda"),
        ("Kelurahan  jurumudi  baru", "Kecamatan Benda"),
        ("jurumudibaru", ""),
        ("36.71.04.1005", ""),
        ("3671041005", "36.71.04"),
        (3671041005, 367104),
        (3671041005.0, ""),
        ("Jurumudi Baru", "367104"),
    ],
)
def test_names_and_codes(regions, kelurahan, kecamatan):
    match = regions.match(kelurahan, kecamatan)
    assert (match.kelurahan_code, match.kecamatan_code, match.flags) == (
        "36.71.04.1005",
        "36.71.04",
        (),
    )


def test_kelurahan_disambiguated_by_kecamatan(regions):
    # Jatiuwung is a kecamatan (36.71.02) and a kelurahan of Cibodas (36.71.09)
    assert regions.match("Jatiuwung", "Cibodas").kelurahan_code == "36.71.09.1006"
    # Batuceper is both the kecamatan and one of its kelurahan
    match = regions.match("Batuceper", "Batuceper")
    assert (match.kelurahan_code, match.kecamatan_code) == ("36.71.03.1001", "36.71.03")


def test_typos_are_matched_and_flagged(regions):
    match = regions.match("Jurumudi Bru", "Benda")
    assert match.kelurahan_code == "36.71.04.1005"
    assert match.flags == ("kelurahan:fuzzy",)
    assert regions.match("Sudimara Selatn", "").kelurahan_code == "36.71.06.1007"
    assert regions.match("Pondok Bahar", "Karang Tengh").kecamatan_code == "36.71.12"


def test_close_names_are_not_confused(regions):
    assert regions.match("Poris Plawad Utara", "Cipondoh").kelurahan_code == "36.71.05.1009"
    assert regions.match("Poris Plawad", "Cipondoh").kelurahan_code == "36.71.05.1008"


def test_unknown_and_mismatch_are_flags(regions):
    match = regions.match("Menteng", "Gambir")
    assert match.kelurahan_code == ""
    assert match.kecamatan_code == ""
    assert set(match.flags) == {"kelurahan:unknown", "kecamatan:unknown"}

    mismatch = regions.match("Jurumudi Baru", "Cipondoh")
    assert mismatch.kelurahan_code == "36.71.04.1005"
    assert mismatch.kecamatan_code == "36.71.04"
    assert mismatch.flags == ("kelurahan:kecamatan_mismatch",)

    assert regions.match("32.01.01.1001", "").flags == ("kelurahan:unknown",)
    assert regions.match("", "").flags == ("kelurahan:missing",)
    assert regions.match(None, "Benda") == regions.match("", "36.71.04")


def test_regions_listing(regions):
    rows = list(regions.regions())
    levels = [row[2] for row in rows]
    assert levels.count(1) == 1 and levels.count(2) == 1
    assert levels.count(3) == 13
    assert levels.count(4) == 104
    assert ("36.71", "Kota Tangerang", 2, "kota", "36") in rows
    assert ("36.71.01.1001", "Sukarasa", 4, "kelurahan", "36.71.01") in rows
