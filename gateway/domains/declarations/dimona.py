"""The bodies of Dimona REST v1 (FACTS.md, "Declaration of employment"), built from a contract's window and a
member's identity. Pure: no database, no HTTP, so the JSON Schema test can check every shape.

Dates (and the start and end hours the flexi and occasional worker types declare) are in the agreement's local
time zone: the service knows the Belgian calendar day, not UTC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

# The NSSO's national country codes (five digits, Belgium 00000) by ISO 3166 alpha-2: the codes a worker without an
# SSIN is declared with (birthPlaceCountry, nationality, address.country). Source: the social security's Dimona
# glossary, as read in Odoo's l10n_be_hr_payroll_dimona (ONSS_COUNTRY_CODE_MAPPING, 224 countries). Each item is
# the alpha-2 code followed by the last three digits (every code starts 00).
_CODES = (
    "AD102 AE260 AF251 AG403 AI490 AL101 AM249 AO341 AR511 AS690 AT105 AU611 AZ250 BA149 "
    "BB423 BD237 BE000 BF308 BG106 BH268 BI303 BJ310 BM485 BN224 BO512 BR513 BS425 BT223 "
    "BW302 BY142 BZ430 CA401 CD306 CF305 CG307 CH127 CI309 CK687 CL514 CM304 CN218 CO515 "
    "CR411 CU412 CV339 CY107 CZ140 DE103 DJ345 DK108 DM480 DO427 DZ351 EC516 EE136 EG352 "
    "EH388 ER349 ES109 ET311 FI110 FJ617 FK580 FM602 FR111 GA312 GB112 GD426 GE253 GF581 "
    "GH314 GI180 GL498 GM313 GN315 GP496 GQ337 GR114 GT413 GU681 GW338 GY521 HK234 HN414 "
    "HR146 HT419 HU115 ID208 IE116 IL256 IN207 IQ254 IR255 IS117 IT128 JM415 JO257 JP209 "
    "KE336 KG226 KH216 KI622 KM343 KN431 KP219 KR206 KW264 KY492 KZ225 LA210 LB258 LC428 "
    "LI118 LK203 LR318 LS301 LT137 LU113 LV135 LY353 MA354 MC120 MD144 ME151 MG324 MH603 "
    "MK148 ML319 MM201 MN221 MO281 MQ497 MR355 MS493 MT119 MU317 MV222 MW358 MX416 MY212 "
    "MZ340 NA384 NC683 NE321 NG322 NI417 NL129 NO121 NP213 NR615 NU604 NZ613 OM266 PA418 "
    "PE518 PF684 PG619 PH214 PK259 PL122 PM495 PN692 PR487 PS271 PT123 PW679 PY517 QA267 "
    "RE387 RO124 RS152 RU145 RW327 SA252 SB623 SC342 SD356 SE126 SG205 SH389 SI147 SK141 "
    "SL328 SM125 SN320 SO329 SR522 SS365 SV421 SY261 SZ347 TC488 TD333 TG334 TH235 TJ228 "
    "TL282 TM229 TN357 TO616 TR262 TT422 TV621 TW204 TZ332 UA143 UG323 US402 UY519 UZ227 "
    "VA133 VC429 VE520 VG479 VI478 VN220 VU624 WF689 WS614 XK153 YE270 ZA325 ZM335 ZW344 "
)
NSSO_COUNTRY = {item[:2]: "00" + item[2:] for item in _CODES.split()}

# Worker types that declare start and end hours, not only dates (flexi jobs; occasional work, at most 2 days).
HOURLY_TYPES = ("FLX", "EXT")


class NotDeclarable(ValueError):
    """The member cannot be declared as they stand (says which field, never its value)."""


class Identity(Protocol):
    """What the body needs of a member (gateway.domains.members.models.Member has these)."""

    first_name: str | None
    last_name: str | None
    birth_date: date | None
    birth_place: str | None
    birth_place_country: str | None
    nationality: str | None
    gender: str | None
    street: str | None
    house_number: str | None
    zip_code: str | None
    city: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class Period:
    """What a declaration says of the employment: its days, and its hours or planned hours where the type needs."""

    starting_date: date
    ending_date: date
    starting_hour: str | None = None  # HHMM, FLX and EXT
    ending_hour: str | None = None
    planned_hours: int | None = None  # STU

    def fields(self) -> dict[str, Any]:
        """The period in the service's names; absent values are left out (the service refuses empty fields)."""
        out: dict[str, Any] = {
            "startingDate": self.starting_date.isoformat(),
            "endingDate": self.ending_date.isoformat(),
            "startingHour": self.starting_hour,
            "endingHour": self.ending_hour,
            "plannedHoursNumber": self.planned_hours,
        }
        return {k: v for k, v in out.items() if v is not None}

    def as_json(self) -> dict[str, Any]:
        return self.fields()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Period:
        return cls(
            date.fromisoformat(data["startingDate"]),
            date.fromisoformat(data["endingDate"]),
            data.get("startingHour"),
            data.get("endingHour"),
            data.get("plannedHoursNumber"),
        )


