"""Notifications: the rider's e-mails (a new contract, a decision, a review's answer), in their language.

Queued in the outbox in the transaction of the change that causes them (`service.notify`; the booking queues
`notification.contract_opened` with the contract's other outbound messages), sent one per message over SMTP by
`delivery` (stdlib smtplib: the stack has no mail library), each kind one the rider may turn off on their page.
"""

from gateway.plugins import Plugin

PLUGIN = Plugin(
    __name__,
    models=(".models",),
    outbox_handlers=(".delivery",),
    cli=".cli:notifications_app",
    settings=".settings:NotificationSettings",
)
