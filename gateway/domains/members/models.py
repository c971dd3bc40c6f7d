from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class Member(SQLModel, table=True):
    """A person the cooperative employs. Clear SSIN and IBAN are never stored: `*_cipher` holds them encrypted
    (`vault`), `*_last4` what a masked view shows, `ssin_index` a keyed hash that makes one SSIN one member."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("number"),
        UniqueConstraint("ssin_index"),
        Index("ix_member_key_id", "key_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The cooperative's member number: what a platform names in `rider.enrolled.member_id`.
    number: str = Field(sa_type=String(64))
    first_name: str | None = Field(default=None, sa_type=String(200))
    last_name: str | None = Field(default=None, sa_type=String(200))
    birth_date: date | None = None
    ssin_cipher: str | None = Field(default=None, sa_type=Text)
    ssin_index: str | None = Field(default=None, sa_type=String(64))
    ssin_last4: str | None = Field(default=None, sa_type=String(4))
    # For a worker without an SSIN, Dimona identifies them by these instead. Countries are ISO 3166 alpha-2 here;
    # the declaration connector turns them into the service's own codes.
    birth_place: str | None = Field(default=None, sa_type=String(100))
    birth_place_country: str | None = Field(default=None, sa_type=String(2))
    nationality: str | None = Field(default=None, sa_type=String(2))
    gender: str | None = Field(default=None, sa_type=String(6))  # MALE | FEMALE, as Dimona takes it
    street: str | None = Field(default=None, sa_type=String(200))
    house_number: str | None = Field(default=None, sa_type=String(20))
    zip_code: str | None = Field(default=None, sa_type=String(20))
    city: str | None = Field(default=None, sa_type=String(100))
    country: str | None = Field(default=None, sa_type=String(2))
    iban_cipher: str | None = Field(default=None, sa_type=Text)
    iban_last4: str | None = Field(default=None, sa_type=String(4))
    bic: str | None = Field(default=None, sa_type=String(11))
    # The bank returned a transfer to this IBAN with a reason saying the account cannot take it (AC04 closed...):
    # the rider may replace it on their page (a link session otherwise only fills), which clears these.
    iban_rejected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    iban_rejected_reason: str | None = Field(default=None, sa_type=String(8))
    language: str = Field(default="en", sa_type=String(2))  # en | fr | nl
    # Dimona worker type (OTH, STU, FLX, EXT); None: the gateway's default (GATEWAY_DECLARATION_WORKER_TYPE).
    worker_type: str | None = Field(default=None, sa_type=String(3))
    # When the cooperative first employed the member (an agreement's seniority steps count from it). Not identity:
    # clear, like the worker type. None: unknown, and no seniority step applies.
    employed_since: date | None = None
    # Kept by the service on every write: the identity can be declared (name, birth date, SSIN or its stand-ins).
    # The booking reads this one column instead of deciding again.
    declarable: bool = False
    # Which key (its fingerprint, `vault.key_id`) encrypted the ciphers: rotation re-encrypts the others.
    key_id: str | None = Field(default=None, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IdentityRead(SQLModel, table=True):
    """One read of a clear SSIN or IBAN: who (a staff member, a job), why, when. Never the value."""

    __tablename__ = "identity_read"
    __table_args__ = (Index("ix_identity_read_member", "member_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column_args=[ForeignKey("member.id", ondelete="CASCADE")])
    field: str = Field(sa_type=String(8))  # ssin | iban
    actor: str = Field(sa_type=String(200))
    purpose: str = Field(sa_type=String(200))
    at: datetime = Field(sa_type=UTCDateTime)


class LinkRequest(SQLModel, table=True):
    """A rider who gave, on their page, the SSIN of an existing member: the cooperative checks and links them
    (`gateway members link`); the page never links on its own (knowing an SSIN must not open someone's identity)."""

    __tablename__ = "member_link_request"
    __table_args__ = (UniqueConstraint("rider_id"),)

    id: int | None = Field(default=None, primary_key=True)
    rider_id: int = Field(sa_column_args=[ForeignKey("rider.id", ondelete="CASCADE")])
    member_id: int = Field(sa_column_args=[ForeignKey("member.id", ondelete="CASCADE")])
    requested_at: datetime = Field(sa_type=UTCDateTime)
