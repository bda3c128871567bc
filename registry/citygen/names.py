"""Indonesian name pools and the rules that combine them into full names.

Canonical names are in title case ("Siti Aminah binti Mamat"); agencies change the case later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Cultural groups of households, with their share of the city's households.
JAVANESE, SUNDANESE, BETAWI, BATAK, CHINESE, OTHER = range(6)
GROUP_WEIGHTS = (0.33, 0.25, 0.22, 0.07, 0.05, 0.08)
MUSLIM_GROUPS = frozenset({JAVANESE, SUNDANESE, BETAWI, OTHER})


@dataclass(frozen=True)
class NamePool:
    male: tuple[str, ...]
    female: tuple[str, ...]
    male_second: tuple[str, ...]
    female_second: tuple[str, ...]
    single_name_share: float  # share of people with one name only
    family_names: tuple[str, ...] = ()  # inherited names (Batak clans, Chinese-Indonesian)


POOLS: dict[int, NamePool] = {
    JAVANESE: NamePool(
        male=(
            "Joko",
            "Bambang",
            "Slamet",
            "Sukarno",
            "Suharto",
            "Eko",
            "Budi",
            "Agus",
            "Wahyu",
            "Cahyo",
            "Dwi",
            "Tri",
            "Heru",
            "Sigit",
            "Yudi",
            "Sutrisno",
            "Sugiarto",
            "Bagus",
            "Teguh",
            "Yanto",
            "Suyono",
            "Jumadi",
            "Sukirno",
            "Hadi",
            "Purwanto",
        ),
        female=(
            "Sri",
            "Dewi",
            "Yuni",
            "Tuti",
            "Endang",
            "Sumiati",
            "Suryani",
            "Wahyuni",
            "Lestari",
            "Rahayu",
            "Ratna",
            "Kartini",
            "Wulan",
            "Indah",
            "Eni",
            "Sumarni",
            "Yuli",
            "Siti",
            "Nur",
            "Sulastri",
            "Juwariyah",
            "Tukiyem",
        ),
        male_second=(
            "Santoso",
            "Susanto",
            "Nugroho",
            "Wibowo",
            "Prasetyo",
            "Utomo",
            "Setiawan",
            "Kurniawan",
            "Hartono",
            "Widodo",
            "Purnomo",
            "Sutrisno",
            "Wicaksono",
            "Cahyono",
            "Suryanto",
            "Haryanto",
        ),
        female_second=(
            "Rahayu",
            "Lestari",
            "Wahyuni",
            "Handayani",
            "Utami",
            "Susilowati",
            "Purwanti",
            "Rahmawati",
            "Setyaningsih",
            "Kusumawati",
            "Yuliani",
            "Wijayanti",
        ),
        single_name_share=0.35,
    ),
    SUNDANESE: NamePool(
        male=(
            "Asep",
            "Ujang",
            "Dadang",
            "Cecep",
            "Deden",
            "Ade",
            "Yayan",
            "Dede",
            "Iwan",
            "Jajang",
            "Ayi",
            "Enjang",
            "Ridwan",
            "Agus",
            "Endang",
            "Yusuf",
            "Ujang",
            "Ceceng",
        ),
        female=(
            "Euis",
            "Neneng",
            "Iis",
            "Imas",
            "Cucu",
            "Enok",
            "Yati",
            "Eti",
            "Nining",
            "Lilis",
            "Yuyun",
            "Rina",
            "Siti",
            "Nur",
            "Cicih",
            "Entin",
        ),
        male_second=(
            "Sunarya",
            "Hidayat",
            "Supriatna",
            "Saepudin",
            "Sopian",
            "Kusnadi",
            "Rohman",
            "Suhendar",
            "Permana",
            "Gunawan",
            "Kurniawan",
            "Mulyana",
            "Ruhiyat",
        ),
        female_second=(
            "Nurhayati",
            "Kurniasih",
            "Rohmah",
            "Maryati",
            "Suryani",
            "Komalasari",
            "Rosita",
            "Sumarni",
            "Yulianti",
            "Hayati",
        ),
        single_name_share=0.25,
    ),
    BETAWI: NamePool(
        male=(
            "Mamat",
            "Udin",
            "Rojali",
            "Jaelani",
            "Sanusi",
            "Mursid",
            "Saiful",
            "Mahmud",
            "Rahmat",
            "Abdul",
            "Syamsul",
            "Hasan",
            "Ali",
            "Zakaria",
            "Mansur",
            "Basri",
            "Rizky",
            "Fajar",
            "Yusuf",
            "Ahmad",
        ),
        female=(
            "Siti",
            "Nur",
            "Aminah",
            "Aisyah",
            "Fatimah",
            "Khadijah",
            "Maemunah",
            "Juleha",
            "Zubaedah",
            "Nurul",
            "Rohayah",
            "Mariam",
            "Saodah",
            "Fitri",
            "Nurjanah",
        ),
        male_second=(
            "Hakim",
            "Fauzi",
            "Ramadhan",
            "Maulana",
            "Firmansyah",
            "Saputra",
            "Hidayatullah",
            "Ismail",
            "Abdullah",
            "Syahputra",
            "Hasan",
            "Sofyan",
        ),
        female_second=(
            "Aminah",
            "Hasanah",
            "Nurjanah",
            "Rohmah",
            "Zahra",
            "Fauziah",
            "Maesaroh",
            "Mulyani",
            "Khairunnisa",
            "Halimah",
        ),
        single_name_share=0.30,
    ),
    BATAK: NamePool(
        male=(
            "Togar",
            "Parlindungan",
            "Binsar",
            "Hotman",
            "Sahat",
            "Tumpal",
            "Rudolf",
            "Johnson",
            "Daniel",
            "Samuel",
            "Yosua",
            "Marojahan",
            "Poltak",
            "Robert",
        ),
        female=(
            "Tiurma",
            "Lasma",
            "Romauli",
            "Rosmawati",
            "Maria",
            "Debora",
            "Ester",
            "Yohana",
            "Riris",
            "Dame",
            "Lamria",
            "Nurhaida",
        ),
        male_second=("Hamonangan", "Parulian", "Tua", "Halomoan", "Mangatas"),
        female_second=("Br", "Uli", "Sari", "Rohani"),
        single_name_share=0.0,
        family_names=(
            "Siregar",
            "Simanjuntak",
            "Nasution",
            "Harahap",
            "Lubis",
            "Sinaga",
            "Situmorang",
            "Hutapea",
            "Pardede",
            "Tampubolon",
            "Simatupang",
            "Panjaitan",
            "Sitompul",
            "Manurung",
            "Sihombing",
            "Hutagalung",
            "Napitupulu",
            "Silalahi",
        ),
    ),
    CHINESE: NamePool(
        male=(
            "Hendra",
            "Budi",
            "Kevin",
            "Steven",
            "Wilson",
            "Andreas",
            "Felix",
            "Yohanes",
            "Hendrik",
            "Wijaya",
            "Michael",
            "Sugianto",
        ),
        female=(
            "Lina",
            "Melinda",
            "Jessica",
            "Stefani",
            "Fransiska",
            "Linda",
            "Yenny",
            "Lanny",
            "Susanti",
            "Meliana",
        ),
        male_second=("Setiawan", "Kurniawan", "Gunawan"),
        female_second=("Wati", "Susanti", "Dewi"),
        single_name_share=0.0,
        family_names=(
            "Wijaya",
            "Gunawan",
            "Halim",
            "Setiadi",
            "Tanoto",
            "Santoso",
            "Salim",
            "Kusuma",
            "Hartanto",
            "Tanujaya",
            "Lim",
            "Tan",
        ),
    ),
    OTHER: NamePool(
        male=(
            "Syafrizal",
            "Erwin",
            "Andi",
            "Yusuf",
            "Irfan",
            "Taufik",
            "Arif",
            "Zulkifli",
            "Hendri",
            "Rusli",
            "Anwar",
            "Darmawan",
            "Ilham",
            "Hasanuddin",
        ),
        female=(
            "Yusnita",
            "Rahmi",
            "Fitri",
            "Desi",
            "Elvi",
            "Nurhaliza",
            "Wirda",
            "Yusra",
            "Ernawati",
            "Nurul",
            "Siti",
            "Rosdiana",
        ),
        male_second=("Putra", "Syahrial", "Effendi", "Rahman", "Hamzah", "Yunus", "Amir"),
        female_second=("Putri", "Yanti", "Wati", "Rahmawati", "Hasanah", "Novita"),
        single_name_share=0.15,
    ),
}

# Names popular with people born since the mid-1990s, across groups.
MODERN_MALE = (
    "Aditya",
    "Bayu",
    "Dimas",
    "Rizky",
    "Gilang",
    "Ilham",
    "Fauzan",
    "Kevin",
    "Reza",
    "Andika",
    "Aldi",
    "Farhan",
    "Rafi",
    "Arya",
    "Fikri",
    "Rizki",
    "Dafa",
    "Naufal",
    "Alif",
)
MODERN_FEMALE = (
    "Putri",
    "Ayu",
    "Nabila",
    "Aulia",
    "Salsabila",
    "Nadia",
    "Anisa",
    "Dinda",
    "Tiara",
    "Rizka",
    "Amelia",
    "Keisha",
    "Zahra",
    "Nur",
    "Siti",
    "Aisyah",
    "Syifa",
)
MODERN_SECOND_MALE = ("Pratama", "Saputra", "Ramadhan", "Maulana", "Firmansyah", "Hidayat")
MODERN_SECOND_FEMALE = ("Putri", "Rahmawati", "Lestari", "Ramadhani", "Azzahra", "Safitri")

MODERN_BIRTH_YEAR = 1995
MUHAMMAD_SHARE = 0.12  # Muslim men whose name starts with Muhammad
AHMAD_SHARE = 0.05  # ... or with Ahmad
BINTI_SHARE = 0.05  # Muslim women named "... binti <father>"
BIN_SHARE = 0.02


def pick_group(rnd: random.Random) -> int:
    return rnd.choices(range(len(GROUP_WEIGHTS)), weights=GROUP_WEIGHTS)[0]


def pick_family_name(group: int, rnd: random.Random) -> str:
    names = POOLS[group].family_names
    return rnd.choice(names) if names else ""


def make_name(
    rnd: random.Random,
    group: int,
    female: bool,
    birth_year: int,
    family_name: str,
    father_name: str,
) -> str:
    """One person's canonical full name."""
    pool = POOLS[group]
    modern = birth_year >= MODERN_BIRTH_YEAR and group in MUSLIM_GROUPS and rnd.random() < 0.5
    if female:
        first = rnd.choice(MODERN_FEMALE if modern else pool.female)
        seconds = MODERN_SECOND_FEMALE if modern else pool.female_second
    else:
        first = rnd.choice(MODERN_MALE if modern else pool.male)
        seconds = MODERN_SECOND_MALE if modern else pool.male_second
    parts = [first]
    if not female and group in MUSLIM_GROUPS:
        draw = rnd.random()
        if draw < MUHAMMAD_SHARE:
            parts.insert(0, "Muhammad")
        elif draw < MUHAMMAD_SHARE + AHMAD_SHARE and first != "Ahmad":
            parts.insert(0, "Ahmad")
    if family_name:
        if group == BATAK and female and rnd.random() < 0.3:
            parts.append("Br")
        parts.append(family_name)
    elif rnd.random() >= pool.single_name_share:
        second = rnd.choice(seconds)
        if second != first:
            parts.append(second)
    if group in MUSLIM_GROUPS and father_name and not family_name:
        draw = rnd.random()
        if female and draw < BINTI_SHARE:
            parts += ["binti", father_name]
        elif not female and draw < BIN_SHARE:
            parts += ["bin", father_name]
    return " ".join(parts)


BIRTH_PLACES_CITY = "Tangerang"
BIRTH_PLACES_OTHER = (
    "Jakarta",
    "Bandung",
    "Serang",
    "Lebak",
    "Pandeglang",
    "Bogor",
    "Cirebon",
    "Semarang",
    "Surabaya",
    "Medan",
    "Padang",
    "Palembang",
    "Tegal",
    "Brebes",
    "Garut",
    "Tasikmalaya",
    "Kuningan",
    "Indramayu",
    "Yogyakarta",
    "Solo",
    "Kebumen",
    "Cilacap",
    "Lampung",
    "Makassar",
    "Pematangsiantar",
    "Bekasi",
    "Depok",
    "Karawang",
    "Sukabumi",
    "Cianjur",
)
