"""The escalation ladder (SPEC section 4): steps, rules that propose, people who decide.

The definitions (the ladder's settings and step names, the rules, `propose`, `proposal_facts`,
`steps_allowed`, the evaluation quarter, the review rhythm) live in
`impactmonitor.definitions.escalation` and are importable from here; this module reads what the
rules look at from the database, records decisions and lists the reviews due.

Steps 0..5 (`[escalation]` in defaults.toml), named in the catalogues (`escalation_step_<n>`):
Regulier, Signaal, Verbeterplan, Verscherpt toezicht, Ingebrekestelling / sanctie, Ontbinding. A
provider's step is the `to_step` of its latest decision (0 without decisions).

Rules (`RULES`, one declarative entry each) look at the *evaluation quarter* q — by default the
latest quarter whose delivery deadline has passed on `as_of` — and propose:

- up, `kpi_red_in_a_row`: the same KPI red in `red_quarters_in_a_row` (2) consecutive quarters
  up to q;
- up, `several_red`: at least `min_red_kpis` (2) KPIs red in q;
- up, `delivery_overdue`: a delivery missing or incomplete after its deadline, for one of the
  last `overdue_quarters` (4) quarters up to q within the contract;
- up, `agreement_missed`: a performance agreement (`agreements.py`) whose deadline quarter lies
  within the last `agreement_missed_quarters` (4) quarters up to q was missed;
- down, `no_red`: `quarters_without_red` (2) consecutive quarters up to q with KPI statuses and
  none red, and no up rule firing.

A proposal goes one step up (never above `max_proposed_step`, 3) or one step down (only from steps
1..3: formal steps are lifted by management on its own judgment), each with its reasons. No
proposal is made when a decision was already recorded on the figures of q or later (that
decision dealt with them), nor when the same proposal on the same facts (its rules and their
details: KPIs, quarters, deliveries, agreements) was rejected before: a rejected proposal comes
back only when its facts change (`proposal_facts`).

Closing the loop from a proposal's row: `accept_proposal` records the proposed step,
`reject_proposal` records a decision that keeps the step (reason required; the open actions and
review date stay as they were unless new ones are given), both with the proposal, its facts and
the outcome in the decision's `proposal` JSON, so the history shows what was proposed and how it
was answered.

Decisions are appended to `escalation_decisions` (never changed): who, role, when, from/to step,
reason, agreed actions, review date, the quarter and a JSON snapshot of the provider's KPI values
and statuses, plus the proposal shown (with its facts and outcome: accepted / rejected / other).
Deciding needs the `decide_escalation` permission; a
decision that sets or leaves step 4 or 5 needs `decide_escalation_formal` (management only),
enforced here with `access.require` (AccessDenied), not only in the UI. A review that keeps the
step is recorded as a decision with from_step = to_step.

Review rhythm (`[escalation.review_months]`): category A every quarter, B every half year (a
review is due in each calendar quarter / half year without a recorded decision; due on the last
day of that period), C only on signals; any provider with a signal, or whose agreed review date
comes up, is due as well (`reviews_due`). `reviews_by_contract_manager` lists them per contract
manager (the one who recorded the provider's latest decision or agreement), overdue first.

Public API: `current_steps`, `escalation_board`, `escalation_proposals`, `decision_history`,
`record_decision`, `accept_proposal`, `reject_proposal`, `proposal_facts`, `steps_allowed`,
`reviews_due`, `reviews_by_contract_manager`, `step_name(s)`, `evaluation_quarter`,
`evaluate_rules`, `propose`, `seed_demo_history`.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta

import duckdb
import polars as pl

from impactmonitor import kpis
from impactmonitor.access import SYSTEM_USER, User, require, scope_filter
from impactmonitor.agreements import agreement_progress_in, status_label
from impactmonitor.definitions.escalation import (
    RULE_BY_KEY,
    RULES,
    LadderConfig,
    Reason,
    Rule,
    RuleContext,
    RuleFunction,
    evaluate_rules,
    evaluation_quarter,
    kpi_names,
    ladder_config,
    proposal_facts,
    propose,
    reviews_due_from_board,
    step_name,
    step_names,
    steps_allowed,
)
from impactmonitor.delivery_status import deadline, delivery_status_in
from impactmonitor.norms import RED
from impactmonitor.quarters import quarter_range, shift
from impactmonitor.storage import Database, append_audit, next_ids, one_row

# The definitions are importable from here as before (pages, reports and tests use both).
__all__ = [
    "RULES",
    "RULE_BY_KEY",
    "LadderConfig",
    "Reason",
    "Rule",
    "RuleContext",
    "RuleFunction",
    "evaluate_rules",
    "evaluation_quarter",
    "ladder_config",
    "propose",
    "proposal_facts",
    "reviews_due_from_board",
    "step_name",
    "step_names",
    "steps_allowed",
    "DEMO_DECIDER",
    "accept_proposal",
    "contract_managers",
    "current_steps",
    "decision_history",
    "escalation_board",
    "escalation_proposals",
    "kpi_snapshot",
    "proposal_record",
    "record_decision",
    "reject_proposal",
    "reviews_by_contract_manager",
    "reviews_due",
    "seed_demo_history",
    "with_contract_managers",
]


def _statuses(con: duckdb.DuckDBPyConnection, user: User, quarters: list[str]) -> pl.DataFrame:
    values = kpis._kpi_values(con, user, ("provider_agb", "category", "quarter"), quarters=quarters)
    return kpis._judged(con, values).select("provider_agb", "quarter", "kpi", "value", "status")


def _context(
    con: duckdb.DuckDBPyConnection, user: User, quarter: str, as_of: date, config: LadderConfig
) -> RuleContext:
    back = max(config.red_quarters_in_a_row, config.quarters_without_red)
    statuses = _statuses(con, user, quarter_range(shift(quarter, -(back - 1)), quarter))
    deliveries = delivery_status_in(
        con,
        user,
        as_of,
        quarters=quarter_range(shift(quarter, -(config.overdue_quarters - 1)), quarter),
    )
    return RuleContext(
        quarter, statuses, deliveries, config, _agreement_context(con, user, quarter)
    )


def _agreement_context(
    con: duckdb.DuckDBPyConnection,
    user: User,
    quarter: str,
) -> pl.DataFrame | None:
    """The agreements' progress at `quarter`, with the statements in both languages."""
    progress = agreement_progress_in(con, user, quarter, statement_langs=("nl", "en"))
    return progress if progress.height else None


