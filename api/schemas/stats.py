from __future__ import annotations

from ninja import Field, Schema


class AreaCellOut(Schema):
    code: str = Field(..., description="Kemendagri area code", examples=["36.71.01"])
    name: str = Field("", description="area name", examples=["TANGERANG"])
    persons: int | None = Field(None, description="persons; null when suppressed", examples=[15234])
    households: int | None = Field(
        None, description="households; null when suppressed", examples=[4120]
    )
    aid_recipients: int | None = Field(
        None, description="persons receiving any aid; null when suppressed", examples=[None]
    )
    suppressed: list[str] = Field(
        default_factory=list,
        description="measures hidden in this cell",
        examples=[["aid_recipients"]],
    )


class TotalsOut(Schema):
    persons: int = Field(..., description="all persons in the city", examples=[1900000])
    households: int = Field(..., description="all households", examples=[520000])
    aid_recipients: int = Field(..., description="all aid recipients", examples=[180000])


class AreaStatsOut(Schema):
    level: str = Field(..., description="kecamatan | kelurahan", examples=["kecamatan"])
    areas: list[AreaCellOut] = Field(..., description="one cell per area")
    totals: TotalsOut = Field(
        ...,
        description="city totals (published; suppression keeps hidden cells from being recomputed)",
    )
    suppression: str = Field(
        ...,
        description="the rule applied",
        examples=["cells 1-10 hidden; secondary suppression within each parent area and the city"],
    )
