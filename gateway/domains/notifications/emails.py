"""The e-mails' words: a subject and a plain-text body per kind and language, from Jinja templates
(`templates/<kind>.<lang>.txt`, blocks `subject` and `body`), figures formatted by Babel for the language.

What an e-mail may say is chosen here, field by field, from the outbox payload: the contract's times, hours and
pay, a decision's kind, a review's outcome, and the link to the rider's page. No name, no identity field, no
reasons (those are on the page, behind the rider's session), and no access token: the link is the page itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ConfigDict, Field

from gateway.domains.notifications.service import NotificationKind

LOCALES = {"en": "en_GB", "fr": "fr_BE", "nl": "nl_BE"}
MAX_SUBJECT = 200
MAX_BODY = 20_000
# Where the rider reads a decision's reasons, asks for a review and reads the answer, under the gateway's public URL.
RIDER_PAGE = "/rider"

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),  # the .txt templates are plain text; nothing here is HTML
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

Short = Annotated[str, Field(max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Window(_Frozen):
    starts_at: datetime
    ends_at: datetime
    timezone: Annotated[str, Field(max_length=64)]


class _Pay(_Frozen):
    hourly_gross: Decimal
    hourly_net: Decimal
    currency: Annotated[str, Field(min_length=3, max_length=3)]


class _Correction(_Frozen):
    code: Short
    action: Short | None = None
    unit: Short | None = None
    offered_value: Decimal | None = None
    applied_value: Decimal | None = None


class ContractDocument(_Frozen):
    """The fields of the contract document (the booking's answer, as queued) that the e-mail shows."""

    platform: Short
    rider_id: Annotated[str, Field(max_length=128)]
    status: Short
    shift: _Window
    guaranteed_paid_hours: Decimal
    pay: _Pay
    corrections: Annotated[list[_Correction], Field(max_length=50)] = []


class Envelope(_Frozen):
    """A notice's outbox payload (`service.notify`): whom it is for, and the notice's own fields."""

    rider_id: int
    notice: dict[str, Any]


class DecisionPayload(_Frozen):
    decision_kind: Annotated[str, Field(max_length=40)]
    status: Annotated[str, Field(max_length=24)]
    decided_at: datetime


class ReviewPayload(_Frozen):
    decision_kind: Annotated[str, Field(max_length=40)]
    outcome: Annotated[str, Field(max_length=16)]


@dataclass(frozen=True, slots=True)
class Email:
    subject: str
    body: str


def language_of(member_language: str | None, default: str) -> str:
    return member_language if member_language in LOCALES else default


def render(kind: NotificationKind, lang: str, context: dict[str, Any]) -> Email:
    template = _templates.get_template(f"{kind.value}.{lang}.txt")
    blocks = template.new_context(context)
    subject = "".join(template.blocks["subject"](blocks))
    body = "".join(template.blocks["body"](template.new_context(context)))
    # One line, bounded: a subject is a header (a line break would start another one).
    subject = " ".join(subject.split())[:MAX_SUBJECT]
    return Email(subject, body.strip() + "\n" if len(body) <= MAX_BODY else body[:MAX_BODY])


def contract_context(doc: ContractDocument, lang: str, platform: str, page_url: str) -> dict[str, Any]:
    locale = LOCALES[lang]
    tz = ZoneInfo(doc.shift.timezone)
    starts, ends = doc.shift.starts_at.astimezone(tz), doc.shift.ends_at.astimezone(tz)
    changes = []
    for c in doc.corrections:
        if c.offered_value is None or c.applied_value is None or c.unit not in ("hours", "hourly_gross"):
            continue
        if c.unit == "hours":
            offered, applied = (_hours(v, locale) for v in (c.offered_value, c.applied_value))
        else:
            offered, applied = (_money(v, doc.pay.currency, locale) for v in (c.offered_value, c.applied_value))
        changes.append({"unit": c.unit, "offered": offered, "applied": applied})
    return {
        "platform": platform,
        "day": format_date(starts.date(), format="full", locale=locale),
        "starts": format_time(starts.time(), format="short", locale=locale),
        "ends": format_time(ends.time(), format="short", locale=locale),
        "ends_day": None if ends.date() == starts.date() else format_date(ends.date(), format="full", locale=locale),
        "guaranteed_hours": _hours(doc.guaranteed_paid_hours, locale),
        "hourly_gross": _money(doc.pay.hourly_gross, doc.pay.currency, locale),
        "hourly_net": _money(doc.pay.hourly_net, doc.pay.currency, locale),
        # A block (identity incomplete) is a correction row too, but not a change to the offer.
        "corrected": any(c.action != "blocked" for c in doc.corrections),
        "changes": changes,
        "blocked": doc.status == "blocked",
        "page_url": page_url,
    }


def decision_context(notice: DecisionPayload, lang: str, platform: str, page_url: str) -> dict[str, Any]:
    return {
        "platform": platform,
        "decision_kind": notice.decision_kind,
        "pending": notice.status == "pending_confirmation",
        "day": format_date(notice.decided_at.date(), format="long", locale=LOCALES[lang]),
        "page_url": page_url,
    }


def review_context(notice: ReviewPayload, platform: str, page_url: str) -> dict[str, Any]:
    return {
        "platform": platform,
        "decision_kind": notice.decision_kind,
        "overturned": notice.outcome == "overturned",
        "page_url": page_url,
    }


def _hours(value: Decimal, locale: str) -> str:
    return str(format_decimal(value, format="#,##0.##", locale=locale))


def _money(value: Decimal, currency: str, locale: str) -> str:
    return str(format_currency(value, currency, locale=locale))
