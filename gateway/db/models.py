"""Imports every table so that the metadata (and Alembic's autogenerate) sees the whole schema: the gateway's own,
listed here, and those of every package that declares `models` in its `PLUGIN` (a platform adapter's), found."""

from gateway.domains.auth.models import OAuthClient
from gateway.domains.callbacks.models import CallbackEndpoint
from gateway.domains.contracts.models import Contract, ContractEvent, Violation
from gateway.domains.decisions.models import Decision, DecisionReview
from gateway.domains.declarations.models import Declaration
from gateway.domains.fund.models import LedgerEntry
from gateway.domains.inbox.models import InboxMessage
from gateway.domains.jobs.models import JobFailure
from gateway.domains.members.models import IdentityRead, LinkRequest, Member
from gateway.domains.outbox.models import OutboxAttempt, OutboxMessage
from gateway.domains.payouts.models import BankStatementImport, Payout, PayoutBatch, PayoutTransfer
from gateway.domains.platforms.models import ApiCredential, Platform, WebhookSecret
from gateway.domains.riders.models import Rider, RiderLinkUse
from gateway.domains.settlement.models import Invoice, Settlement
from gateway.domains.staff.models import AuditEntry, StaffMember
from gateway.plugins import load_all

load_all("models")

__all__ = [
    "ApiCredential",
    "AuditEntry",
    "BankStatementImport",
    "CallbackEndpoint",
    "Contract",
    "ContractEvent",
    "Decision",
    "DecisionReview",
    "Declaration",
    "IdentityRead",
    "InboxMessage",
    "Invoice",
    "JobFailure",
    "LedgerEntry",
    "LinkRequest",
    "Member",
    "OAuthClient",
    "OutboxAttempt",
    "OutboxMessage",
    "Payout",
    "PayoutBatch",
    "PayoutTransfer",
    "Platform",
    "Rider",
    "RiderLinkUse",
    "Settlement",
    "StaffMember",
    "Violation",
    "WebhookSecret",
]
