"""Counters for webhooks. Refused input is stored nowhere but here (DESIGN.md, enforcement semantics)."""

from prometheus_client import Counter

WEBHOOKS_REFUSED = Counter(
    "gateway_webhooks_refused_total", "Webhooks refused before anything was stored", ["platform", "reason"]
)
WEBHOOKS_ACCEPTED = Counter(
    "gateway_webhooks_accepted_total", "Webhooks answered 2xx", ["platform", "type", "replayed"]
)
