from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class DatasetOut(Schema):
    id: int = Field(..., description="dataset id: the {dataset_id} of the submission URLs")
    name: str = Field(..., description="short name, unique within the agency", examples=["dtks"])
    title: str = Field(..., description="title", examples=["DTKS Kota Tangerang"])
    agency_code: str = Field(..., description="agency (OPD) that owns it", examples=["dinsos"])
    agency_name: str = Field(..., description="that agency's name", examples=["Dinas Sosial"])
    access_level: Literal["open", "restricted", "closed"] = Field(
        ..., description="Satu Data access level"
    )
    update_frequency: str = Field(..., description="expected update frequency")
    relation: Literal["own", "granted", "custodian"] = Field(
        ...,
        description="own: your agency's; granted: another agency's, readable through an "
        "active grant; custodian: any dataset, for the walidata",
    )
    can_submit: bool = Field(..., description="whether you may submit records to it")
    submit_url: str | None = Field(
        None, description="where to POST a batch (null when you may not submit)"
    )
    grant_expires_at: datetime | None = Field(None, description="end of the grant (granted only)")
