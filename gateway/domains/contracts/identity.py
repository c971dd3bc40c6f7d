"""Contracts and the member's identity: a booking for a member whose identity cannot be declared opens blocked
(`identity_incomplete`); completing the identity releases those contracts. (To be built: issue 16.)"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session


def release(session: Session, member_number: str, now: datetime) -> list[uuid.UUID]:
    """Reopen the contracts blocked because this member's identity was incomplete, now that it is declarable.
    Returns their ids. Called (in the caller's transaction) after every write that may complete an identity."""
    return []
