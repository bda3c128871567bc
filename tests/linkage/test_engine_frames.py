"""Engine frames straight from exchange-format CSVs (Indonesian headers, semicolons)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from linkage.engine import link_records
from linkage.frames import AgencyFile, build_frame, read_exchange_csv

DUKCAPIL = (
    "source_record_id,nik,kk_number,full_name,sex,birth_date,address,rt,rw,kelurahan,"
    "kecamatan,relationship\n"
    "D1,3671014505900001,3671010101100001,HJ. SITI AMINAH,P,1990-05-05,Jl. Melati No. 12,"
    "003,005,36.71.01.1001,36.71.01,ISTRI\n"
)
DINSOS = (
    "\ufeffID;NIK;NO KK;NAMA LENGKAP;JENIS KELAMIN;TGL LAHIR;ALAMAT;RT/RW;KELURAHAN;KECAMATAN\n"
    "S1;3671014505900001;3671010101100001;Siti Aminah;PEREMPUAN;05-05-1990;"
    "JL MELATI NO 12;3/5;36.71.01.1001;36.71.01\n"
)


def test_build_frame_reads_both_shapes(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text(DUKCAPIL, encoding="utf-8")
    (tmp_path / "s.csv").write_text(DINSOS, encoding="utf-8")
    rows = read_exchange_csv(tmp_path / "s.csv")
    assert rows[0]["source_record_id"] == "S1" and rows[0]["rt"] == "3/5"
    df, counts = build_frame(
        [
            AgencyFile("disdukcapil", "civil_registry", tmp_path / "d.csv"),
            AgencyFile("dinsos", "social_affairs", tmp_path / "s.csv"),
        ]
    )
    assert counts == {"rows": 2, "rejected": 0}
    assert list(df["agency_priority"]) == [0, 10]
    assert df["name_key"].nunique() == 1  # title removed, case folded
    assert df["birth_date"].dtype.kind == "M"
    assert list(df["rt"]) == [3, 3] and list(df["rw"]) == [5, 5]
    assert df["kelurahan_code"].iloc[0] != ""
    result = link_records(df)
    assert result.clusters.nunique() == 1
    assert isinstance(result.pairs, pd.DataFrame)