# ---- reading the ladder --------------------------------------------------------------------------


def _current(con: duckdb.DuckDBPyConnection, user: User) -> pl.DataFrame:
    scope, params = scope_filter(user, "p.provider_agb")
    return con.execute(
        f"""
        SELECT p.provider_agb, p.name, p.category, p.lot,
               coalesce(c.to_step, 0) AS step, c.decided_at AS since, c.decided_by,
               c.review_date, c.quarter AS decided_on_quarter, c.agreed_actions
        FROM providers p LEFT JOIN escalation_current c USING (provider_agb)
        WHERE {scope}
        ORDER BY p.provider_agb
        """,
        params,
    ).pl()


def current_steps(db: Database, user: User) -> pl.DataFrame:
    """Every provider the user may see with its current step (0 without decisions)."""
    with db.connection() as con:
        return _current(con, user)


def _rejections(con: duckdb.DuckDBPyConnection, user: User) -> dict[str, list[dict]]:
    """provider_agb -> the rejected proposals (facts, when, by whom, why), newest first."""
    scope, params = scope_filter(user, "provider_agb")
    rows = con.execute(
        f"""
        SELECT provider_agb, json_extract_string(proposal, '$.facts') AS facts, decided_at,
               decided_by, reason
        FROM escalation_decisions
        WHERE {scope} AND json_extract_string(proposal, '$.outcome') = 'rejected'
        ORDER BY seq DESC
        """,
        params,
    ).fetchall()
    found: dict[str, list[dict]] = {}
    for agb, facts, decided_at, decided_by, reason in rows:
        found.setdefault(agb, []).append(
            {"facts": facts, "at": decided_at, "by": decided_by, "reason": reason}
        )
    return found


