"""Imports every table so that the metadata (and Alembic's autogenerate) sees the whole schema."""

from gateway.domains.contracts.models import Contract, Violation
from gateway.domains.inbox.models import InboxMessage
from gateway.domains.outbox.models import OutboxMessage
from gateway.domains.platforms.models import ApiCredential, Platform, WebhookSecret
from gateway.domains.riders.models import Rider

__all__ = [
    "ApiCredential",
    "Contract",
    "InboxMessage",
    "OutboxMessage",
    "Platform",
    "Rider",
    "Violation",
    "WebhookSecret",
]
