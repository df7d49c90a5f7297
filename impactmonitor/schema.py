"""The stored schema: every table and view, as numbered migrations.

One place holds the DDL of the whole product. A database records the migrations it has received
in `schema_migrations` (append-only); `Database.ensure_schema()` applies the ones it lacks, each
in its own transaction, and does nothing when the database is current. DDL therefore does not
run at every process start (on DuckLake every `CREATE OR REPLACE VIEW` would be a new snapshot,
and two processes starting together would conflict).

Rules for changing the schema:
- never edit a migration that has been released: add a new one (`ALTER TABLE ... ADD COLUMN`,
  a new table, `CREATE OR REPLACE VIEW`) at the end of `MIGRATIONS`;
- the DDL runs unchanged on a DuckDB file and on DuckLake: no constraints the pipeline relies on
  (uniqueness and versions are enforced in code), no sequences (ids come from
  `storage.next_ids`, which uses a sequence the backend provides: `SEQUENCES`), no indexes;
- inserts name their columns, so that added columns do not break them.

The column types of the delivered tables are derived from the data contract
(`schemas/tables.py`), so a column is declared once.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.tables import TABLES

# Column types of the stored tables, derived from the data contract. provider_agb and quarter are
# part of every data table's own DDL below.
_SQL_TYPES = {"code": "VARCHAR", "count": "INTEGER", "decimal": "DOUBLE"}
DATA_TABLE_COLUMNS: dict[str, dict[str, str]] = {
    name: {
        column.name: _SQL_TYPES[column.kind] for column in spec.columns if column.kind in _SQL_TYPES
    }
    for name, spec in TABLES.items()
}

# Materialised KPI summaries (see impactmonitor.kpis): the latest version of each
# provider-quarter-table, the population summed over age groups. Column -> (type, aggregate).
SUMMARY_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "population": {
        name: ("BIGINT", f"sum({name})")
        for name in ("clients_start", "inflow", "outflow", "clients_end")
    },
    "offer": {
        name: (sql_type, name)
        for name, sql_type in DATA_TABLE_COLUMNS["offer"].items()
        if name != "care_form"
    },
    "results": {
        name: ("BIGINT", name) for name in DATA_TABLE_COLUMNS["results"] if name != "care_form"
    },
}
SUMMARY_KEYS: dict[str, tuple[str, ...]] = {
    "population": ("municipality_code", "care_form"),
    "offer": ("care_form",),
    "results": ("care_form",),
}

# Id sources: a DuckDB sequence in a file, a PostgreSQL sequence beside a DuckLake catalog.
SEQUENCES = ("audit_event_seq", "escalation_decision_seq")


def _latest_view(view: str, table: str, partition: str, order: str) -> str:
    """A view with the newest row per key of an append-only table."""
    return (
        f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {table} "
        f"QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY {order} DESC) = 1;"
    )


def _data_table_ddl(table: str, columns: dict[str, str]) -> str:
    body = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    return f"""
CREATE TABLE IF NOT EXISTS {table}_rows (
    delivery_id VARCHAR NOT NULL,
    provider_agb VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    {body}
);
CREATE OR REPLACE VIEW {table} AS
    SELECT r.* EXCLUDE (delivery_id)
    FROM {table}_rows r
    JOIN latest_table_versions v
      ON v.delivery_id = r.delivery_id AND v.table_name = '{table}';