def _board(
    con: duckdb.DuckDBPyConnection,
    user: User,
    quarter: str | None,
    as_of: date,
    lang: str,
    config: LadderConfig,
) -> pl.DataFrame:
    quarter = quarter or evaluation_quarter(as_of)
    current = _current(con, user)
    context = _context(con, user, quarter, as_of, config)
    evaluated = evaluate_rules(context)
    rejected = _rejections(con, user)
    agreements_by_provider: dict[str, list[str]] = {}
    if context.agreements is not None:
        for row in context.agreements.iter_rows(named=True):
            agreements_by_provider.setdefault(row["provider_agb"], []).append(
                f"{row['title']}: {status_label(row['status'], lang)}"
            )
    rows = []
    for row in current.iter_rows(named=True):
        reasons = evaluated.get(row["provider_agb"], {})
        handled = row["decided_on_quarter"] is not None and row["decided_on_quarter"] >= quarter
        proposed, direction, why = (
            (None, None, []) if handled else propose(row["step"], reasons, config)
        )
        facts = proposal_facts(proposed, direction, why)
        earlier = next(
            (
                r
                for r in rejected.get(row["provider_agb"], [])
                if facts is not None and r["facts"] == facts
            ),
            None,
        )
        if earlier is not None:  # rejected before on these very facts: not proposed again
            proposed, direction, why = None, None, []
        signals = reasons.get("up", [])
        rows.append(
            {
                **row,
                "step_name": step_name(row["step"], lang, config),
                "quarter": quarter,
                "proposed_step": proposed,
                "proposed_step_name": None
                if proposed is None
                else step_name(proposed, lang, config),
                "direction": direction,
                "rules": [r.rule for r in why],
                "reasons": [r.text(lang) for r in why],
                "signals": [r.text(lang) for r in signals],
                "facts": facts if proposed is not None else None,
                "rejected_at": earlier["at"] if earlier else None,
                "rejected_by": earlier["by"] if earlier else None,
                "rejection_reason": earlier["reason"] if earlier else None,
                "agreements": agreements_by_provider.get(row["provider_agb"], []),
            }
        )
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "provider_agb": pl.String,
        "name": pl.String,
        "category": pl.String,
        "lot": pl.String,
        "step": pl.Int64,
        "since": pl.Datetime("us"),
        "decided_by": pl.String,
        "review_date": pl.Date,
        "decided_on_quarter": pl.String,
        "agreed_actions": pl.String,
        "step_name": pl.String,
        "quarter": pl.String,
        "proposed_step": pl.Int64,
        "proposed_step_name": pl.String,
        "direction": pl.String,
        "rules": pl.List(pl.String),
        "reasons": pl.List(pl.String),
        "signals": pl.List(pl.String),
        "facts": pl.String,
        "rejected_at": pl.Datetime("us"),
        "rejected_by": pl.String,
        "rejection_reason": pl.String,
        "agreements": pl.List(pl.String),
    }
    return pl.DataFrame(rows, schema=schema)


def escalation_board(
    db: Database,
    user: User,
    quarter: str | None = None,
    as_of: date | None = None,
    lang: str = "nl",
) -> pl.DataFrame:
    """Every provider (in scope) with its step and the proposal for the evaluation quarter.

    Columns: provider_agb, name, category, lot, step, step_name, since (time of the latest
    decision; a review may have kept the step), decided_by, review_date,
    decided_on_quarter, agreed_actions (of the latest decision), quarter (evaluated),
    proposed_step, proposed_step_name, direction ("up"/"down"/None), rules, reasons (texts in
    `lang`), signals (up-reasons, also when no proposal is made, e.g. at step 3 or already
    decided), facts (`proposal_facts` of the proposal), rejected_at / rejected_by /
    rejection_reason (an earlier rejection of the same proposal on the same facts, which is
    why no proposal is shown), agreements ("title: status" of each active agreement).
    """
    with kpis.summary_connection(db) as con:
        return _board(con, user, quarter, as_of or date.today(), lang, config=ladder_config())


def escalation_proposals(
    db: Database,
    user: User,
    quarter: str | None = None,
    as_of: date | None = None,
    lang: str = "nl",
) -> pl.DataFrame:
    """Only the providers with a proposal (columns as `escalation_board`), ups first."""
    board = escalation_board(db, user, quarter, as_of, lang)
    return board.filter(pl.col("proposed_step").is_not_null()).sort(
        "direction", "step", "provider_agb", descending=[True, True, False]
    )


