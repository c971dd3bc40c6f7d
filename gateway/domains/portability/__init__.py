"""Data portability: a rider's data as one ZIP archive (a documented JSON file and the same rows as CSV files),
downloaded by the rider from their page or produced by staff on request. Identity fields are masked as on every
other page (SSIN and IBAN: last four characters). The format is documented in docs/transparency.md."""

from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, cli=".cli:portability_app")
