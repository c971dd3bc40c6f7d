"""Platforms' invoices as documents: Peppol BIS Billing 3.0 (UBL 2.1 Invoice and CreditNote) and a PDF that states
the same figures. The amounts come from gateway.domains.settlement (below); this package only writes them out."""

from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, models=(".models",), settings=".settings:InvoicingSettings")
