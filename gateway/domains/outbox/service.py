"""Writing to the outbox: in the caller's transaction, so a rollback takes the message back too."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from gateway.domains.outbox.models import OutboxMessage


def enqueue(
    session: Session, kinds: Sequence[str], payload: dict[str, Any], now: datetime, contract_id: uuid.UUID | None
) -> None:
    """Queue one message per kind (e.g. declaration.in, callback.contract.opened) with the same payload."""
    session.execute(
        OutboxMessage.__table__.insert(),  # type: ignore[attr-defined]
        [
            {
                "kind": kind,
                "contract_id": contract_id,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
            for kind in kinds
        ],
    )
