"""Plausibility: warnings (never blocking) against the provider's previous quarter (SPEC 3).

One set of rules for one delivery and for a bulk upload of many provider-quarters: every rule is
a join on the provider-quarter (`IDENTITY`), so a batch of 60,000 costs a few joins, not 60,000
rounds. A table a provider-quarter did not deliver comes from the store (its latest version);
its previous quarter comes from the same upload when that holds it (a history load), else from
the store.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import polars as pl

from impactmonitor.config import setting
from impactmonitor.quarters import previous, quarter_end, quarter_start
from pipelines.findings import Finding, warning
from pipelines.load import IDENTITY, latest_clients_by_care_form, latest_rows
from pipelines.read import ROW

Key = tuple[str, str]
UPLOADED = "_uploaded"  # True for a row of this upload, False for a stored one
POPULATION_KEY = ["municipality_code", "care_form", "age_group"]


class _Tables:
    """The rows the rules compare, per table, for the provider-quarters being checked."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        delivered: dict[str, pl.DataFrame],
        keys: pl.DataFrame,
        exact: bool,
    ) -> None:
        self.con, self.keys = con, keys.select(IDENTITY).unique()
        self.single = self.keys.height == 1
        # `exact`: the delivered rows are those of `keys` only (nothing rejected to leave out).
        self.delivered = {
            table: (frame if exact else self._only_keys(frame)).with_columns(
                pl.lit(True).alias(UPLOADED)
            )
            for table, frame in delivered.items()
        }
        self.delivered_keys = {
            table: self._keys_of(frame) for table, frame in self.delivered.items()
        }
        quarters = self.keys["quarter"].unique().to_list()
        self.previous_of = {quarter: previous(quarter) for quarter in quarters}
        # A history load holds previous quarters too; an upload of one quarter (every single
        # delivery) never does, and then every previous quarter comes from the store.
        self.holds_history = not set(self.previous_of.values()).isdisjoint(quarters)
        # Each provider-quarter's previous quarter, and the quarter it precedes (`_next`).
        self.lookup = self.keys.select(
            "provider_agb",
            pl.col("quarter").replace_strict(self.previous_of, return_dtype=pl.String),
            pl.col("quarter").alias("_next"),
        )
        self._cache: dict[tuple[str, str], pl.DataFrame] = {}

    def _cached(self, kind: str, table: str, build) -> pl.DataFrame:
        if (kind, table) not in self._cache:
            self._cache[(kind, table)] = build()
        return self._cache[(kind, table)]

    def _keys_of(self, frame: pl.DataFrame) -> pl.DataFrame:
        if self.single:  # (the rows are of the one provider-quarter, or there are none)
            return self.keys if frame.height else self.keys.clear()
        return frame.select(IDENTITY).unique()

    def among(self, frame: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
        """The rows of `frame` (rows of `self.keys` only) that are of a provider-quarter in
        `keys` (some of `self.keys`)."""
        if keys.height == self.keys.height:
            return frame
        return frame.join(keys, on=IDENTITY, how="semi")

    def _only_keys(self, frame: pl.DataFrame) -> pl.DataFrame:
        if self.single:
            agb, quarter = self.keys.row(0)
            return frame.filter((pl.col("provider_agb") == agb) & (pl.col("quarter") == quarter))
        return frame.join(self.keys, on=IDENTITY, how="semi")

    def uploaded(self, table: str) -> pl.DataFrame | None:
        return self.delivered.get(table)

    def keys_with(self, *tables: str) -> pl.DataFrame:
        """The provider-quarters that delivered any of `tables` in this upload."""
        found = [self.delivered_keys[t] for t in tables if t in self.delivered_keys]
        if not found:
            return self.keys.clear()
        return pl.concat(found).unique() if len(found) > 1 else found[0]

    def current(self, table: str) -> pl.DataFrame:
        """This quarter's rows: as uploaded, or the stored latest version when not uploaded."""

        def build() -> pl.DataFrame:
            uploaded = self.delivered.get(table)
            pieces = [uploaded] if uploaded is not None else []
            missing = self._not_uploaded(table)
            if missing.height:
                pieces.append(self._stored(table, missing))
            return _concat(pieces)

        return self._cached("current", table, build)

    def _not_uploaded(self, table: str) -> pl.DataFrame:
        """The provider-quarters whose `table` is not in this upload."""
        if table not in self.delivered:
            return self.keys
        if self.delivered_keys[table].height == self.keys.height:
            return self.keys.clear()  # (the delivered keys are among `keys`)
        return self.keys.join(self.delivered_keys[table], on=IDENTITY, how="anti")

    def stored_before(self, table: str) -> pl.DataFrame:
        """The stored previous-quarter rows of the provider-quarters whose previous quarter is
        not in this upload, labelled with the quarter they precede (see `_preceding`)."""

        return self._cached(
            "stored_before",
            table,
            lambda: self._from_store_before(table, lambda keys: self._stored(table, keys)),
        )

    def _from_store_before(
        self, table: str, fetch: Callable[[pl.DataFrame], pl.DataFrame]
    ) -> pl.DataFrame:
        """`fetch(keys)` for the previous quarters `stored_before` describes, labelled."""
        lookup = self.lookup.select(IDENTITY)
        if self.holds_history and table in self.delivered_keys:
            lookup = lookup.join(self.delivered_keys[table], on=IDENTITY, how="anti")
        if lookup.height == 0:
            return pl.DataFrame()
        stored = fetch(lookup)
        if self.single:  # every row is of the one previous quarter
            return stored.with_columns(pl.lit(self.lookup["_next"][0]).alias("quarter"))
        return self._preceding(stored)

    def _preceding(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Rows of previous quarters, labelled with the quarter they precede (so the rules
        join on `IDENTITY`)."""
        if frame.height == 0:
            return frame
        return frame.join(self.lookup, on=IDENTITY).drop("quarter").rename({"_next": "quarter"})

    def uploaded_before(self, frame: pl.DataFrame | None) -> pl.DataFrame | None:
        """The rows of `frame` (of this upload) that precede a provider-quarter of it, labelled
        with the quarter they precede; None when the upload holds no previous quarter."""
        if frame is None or not self.holds_history:
            return None
        preceding = self._preceding(frame)
        return preceding if preceding.height else None

    def before(self, table: str) -> pl.DataFrame:
        """The previous quarter's rows of each provider-quarter, labelled with the quarter they
        precede: from this upload when it holds them, else from the store."""

        def build() -> pl.DataFrame:
            uploaded = self.uploaded_before(self.delivered.get(table))
            pieces = [] if uploaded is None else [uploaded]
            pieces.append(self.stored_before(table))
            return _concat([p for p in pieces if p.height])

        return self._cached("before", table, build)

    def clients_uploaded(self) -> pl.DataFrame:
        population = self.delivered.get("population")
        return self._cached(
            "clients",
            "uploaded",
            lambda: _clients_by_care_form(population) if population is not None else pl.DataFrame(),
        )

    def clients_now(self) -> pl.DataFrame:
        """Clients and outflow per provider-quarter and care form of this quarter's population
        (`_clients_by_care_form`): as uploaded, else the stored latest version's sums."""

        def build() -> pl.DataFrame:
            pieces = [self.clients_uploaded()] if "population" in self.delivered else []
            missing = self._not_uploaded("population")
            if missing.height:
                pieces.append(latest_clients_by_care_form(self.con, missing))
            return _concat(pieces)

        return self._cached("clients", "now", build)

    def clients_before(self) -> pl.DataFrame:
        """The same for each provider-quarter's previous quarter (from the sums, not the rows)."""

        def build() -> pl.DataFrame:
            pieces = []
            if "population" in self.delivered:
                uploaded = self.uploaded_before(self.clients_uploaded())
                if uploaded is not None:
                    pieces.append(uploaded)
                # The continuity rule reads the stored rows themselves: summed from those.
                stored = self.stored_before("population")
                if stored.height:
                    pieces.append(_clients_by_care_form(stored))
            else:  # only the sums are compared: DuckDB sums them
                pieces.append(
                    self._from_store_before(
                        "population", lambda keys: latest_clients_by_care_form(self.con, keys)
                    )
                )
            return _concat([p for p in pieces if p.height])

        return self._cached("clients", "before", build)

    def _stored(self, table: str, keys: pl.DataFrame) -> pl.DataFrame:
        """The latest stored rows of `table` for `keys`, marked as not uploaded."""
        rows = latest_rows(self.con, table, keys)
        return rows.with_columns(pl.lit(None, pl.Int64).alias(ROW), pl.lit(False).alias(UPLOADED))


def _concat(pieces: list[pl.DataFrame]) -> pl.DataFrame:
    if not pieces:
        return pl.DataFrame(schema={"provider_agb": pl.String, "quarter": pl.String})
    if len(pieces) == 1:
        return pieces[0]
    columns = pieces[0].columns
    return pl.concat([p.select(columns) for p in pieces], how="vertical_relaxed")


def plausibility_findings(
    con: duckdb.DuckDBPyConnection,
    delivered: dict[str, pl.DataFrame],
    file_names: dict[str, str],
    keys: pl.DataFrame,
    exact: bool = False,
) -> dict[Key, list[Finding]]:
    """Warnings per provider-quarter in `keys` (provider_agb, quarter) for the delivered tables
    (typed rows with their row numbers); tables not in this upload come from the store.
    `exact`: the delivered frames hold rows of `keys` only (saves filtering a million rows)."""
    tables = _Tables(con, delivered, keys, exact)
    found: dict[Key, list[Finding]] = {}

    def add(key: Key, finding: Finding) -> None:
        found.setdefault(key, []).append(finding)

    population = tables.uploaded("population")
    if population is not None and population.height:
        clients_before = tables.clients_before()
        if clients_before.height:
            _clients_change(
                add, tables.clients_uploaded(), clients_before, tables, file_names["population"]
            )
            _continuity(add, population, tables, file_names["population"])
    offer = tables.uploaded("offer")
    if offer is not None and offer.height:
        offer_before = tables.before("offer")
        if offer_before.height:
            clients_before = tables.clients_before()
            if clients_before.height:
                _places_without_clients(
                    add,
                    offer,
                    offer_before,
                    tables.clients_now(),
                    clients_before,
                    file_names["offer"],
                )
    _magnitudes(add, tables, file_names)
    _zero_results(add, tables, file_names)
    return found


def _clients_by_care_form(population: pl.DataFrame) -> pl.DataFrame:
    """As `load.latest_clients_by_care_form` sums the stored population."""
    return population.group_by(*IDENTITY, "care_form").agg(
        (pl.col("clients_start") + pl.col("inflow")).sum().alias("clients"),
        pl.col("outflow").sum().alias("outflow"),
    )


def _clients_change(add, now, before, tables: _Tables, file_name: str) -> None:
    """`now`, `before`: clients per provider-quarter and care form (`_clients_by_care_form`)."""
    share = setting("plausibility", "clients_change_share")
    minimum = setting("plausibility", "min_clients")
    joined = (
        now.join(before, on=[*IDENTITY, "care_form"], suffix="_before")
        .filter(
            (pl.col("clients_before") >= minimum)
            & (
                (pl.col("clients") - pl.col("clients_before")).abs()
                > share * pl.col("clients_before")
            )
        )
        .sort(*IDENTITY, "care_form")
    )
    for agb, quarter, care_form, a, b in joined.select(
        *IDENTITY, "care_form", "clients", "clients_before"
    ).iter_rows():
        add(
            (agb, quarter),
            warning(
                "warn_clients_change",
                file=file_name,
                table="population",
                column="care_form",
                value=care_form,
                fields={
                    "care_form": care_form,
                    "previous": tables.previous_of[quarter],
                    "before": b,
                    "after": a,
                    "change": f"{(a - b) / b:+.0%}",
                },
            ),
        )


def _continuity(add, now: pl.DataFrame, tables: _Tables, file_name: str) -> None:
    """Clients at the start of a quarter against the clients at the end of the previous one."""
    key = [*IDENTITY, *POPULATION_KEY]
    before = tables.before("population")
    if before.height == 0:
        return
    # Only the columns the rule reads go through the join (a history load joins a million rows).
    joined = (
        now.lazy()
        .select(*key, ROW, "clients_start")
        .join(before.lazy().select(*key, pl.col("clients_end").alias("clients_end_before")), on=key)
        .filter(pl.col("clients_start") != pl.col("clients_end_before"))
        .collect()
    )
    if joined.height == 0:
        return
    for record in joined.select(*key, ROW, "clients_start", "clients_end_before").iter_rows(
        named=True
    ):
        add(
            (record["provider_agb"], record["quarter"]),
            warning(
                "warn_continuity",
                file=file_name,
                table="population",
                row=record[ROW],
                column="clients_start",
                value=str(record["clients_start"]),
                fields={
                    "previous": tables.previous_of[record["quarter"]],
                    "before": record["clients_end_before"],
                    "after": record["clients_start"],
                    "key": " / ".join(str(record[k]) for k in POPULATION_KEY),
                },
            ),
        )


def _places_without_clients(add, offer, offer_before, clients_now, clients_before, file_name):
    on = [*IDENTITY, "care_form"]
    clients = (
        clients_now.join(clients_before, on=on, suffix="_before")
        .filter(pl.col("clients") == pl.col("clients_before"))
        .select(on)
    )
    joined = (
        offer.join(offer_before.select(*on, "places"), on=on, suffix="_before")
        .filter(pl.col("places") != pl.col("places_before"))
        .join(clients, on=on, how="semi")
    )
    for record in joined.iter_rows(named=True):
        add(
            (record["provider_agb"], record["quarter"]),
            warning(
                "warn_places_without_clients",
                file=file_name,
                table="offer",
                row=record.get(ROW),
                column="places",
                value=str(record["places"]),
                fields={
                    "care_form": record["care_form"],
                    "before": record["places_before"],
                    "after": record["places"],
                },
            ),
        )


def _days_in_quarter(quarters: list[str]) -> dict[str, int]:
    return {q: (quarter_end(q) - quarter_start(q)).days + 1 for q in quarters}


def _magnitudes(add, tables: _Tables, file_names: dict[str, str]) -> None:
    """Magnitudes no provider-quarter can hold (issue 18 item 4), per care form: days per stay,
    FTE per client served, clients served per place. Bounds: `[plausibility]` in defaults.toml.
    """
    days = _days_in_quarter(tables.keys["quarter"].unique().to_list())
    results = tables.uploaded("results")
    if results is not None and results.height:
        stay_quarters = int(setting("plausibility", "max_stay_quarters"))
        stays = results.with_columns(
            (pl.col("quarter").replace_strict(days, return_dtype=pl.Int64) * stay_quarters).alias(
                "_limit"
            )
        ).filter(
            (pl.col("stay_n") > 0) & (pl.col("stay_days_sum") > pl.col("_limit") * pl.col("stay_n"))
        )
        for record in stays.iter_rows(named=True):
            add(
                (record["provider_agb"], record["quarter"]),
                warning(
                    "warn_stay_days_implausible",
                    file=file_names.get("results"),
                    table="results",
                    row=record.get(ROW),
                    column="stay_days_sum",
                    value=str(record["stay_days_sum"]),
                    fields={
                        "care_form": record["care_form"],
                        "limit": record["_limit"],
                        "per_stay": record["stay_days_sum"] // record["stay_n"],
                    },
                ),
            )
    concerned = tables.keys_with("offer", "population")
    if concerned.height == 0:
        return
    clients = tables.clients_now().select(*IDENTITY, "care_form", "clients")
    if clients.height == 0:
        return  # (offer without any population: a cross-table error already)
    offer = tables.current("offer")
    if offer.height == 0:
        return
    fte_limit = float(setting("plausibility", "max_fte_per_client"))
    place_days = int(setting("plausibility", "max_clients_per_place_day"))
    offer = (
        tables.among(offer, concerned)
        .join(clients.select(IDENTITY).unique(), on=IDENTITY, how="semi")
        .join(clients, on=[*IDENTITY, "care_form"], how="left")
        .with_columns(
            pl.col("clients").fill_null(0),
            (pl.col("quarter").replace_strict(days, return_dtype=pl.Int64) * place_days).alias(
                "_place_limit"
            ),
        )
    )
    too_many_fte = pl.col("fte_care").is_not_null() & (
        pl.col("fte_care") > fte_limit * pl.max_horizontal(pl.col("clients"), pl.lit(1))
    )
    too_many_clients = (pl.col("places").fill_null(0) > 0) & (
        pl.col("clients") > pl.col("_place_limit") * pl.col("places")
    )
    flagged = offer.filter(too_many_fte | too_many_clients).with_columns(
        too_many_fte.alias("_fte"), too_many_clients.alias("_clients")
    )
    offer_file = file_names.get("offer")
    for record in flagged.iter_rows(named=True):
        key = (record["provider_agb"], record["quarter"])
        where = {
            "file": offer_file if record[UPLOADED] else None,
            "table": "offer",
            "row": record.get(ROW),
        }
        fte, clients, places = record["fte_care"], record["clients"], record["places"]
        if record["_fte"]:
            add(
                key,
                warning(
                    "warn_fte_per_client_implausible",
                    column="fte_care",
                    value=str(fte),
                    fields={
                        "care_form": record["care_form"],
                        "fte": float(fte),
                        "clients": clients,
                        "limit": fte_limit,
                    },
                    **where,
                ),
            )
        if record["_clients"]:
            add(
                key,
                warning(
                    "warn_clients_per_place_implausible",
                    column="places",
                    value=str(places),
                    fields={
                        "care_form": record["care_form"],
                        "clients": clients,
                        "places": places,
                        "limit": record["_place_limit"],
                    },
                    **where,
                ),
            )


def _zero_results(add, tables: _Tables, file_names: dict[str, str]) -> None:
    """Trajectories ended nowhere although clients left: results that look unfilled."""
    concerned = tables.keys_with("results", "population")
    if concerned.height == 0:
        return
    results = tables.current("results")
    if results.height == 0:
        return
    ended = (
        tables.among(results, concerned)
        .group_by(IDENTITY)
        .agg(
            pl.col("trajectories_ended").sum().fill_null(0).alias("ended"),
            pl.col(UPLOADED).any().alias("results_uploaded"),
        )
    )
    outflow = (
        tables.clients_now()
        .group_by(IDENTITY)
        .agg(pl.col("outflow").sum().fill_null(0).alias("outflow"))
    )
    flagged = (
        ended.join(outflow, on=IDENTITY)
        .filter((pl.col("ended") == 0) & (pl.col("outflow") > 0))
        .sort(IDENTITY)
    )
    for agb, quarter, _, uploaded, outflow_sum in flagged.select(
        *IDENTITY, "ended", "results_uploaded", "outflow"
    ).iter_rows():
        add(
            (agb, quarter),
            warning(
                "warn_zero_results",
                file=file_names.get("results") if uploaded else None,
                table="results",
                fields={"outflow": int(outflow_sum)},
            ),
        )
