"""Agreements as config: loading, validating and evaluating the negotiated terms (the engine)."""