def decision_history(
    db: Database, user: User, provider_agb: str | None = None, lang: str = "nl"
) -> pl.DataFrame:
    """Decisions, newest first, with step names (all providers in scope, or one)."""
    scope, params = scope_filter(user, "d.provider_agb")
    where = [scope]
    if provider_agb is not None:
        where.append("d.provider_agb = ?")
        params.append(provider_agb)
    history = db.query(
        f"""
        SELECT d.decision_id, d.provider_agb, p.name, d.decided_at, d.decided_by,
               d.decided_by_role, d.from_step, d.to_step, d.reason, d.agreed_actions,
               d.review_date, d.quarter, d.kpi_snapshot, d.proposal, d.snapshot_id
        FROM escalation_decisions d LEFT JOIN providers p USING (provider_agb)
        WHERE {" AND ".join(where)}
        ORDER BY d.seq DESC
        """,
        params,
    )
    names = dict(enumerate(step_names(lang)))
    return history.with_columns(
        pl.col("from_step").replace_strict(names, return_dtype=pl.String).alias("from_step_name"),
        pl.col("to_step").replace_strict(names, return_dtype=pl.String).alias("to_step_name"),
    )


# ---- deciding ------------------------------------------------------------------------------------


def kpi_snapshot(db: Database, user: User, provider_agb: str, quarter: str) -> list[dict]:
    """The provider's KPI values and statuses of `quarter`, as stored with a decision (with the
    norm's thresholds, so a letter or the history can say the norm in words)."""
    table = kpis.kpi_table(db, user, quarter, provider_agb=provider_agb)
    return [
        {
            key: row[key]
            for key in (
                "kpi",
                "numerator",
                "denominator",
                "value",
                "status",
                "norm",
                "norm_green",
                "norm_amber",
            )
        }
        for row in table.iter_rows(named=True)
    ]


def record_decision(
    db: Database,
    user: User,
    provider_agb: str,
    to_step: int,
    reason: str,
    *,
    agreed_actions: str = "",
    review_date: date | None = None,
    quarter: str | None = None,
    decided_at: datetime | None = None,
    proposal: dict | None = None,
) -> str:
    """Append one decision (and an audit event); returns the decision id.

    Raises AccessDenied when the user may not decide (steps 4-5, or leaving them: management
    only) and ValueError for an unknown provider or step, or an empty reason.
    """
    config = ladder_config()
    require(user, "decide_escalation", provider_agb)
    if not 0 <= to_step <= config.top_step:
        raise ValueError(f"step must be 0..{config.top_step}, not {to_step}")
    if not reason or not reason.strip():
        raise ValueError("a decision needs a reason")
    decided_at = decided_at or datetime.now().replace(microsecond=0)
    with db.connection() as con:
        known = con.execute(
            "SELECT count(*) FROM providers WHERE provider_agb = ?", [provider_agb]
        ).fetchone()
        row = con.execute(
            "SELECT to_step FROM escalation_current WHERE provider_agb = ?", [provider_agb]
        ).fetchone()
    if not known or not known[0]:
        raise ValueError(f"provider {provider_agb} is not in the register")
    from_step = row[0] if row else 0
    if max(from_step, to_step) >= config.formal_step:
        require(user, "decide_escalation_formal", provider_agb)
    quarter = quarter or evaluation_quarter(decided_at.date())
    snapshot = kpi_snapshot(db, user, provider_agb, quarter)
    decision_id = uuid.uuid4().hex[:16]
    # On DuckLake the data as the decision-maker saw it stays readable (Database.as_of).
    data_snapshot = db.snapshot_id()
    with db.transaction() as con:
        con.execute(
            "INSERT INTO escalation_decisions (seq, decision_id, provider_agb, decided_at, "
            "decided_by, decided_by_role, from_step, to_step, reason, agreed_actions, "
            "review_date, quarter, kpi_snapshot, proposal, snapshot_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                next_ids(con, "escalation_decision_seq")[0],
                decision_id,
                provider_agb,
                decided_at,
                user.username,
                user.role,
                from_step,
                to_step,
                reason.strip(),
                agreed_actions,
                review_date,
                quarter,
                json.dumps(snapshot, ensure_ascii=False),
                json.dumps(proposal, ensure_ascii=False) if proposal else None,
                data_snapshot,
            ],
        )
        append_audit(
            con,
            user.username,
            "escalation_decision",
            provider_agb,
            quarter,
            json.dumps(
                {
                    "decision_id": decision_id,
                    "from_step": from_step,
                    "to_step": to_step,
                    "reason": reason.strip(),
                },
                ensure_ascii=False,
            ),
            at=decided_at,
        )
    return decision_id


