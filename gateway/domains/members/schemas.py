from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(max_length=200)]
Short = Annotated[str, StringConstraints(max_length=20)]
Country = Annotated[str, StringConstraints(max_length=2), Field(description="ISO 3166 alpha-2, e.g. BE")]


class IdentityIn(BaseModel):
    """Identity fields to set; a field left out is unchanged. SSIN and IBAN are given in clear here and never
    returned in clear (see `MemberOut`)."""

    model_config = ConfigDict(extra="forbid")

    first_name: Text | None = None
    last_name: Text | None = None
    birth_date: date | None = None
    ssin: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="Belgian national number or BIS number (11 digits; dots, dashes, spaces allowed)."
    )
    birth_place: Text | None = Field(default=None, description="Without an SSIN: place of birth.")
    birth_place_country: Country | None = Field(default=None, description="Without an SSIN: country of birth.")
    nationality: Country | None = Field(default=None, description="Without an SSIN.")
    gender: Literal["MALE", "FEMALE"] | None = Field(default=None, description="Without an SSIN, as Dimona takes it.")
    street: Text | None = None
    house_number: Short | None = None
    zip_code: Short | None = None
    city: Text | None = None
    country: Country | None = None
    iban: Annotated[str, StringConstraints(max_length=42)] | None = Field(
        default=None, description="The account the member is paid on, in the SEPA zone."
    )
    bic: Annotated[str, StringConstraints(max_length=11)] | None = Field(
        default=None, description="Optional: implied by the IBAN's bank code where known."
    )
    language: Literal["en", "fr", "nl"] | None = None
    worker_type: Literal["OTH", "STU", "FLX", "EXT"] | None = Field(
        default=None, description="Dimona worker type; unset: the gateway's default (GATEWAY_DECLARATION_WORKER_TYPE)."
    )
    employed_since: date | None = Field(
        default=None,
        description="When the cooperative first employed the member (an agreement's seniority steps count from it); "
        "the cooperative's to set.",
    )


class MemberRiderOut(BaseModel):
    platform: str
    rider_id: str


class MemberOut(BaseModel):
    """A member as every answer shows them: SSIN and IBAN masked to their last four characters."""

    number: str
    first_name: str | None
    last_name: str | None
    birth_date: date | None
    ssin: str | None = Field(description="Masked: the last four digits only.")
    birth_place: str | None
    birth_place_country: str | None
    nationality: str | None
    gender: str | None
    street: str | None
    house_number: str | None
    zip_code: str | None
    city: str | None
    country: str | None
    iban: str | None = Field(description="Masked: the last four characters only.")
    bic: str | None
    language: str
    worker_type: str | None
    employed_since: date | None = None
    declarable: bool = Field(description="The identity can be declared to social security.")
    missing: list[str] = Field(description="Fields still needed before the identity can be declared.")
    riders: list[MemberRiderOut] = Field(description="The platforms' riders linked to this member.")
    created_at: datetime
    updated_at: datetime


class MemberIn(IdentityIn):
    """A new member: the cooperative's number for them (made up when left out) and any identity fields."""

    number: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")] | None = Field(
        default=None, description="The cooperative's member number (what platforms send as `member_id`)."
    )


class LinkRequestOut(BaseModel):
    """A rider who gave an existing member's SSIN on their page: staff check, then link (or not)."""

    platform: str
    rider_id: str
    member: str = Field(description="The member number whose SSIN the rider gave.")
    requested_at: datetime


class IdentityReadOut(BaseModel):
    """One read of a clear SSIN or IBAN: who, why, when. Never the value."""

    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    field: str
    actor: str
    purpose: str
    at: datetime
