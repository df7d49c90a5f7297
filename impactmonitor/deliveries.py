"""Reads about deliveries: version history, receipts, provider choices.

Every function takes the current user and limits rows through `access.scope_filter`.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

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


# Original files are kept compressed: a CSV shrinks ~7× (a 49 MB national file to 7 MB), and
# compressing costs less than writing the difference (≈ 0.1 s against ≈ 0.5 s for that file).
ORIGINAL_CODEC = "zstd"


def pack_original(content: bytes) -> bytes:
    """The bytes `file_contents.content` holds for an original file (see `ORIGINAL_CODEC`)."""
    return pa.Codec(ORIGINAL_CODEC, compression_level=1).compress(content, asbytes=True)


def unpack_original(stored: bytes, compression: str | None, size_bytes: int) -> bytes:
    """The original file from its stored bytes (stored before compression: NULL, as is)."""
    if compression is None:
        return bytes(stored)
    return pa.Codec(compression).decompress(stored, decompressed_size=size_bytes, asbytes=True)


def original_files(db: Database, user: User, delivery_id: str) -> pl.DataFrame:
    """The files one delivery came from, exactly as they were uploaded: file_name, sha256,
    size_bytes, content (empty when the user may not read the delivery's provider)."""
    condition, params = scope_filter(user, "d.provider_agb")
    stored = db.query(
        f"""
        SELECT f.file_name, f.sha256, f.size_bytes, c.content, c.compression
        FROM deliveries d
        JOIN delivery_files f USING (delivery_id)
        JOIN file_contents c USING (sha256)
        WHERE d.delivery_id = ? AND {condition}
        ORDER BY f.file_name
        """,
        [delivery_id, *params],
    )
    contents = [
        unpack_original(content, compression, size)
        for content, compression, size in stored.select(
            "content", "compression", "size_bytes"
        ).iter_rows()
    ]
    return stored.select("file_name", "sha256", "size_bytes").with_columns(
        pl.Series("content", contents, pl.Binary)
    )
