import pytest

from linkage.normalize.names import normalize_name, phonetic_code


def key(raw):
    return normalize_name(raw).key


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Soekarno", "Sukarno"),
        ("Djoko", "Joko"),
        ("Tjahjo", "Cahyo"),
        ("Yoeni", "Yuni"),
        ("Joeni", "Yuni"),
        ("Tjandra", "Candra"),
        ("Widjaja", "Wijaya"),
        ("Sudjatmiko", "Sujatmiko"),
        ("Sjahrir", "Syahrir"),
        ("Moch. Rizky", "Muhammad Rizky"),
        ("M. Rizky", "Muhammad Rizky"),
        ("Mohammad Rizky", "Muhammad Rizky"),
        ("Muhamad Rizky", "Muhammad Rizky"),
        ("Mochammad Rizky", "Muhammad Rizky"),
        ("Moh Rizky", "Muhammad Rizky"),
        ("Muh. Rizky", "Muhammad Rizky"),
        ("Achmad", "Ahmad"),
        ("Akhmad", "Ahmad"),
        ("Abdullah", "Abdulah"),
        ("Abdoel Hamid", "Abdul Hamid"),
        ("Chairul", "Khairul"),
        ("HASIBOEAN", "Hasibuan"),
    ],
)
def test_old_and_new_spellings_meet(old, new):
    assert key(old) == key(new)


def test_modern_j_is_not_turned_into_y():
    assert key("Joko") == "joko"
    assert key("Panji") == "panji"  # modern n + j, not old nj
    assert key("Joko") != key("Yoko")


def test_muhammad_canonical_token():
    assert normalize_name("Moch. Rizky").tokens == ("muhammad", "rizky")
    # a lone M. elsewhere is an initial
    assert normalize_name("Rizky M.").tokens == ("rizky", "m")


def test_degree_after_comma():
    parts = normalize_name("RIZKY FAUZI, A.MD")
    assert parts.display == "RIZKY FAUZI"
    assert parts.titles == ("A.MD",)
    assert parts.key == "rizky fauzi"
    assert parts.given == "rizky"


def test_titles_and_degree():
    parts = normalize_name("Drs. H. Ahmad Dahlan, S.Pd")
    assert parts.display == "AHMAD DAHLAN"
    assert parts.titles == ("Drs.", "H.", "S.Pd")
    assert parts.tokens == ("ahmad", "dahlan")


def test_binti_is_a_token_but_not_the_given_name():
    parts = normalize_name("Hj. Siti Aminah binti Abdullah")
    assert parts.display == "SITI AMINAH BINTI ABDULLAH"
    assert parts.titles == ("Hj.",)
    assert parts.tokens == ("siti", "aminah", "binti", "abdulah")
    assert parts.given == "siti"
    assert normalize_name("bin Salim").given == "salim"


@pytest.mark.parametrize(
    ("raw", "display", "titles"),
    [
        ("Kartini S.", "KARTINI S.", ()),
        ("Wati S.Pd", "WATI", ("S.Pd",)),
        ("JOKO TJANDRA, S.E.", "JOKO TJANDRA", ("S.E.",)),
        ("FATIMAH, S.H.", "FATIMAH", ("S.H.",)),
        ("DJOKO RAHMAWATI, S.KOM", "DJOKO RAHMAWATI", ("S.KOM",)),
        ("Budi, S.Pd., M.Si", "BUDI", ("S.Pd.", "M.Si")),
        ("dr. Nidah", "NIDAH", ("dr.",)),
        ("DR. NIDAH", "NIDAH", ("DR.",)),
        ("Ir. Teguh Saputra", "TEGUH SAPUTRA", ("Ir.",)),
        ("Prof. Dr. Ir. H. Budi Santoso", "BUDI SANTOSO", ("Prof.", "Dr.", "Ir.", "H.")),
        ("Drs.H.Ahmad", "AHMAD", ("Drs.", "H.")),
        ("H SUHARIO", "SUHARIO", ("H",)),
        ("  gilang   rohmah ", "GILANG ROHMAH", ()),
        ("SIREGAR, LESTARI", "SIREGAR LESTARI", ()),
        ("IRFAN", "IRFAN", ()),
        ("H.", "H.", ()),
    ],
)
def test_titles(raw, display, titles):
    parts = normalize_name(raw)
    assert (parts.display, parts.titles) == (display, titles)


def test_keys():
    parts = normalize_name("Siti Aminah")
    assert parts.key == "siti aminah"
    assert parts.sorted_key == "aminah siti"
    assert normalize_name("Aminah Siti").sorted_key == parts.sorted_key


def test_empty_name():
    for raw in (None, "", "   "):
        parts = normalize_name(raw)
        assert parts.key == "" and parts.given == "" and parts.tokens == ()


def test_apostrophe_and_accents():
    assert key("Ma'ruf") == "maruf"
    assert key("José") == "jose"


@pytest.mark.parametrize(
    ("a", "b"),
    [("Rizky", "Rizki"), ("Rizki", "Riski"), ("Fauzi", "Pauzi"), ("Irfan", "Erfan"),
     ("Ramadhan", "Ramadan"), ("Fatimah", "Fatima"), ("Yusuf", "Jusuf"),
     ("Njoman", "Nyoman")],
)  # fmt: skip
def test_phonetic_code_merges_spelling_variants(a, b):
    assert normalize_name(a).phonetic == normalize_name(b).phonetic


def test_phonetic_code_keeps_different_names_apart():
    assert phonetic_code("sukarno") == "skrn"
    assert phonetic_code("budi") != phonetic_code("siti")
    assert phonetic_code("") == ""