"""


def _summary_ddl() -> str:
    statements = []
    for table, columns in SUMMARY_COLUMNS.items():
        keys = ", ".join(f"{key} VARCHAR" for key in SUMMARY_KEYS[table])
        body = ", ".join(f"{name} {sql_type}" for name, (sql_type, _) in columns.items())
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {table}_summary "
            f"(provider_agb VARCHAR, quarter VARCHAR, {keys}, {body});"
        )
    statements.append(
        "CREATE TABLE IF NOT EXISTS summary_applied "
        "(delivery_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL);"
    )
    return "\n".join(statements)


_BASE = f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR);

-- Provider register: every load or edit appends; the view shows the latest entry per AGB.
CREATE TABLE IF NOT EXISTS provider_register (
    provider_agb VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    lot VARCHAR,
    contract_start DATE,
    contract_end DATE,
    registered_at TIMESTAMP NOT NULL,
    registered_by VARCHAR NOT NULL
);
{_latest_view("providers", "provider_register", "provider_agb", "registered_at")}

-- One row per accepted upload: the receipt.
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id VARCHAR NOT NULL,
    provider_agb VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,
    received_by VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    files JSON,
    warnings JSON
);

-- One row per accepted table in an upload: the version of that provider-quarter-table.
CREATE TABLE IF NOT EXISTS table_versions (
    delivery_id VARCHAR NOT NULL,
    provider_agb VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    file_name VARCHAR,
    file_sha256 VARCHAR,
    row_count INTEGER NOT NULL,
    accepted_at TIMESTAMP NOT NULL
);
{
    _latest_view(
        "latest_table_versions", "table_versions", "provider_agb, quarter, table_name", "version"
    )
}

-- The files of an accepted upload exactly as received, with their hash (audit).
CREATE TABLE IF NOT EXISTS delivery_files (
    delivery_id VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS audit_log (
    event_id BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    provider_agb VARCHAR,
    quarter VARCHAR,
    details JSON
);
""" + "".join(_data_table_ddl(name, cols) for name, cols in DATA_TABLE_COLUMNS.items())

_ACCOUNTS = f"""
CREATE TABLE IF NOT EXISTS user_accounts (
    username VARCHAR NOT NULL,
    display_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    provider_agbs VARCHAR[] NOT NULL,
    password_hash VARCHAR NOT NULL,
    active BOOLEAN NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL
);
{_latest_view("users", "user_accounts", "username", "changed_at")}
"""

_NORMS = """
CREATE TABLE IF NOT EXISTS norm_changes (
    change_id VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    category VARCHAR,              -- NULL: all categories
    valid_from VARCHAR NOT NULL,   -- quarter, canonical form
    green DOUBLE,                  -- both NULL: norm withdrawn
    amber DOUBLE,
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL,
    reason VARCHAR
);
"""

_ESCALATION = f"""
CREATE TABLE IF NOT EXISTS escalation_decisions (
    seq BIGINT NOT NULL,
    decision_id VARCHAR NOT NULL,
    provider_agb VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    decided_by VARCHAR NOT NULL,
    decided_by_role VARCHAR NOT NULL,
    from_step INTEGER NOT NULL,
    to_step INTEGER NOT NULL,
    reason VARCHAR NOT NULL,
    agreed_actions VARCHAR,
    review_date DATE,
    quarter VARCHAR,       -- the quarter whose figures the decision was based on
    kpi_snapshot JSON,     -- the provider's KPI values and statuses of that quarter
    proposal JSON          -- the proposal shown when deciding (rules and reasons), if any
);
{_latest_view("escalation_current", "escalation_decisions", "provider_agb", "seq")}
"""

_AGREEMENTS = (
    """
CREATE TABLE IF NOT EXISTS agreement_versions (
    agreement_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    provider_agb VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    measure_kind VARCHAR NOT NULL,   -- kpi | count | index
    measure VARCHAR NOT NULL,        -- KPI key, count key or index key
    care_form VARCHAR,               -- only this care form (NULL: all)
    target_value DOUBLE NOT NULL,
    direction VARCHAR NOT NULL,      -- higher | lower: which way is better
    start_quarter VARCHAR NOT NULL,
    deadline_quarter VARCHAR NOT NULL,
    milestones JSON,                 -- [{"quarter": "2026Q2", "value": 34.0}, ...]
    agreed_with VARCHAR,             -- who agreed (both sides)
    decision_id VARCHAR,             -- the escalation decision it belongs to, if any
    state VARCHAR NOT NULL,          -- active | withdrawn
    note VARCHAR,                    -- why this version was recorded
    recorded_at TIMESTAMP NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_by_role VARCHAR NOT NULL
);
"""
    + _latest_view("agreements_current", "agreement_versions", "agreement_id", "version")
    + """
CREATE TABLE IF NOT EXISTS explanation_messages (
    message_id VARCHAR NOT NULL,
    provider_agb VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,        -- a KPI key, or 'delivery' (the delivery as a whole)
    kind VARCHAR NOT NULL,           -- explanation (provider) | reply (region)
    body VARCHAR NOT NULL,
    posted_at TIMESTAMP NOT NULL,
    posted_by VARCHAR NOT NULL,
    posted_by_role VARCHAR NOT NULL
);
"""
)


