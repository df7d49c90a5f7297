"""Ingest pipeline: read -> parse -> validate -> plausibility -> load -> receipt (SPEC 3)."""
