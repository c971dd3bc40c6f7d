"""The employment contract's write side: booking, lifecycle, bounds, identity (blocked until it can be declared)."""

from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, cli=".cli:contracts_app")
