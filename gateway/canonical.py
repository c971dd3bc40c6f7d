"""The canonical events every adapter produces: the public webhook format of DESIGN.md."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

# Amounts are decimal strings ("11.50"); a JSON number would carry a binary float's error into pay.
AmountStr = Annotated[str, StringConstraints(pattern=r"^\d{1,7}(\.\d{1,2})?$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
# A distance is a measure, not money: a JSON number is accepted too, read as its decimal text (never through a
# binary float's arithmetic), bounded so a typo cannot pay a fortune in allowances.
DistanceKm = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=3, allow_inf_nan=False)]
BonusStr = Annotated[str, StringConstraints(pattern=r"^\d{1,4}(\.\d{1,2})?$")]


def _iso_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("expected an ISO-8601 date-time string with an offset, e.g. 2027-03-28T01:30:00+01:00")
    return value


# Every instant lies in this window, in UTC. A local time may be written that has no UTC value (9999-12-31T23:30
# at -05:00 is in year 10000) and one near either end leaves no room for the durations added to it (payment
# terms, retention): such a value is refused where it is read, never met later by arithmetic or the database.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _in_window(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"the instant must fall between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} UTC")
    return value


# An instant must carry its offset: a local time without one is ambiguous around DST changes.
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_in_window)]


class _Data(BaseModel):
    # Unknown fields are ignored (platforms add fields over time); known ones are strictly typed:
    # strings stay strings (pydantic never turns 5 into "5"), counts are StrictInt, instants are ISO text.
    model_config = ConfigDict(frozen=True)


class PayOffer(_Data):
    """What the platform proposes to pay: an hourly gross rate, or a per-trip price (which the agreement may forbid)."""

    # Documents `_exactly_one_basis` for the OpenAPI document (JSON Schema has no "exactly one of two optional
    # fields" otherwise); validation is the validator's, this changes nothing at runtime.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["hourly_gross"], "properties": {"hourly_gross": {"type": "string"}}},
                {"required": ["per_trip"], "properties": {"per_trip": {"type": "string"}}},
            ]
        }
    )

    hourly_gross: AmountStr | None = None
    per_trip: AmountStr | None = None
    currency: Currency = "EUR"

    @model_validator(mode="after")
    def _exactly_one_basis(self) -> PayOffer:
        if (self.hourly_gross is None) == (self.per_trip is None):
            raise ValueError("give exactly one of hourly_gross or per_trip")
        return self

    @property
    def hourly(self) -> Decimal | None:
        return None if self.hourly_gross is None else Decimal(self.hourly_gross)

    @property
    def trip(self) -> Decimal | None:
        return None if self.per_trip is None else Decimal(self.per_trip)


class RiderEnrolled(_Data):
    rider_id: Code
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    email: Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    member_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class ShiftBooked(_Data):
    shift_code: Code
    rider_id: Code
    starts_at: Instant
    ends_at: Instant
    zone: Annotated[str, StringConstraints(max_length=100)] | None = None
    pay: PayOffer | None = None
    # The platform's bad-weather flag (rain, snow, storm...), for agreements that pay a bad-weather premium.
    bad_weather: StrictBool = Field(
        default=False,
        description="The platform expects bad weather for the shift (rain, snow, storm): an agreement may pay a "
        "bad-weather premium for every hour of it.",
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> ShiftBooked:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class ShiftStarted(_Data):
    shift_code: Code
    at: Instant


class ShiftEnded(_Data):
    shift_code: Code
    at: Instant
    deliveries: Annotated[StrictInt, Field(ge=0, le=10_000)] | None = None
    pay: PayOffer | None = None
    # Optional, for agreements that count the minimum from the first delivery or pay riders sent home early.
    first_delivery_at: Instant | None = None
    sent_home_early: StrictBool = False
    # Optional, for agreements that pay expenses per kilometre (a bike allowance) or pay a bonus on top.
    distance_km: DistanceKm | None = Field(
        default=None,
        description="Kilometres the platform recorded for the shift: a decimal string or a number, 0 to 1000, "
        'at most 3 decimals (e.g. "23.4").',
    )
    bonus: BonusStr | None = Field(
        default=None,
        description="A bonus the platform pays for the shift, gross, in the offer's currency: a decimal string, "
        'at most 9999.99 (e.g. "5.00"). Whether it is paid is the agreement\'s term `bonus`; it never counts '
        "towards the hourly floor.",
    )
    # The platform's bad-weather flag; once a shift is flagged (at booking or at its end) it stays flagged.
    bad_weather: StrictBool = Field(
        default=False,
        description="The shift was worked in bad weather (rain, snow, storm); a shift flagged at booking stays "
        "flagged. An agreement may pay a bad-weather premium for every hour of it.",
    )


class ShiftCancelled(_Data):
    shift_code: Code
    at: Instant
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


# --- rider.decision: a platform's own decision about one of its riders (issue 20, directive 2024/2831 art. 9-11) --

PlatformDecisionKind = Literal["restriction", "suspension", "deactivation", "remuneration_refused"]
REASONS_MAX = 2000  # the Decision row's `reasons` column
PARAMETERS_MAX_KEYS = 30  # keys in all, at every level
PARAMETERS_MAX_DEPTH = 3  # {"a": {"b": {"c": "..."}}} is 3 levels
PARAMETER_KEY_MAX = 64
PARAMETER_VALUE_MAX = 500
SHIFT_CODES_MAX = 100


def _plain_text(value: str) -> str:
    """Words a person reads: no control characters beyond line breaks and tabs (nothing that moves a terminal's
    cursor or hides text on a page)."""
    if any((ord(ch) < 32 and ch not in "\n\t\r") or 0x7F <= ord(ch) < 0xA0 for ch in value):
        raise ValueError("plain text only: no control characters (line breaks and tabs are fine)")
    return value


def _count_parameters(value: object, depth: int, where: str) -> int:
    if isinstance(value, str):
        if len(value) > PARAMETER_VALUE_MAX:
            raise ValueError(f"{where}: a value is at most {PARAMETER_VALUE_MAX} characters")
        _plain_text(value)
        return 0
    if not isinstance(value, dict):
        raise ValueError(f'{where}: a value is a string or an object of strings (numbers as text, e.g. "0.92")')
    if depth > PARAMETERS_MAX_DEPTH:
        raise ValueError(f"{where}: at most {PARAMETERS_MAX_DEPTH} levels of nesting")
    keys = 0
    for key, inner in value.items():
        if not 1 <= len(key) <= PARAMETER_KEY_MAX:
            raise ValueError(f"{where}: a key has 1 to {PARAMETER_KEY_MAX} characters")
        keys += 1 + _count_parameters(inner, depth + 1, f"{where}.{key}" if where else key)
    return keys


def _bounded_parameters(value: dict[str, Any]) -> dict[str, Any]:
    if _count_parameters(value, 1, "") > PARAMETERS_MAX_KEYS:
        raise ValueError(f"at most {PARAMETERS_MAX_KEYS} keys in all (nested ones count)")
    return value


_PARAMETERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "maxProperties": PARAMETERS_MAX_KEYS,
    "propertyNames": {"minLength": 1, "maxLength": PARAMETER_KEY_MAX},
    "additionalProperties": {
        "anyOf": [{"type": "string", "maxLength": PARAMETER_VALUE_MAX}, {"type": "object"}],
    },
    "description": "The main parameters and data the platform's system used for the decision, as it names them: "
    f"an object whose values are strings or objects of the same, at most {PARAMETERS_MAX_DEPTH} levels deep, "
    f"{PARAMETERS_MAX_KEYS} keys in all, keys of 1 to {PARAMETER_KEY_MAX} characters, values of at most "
    f'{PARAMETER_VALUE_MAX} (numbers as text, e.g. "0.92"). Shown to the rider as given.',
}
DecisionParameters = Annotated[dict[str, Any], AfterValidator(_bounded_parameters), WithJsonSchema(_PARAMETERS_SCHEMA)]
Reasons = Annotated[
    str,
    StringConstraints(min_length=1, max_length=REASONS_MAX, strip_whitespace=True),
    AfterValidator(_plain_text),
]


class RiderDecision(_Data):
    """A decision the platform's systems (or a person at the platform) took about one of its riders."""

    decision_id: Code = Field(
        description="The platform's own id for the decision: the same id sent again records nothing twice."
    )
    rider_id: Code = Field(description="The platform's rider id, as `rider.enrolled` named the rider.")
    kind: PlatformDecisionKind = Field(
        description="restriction (fewer or narrower offers: zones, hours), suspension (no work for a while), "
        "deactivation (the account closed), remuneration_refused (the platform refuses to pay for the shifts "
        "in `shift_codes`)."
    )
    decided_at: Instant = Field(description="When the decision was taken, ISO-8601 with an offset.")
    reasons: Reasons = Field(
        description=f"The platform's statement of reasons, in plain text the rider reads (1 to {REASONS_MAX} "
        "characters; directive 2024/2831 art. 11)."
    )
    parameters: DecisionParameters = Field(default_factory=dict)
    automated: StrictBool = Field(
        description="true: taken by an automated system; false: taken by a person at the platform."
    )
    effective_from: Instant | None = Field(
        default=None, description="When it takes effect (default: decided_at). Not for remuneration_refused."
    )
    effective_until: Instant | None = Field(
        default=None,
        description="When a restriction or suspension ends (none: until withdrawn). After effective_from.",
    )
    shift_codes: Annotated[list[Code], Field(max_length=SHIFT_CODES_MAX)] = Field(
        default_factory=list,
        description=f"remuneration_refused only (and required there): the shifts whose pay the platform refuses, "
        f"1 to {SHIFT_CODES_MAX} shift codes.",
    )
    withdrawn: StrictBool = Field(
        default=False,
        description="true withdraws the decision sent earlier under this decision_id (the rest of the body as "
        "then, or the new reasons for withdrawing); a decision is never edited: withdraw it and send a new one.",
    )

    @model_validator(mode="after")
    def _coherent(self) -> RiderDecision:
        if self.kind == "remuneration_refused":
            if not self.shift_codes:
                raise ValueError("remuneration_refused names the shifts it refuses to pay: give shift_codes")
            if self.effective_from is not None or self.effective_until is not None:
                raise ValueError("remuneration_refused has no effective_from or effective_until")
        elif self.shift_codes:
            raise ValueError("shift_codes are for remuneration_refused only")
        if self.kind == "deactivation" and self.effective_until is not None:
            raise ValueError("a deactivation has no end: give no effective_until (a suspension may end)")
        if self.effective_until is not None and self.effective_until <= self.starts:
            raise ValueError(
                "effective_until must be after effective_from (or decided_at when effective_from is absent)"
            )
        return self

    @property
    def starts(self) -> datetime:
        """When the decision takes effect."""
        return self.effective_from or self.decided_at


EventType = Literal[
    "rider.enrolled", "shift.booked", "shift.started", "shift.ended", "shift.cancelled", "rider.decision"
]

DATA_MODELS: dict[str, type[_Data]] = {
    "rider.enrolled": RiderEnrolled,
    "shift.booked": ShiftBooked,
    "shift.started": ShiftStarted,
    "shift.ended": ShiftEnded,
    "shift.cancelled": ShiftCancelled,
    "rider.decision": RiderDecision,
}

EventData = RiderEnrolled | ShiftBooked | ShiftStarted | ShiftEnded | ShiftCancelled | RiderDecision


class CanonicalEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: EventType
    timestamp: Instant
    data: EventData
