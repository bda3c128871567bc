from __future__ import annotations

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt, StrictStr

Scalar = StrictStr | StrictInt | None


class VerificationRowIn(Schema):
    model_config = ConfigDict(extra="forbid")

    row_id: str | None = Field(
        None, max_length=100, description="caller's own key for the row", examples=["12"]
    )
    nik: Scalar = Field(
        None,
        description="NIK as listed (often wrong: matched with the linkage engine, "
        "not by NIK alone)",
        examples=["3671014905150001"],
    )
    full_name: str | None = Field(
        None, max_length=200, description="name as listed", examples=["SITI AMINAH"]
    )
    birth_date: Scalar = Field(
        None, description="date of birth in any exchange-format form", examples=["09-05-1990"]
    )
    address: str | None = Field(
        None, max_length=255, description="address as listed", examples=["Jl. Merdeka 5"]
    )
    kelurahan: Scalar = Field(None, description="kelurahan name or code", examples=["SUKARASA"])
    kecamatan: Scalar = Field(None, description="kecamatan name or code", examples=["TANGERANG"])


class VerificationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    program: str | None = Field(
        None,
        max_length=30,
        description="the program the list is for; receipts of other programs are flagged",
        examples=["PKH"],
    )
    rows: list[VerificationRowIn] = Field(
        ...,
        min_length=1,
        max_length=1000,
        description="the recipient list (at most 1,000 rows per request)",
    )


class VerificationRowOut(Schema):
    index: int = Field(..., description="0-based position in the list", examples=[0])
    row_id: str | None = Field(None, description="caller's key", examples=["12"])
    person_id: str | None = Field(
        None,
        description="matched person, null when none is confident enough",
        examples=["P7K2M9Q4XZ1"],
    )
    confidence: float = Field(
        ..., description="0-1 match confidence of the best candidate", examples=[0.97]
    )
    matched_on: list[str] = Field(
        default_factory=list,
        description="fields that agreed",
        examples=[["nik", "name", "birth_date"]],
    )
    flags: list[str] = Field(
        default_factory=list,
        description="deceased, nik_invalid, nik_differs_from_civil_registry, duplicate_in_list, "
        "receives_other_programs, high_welfare_decile, no_match",
        examples=[["receives_other_programs"]],
    )
    duplicate_of: list[int] = Field(
        default_factory=list, description="other rows matched to the same person", examples=[[]]
    )
    other_programs: list[str] = Field(
        default_factory=list, description="other programs the person receives", examples=[["BPNT"]]
    )
    welfare_decile: int | None = Field(
        None, description="latest welfare decile of the person's household", examples=[7]
    )
    welfare_decile_source: str = Field(
        "",
        description="where the decile comes from: 'DTSEN 2026-Q3' (the latest national DTSEN "
        "decile of the household's KK the caller may read) or 'estimate:<agency code>' (an "
        "agency's own estimate, used only without a DTSEN decile)",
        examples=["DTSEN 2026-Q3"],
    )


class VerificationOut(Schema):
    rows: list[VerificationRowOut] = Field(..., description="one result per input row, same order")
    matched: int = Field(..., description="rows matched to a person", examples=[95])
    flagged: int = Field(..., description="rows with at least one flag", examples=[12])
    method: str = Field(
        ..., description="how candidates were scored", examples=["rapidfuzz-weighted"]
    )
