from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class PersonHitOut(Schema):
    public_id: str = Field(..., description="stable public person id", examples=["P7K2M9Q4XZ1"])
    display_name: str = Field(
        ..., description="name as held by a visible source", examples=["SITI AMINAH"]
    )
    birth_date: date | None = Field(None, description="date of birth", examples=["1990-05-09"])
    sex: str = Field("", description="L / P", examples=["P"])
    kelurahan_code: str = Field(
        "", description="Kemendagri kelurahan code", examples=["36.71.01.1001"]
    )
    score: float = Field(..., description="match score 0-1 (1 = exact NIK)", examples=[0.93])
    matched_on: list[str] = Field(
        ...,
        description="what matched: nik, kk, name, name_phonetic, birth_date, kelurahan",
        examples=[["name", "birth_date"]],
    )


class HouseholdHitOut(Schema):
    public_id: str = Field(..., description="public household id", examples=["H3XK9P2M7QA"])
    kelurahan_code: str = Field(
        "", description="Kemendagri kelurahan code", examples=["36.71.01.1001"]
    )
    members: int = Field(..., description="members in the household", examples=[4])


class PersonSearchOut(Schema):
    results: list[PersonHitOut] = Field(..., description="best first")
    limit: int = Field(..., description="page size used", examples=[20])
    offset: int = Field(0, description="hits skipped", examples=[0])
    total: int = Field(0, description="hits in all pages", examples=[1])
    total_is_lower_bound: bool = Field(
        False, description="too many name candidates: the total is at least this"
    )
    households: list[HouseholdHitOut] = Field(
        [], description="households whose KK number was searched (or typed as NIK)"
    )


class GoldenOut(Schema):
    nik: str = Field("", description="NIK (masked for planners)", examples=["3671014905150001"])
    kk_number: str = Field(
        "", description="KK number (masked for planners)", examples=["3671010101150003"]
    )
    full_name: str = Field("", description="best name", examples=["SITI AMINAH"])
    sex: str = Field("", description="L / P", examples=["P"])
    birth_place: str = Field("", description="place of birth", examples=["TANGERANG"])
    birth_date: date | None = Field(None, description="date of birth", examples=["1990-05-09"])
    death_date: date | None = Field(None, description="date of death", examples=[None])
    address: str = Field("", description="address", examples=["JALAN MERDEKA NO 5"])
    rt: int | None = Field(None, description="RT", examples=[3])
    rw: int | None = Field(None, description="RW", examples=[5])
    kelurahan_code: str = Field("", description="kelurahan code", examples=["36.71.01.1001"])
    kelurahan_name: str = Field("", description="kelurahan name", examples=["SUKARASA"])
    kecamatan_code: str = Field("", description="kecamatan code", examples=["36.71.01"])
    kecamatan_name: str = Field("", description="kecamatan name", examples=["TANGERANG"])


class RecordVersionOut(Schema):
    version: int = Field(..., description="version number", examples=[1])
    created_at: datetime = Field(..., description="when stored")
    fields: dict[str, Any] = Field(..., description="normalised values")
    original: dict[str, Any] = Field(..., description="values as sent (empty for masked roles)")
    flags: list[str] = Field(
        ..., description="data quality flags", examples=[["nik:excel_damaged"]]
    )


class RecordViewOut(RecordVersionOut):
    agency_code: str = Field(..., description="source agency", examples=["dinsos"])
    agency_name: str = Field(..., description="source agency name", examples=["Dinas Sosial"])
    dataset_name: str = Field(..., description="dataset", examples=["penerima-bansos"])
    dataset_title: str = Field(..., description="dataset title", examples=["Penerima bansos 2026"])
    access_level: str = Field(..., description="open | restricted | closed", examples=["closed"])
    source_record_id: str = Field(
        ..., description="agency's own key", examples=["DINSOS-2026-000123"]
    )
    older_versions: list[RecordVersionOut] = Field(
        default_factory=list, description="superseded versions"
    )


