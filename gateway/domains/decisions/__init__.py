"""Decisions: every automated decision about a rider, recorded with its reasons and open to a person's review.

EU Directive 2024/2831 (platform work), art. 9-11: a worker sees each decision an automated system took or
supported about them, on which data, with which main parameters, and may ask a person to review it, answered in
writing within two weeks. The gateway takes such decisions (it corrects an offer, refuses a booking, blocks a
contract, decides what a cancellation pays, builds a work session from deliveries, holds a payout) and platforms
report theirs (`rider.decision`). Each is one `Decision` row, written in the transaction that took it, once (its
`key` is unique). `service` is the write and read kit the deciding domains use; reviews live above the domains
whose decisions they may overturn.
"""

from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, cli=".cli:app")