def _proposal_row(
    db: Database, user: User, provider_agb: str, quarter: str | None, as_of: date | None
) -> dict:
    board = escalation_board(db, user, quarter, as_of).filter(
        pl.col("provider_agb") == provider_agb
    )
    if board.height == 0 or board["proposed_step"][0] is None:
        raise ValueError(f"no open proposal for provider {provider_agb}")
    return board.row(0, named=True)


def proposal_record(row: dict, outcome: str) -> dict:
    """What a decision stores about the proposal of a board row it answers."""
    return {
        "step": row["proposed_step"],
        "direction": row["direction"],
        "rules": row["rules"],
        "reasons": row["reasons"],
        "facts": row["facts"],
        "outcome": outcome,
    }


def accept_proposal(
    db: Database,
    user: User,
    provider_agb: str,
    reason: str,
    *,
    agreed_actions: str = "",
    review_date: date | None = None,
    quarter: str | None = None,
    as_of: date | None = None,
    decided_at: datetime | None = None,
) -> str:
    """Record the open proposal's step for the provider (ValueError when there is none);
    returns the decision id."""
    row = _proposal_row(db, user, provider_agb, quarter, as_of)
    return record_decision(
        db,
        user,
        provider_agb,
        row["proposed_step"],
        reason,
        agreed_actions=agreed_actions,
        review_date=review_date,
        quarter=row["quarter"],
        decided_at=decided_at,
        proposal=proposal_record(row, "accepted"),
    )


def reject_proposal(
    db: Database,
    user: User,
    provider_agb: str,
    reason: str,
    *,
    review_date: date | None = None,
    quarter: str | None = None,
    as_of: date | None = None,
    decided_at: datetime | None = None,
) -> str:
    """Keep the provider's step against the open proposal, with a reason (required).

    Recorded as a decision from the step to the same step, with the proposal, its facts and the
    outcome "rejected": the same proposal on the same facts is not made again. The open actions
    and the review date of the current decision carry over (unless a new review date is given).
    """
    row = _proposal_row(db, user, provider_agb, quarter, as_of)
    return record_decision(
        db,
        user,
        provider_agb,
        row["step"],
        reason,
        agreed_actions=row["agreed_actions"] or "",
        review_date=review_date or row["review_date"],
        quarter=row["quarter"],
        decided_at=decided_at,
        proposal=proposal_record(row, "rejected"),
    )


# ---- reviews -------------------------------------------------------------------------------------


def reviews_due(
    db: Database, user: User, as_of: date | None = None, within_days: int = 92, lang: str = "nl"
) -> pl.DataFrame:
    """Providers whose review is due by `as_of + within_days` (or overdue), earliest first.

    Columns: provider_agb, name, category, step, step_name, due_date, overdue, reasons (codes:
    rhythm, agreed_review_date, signal), reason_texts, last_review.
    """
    as_of = as_of or date.today()
    return reviews_due_from_board(
        escalation_board(db, user, None, as_of, lang), as_of, within_days, lang
    )


def reviews_by_contract_manager(
    db: Database, user: User, as_of: date | None = None, within_days: int = 92, lang: str = "nl"
) -> pl.DataFrame:
    """`reviews_due` with the provider's contract manager, per contract manager, overdue first
    (see `with_contract_managers`)."""
    return with_contract_managers(
        reviews_due(db, user, as_of, within_days, lang), contract_managers(db, user)
    )


