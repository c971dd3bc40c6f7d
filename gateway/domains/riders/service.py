from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from gateway.canonical import RiderEnrolled
from gateway.db.upsert import insert_for
from gateway.domains.riders.models import Rider


def enrol(session: Session, platform_id: int, data: RiderEnrolled, now: datetime) -> Rider:
    """Create the rider, or update name, email and member id when the platform enrols them again."""
    table = Rider.__table__  # type: ignore[attr-defined]
    values = {"name": data.name, "email": data.email, "member_id": data.member_id, "updated_at": now}
    stmt = insert_for(session, table).values(
        platform_id=platform_id, external_id=data.rider_id, enrolled_at=now, **values
    )
    stmt = stmt.on_conflict_do_update(index_elements=["platform_id", "external_id"], set_=values)
    session.execute(stmt)
    rider = session.exec(
        select(Rider).where(Rider.platform_id == platform_id, Rider.external_id == data.rider_id)
    ).one()
    return rider


def rider_id_for(session: Session, platform_id: int, external_id: str) -> int | None:
    return session.exec(
        select(Rider.id).where(Rider.platform_id == platform_id, Rider.external_id == external_id)
    ).first()
