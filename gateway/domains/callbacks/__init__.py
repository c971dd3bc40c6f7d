"""Signed outbound webhooks to platforms (Standard Webhooks), one secret per callback endpoint."""

from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, outbox_handlers=(".delivery",))