def contract_managers(db: Database, user: User) -> pl.DataFrame:
    """provider_agb, contract_manager: whoever (contract manager or management) recorded the
    provider's latest decision or agreement version. Providers nobody decided on are absent."""
    scope, params = scope_filter(user, "provider_agb")
    return db.query(
        f"""
        SELECT provider_agb, arg_max(actor, happened_at) AS contract_manager FROM (
            SELECT provider_agb, decided_by AS actor, decided_at AS happened_at
            FROM escalation_decisions
            WHERE decided_by_role IN ('contract_manager', 'management')
            UNION ALL
            SELECT provider_agb, recorded_by, recorded_at FROM agreement_versions
            WHERE recorded_by_role IN ('contract_manager', 'management'))
        WHERE {scope}
        GROUP BY provider_agb
        """,
        params,
    )


def with_contract_managers(reviews: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    """Reviews (`reviews_due`) with their contract manager (`contract_managers`), sorted by
    contract manager (None last), then overdue before due, then due date."""
    return reviews.join(owners, on="provider_agb", how="left").sort(
        ["contract_manager", "overdue", "due_date", "provider_agb"],
        descending=[False, True, False, False],
        nulls_last=True,
    )


# ---- demo history --------------------------------------------------------------------------------

DEMO_DECIDER = User("accounthouder", "contract_manager", display_name="Accounthouder")


def seed_demo_history(db: Database, as_of: date | None = None) -> list[str]:
    """Record a realistic decision history for the sample region's most deteriorating provider.

    Picks the provider with the most red KPI statuses over the last four evaluated quarters
    (ties: lowest AGB code), then records a signal (0 -> 1) on the first and an improvement plan
    (1 -> 2) on the second of its red quarters before the evaluation quarter, each decided 45 days
    after that quarter's end by the demo contract manager. Deterministic; does nothing (returns
    []) when decisions exist already or no provider has a red KPI. Returns the decision ids.
    """
    with db.connection() as con:
        if one_row(con.execute("SELECT count(*) FROM escalation_decisions"))[0]:
            return []
        latest = one_row(con.execute("SELECT max(quarter) FROM latest_table_versions"))[0]
    if latest is None:
        return []
    quarter = min(latest, evaluation_quarter(as_of)) if as_of else latest
    window = quarter_range(shift(quarter, -3), quarter)
    with kpis.summary_connection(db) as con:
        statuses = _statuses(con, SYSTEM_USER, window)
    red = statuses.filter(pl.col("status") == RED)
    if red.is_empty():
        return []
    ranking = (
        red.group_by("provider_agb")
        .agg(pl.len().alias("red"))
        .sort(["red", "provider_agb"], descending=[True, False])
    )
    agb = ranking["provider_agb"][0]
    own = red.filter(pl.col("provider_agb") == agb)
    red_quarters = sorted(q for q in own["quarter"].unique().to_list() if q < quarter)
    chosen = (red_quarters + [q for q in window[:-1] if q not in red_quarters])[:2]
    chosen.sort()
    plan = [
        (
            1,
            "Signaal besproken met de aanbieder: {kpis} rood in {quarter}.",
            "Aanbieder analyseert de oorzaken en licht die toe in het volgende kwartaalgesprek.",
        ),
        (
            2,
            "Geen verbetering: {kpis} opnieuw rood in {quarter}. Verbeterplan afgesproken.",
            "Verbeterplan met doelen per KPI; maandelijkse voortgangsrapportage; evaluatie bij de "
            "reviewdatum.",
        ),
    ]
    ids = []
    for (step, reason, actions), based_on in zip(plan, chosen, strict=False):
        keys = own.filter(pl.col("quarter") == based_on)["kpi"].to_list()
        names = kpi_names(keys, "nl") if keys else "meerdere KPI's"
        decided_at = datetime.combine(deadline(based_on, 45), time(10, 0))
        ids.append(
            record_decision(
                db,
                DEMO_DECIDER,
                agb,
                step,
                reason.format(kpis=names, quarter=based_on),
                agreed_actions=actions,
                review_date=decided_at.date() + timedelta(days=90),
                quarter=based_on,
                decided_at=decided_at,
            )
        )
    return ids
