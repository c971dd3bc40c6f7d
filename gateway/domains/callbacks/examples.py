"""One realistic body per callback type, for the OpenAPI document: what the gateway sent for the demo"s shift
(a test validates each against its schema, and the gateway"s real payloads too)."""

from __future__ import annotations

from typing import Any

CALLBACK_EXAMPLES: dict[str, dict[str, Any]] = {
    "contract.opened": {
        "type": "contract.opened",
        "timestamp": "2026-11-26T12:00:00Z",
        "data": {
            "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "platform": "demo",
            "shift_code": "DEMO-TUE-1000",
            "rider_id": "rider-42",
            "status": "open",
            "shift": {
                "starts_at": "2026-12-01T09:00:00Z",
                "ends_at": "2026-12-01T11:00:00Z",
                "timezone": "Europe/Brussels",
                "starts_local": "2026-12-01T10:00:00+01:00",
                "ends_local": "2026-12-01T12:00:00+01:00",
                "booked_hours": "2.00",
                "zone": None,
            },
            "agreement": {"id": "be-delivery-2016", "version": "2016.1"},
            "minimum_paid_hours": "3.00",
            "guaranteed_paid_hours": "3.00",
            "pay": {
                "basis": "hourly",
                "hourly_gross": "12.83",
                "hourly_net": "11.15",
                "currency": "EUR",
                "offered": None,
            },
            "corrections": [
                {
                    "term": "minimum_engagement",
                    "clause": "§2 Minimum engagement",
                    "code": "shift_shorter_than_minimum",
                    "action": "amended",
                    "detail": "the shift lasts 2.00 h; the agreement pays at least 3.00 h a shift",
                    "offered": "2.00 h",
                    "applied": "3.00 h",
                }
            ],
            "opened_at": "2026-11-26T12:00:00Z",
            "actual": {
                "started_at": None,
                "ended_at": None,
                "deliveries": None,
                "first_delivery_at": None,
                "sent_home_early": False,
                "cancelled_at": None,
                "cancel_reason": None,
            },
            "statement": None,
            "invoice": None,
            "payout": None,
            "history": [
                {
                    "kind": "opened",
                    "from_status": None,
                    "to_status": "open",
                    "at": "2026-11-26T12:00:00Z",
                    "recorded_at": "2026-11-26T12:00:00Z",
                    "detail": "",
                }
            ],
            "declaration": {
                "state": "queued",
                "connector": None,
                "reference": None,
                "result_code": None,
                "detail": None,
                "last_operation": None,
                "last_operation_state": None,
                "decided_at": None,
                "ended_at": None,
            },
        },
    },
    "contract.declared": {
        "type": "contract.declared",
        "timestamp": "2026-11-30T08:00:00Z",
        "data": {
            "contract_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "shift_code": "DEMO-TUE-1000",
            "status": "open",
            "declaration": {
                "state": "accepted",
                "connector": "local",
                "reference": "test-in-7c9e6679-7425-40de-944b-e07fc1f90ae7",
                "result_code": "A",
                "detail": None,
                "last_operation": "in",
                "last_operation_state": "accepted",
                "decided_at": "2026-11-30T08:00:00Z",
                "ended_at": None,
            },
        },
    },
    "contract.refused": {
        "type": "contract.refused",
        "timestamp": "2026-11-30T08:00:00Z",
        "data": {
            "contract_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "shift_code": "DEMO-TUE-1000",
            "status": "blocked",
            "declaration": {
                "state": "refused",
                "connector": "local",
                "reference": "test-in-7c9e6679-7425-40de-944b-e07fc1f90ae7",
                "result_code": "B",
                "detail": "the rider's social security number is unknown",
                "last_operation": "in",
                "last_operation_state": "refused",
                "decided_at": "2026-11-30T08:00:00Z",
                "ended_at": None,
            },
            "reason": "the rider's social security number is unknown",
        },
    },
    "contract.unblocked": {
        "type": "contract.unblocked",
        "timestamp": "2026-11-27T09:30:00Z",
        "data": {
            "contract_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "shift_code": "DEMO-TUE-1000",
            "rider_id": "rider-42",
            "status": "open",
            "reason": "identity_completed",
        },
    },
    "contract.settled": {
        "type": "contract.settled",
        "timestamp": "2026-12-01T12:00:00Z",
        "data": {
            "contract_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "shift_code": "DEMO-TUE-1000",
            "paid_hours": "3.0000",
            "gross": "38.49",
            "net": "33.46",
            "expenses": "0.36",
            "payout": "33.82",
            "invoice_total": "51.84",
            "currency": "EUR",
            "payment_due": "2026-12-10",
        },
    },
    "payout.paid": {
        "type": "payout.paid",
        "timestamp": "2026-12-09T23:01:00Z",
        "data": {
            "contract_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "shift_code": "DEMO-TUE-1000",
            "amount": "33.82",
            "currency": "EUR",
            "paid_at": "2026-12-09T23:01:00+00:00",
            "funded_by": "guarantee_fund",
        },
    },
    "invoice.issued": {
        "type": "invoice.issued",
        "timestamp": "2026-12-01T13:00:00Z",
        "data": {
            "invoice_id": "9b2e4f1a-3c5d-4e6f-8a7b-1c2d3e4f5a6b",
            "contract_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "wages": "38.49",
            "employer_contributions": "9.62",
            "expenses": "0.36",
            "guarantee_levy": "3.37",
            "total": "51.84",
            "currency": "EUR",
            "status": "issued",
        },
    },
}
