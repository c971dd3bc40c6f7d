"""The notice as JSON, for machines: every text in the three languages side by side."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.domains.transparency.models import NoticeVersion
from gateway.domains.transparency.service import Change, said_sentence


class SaidOut(BaseModel):
    en: str
    fr: str
    nl: str


class SentenceOut(BaseModel):
    en: str
    fr: str | None = Field(description="None in a version published before the notice was translated (format 1).")
    nl: str | None = Field(description="None in a version published before the notice was translated (format 1).")


class AutomatedOut(BaseModel):
    key: str = Field(description="Stable within its source, e.g. term:hourly_floor or coopcycle.work_sessions.")
    kind: str = Field(description="The kind of decision (a decision's `kind` on the rider's page).")
    source: str = Field(description="What decides: agreement:<id>, adapter:<slug>, job:<name> or gateway:<part>.")
    decides: SaidOut
    data: SaidOut = Field(description="The data the decision reads.")
    parameters: SaidOut = Field(description="Its main parameters, in words; their values in `values`.")
    weight: SaidOut | None = Field(description="Their relative weight, where it means something.")
    values: dict[str, str] = Field(description="The parameters' values as configured on the version's day.")
    clause: str | None = Field(description="The agreement's clause, for a term.")
    sentence: SentenceOut | None = Field(
        description="The term in plain language, in the three languages side by side (the English as "
        "`gateway agreements terms` words it)."
    )

    @field_validator("sentence", mode="before")
    @classmethod
    def _one_language_before_format_2(cls, value: Any) -> Any:
        said = said_sentence(value)
        return None if said is None else {"fr": None, "nl": None} | said


class NoticeAgreementOut(BaseModel):
    id: str
    title: str
    version: str
    effective_from: date
    in_force: bool = Field(description="False before the agreement starts: none of its terms applies yet.")


class PlatformNoticeOut(BaseModel):
    slug: str
    name: str
    adapter: str
    agreement: NoticeAgreementOut | None
    decisions: list[AutomatedOut]


class ContentOut(BaseModel):
    format: int = Field(
        description="The content's format: 2; in 1 (older versions) a term's sentence was in English only."
    )
    review_days: int = Field(description="A review the rider asks for is answered within this many days.")
    gateway: list[AutomatedOut] = Field(description="Decisions taken on every platform's riders.")
    platforms: list[PlatformNoticeOut]


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    effective_on: date
    published_at: datetime
    withdrawn_at: datetime | None = Field(description="Set when a coming version was withdrawn before its day.")
    content_hash: str = Field(description="SHA-256 of the content's canonical JSON (sorted keys, no spaces).")


class ChangeOut(BaseModel):
    change: str = Field(description="added, removed or changed")
    platform: str | None = Field(description="The platform's slug; none for a decision taken on every platform.")
    key: str = Field(description="The item's key; `platform` for the platform's own line (agreement, adapter).")
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ComingOut(BaseModel):
    version: VersionOut
    changes: list[ChangeOut] = Field(description="What it changes in the version before it.")


class NoticeOut(BaseModel):
    version: VersionOut
    notice: ContentOut
    coming: list[ComingOut] = Field(description="Versions published ahead of the day they take effect.")


class VersionDetailOut(BaseModel):
    version: VersionOut
    notice: ContentOut
    changes: list[ChangeOut] = Field(description="What it changed in the version before it (empty for the first).")


def version_out(v: NoticeVersion) -> VersionOut:
    return VersionOut.model_validate(v)


def change_out(c: Change) -> ChangeOut:
    return ChangeOut(change=c.change, platform=c.platform, key=c.key, before=c.before, after=c.after)
