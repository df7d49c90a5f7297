"""Data contract: column specifications, Pandera models and reference data (SPEC section 2)."""
