from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StrictFloat, StrictInt, StrictStr

# Strict: a JSON true or 1.5 is refused rather than silently coerced.
Scalar = StrictStr | StrictInt | StrictFloat | None

EXAMPLE_RECORD = {
    "source_record_id": "DINSOS-2026-000123",
    "nik": "3671014905150001",
    "kk_number": "3671010101150003",
    "full_name": "SITI AMINAH",
    "sex": "P",
    "birth_place": "TANGERANG",
    "birth_date": "1990-05-09",
    "address": "Jl. Merdeka No. 5",
    "rt": "003",
    "rw": "005",
    "kelurahan": "SUKARASA",
    "kecamatan": "TANGERANG",
    "relationship": "ISTRI",
    "welfare_decile": 3,
    "program": "PKH",
    "period": "2026-Q1",
    "amount": 750000,
}


class RecordIn(BaseModel):
    """One row of the OPD exchange format: one person as one agency holds them, optionally with
    one aid receipt. Values are taken as sent and normalised by the registry; the original is
    kept next to the normalised form."""

    # allow_inf_nan=False: a JSON NaN or Infinity is refused (it used to be stored as null).
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [EXAMPLE_RECORD]}
    )

    source_record_id: StrictStr | StrictInt = Field(
        ...,
        description="the agency's own key for this row; unique within the agency; "
        "resubmitting it updates the record (new version, old kept)",
        examples=["DINSOS-2026-000123"],
    )
    nik: Scalar = Field(
        None, description="national id (NIK), 16 digits", examples=["3671014905150001"]
    )
    kk_number: Scalar = Field(
        None, description="family card (KK) number, 16 digits", examples=["3671010101150003"]
    )
    full_name: str | None = Field(
        None, max_length=200, description="name as written by the agency", examples=["SITI AMINAH"]
    )
    sex: Scalar = Field(None, description="L / P (also LAKI-LAKI, PEREMPUAN, 1, 2)", examples=["P"])
    birth_place: str | None = Field(
        None, max_length=100, description="place of birth", examples=["TANGERANG"]
    )
    birth_date: Scalar = Field(
        None,
        description="date of birth: ISO 2026-01-31, 31-01-2026, 31/01/2026 or Excel serial",
        examples=["1990-05-09"],
    )
    address: str | None = Field(
        None, max_length=255, description="street and house number", examples=["Jl. Merdeka No. 5"]
    )
    rt: Scalar = Field(
        None, description="RT (neighbourhood unit), or 'RT/RW' together", examples=["003"]
    )
    rw: Scalar = Field(None, description="RW (community unit)", examples=["005"])
    kelurahan: Scalar = Field(
        None, description="kelurahan/desa name or Kemendagri code", examples=["SUKARASA"]
    )
    kecamatan: Scalar = Field(
        None, description="kecamatan name or Kemendagri code", examples=["TANGERANG"]
    )
    relationship: str | None = Field(
        None,
        max_length=60,
        description="relationship to the head of the family card",
        examples=["ISTRI"],
    )
    death_date: Scalar = Field(None, description="date of death (civil registry)", examples=[None])
    welfare_decile: Scalar = Field(
        None, description="household welfare decile 1-10 (DTSEN desil)", examples=[3]
    )
    program: str | None = Field(
        None,
        max_length=30,
        description="aid program code (PKH, BPNT, PBI-JK, BLT, KIP, ...)",
        examples=["PKH"],
    )
    period: Scalar = Field(None, description="aid period: 2026-Q1 or 2026-03", examples=["2026-Q1"])
    amount: Scalar = Field(None, description="aid amount in rupiah", examples=[750000])


class SubmissionIn(BaseModel):
    # Plain pydantic models, not ninja.Schema: input needs no ORM attribute access, and
    # ninja's per-object root validator cost ~100 ms per batch of 1,000 records.
    model_config = ConfigDict(extra="forbid")

    records: list[RecordIn] = Field(
        ...,
        min_length=1,
        max_length=20_000,
        description="the batch; validated whole and stored atomically (all or nothing unless "
        "skip_invalid)",
        examples=[[EXAMPLE_RECORD]],
    )
    skip_invalid: bool = Field(
        False,
        description="store the valid records and report the others instead of refusing "
        "the whole batch",
    )
    strict: bool = Field(
        False,
        description="treat field problems (a value that would be stored flagged or emptied, "
        "e.g. an unreliable NIK or an unknown kelurahan) as errors of their record",
    )


