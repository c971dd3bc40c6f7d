"""API bodies for reading agreements: what negotiators, riders and platforms may see of the terms."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field


class AmendmentOut(BaseModel):
    version: str
    title: str
    signed_on: date
    effective_from: date = Field(description="The first date any of its changes takes effect.")
    terms: list[str]


class AgreementSummaryOut(BaseModel):
    id: str
    title: str
    version: str = Field(description="The latest version, amendments included.")
    signed_on: date
    effective_from: date
    country: str
    currency: str
    timezone: str
    payroll_profile: str


class DatedValueOut(BaseModel):
    since: date
    value: dict[str, Any] | None = Field(description="The term's parameters from this date; null ends the term.")
    clause: str | None
    enforcement: str | None
    version: str | None = Field(description="The agreement or amendment version that set this value.")


class TermOut(BaseModel):
    name: str
    type: str
    clause: str
    note: str
    values: list[DatedValueOut]


class AgreementOut(AgreementSummaryOut):
    parties: list[str]
    sources: list[str]
    amendments: list[AmendmentOut]
    terms: list[TermOut]


class TermInForceOut(BaseModel):
    name: str
    type: str
    clause: str
    note: str
    enforcement: str
    since: date = Field(description="The date this value took effect.")
    value: dict[str, Any]


class TermsAtOut(BaseModel):
    agreement: str
    version: str = Field(description="The version that governs the date.")
    at: date
    terms: list[TermInForceOut]