def period(start: datetime, end: datetime, timezone: str, worker_type: str) -> Period:
    zone = ZoneInfo(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    # Work runs up to its end, not into it: a shift ending at midnight ends on the day before.
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date() if end > start else local_start.date()
    hourly = worker_type in HOURLY_TYPES
    return Period(
        starting_date=local_start.date(),
        ending_date=last_day,
        starting_hour=local_start.strftime("%H%M") if hourly else None,
        ending_hour=local_end.strftime("%H%M") if hourly else None,
        # Students declare their planned hours, in whole hours (their 650-hour quota counts them).
        planned_hours=max(1, math.ceil((end - start).total_seconds() / 3600)) if worker_type == "STU" else None,
    )


def changes(declared: Period, now: Period, worker_type: str) -> bool:
    """Whether the service must be told: the days for every type, the hours too for those that declare hours."""
    days = (declared.starting_date, declared.ending_date) != (now.starting_date, now.ending_date)
    hours = (declared.starting_hour, declared.ending_hour) != (now.starting_hour, now.ending_hour)
    return days or (worker_type in HOURLY_TYPES and hours)


def worker(member: Identity, ssin: str | None) -> dict[str, Any]:
    """`{"ssin": ...}`, or the fields that identify a worker without one (empty ones left out)."""
    if ssin:
        return {"ssin": ssin}
    address = {
        "street": member.street,
        "houseNumber": member.house_number,
        "zipCode": member.zip_code,
        "city": member.city,
        "country": country_code("country", member.country),
    }
    out: dict[str, Any] = {
        "lastName": member.last_name,
        "firstName": member.first_name,
        "birthDate": member.birth_date.isoformat() if member.birth_date else None,
        "birthPlace": member.birth_place,
        "birthPlaceCountry": country_code("birth_place_country", member.birth_place_country),
        "nationality": country_code("nationality", member.nationality),
        "gender": member.gender,
        "address": {k: v for k, v in address.items() if v},
    }
    return {k: v for k, v in out.items() if v}


def country_code(field: str, alpha2: str | None) -> str | None:
    if not alpha2:
        return None
    code = NSSO_COUNTRY.get(alpha2.upper())
    if code is None:
        raise NotDeclarable(f"{field}: the country {alpha2.upper()} has no NSSO country code known to the gateway")
    return code


def dimona_in(
    registration_number: str, worker_json: dict[str, Any], p: Period, joint_committee: str, worker_type: str
) -> dict[str, Any]:
    return {
        "employer": {"nssoRegistrationNumber": registration_number},
        "worker": worker_json,
        "dimonaIn": {
            **p.fields(),
            "dimonaFeatures": {"jointCommissionNumber": joint_committee, "workerType": worker_type},
        },
    }


def dimona_update(number: str, p: Period) -> dict[str, Any]:
    return {"dimonaUpdate": {"dimonaNumber": number, **p.fields()}}


def dimona_cancel(number: str) -> dict[str, Any]:
    return {"dimonaCancel": {"dimonaNumber": number}}


def dimona_out(number: str, p: Period) -> dict[str, Any]:
    out = {"dimonaNumber": number, "endingDate": p.ending_date.isoformat()}
    if p.ending_hour is not None:
        out["endingHour"] = p.ending_hour
    return {"dimonaOut": out}
