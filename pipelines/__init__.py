"""Ingest pipeline: read -> parse -> validate -> plausibility -> load -> receipt (SPEC section 3)."""