class CountsOut(Schema):
    total: int = Field(..., description="records received", examples=[1000])
    invalid: int = Field(..., description="records refused by validation", examples=[0])
    new: int = Field(..., description="records stored for the first time", examples=[990])
    changed: int = Field(..., description="records stored as a new version", examples=[5])
    unchanged: int = Field(..., description="records identical to the stored version", examples=[5])
    skipped: int = Field(
        0, description="non-data rows of a spreadsheet (titles, totals)", examples=[0]
    )
    flagged: int = Field(
        0,
        description="records stored with a value flagged (listed in errors as warnings)",
        examples=[0],
    )


class RecordErrorOut(Schema):
    index: int | None = Field(None, description="0-based position in a JSON batch", examples=[3])
    line: int | None = Field(None, description="spreadsheet line number (uploads)", examples=[None])
    severity: str = Field(
        "error",
        description="error: the record was refused; warning: the record was stored with this "
        "value flagged (kept as sent in the original, the normalised field empty or unreliable)",
        examples=["warning"],
    )
    field: str = Field(
        ..., description="the exchange-format field at fault", examples=["birth_date"]
    )
    code: str = Field(
        "", description="the flag code of a warning (nik:excel_damaged, ...)", examples=[""]
    )
    reason: str = Field(..., description="what is wrong (English)", examples=["unparseable date"])
    message: str = Field(
        "", description="what is wrong, in the request's language (Bahasa Indonesia by default)"
    )
    source_record_id: str = Field(
        "", description="the record's own key", examples=["DINSOS-2026-000123"]
    )


class FlagCountOut(Schema):
    code: str = Field(..., examples=["nik:excel_damaged"])
    count: int = Field(..., examples=[39])
    text: str = Field(..., examples=["39 NIK rusak oleh Excel (15 digit)"])


class RecordOutcomeOut(Schema):
    index: int | None = Field(None, description="0-based position in a JSON batch", examples=[0])
    line: int | None = Field(None, description="spreadsheet line number (uploads)", examples=[None])
    source_record_id: str = Field(
        ..., description="the record's own key", examples=["DINSOS-2026-000123"]
    )
    status: str = Field(..., description="new | changed | unchanged | invalid", examples=["new"])
    linking: str = Field(
        ...,
        description="done | pending | not_run. No person id and no fact about other "
        "agencies' records: find the person through /api/persons, which shows what your "
        "datasets hold",
        examples=["done"],
    )


class SubmissionOut(Schema):
    job_id: UUID = Field(..., description="id of this submission; poll GET /api/jobs/{job_id}")
    status: str = Field(
        ..., description="queued | running | succeeded | rejected | failed", examples=["succeeded"]
    )
    dataset_id: int = Field(..., description="the dataset the records belong to", examples=[4])
    batch_id: int | None = Field(None, description="import batch id once stored", examples=[101])
    created_at: datetime = Field(..., description="when the submission was received")
    finished_at: datetime | None = Field(None, description="when processing ended")
    counts: CountsOut | None = Field(None, description="counts once validated")
    errors: list[RecordErrorOut] = Field(
        default_factory=list, description="per-record errors (capped at 1,000)"
    )
    flags: list[FlagCountOut] = Field(
        default_factory=list, description="flagged values counted by problem, most frequent first"
    )
    records: list[RecordOutcomeOut] = Field(
        default_factory=list, description="per-record storage and linking outcome"
    )
    linking: str = Field(
        "not_run",
        description="done | pending (stored, to be linked by the next link run) | not_run",
        examples=["done"],
    )
    status_url: str = Field(
        ..., description="where to poll this job", examples=["/api/jobs/6f1c..."]
    )
