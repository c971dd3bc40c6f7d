"""What every term type shares: its value's provenance (clause, note, enforcement, version), the value in force on
a day, and the elapsed-hours arithmetic every term counts in."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from gateway.agreements.outcome import Correction, CorrectionUnit, Line

if TYPE_CHECKING:
    from gateway.agreements.model import Term

HOURS = Decimal("0.0001")
LINES_KEPT = 64
MEMO_KEPT = 4096
SECONDS_PER_HOUR = Decimal(3600)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class TermValue:
    """One dated value of a term, parsed at load. `written` is the value as the file states it (with the provenance
    the loader fills in), kept for the API and the CLI, which show the agreement as written."""

    clause: str
    note: str
    enforcement: Literal["amend", "reject"]
    version: str
    written: Mapping[str, Any]


def provenance(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments every TermValue takes, from a value the loader filled (see loader._provenance)."""
    enforcement = raw.get("enforcement", "amend")
    return {
        "clause": str(raw["clause"]),
        "note": str(raw.get("note", "")),
        "enforcement": "reject" if enforcement == "reject" else "amend",
        "version": str(raw.get("version", "")),
        "written": raw,
    }


class TermValueError(ValueError):
    """A dated value the schema accepts but that cannot mean anything (a night band that starts when it ends): the
    loader reports it at `at`, a path inside the dated value, like any other mistake in the file."""

    def __init__(self, message: str, at: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.at = message, at


V = TypeVar("V", bound=TermValue)
_MISSING: Any = object()
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class InForce(Generic[V]):
    """A term's value in force on one day, with the texts every explanation repeats (made once per resolved day,
    not once per shift)."""

    term: Term
    value: V
    since: date
    since_text: str
    clause: str
    note: str
    # The lines this value has stated, by their text: a Line is immutable, and most texts repeat on every shift
    # of the day (a million times in a what-if), so each is made once. Bounded: texts with a shift's own numbers
    # in them stop being kept once there are many.
    _lines: dict[str, Line] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # What a term works out from its value and a few of a shift's facts (a due date from the day worked, the line
    # a fixed wording makes), by those facts: made once per dated value, not once per shift. Bounded like _lines.
    _memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, term: Term, value: V, since: date) -> InForce[V]:
        return cls(term, value, since, since.isoformat(), value.clause, value.note)

    @property
    def action(self) -> Literal["amended", "rejected"]:
        return "rejected" if self.value.enforcement == "reject" else "amended"

    def line(self, shown: str) -> Line:
        found = self._lines.get(shown)
        if found is None:
            found = Line(self.term.name, self.clause, shown, self.since_text, self.note)
            if len(self._lines) < LINES_KEPT:
                self._lines[shown] = found
        return found

    def memo(self, key: Hashable, make: Callable[[], R]) -> R:
        """`make()` for `key`, computed once for this dated value (keys hold only what `make` reads)."""
        # Typed by assignment, not cast(): typing.cast is a Python call, and this runs a few times a shift.
        found: R = self._memo.get(key, _MISSING)
        if found is not _MISSING:
            return found
        found = make()
        if len(self._memo) < MEMO_KEPT:
            self._memo[key] = found
        return found

    def correction(
        self,
        code: str,
        detail: str,
        offered: str | None,
        applied: str | None,
        unit: CorrectionUnit | None = None,
        offered_value: Decimal | None = None,
        applied_value: Decimal | None = None,
    ) -> Correction:
        return Correction(
            self.term.name,
            self.term.type,
            self.clause,
            code,
            self.action,
            detail,
            offered,
            applied,
            unit,
            offered_value,
            applied_value,
        )


def hours_between(start: datetime, end: datetime) -> Decimal:
    """Elapsed hours between two instants (not wall-clock: a DST night counts its real length).

    Both are taken to UTC first: Python subtracts two datetimes of the same zone on the wall clock.
    """
    delta = end.astimezone(UTC) - start.astimezone(UTC)
    seconds = delta.days * 86400 + delta.seconds
    found = _HOURS_OF.get(seconds)
    if found is None:
        # Shifts are a few thousand distinct lengths (minutes, mostly): each worked out once.
        found = (Decimal(seconds) / SECONDS_PER_HOUR).quantize(HOURS, rounding=ROUND_HALF_UP)
        if len(_HOURS_OF) < 100_000:
            _HOURS_OF[seconds] = found
    return found


_HOURS_OF: dict[int, Decimal] = {}


def hours_text(hours: Decimal) -> str:
    """Hours as people write them: 3, 2.5, 2.9833 (no trailing zeros)."""
    # Kept by value (3.25 and 3.2500 are one key, and one text): a shift words its hours three or four times, from a
    # few thousand distinct values, and normalising and formatting a Decimal costs ten times the lookup.
    found = _HOURS_TEXT.get(hours)
    if found is None:
        found = f"{hours.normalize():f}"
        if len(_HOURS_TEXT) < 100_000:
            _HOURS_TEXT[hours] = found
    return found


_HOURS_TEXT: dict[Decimal, str] = {}