# Ended login sessions (impactmonitor.sessions): checked on every script run of the app.
_SESSIONS = """
CREATE TABLE IF NOT EXISTS session_revocations (
    username VARCHAR NOT NULL,
    session_id VARCHAR,              -- NULL: every session of the user started before revoked_ms
    revoked_ms BIGINT NOT NULL,      -- epoch milliseconds, the clock the tokens use
    revoked_by VARCHAR NOT NULL,
    reason VARCHAR NOT NULL          -- logout | logout_everywhere | account_changed | timeout
);
"""


# Original files: `delivery_files` links a delivery to the files it came from (name, SHA-256,
# size); the bytes sit once per SHA-256 in `file_contents`.
_FILE_CONTENTS = """
CREATE TABLE IF NOT EXISTS file_contents (
    sha256 VARCHAR NOT NULL,
    content BLOB NOT NULL
);
INSERT INTO file_contents
SELECT sha256, any_value(content) FROM delivery_files GROUP BY sha256;
ALTER TABLE delivery_files DROP COLUMN content;
"""


# Original files compressed (`impactmonitor.deliveries.pack_original`); contents stored before
# keep compression NULL (as uploaded), and every content knows its size (decompressing needs it).
_COMPRESSED_FILE_CONTENTS = """
ALTER TABLE file_contents ADD COLUMN IF NOT EXISTS compression VARCHAR;
ALTER TABLE file_contents ADD COLUMN IF NOT EXISTS size_bytes BIGINT;
UPDATE file_contents SET size_bytes = octet_length(content) WHERE size_bytes IS NULL;
"""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    # Version 1 is the schema as it stood before migrations existed; its DDL is idempotent, so a
    # database written by that code (its `meta` says schema 1) receives it safely.
    Migration(
        1,
        "base schema: register, deliveries, versions, rows, audit, accounts, norms, "
        "escalation, KPI summaries",
        _BASE + _ACCOUNTS + _NORMS + _ESCALATION + _summary_ddl(),
    ),
    Migration(
        2,
        "escalation decisions keep the data snapshot they were based on",
        "ALTER TABLE escalation_decisions ADD COLUMN IF NOT EXISTS snapshot_id BIGINT;",
    ),
    Migration(3, "performance agreements (versions) and the provider's explanations", _AGREEMENTS),
    Migration(
        4,
        "municipality users: accounts bound to municipality codes (issue 17)",
        "ALTER TABLE user_accounts ADD COLUMN IF NOT EXISTS municipality_codes VARCHAR[];\n"
        + _latest_view("users", "user_accounts", "username", "changed_at"),
    ),
    Migration(5, "ended login sessions (logout, log out everywhere, account changed)", _SESSIONS),
    Migration(
        6,
        "original files stored once per content (a bulk file serves many deliveries)",
        _FILE_CONTENTS,
    ),
    Migration(7, "original files stored compressed, with their size", _COMPRESSED_FILE_CONTENTS),
)
LATEST_VERSION = MIGRATIONS[-1].version

MIGRATIONS_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER NOT NULL, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
)


def pending(applied: int) -> list[Migration]:
    """The migrations a database at version `applied` still needs, in order."""
    return [migration for migration in MIGRATIONS if migration.version > applied]
