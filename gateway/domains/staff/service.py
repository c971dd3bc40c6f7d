"""Staff members, their roles (least privilege: a route names the one role it needs), and the audit log."""

from __future__ import annotations

import getpass
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from gateway.domains.auth.credentials import hash_key
from gateway.domains.staff.models import AuditEntry, StaffMember

ROLES: dict[str, str] = {
    "platforms": "create platforms, rotate their secrets, issue, list and revoke their credentials",
    "agreements": "load and review agreements",
    "insolvency": "declare a platform insolvent",
    "fund": "read the guarantee fund, deposit into it, record invoice payments",
    "dead-letters": "read the outbox and replay dead letters",
    "declarations": "read refused declarations",
    "members": "fill members' identity (shown masked), link platforms' riders to members, read who read a clear SSIN "
    "or IBAN",
    "operations": "read the rows scheduled jobs set aside, and retry them",
    "auditor": "read the audit log",
    "reviewer": "review automated decisions riders ask a person to look at, answer them, confirm or dismiss a "
    "platform's suspension or deactivation",
    "representative": "read the aggregated figures of platform work per platform and half-year (never a group "
    "under five riders)",
    "staff": "add and revoke staff members",
}
STAFF_TOKEN_PREFIX = "gws_"  # noqa: S105 - a format prefix, not a secret
SUPERUSER = "admin-token"


class StaffError(ValueError):
    """A staff member cannot be created as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    name: str
    roles: frozenset[str]

    @property
    def actor(self) -> str:
        return f"staff:{self.name}"


def add_member(session: Session, name: str, roles: list[str], pepper: str) -> str:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise StaffError(f"unknown or missing role(s) {unknown}; choose from: {', '.join(ROLES)}")
    if session.exec(select(StaffMember).where(StaffMember.name == name)).first() is not None:
        raise StaffError(f"a staff member {name!r} already exists")
    token = STAFF_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(StaffMember(name=name, token_hash=hash_key(token, pepper), roles=" ".join(sorted(set(roles)))))
    session.flush()
    return token


def authenticate(session: Session, token: str, pepper: str) -> StaffPrincipal | None:
    member = session.exec(
        select(StaffMember).where(
            StaffMember.token_hash == hash_key(token, pepper), col(StaffMember.revoked_at).is_(None)
        )
    ).first()
    return None if member is None else StaffPrincipal(member.name, frozenset(member.roles.split()))


def revoke(session: Session, name: str, now: datetime) -> bool:
    member = session.exec(select(StaffMember).where(StaffMember.name == name)).first()
    if member is None or member.revoked_at is not None:
        return False
    member.revoked_at = now
    session.add(member)
    session.flush()
    return True


def audit(session: Session, actor: str, action: str, target: str, now: datetime, **detail: Any) -> None:
    """Record an administrative change in the caller's transaction: no change without its audit line."""
    session.add(AuditEntry(at=now, actor=actor, action=action, target=target, detail=detail))
    session.flush()


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def audit_log(session: Session, limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(col(AuditEntry.id) < before_id)
    return list(session.exec(stmt).all())


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for f in sorted([folder / "agreement.yaml", *sorted((folder / "amendments").glob("*.yaml"))]):
        if f.exists():
            digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def record_agreement_loads(session: Session, directory: Path, now: datetime) -> list[str]:
    """Audit each agreement whose signed text or amendments changed since the gateway last loaded them."""
    changes = []
    for folder in sorted(p.parent for p in directory.glob("*/agreement.yaml")):
        target = f"agreement:{folder.name}"
        fingerprint = _fingerprint(folder)
        last = session.exec(
            select(AuditEntry)
            .where(AuditEntry.target == target, AuditEntry.action == "agreement.loaded")
            .order_by(col(AuditEntry.id).desc())
        ).first()
        if last is None or last.detail.get("fingerprint") != fingerprint:
            audit(
                session,
                "system",
                "agreement.loaded",
                target,
                now,
                fingerprint=fingerprint,
                previous=None if last is None else last.detail.get("fingerprint"),
            )
            changes.append(f"{folder.name} ({fingerprint})")
    return changes


def members(session: Session) -> list[StaffMember]:
    return list(session.exec(select(StaffMember).order_by(col(StaffMember.name))).all())
