"""Reads about deliveries: version history, receipts, provider choices.

Every function takes the current user and limits rows through `access.scope_filter`.
"""

from __future__ import annotations

import polars as pl

from impactmonitor.access import User, scope_filter
from impactmonitor.storage import Database


def provider_choices(db: Database, user: User) -> pl.DataFrame:
    """Providers the user may see: provider_agb, name, category, lot."""
    condition, params = scope_filter(user)
    return db.query(
        f"SELECT provider_agb, name, category, lot FROM providers WHERE {condition} ORDER BY name",
        params,
    )


def delivery_history(db: Database, user: User, provider_agb: str) -> pl.DataFrame:
    """Every accepted version of every table of one provider, newest first, with its receipt."""
    condition, params = scope_filter(user, "v.provider_agb")
    return db.query(
        f"""
        SELECT v.quarter, v.table_name, v.version, v.accepted_at, d.received_by, d.source,
               v.file_name, v.row_count, v.file_sha256, v.delivery_id,
               json_array_length(d.warnings) AS warnings
        FROM table_versions v JOIN deliveries d USING (delivery_id)
        WHERE v.provider_agb = ? AND {condition}
        ORDER BY v.accepted_at DESC, v.quarter DESC, v.table_name
        """,
        [provider_agb, *params],
    )


# The delivery history as users read it (the sha256 and delivery id stay: they are the receipt).
DELIVERY_HISTORY_COLUMNS = (
    "quarter",
    "table_name",
    "version",
    "accepted_at",
    "received_by",
    "source",
    "file_name",
    "row_count",
    "warnings",
    "delivery_id",
    "file_sha256",
)


def delivered_quarters(db: Database, user: User, provider_agb: str) -> list[str]:
    """Quarters with accepted data of one provider, newest first (empty when not readable)."""
    condition, params = scope_filter(user)
    return db.query(
        f"SELECT DISTINCT quarter FROM latest_table_versions WHERE provider_agb = ? "
        f"AND {condition} ORDER BY quarter DESC",
        [provider_agb, *params],
    )["quarter"].to_list()


def current_versions(db: Database, user: User, provider_agb: str, quarter: str) -> pl.DataFrame:
    """The accepted version in effect per table of one provider-quarter: table_name, version,
    accepted_at, file_name, file_sha256 (the upload page's expectations and duplicate check)."""
    condition, params = scope_filter(user)
    return db.query(
        f"SELECT table_name, version, accepted_at, file_name, file_sha256 "
        f"FROM latest_table_versions WHERE provider_agb = ? AND quarter = ? AND {condition} "
        f"ORDER BY table_name",
        [provider_agb, quarter, *params],
    )