class HouseholdMemberOut(Schema):
    public_id: str = Field(..., description="person public id", examples=["P7K2M9Q4XZ1"])
    display_name: str = Field(..., description="name", examples=["SITI AMINAH"])
    relationship: str = Field("", description="relationship to the head", examples=["ISTRI"])
    sex: str = Field("", description="L / P", examples=["P"])
    birth_year: int | None = Field(None, description="year of birth", examples=[1990])


class HouseholdOut(Schema):
    public_id: str = Field(..., description="stable public household id", examples=["H3M8W2K9QA1"])
    kk_number: str = Field(
        "",
        description="KK number (masked for planners; empty if no visible source holds it)",
        examples=["3671010101150003"],
    )
    address: str = Field("", description="address", examples=["JALAN MERDEKA NO 5"])
    rt: int | None = Field(None, description="RT", examples=[3])
    rw: int | None = Field(None, description="RW", examples=[5])
    kelurahan_code: str = Field("", description="kelurahan code", examples=["36.71.01.1001"])
    kelurahan_name: str = Field("", description="kelurahan name", examples=["SUKARASA"])
    kecamatan_code: str = Field("", description="kecamatan code", examples=["36.71.01"])
    kecamatan_name: str = Field("", description="kecamatan name", examples=["TANGERANG"])
    welfare_decile: int | None = Field(None, description="latest welfare decile 1-10", examples=[3])
    members: list[HouseholdMemberOut] = Field(..., description="members visible to the caller")


class HouseholdProfileOut(HouseholdOut):
    masked: bool = Field(False, description="true when NIK/KK are masked for the caller's role")


class AidOut(Schema):
    program: str = Field(..., description="program code", examples=["PKH"])
    period: str = Field(..., description="period", examples=["2026-Q1"])
    amount: int | None = Field(None, description="amount in rupiah", examples=[750000])
    agency_code: str = Field(..., description="paying agency", examples=["dinsos"])
    source_record_id: str = Field(
        ..., description="record reporting it", examples=["DINSOS-2026-000123"]
    )


class LinkEventOut(Schema):
    kind: str = Field(..., description="merge | split", examples=["merge"])
    other_public_id: str = Field(
        ...,
        description="the other person id; empty when the caller may not see that person",
        examples=["P0000000001"],
    )
    occurred_at: datetime = Field(..., description="when")
    reason: str = Field("", description="why", examples=["link"])


class LinkExplanationOut(Schema):
    agency_code: str = Field(..., description="source agency", examples=["dinsos"])
    source_record_id: str = Field(
        ..., description="agency's own key", examples=["DINSOS-2026-000123"]
    )
    agrees_on: list[str] = Field(
        ...,
        description="fields equal to the person's golden values",
        examples=[["nik", "birth_date"]],
    )
    differs_on: list[str] = Field(
        ..., description="fields present but different", examples=[["address"]]
    )
    name_similarity: float | None = Field(
        None,
        description="rapidfuzz token-sort similarity of the name to the golden name, 0-1",
        examples=[0.96],
    )
    flags: list[str] = Field(default_factory=list, description="data quality flags of the record")


class PersonProfileOut(Schema):
    public_id: str = Field(..., description="stable public person id", examples=["P7K2M9Q4XZ1"])
    redirected_from: str | None = Field(
        None, description="the id asked for, when it was merged into this one"
    )
    masked: bool = Field(False, description="true when NIK/KK are masked for the caller's role")
    golden: GoldenOut = Field(..., description="best values from the sources the caller may read")
    records: list[RecordViewOut] = Field(
        ..., description="visible source records, civil registry first"
    )
    household: HouseholdOut | None = Field(None, description="the person's household")
    aid: list[AidOut] = Field(
        default_factory=list, description="aid receipts (roles allowed to see finances)"
    )
    link_events: list[LinkEventOut] = Field(default_factory=list, description="merges and splits")
    link_explanation: list[LinkExplanationOut] = Field(
        default_factory=list, description="why each record belongs to this person"
    )
