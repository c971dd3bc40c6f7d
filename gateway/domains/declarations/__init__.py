"""Declarations of employment to social security (Belgium: Dimona IN/OUT), behind one connector interface."""

from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, outbox_handlers=(".delivery",))
