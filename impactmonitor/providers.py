"""The provider register: append-only entries, the latest per AGB code is current."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from impactmonitor.access import User, require
from impactmonitor.storage import Database, append_audit
from schemas.tables import REGISTER

# The register's columns and types, as its contract declares them (`schemas.tables.REGISTER`).
REGISTER_SCHEMA: dict[str, type[pl.DataType]] = {c.name: c.dtype for c in REGISTER.columns}
REGISTER_COLUMNS = tuple(REGISTER_SCHEMA)


def registered_among(con: duckdb.DuckDBPyConnection, agbs: list[str]) -> set[str]:
    """The AGB codes of `agbs` that are in the provider register."""
    if not agbs:
        return set()
    # The register table, not the `providers` view: its window ranks every entry.
    rows = con.execute(
        "SELECT DISTINCT provider_agb FROM provider_register "
        "WHERE provider_agb IN (SELECT unnest(?))",
        [agbs],
    ).fetchall()
    return {row[0] for row in rows}


def append_register_entries(
    con: duckdb.DuckDBPyConnection,
    entries: pl.DataFrame,
    actor: str,
    at: datetime | None = None,
) -> int:
    """Store new or changed register entries inside the caller's transaction.

    Entries identical to the current ones are skipped, so reloading the same file changes nothing.
    Returns the number of entries written.
    """
    at = at or datetime.now()
    incoming = entries.select(REGISTER_COLUMNS)
    con.register("incoming_register", incoming.to_arrow())
    try:
        changed = con.execute(
            """
            SELECT i.* FROM incoming_register i
            LEFT JOIN providers p USING (provider_agb)
            WHERE p.provider_agb IS NULL
               OR (p.name, p.category, coalesce(p.lot, ''), p.contract_start, p.contract_end)
                  IS DISTINCT FROM
                  (i.name, i.category, coalesce(i.lot, ''), i.contract_start, i.contract_end)
            """
        ).pl()
        if changed.height:
            con.register("changed_register", changed.to_arrow())
            con.execute(
                "INSERT INTO provider_register SELECT provider_agb, name, category, lot, "
                "contract_start, contract_end, ?, ? FROM changed_register",
                [at, actor],
            )
            con.unregister("changed_register")
            append_audit(con, actor, "register_changed", details=str(changed.height), at=at)
    finally:
        con.unregister("incoming_register")
    return changed.height


def edit_register(db: Database, user: User, entries: pl.DataFrame) -> int:
    """Register changes made in the app: only administrators may make them (audited)."""
    require(user, "edit_register")
    with db.transaction() as con:
        return append_register_entries(con, entries, actor=user.username)


def register_history(db: Database, user: User, provider_agb: str | None = None) -> pl.DataFrame:
    """Every register entry (newest first), for the admin page."""
    require(user, "edit_register")
    where, params = ("WHERE provider_agb = ?", [provider_agb]) if provider_agb else ("", [])
    return db.query(
        f"SELECT * FROM provider_register {where} ORDER BY registered_at DESC, provider_agb",
        params,
    )
