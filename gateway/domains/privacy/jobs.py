"""Personal data kept no longer than needed (GDPR art. 5(1)(e)).

- Accepted webhooks (their bodies' answers hold names and e-mails of enrolled riders) are kept for replays for
  GATEWAY_INBOX_RETENTION_DAYS — days, longer than any sender's retry schedule — then deleted.
- A rider's name and e-mail are erased GATEWAY_RIDER_RETENTION_DAYS after their last shift (payroll records must
  be kept for years; the pay itself stays, tied to the rider's id and member number).
- The record that an access link was used goes once the link has expired (its expiry refuses it from then on).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, update
from sqlmodel import Session, col, select

from gateway.domains.contracts.models import Contract
from gateway.domains.inbox.models import InboxMessage
from gateway.domains.riders.access import forget_used_links
from gateway.domains.riders.models import Rider
from gateway.jobs import JobContext, job

ERASED_NAME = "(erased)"
ERASED_EMAIL = "erased@invalid"


@job("privacy.purge", every_seconds=24 * 3600)
def purge(ctx: JobContext) -> int:
    """Delete old webhook answers and used links' records; erase riders' names and e-mails after retention."""
    now = ctx.now()
    inbox_cutoff = now - timedelta(days=ctx.settings.inbox_retention_days)
    rider_cutoff = now - timedelta(days=ctx.settings.rider_retention_days)
    with Session(ctx.engine) as session:
        deleted = session.execute(delete(InboxMessage).where(col(InboxMessage.received_at) < inbox_cutoff))
        recent_work = exists(
            select(Contract.id).where(Contract.rider_id == Rider.id, col(Contract.ends_at) >= rider_cutoff)
        )
        erased = session.execute(
            update(Rider)
            .where(col(Rider.updated_at) < rider_cutoff, col(Rider.name) != ERASED_NAME, ~recent_work)
            .values(name=ERASED_NAME, email=ERASED_EMAIL, updated_at=now)
        )
        forgotten = forget_used_links(session, now)
        session.commit()
    return _count(deleted) + _count(erased) + forgotten


def _count(result: Any) -> int:
    # DML results carry rowcount (CursorResult); the generic Result type does not declare it.
    return int(getattr(result, "rowcount", 0) or 0)
