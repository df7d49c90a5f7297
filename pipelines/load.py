"""Load: accepted tables become a new version of their provider-quarter-table, in one transaction.

One writer (`store_deliveries`) for one delivery and for a bulk upload of many provider-quarters.

Nothing is updated in place: a redelivery appends rows under a new delivery id and version, and the
`population`/`offer`/`results` views show the latest version. A crash before COMMIT leaves no trace
(DuckDB's write-ahead log replays committed transactions only).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from impactmonitor.deliveries import ORIGINAL_CODEC, pack_original
from impactmonitor.kpis import refresh_provider_quarters, refresh_summaries
from impactmonitor.schema import DATA_TABLE_COLUMNS
from impactmonitor.storage import next_ids
from pipelines.findings import Finding
from schemas.tables import TABLE_NAMES

ROW_GROUP_ROWS = 122_880  # DuckDB's row group size
PAUSE_ENV = "IMPACTMONITOR_TEST_PAUSE_IN_LOAD"
PAUSE_MARKER_ENV = "IMPACTMONITOR_TEST_PAUSE_MARKER"


@dataclass
class AcceptedTable:
    """One delivered table file, checked and accepted: rows of one provider-quarter (a single
    delivery) or of many (a bulk upload; rows of rejected provider-quarters are left out)."""

    table: str
    frame: pl.DataFrame  # typed rows with provider_agb and quarter (without the row-number column)
    file_name: str
    file_sha256: str
    counts: pl.DataFrame | None = None  # provider_agb, quarter, len: rows per provider-quarter

    def row_counts(self) -> pl.DataFrame:
        if self.counts is None:
            self.counts = self.frame.group_by(IDENTITY).len().sort(IDENTITY)
        return self.counts


@dataclass
class Receipt:
    delivery_id: str
    provider_agb: str
    quarter: str
    received_at: datetime
    received_by: str
    source: str
    tables: list[dict] = field(default_factory=list)  # table, version, file, sha256, rows
    warnings: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat(timespec="seconds")
        return data


IDENTITY = ["provider_agb", "quarter"]  # the key of a delivery


def latest_rows(con: duckdb.DuckDBPyConnection, table: str, keys: pl.DataFrame) -> pl.DataFrame:
    """The stored latest version of `table` for each provider-quarter in `keys` (provider_agb,
    quarter); none for a provider-quarter that never delivered it.

    Looks the versions up in `table_versions` instead of going through the `population`/...
    views, which rank every stored version (slow on a national-scale store).
    """
    return _latest(con, table, keys, "r.* EXCLUDE (delivery_id)")


def latest_clients_by_care_form(con: duckdb.DuckDBPyConnection, keys: pl.DataFrame) -> pl.DataFrame:
    """Per provider-quarter in `keys` and care form of its stored latest population: `clients`
    (clients_start + inflow) and `outflow`, summed in DuckDB: the rules that compare a delivery
    with the stored population read only these, and a national store holds a million rows."""
    sums = (
        "r.provider_agb, r.quarter, r.care_form, "
        "coalesce(sum(r.clients_start + r.inflow), 0)::BIGINT AS clients, "
        "coalesce(sum(r.outflow), 0)::BIGINT AS outflow"
    )
    return _latest(con, "population", keys, sums, "GROUP BY ALL")


def _latest(
    con: duckdb.DuckDBPyConnection, table: str, keys: pl.DataFrame, select: str, group: str = ""
) -> pl.DataFrame:
    """`SELECT {select}` over the rows `r` of the latest stored version of `table` for each
    provider-quarter in `keys`."""
    if keys.height == 1:  # plain parameters: zone maps skip the other provider-quarters
        agb, quarter = keys.select(IDENTITY).row(0)
        return con.execute(
            f"""
            SELECT {select} FROM {table}_rows r
            WHERE provider_agb = $agb AND quarter = $quarter AND delivery_id = (
                SELECT delivery_id FROM table_versions
                WHERE provider_agb = $agb AND quarter = $quarter AND table_name = $table
                ORDER BY version DESC LIMIT 1)
            {group}
            """,
            {"agb": agb, "quarter": quarter, "table": table},
        ).pl()
    con.register("wanted_keys", keys.select(IDENTITY).unique().to_arrow())
    try:
        return con.execute(
            f"""
            SELECT {select} FROM {table}_rows r
            JOIN (
                SELECT delivery_id FROM table_versions
                JOIN wanted_keys USING (provider_agb, quarter)
                WHERE table_name = ?
                QUALIFY row_number() OVER (
                    PARTITION BY provider_agb, quarter ORDER BY version DESC) = 1
            ) latest USING (delivery_id)
            {group}
            """,
            [table],
        ).pl()
    finally:
        con.unregister("wanted_keys")


def new_delivery_id() -> str:
    return uuid.uuid4().hex[:16]


def new_delivery_ids(count: int) -> list[str]:
    """`count` fresh delivery ids (as `new_delivery_id`), in one call for many."""
    if count < 100:
        return [new_delivery_id() for _ in range(count)]
    digits = os.urandom(8 * count).hex()
    return [digits[i : i + 16] for i in range(0, 16 * count, 16)]


def store_delivery(
    con: duckdb.DuckDBPyConnection,
    provider_agb: str,
    quarter: str,
    tables: list[AcceptedTable],
    actor: str,
    source: str,
    warnings: list[Finding],
    received_at: datetime | None = None,
    lang: str = "nl",
    original_files: list[tuple[str, str, bytes]] | None = None,
) -> Receipt:
    """Write one accepted delivery inside the caller's transaction and return its receipt: a
    batch of one for `store_deliveries`, the one writer."""
    accepted = pl.DataFrame(
        {
            "provider_agb": [provider_agb],
            "quarter": [quarter],
            "received_at": [received_at or datetime.now().replace(microsecond=0)],
            "warnings": [json.dumps([w.as_dict(lang) for w in warnings], ensure_ascii=False)],
        },
        schema=ACCEPTED_SCHEMA,
    )
    stored = store_deliveries(con, accepted, tables, actor, source, original_files or [])
    receipt = stored.receipt(provider_agb, quarter)
    assert receipt is not None
    return receipt


BULK_SUMMARY_REFRESH_MAX = 1_000  # provider-quarters whose summaries a load rebuilds itself
ACCEPTED_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "provider_agb": pl.String,
    "quarter": pl.String,
    "received_at": pl.Datetime("us"),
    "warnings": pl.String,
}


def store_deliveries(
    con: duckdb.DuckDBPyConnection,
    accepted: pl.DataFrame,
    tables: list[AcceptedTable],
    actor: str,
    source: str,
    original_files: list[tuple[str, str, bytes]],
) -> StoredDeliveries:
    """Write every accepted provider-quarter as its own delivery, inside the caller's
    transaction: the one writer of the single and the bulk path.

    `accepted` has one row per provider-quarter (provider_agb, quarter, received_at, warnings as
    JSON); `tables` hold their rows; `original_files` are (name, SHA-256, content). Each
    provider-quarter gets a delivery id, a new version per table it delivered, its rows, a
    receipt row, an audit event and its original files (linked by SHA-256; the content of a file
    is stored once, compressed, however many deliveries came from it), and its KPI summaries are
    rebuilt. One statement per kind of row for the whole batch: a single delivery runs ~20
    statements (each costs about a millisecond), a bulk upload of 60,000 provider-quarters the
    same number.
    """
    ids = accepted.select(IDENTITY).with_columns(
        pl.Series("delivery_id", new_delivery_ids(accepted.height), pl.String),
        accepted["received_at"].cast(pl.Datetime("us")),
        accepted["warnings"],
    )
    versions = _table_versions(con, ids.drop("warnings"), tables)
    stored = StoredDeliveries(ids, versions, actor, source)
    _insert_frame(
        con,
        "table_versions",
        versions.select(
            "delivery_id",
            "provider_agb",
            "quarter",
            "table_name",
            "version",
            "file_name",
            "file_sha256",
            "row_count",
            pl.col("received_at").alias("accepted_at"),
        ),
    )
    for table in TABLE_NAMES:
        frames = [_with_delivery_ids(t.frame, ids) for t in tables if t.table == table]
        frames = [f for f in frames if f.height]
        if frames:
            insert_rows(con, table, pl.concat(frames) if len(frames) > 1 else frames[0])
        _test_pause_in_load()
    _store_original_files(con, ids, versions, original_files)
    delivered = sorted({t.table for t in tables})
    if ids.height == 1:  # plain parameters: zone maps skip the other provider-quarters
        refresh_summaries(
            con,
            ids["provider_agb"][0],
            ids["quarter"][0],
            {table: ids["delivery_id"][0] for table in delivered},
        )
    elif ids.height <= BULK_SUMMARY_REFRESH_MAX:
        refresh_provider_quarters(con, ids.select(IDENTITY), delivered)
    # Larger batches (history loads, the national set) leave their summaries to the first read
    # (`kpis.summary_connection` syncs every version not yet in `summary_applied`), as before.
    written = ids.join(_receipt_tables(versions), on="delivery_id", how="left")
    _insert_frame(
        con,
        "deliveries",
        written.select(
            "delivery_id",
            "provider_agb",
            "quarter",
            "received_at",
            pl.lit(actor).alias("received_by"),
            pl.lit(source).alias("source"),
            "files",
            "warnings",
        ),
    )
    events = written.select(
        "received_at",
        "provider_agb",
        "quarter",
        pl.concat_str(
            pl.lit('{"delivery_id": "'),
            "delivery_id",
            pl.lit('", "tables": '),
            "files",
            pl.lit("}"),
        ).alias("details"),
    ).sort("received_at", "provider_agb", "quarter")
    events = events.with_columns(
        pl.Series("event_id", next_ids(con, "audit_event_seq", events.height), pl.Int64)
    )
    con.register("new_audit_events", events.to_arrow())
    try:
        # The event append_audit writes, one per delivery.
        con.execute(
            "INSERT INTO audit_log (event_id, occurred_at, actor, action, provider_agb, "
            "quarter, details) SELECT event_id, received_at, ?, 'delivery_accepted', "
            "provider_agb, quarter, details FROM new_audit_events ORDER BY event_id",
            [actor],
        )
    finally:
        con.unregister("new_audit_events")
    return stored


def _with_delivery_ids(frame: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    """The rows with their delivery id; rows of provider-quarters not in `ids` are dropped."""
    if ids.height == 1:
        agb, quarter, delivery_id = ids.row(0)[:3]
        frame = frame.filter((pl.col("provider_agb") == agb) & (pl.col("quarter") == quarter))
        return frame.with_columns(pl.lit(delivery_id).alias("delivery_id"))
    # A left join that keeps the row order is cheaper than an inner join on 1M rows; rows of
    # rejected provider-quarters (no delivery id) are dropped after it, only when there are any.
    joined = frame.join(
        ids.select(*IDENTITY, "delivery_id"), on=IDENTITY, how="left", maintain_order="left"
    )
    if joined["delivery_id"].null_count():
        joined = joined.filter(pl.col("delivery_id").is_not_null())
    return joined


def _table_versions(
    con: duckdb.DuckDBPyConnection, ids: pl.DataFrame, tables: list[AcceptedTable]
) -> pl.DataFrame:
    """One row per accepted provider-quarter-table with its next version number."""
    incoming = pl.concat(
        [
            table.row_counts()
            .lazy()
            .join(ids.lazy(), on=IDENTITY)
            .select(
                "provider_agb",
                "quarter",
                "delivery_id",
                "received_at",
                pl.lit(table.table).alias("table_name"),
                pl.lit(table.file_name, pl.String).alias("file_name"),
                pl.lit(table.file_sha256, pl.String).alias("file_sha256"),
                pl.col("len").cast(pl.Int64).alias("row_count"),
            )
            for table in tables
        ]
    )
    stored = _stored_versions(con, ids.select(IDENTITY)).lazy()
    return (
        incoming.join(stored, on=[*IDENTITY, "table_name"], how="left")
        .with_columns((pl.col("version").fill_null(0) + 1).cast(pl.Int32))
        .sort("provider_agb", "quarter", "table_name")
        .collect()
    )


def _stored_versions(con: duckdb.DuckDBPyConnection, keys: pl.DataFrame) -> pl.DataFrame:
    """The highest stored version per table of each provider-quarter in `keys`."""
    query = "SELECT provider_agb, quarter, table_name, max(version) AS version FROM table_versions"
    if keys.height == 1:  # plain parameters: zone maps skip the other provider-quarters
        agb, quarter = keys.row(0)
        return con.execute(
            f"{query} WHERE provider_agb = $agb AND quarter = $quarter GROUP BY ALL",
            {"agb": agb, "quarter": quarter},
        ).pl()
    con.register("wanted_keys", keys.unique().to_arrow())
    try:
        return con.execute(
            f"{query} JOIN wanted_keys USING (provider_agb, quarter) GROUP BY ALL"
        ).pl()
    finally:
        con.unregister("wanted_keys")


def _receipt_tables(versions: pl.DataFrame) -> pl.DataFrame:
    """delivery_id, files: the receipt's table list as JSON, built in one pass for all
    deliveries (json.dumps per delivery is slow at 60,000)."""
    entries = versions.select(
        "delivery_id",
        pl.struct(
            pl.col("table_name").alias("table"),
            "version",
            pl.col("file_name").alias("file"),
            pl.col("file_sha256").alias("sha256"),
            pl.col("row_count").alias("rows"),
        )
        .struct.json_encode()
        .alias("entry"),
    )
    return entries.group_by("delivery_id", maintain_order=True).agg(
        pl.concat_str(pl.lit("["), pl.col("entry").str.join(", "), pl.lit("]")).alias("files")
    )


def _store_original_files(
    con: duckdb.DuckDBPyConnection,
    ids: pl.DataFrame,
    versions: pl.DataFrame,
    original_files: list[tuple[str, str, bytes]],
) -> None:
    """Each delivery's original files as uploaded: a link per delivery and file, and the content
    once per SHA-256 (a bulk file serves thousands of deliveries; a redelivery of the same bytes
    needs no second copy), compressed (`impactmonitor.deliveries.pack_original`)."""
    if not original_files:
        return
    digests = {digest: (name, content) for name, digest, content in original_files}
    used = versions.select("delivery_id", "file_sha256").unique()
    links = []
    for digest, (name, content) in digests.items():
        deliveries = used.filter(pl.col("file_sha256") == digest).select("delivery_id")
        # A file that gave no table of its own (only possible in a single delivery, which keeps
        # everything it was sent) belongs to every delivery of the batch.
        if deliveries.height == 0:
            deliveries = ids.select("delivery_id")
        links.append(
            deliveries.with_columns(
                pl.lit(name, pl.String).alias("file_name"),
                pl.lit(digest, pl.String).alias("sha256"),
                pl.lit(len(content), pl.Int64).alias("size_bytes"),
            )
        )
    _insert_frame(con, "delivery_files", pl.concat(links))
    known = {
        row[0]
        for row in con.execute(
            "SELECT sha256 FROM file_contents WHERE sha256 IN (SELECT unnest(?))", [list(digests)]
        ).fetchall()
    }
    for digest, (_, content) in digests.items():
        if digest not in known:
            con.execute(
                "INSERT INTO file_contents (sha256, content, compression, size_bytes) "
                "VALUES (?, ?, ?, ?)",
                [digest, pack_original(content), ORIGINAL_CODEC, len(content)],
            )


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("new_frame", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM new_frame")
    finally:
        con.unregister("new_frame")


class StoredDeliveries:
    """The receipts of one `store_deliveries` call, built on first use: Python objects for tens
    of thousands of provider-quarters cost more than storing them, and most callers only count."""

    def __init__(self, ids: pl.DataFrame, versions: pl.DataFrame, actor: str, source: str) -> None:
        self._ids, self._versions = ids, versions
        self._actor, self._source = actor, source
        self._receipts: dict[tuple[str, str], Receipt] | None = None

    def receipt(self, provider_agb: str, quarter: str) -> Receipt | None:
        if self._receipts is None:
            self._receipts = self._build()
        return self._receipts.get((provider_agb, quarter))

    def _build(self) -> dict[tuple[str, str], Receipt]:
        receipts: dict[tuple[str, str], Receipt] = {}
        for agb, quarter, delivery_id, at, warnings in self._ids.iter_rows():
            receipts[(agb, quarter)] = Receipt(
                delivery_id,
                agb,
                quarter,
                at,
                self._actor,
                self._source,
                warnings=json.loads(warnings),
            )
        for agb, quarter, table, version, file_name, digest, rows in self._versions.select(
            "provider_agb",
            "quarter",
            "table_name",
            "version",
            "file_name",
            "file_sha256",
            "row_count",
        ).iter_rows():
            receipts[(agb, quarter)].tables.append(
                {
                    "table": table,
                    "version": version,
                    "file": file_name,
                    "sha256": digest,
                    "rows": rows,
                }
            )
        return receipts


def _test_pause_in_load() -> None:
    """Test hook: sleep inside the open transaction so a test can kill the process mid-load.

    Active only when IMPACTMONITOR_TEST_PAUSE_IN_LOAD (seconds) is set; when
    IMPACTMONITOR_TEST_PAUSE_MARKER names a file, it is created first to say "rows are inserted,
    nothing is committed yet". Never set in production.
    """
    seconds = os.environ.get(PAUSE_ENV)
    if not seconds:
        return
    marker = os.environ.get(PAUSE_MARKER_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(float(seconds))


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append typed rows (with delivery_id, provider_agb, quarter) to `<table>_rows`."""
    columns = ["delivery_id", "provider_agb", "quarter", *DATA_TABLE_COLUMNS[table]]
    column_list = ", ".join(columns)
    rows = frame.select(columns).to_arrow()
    if rows.num_rows > ROW_GROUP_ROWS:
        # DuckDB scans one Arrow batch per thread: in batches of a row group the insert runs on
        # every core, still in this order (insertion order is preserved), instead of one.
        rows = pa.Table.from_batches(rows.to_batches(max_chunksize=ROW_GROUP_ROWS), rows.schema)
    con.register("incoming_rows", rows)
    try:
        con.execute(
            f"INSERT INTO {table}_rows ({column_list}) SELECT {column_list} FROM incoming_rows"
        )
    finally:
        con.unregister("incoming_rows")
