"""The escalation ladder (SPEC section 4): steps, rules that propose, people who decide.

Steps 0..5 with configurable names (`[escalation]` in defaults.toml): Regulier, Signaal,
Verbeterplan, Verscherpt toezicht, Ingebrekestelling / sanctie, Ontbinding. A provider's step is
the `to_step` of its latest decision (0 without decisions).

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import duckdb
import polars as pl

from impactmonitor import kpis
from impactmonitor.access import SYSTEM_USER, User, allowed, require, scope_filter
from impactmonitor.config import defaults
from impactmonitor.delivery_status import OVERDUE, _delivery_status, deadline
from impactmonitor.formatting import date_text
from impactmonitor.i18n import text
from impactmonitor.norms import RED
from impactmonitor.quarters import quarter_of, quarter_range, shift
from impactmonitor.storage import Database, append_audit, next_ids, one_row

# ---- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LadderConfig:
    steps_nl: tuple[str, ...]
    steps_en: tuple[str, ...]
    formal_step: int = 4
    max_proposed_step: int = 3
    red_quarters_in_a_row: int = 2
    min_red_kpis: int = 2
    overdue_quarters: int = 4
    quarters_without_red: int = 2
    review_months: dict[str, int] = field(default_factory=lambda: {"A": 3, "B": 6})
    agreement_missed_quarters: int = 4

    @property
    def top_step(self) -> int:
        return len(self.steps_nl) - 1


def ladder_config() -> LadderConfig:
    section = defaults()["escalation"]
    return LadderConfig(
        steps_nl=tuple(section["steps_nl"]),
        steps_en=tuple(section["steps_en"]),
        formal_step=int(section["formal_step"]),
        max_proposed_step=int(section["max_proposed_step"]),
        red_quarters_in_a_row=int(section["red_quarters_in_a_row"]),
        min_red_kpis=int(section["min_red_kpis"]),
        overdue_quarters=int(section["overdue_quarters"]),
        quarters_without_red=int(section["quarters_without_red"]),
        review_months={k: int(v) for k, v in section.get("review_months", {}).items()},
        agreement_missed_quarters=int(section.get("agreement_missed_quarters", 4)),
    )


def step_names(lang: str = "nl", config: LadderConfig | None = None) -> list[str]:
    config = config or ladder_config()
    return list(config.steps_en if lang == "en" else config.steps_nl)


def step_name(step: int, lang: str = "nl", config: LadderConfig | None = None) -> str:
    return step_names(lang, config)[step]


# ---- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    rule: str
    text_nl: str
    text_en: str
    details: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "nl") -> str:
        return self.text_en if lang == "en" else self.text_nl


@dataclass(frozen=True)
class RuleContext:
    """What the rules look at: KPI statuses and delivery status up to the evaluation quarter."""

    quarter: str
    statuses: pl.DataFrame  # provider_agb, quarter, kpi, status
    deliveries: pl.DataFrame  # provider_agb, quarter, status, deadline
    config: LadderConfig
    # agreements.agreement_progress at `quarter` (provider_agb, agreement_id, title, status,
    # deadline_quarter, statement_nl/_en, ...); None = no agreements
    agreements: pl.DataFrame | None = None


RuleFunction = Callable[[RuleContext], dict[str, list[Reason]]]


@dataclass(frozen=True)
class Rule:
    key: str
    direction: Literal["up", "down"]
    description_nl: str
    description_en: str
    evaluate: RuleFunction

    def description(self, lang: str = "nl") -> str:
        return self.description_en if lang == "en" else self.description_nl


def _kpi_names(keys: list[str], lang: str) -> str:
    return ", ".join(kpis.kpi(key).name(lang) for key in keys)


def _rule_red_in_a_row(context: RuleContext) -> dict[str, list[Reason]]:
    n = context.config.red_quarters_in_a_row
    window = quarter_range(shift(context.quarter, -(n - 1)), context.quarter)
    red = context.statuses.filter(pl.col("quarter").is_in(window) & (pl.col("status") == RED))
    streaks = red.group_by("provider_agb", "kpi").agg(pl.col("quarter").n_unique().alias("n"))
    streaks = streaks.filter(pl.col("n") == len(window)).sort("provider_agb", "kpi")
    found: dict[str, list[Reason]] = {}
    span = f"{window[0]}–{window[-1]}"
    for agb, group in streaks.group_by("provider_agb", maintain_order=True):
        keys = group["kpi"].to_list()
        found[str(agb[0])] = [
            Reason(
                "kpi_red_in_a_row",
                f"{_kpi_names(keys, 'nl')}: rood in {n} kwartalen op rij ({span}).",
                f"{_kpi_names(keys, 'en')}: red in {n} quarters in a row ({span}).",
                {"kpis": keys, "quarters": window},
            )
        ]
    return found


def _rule_several_red(context: RuleContext) -> dict[str, list[Reason]]:
    red = context.statuses.filter(
        (pl.col("quarter") == context.quarter) & (pl.col("status") == RED)
    )
    counts = (
        red.group_by("provider_agb")
        .agg(pl.col("kpi"))
        .filter(pl.col("kpi").list.len() >= context.config.min_red_kpis)
        .sort("provider_agb")
    )
    found: dict[str, list[Reason]] = {}
    for agb, keys in counts.iter_rows():
        found[agb] = [
            Reason(
                "several_red",
                f"{len(keys)} KPI's rood in {context.quarter}: {_kpi_names(keys, 'nl')}.",
                f"{len(keys)} KPIs red in {context.quarter}: {_kpi_names(keys, 'en')}.",
                {"kpis": keys, "quarter": context.quarter},
            )
        ]
    return found


def _rule_delivery_overdue(context: RuleContext) -> dict[str, list[Reason]]:
    window = quarter_range(
        shift(context.quarter, -(context.config.overdue_quarters - 1)), context.quarter
    )
    overdue = context.deliveries.filter(
        pl.col("quarter").is_in(window) & pl.col("status").is_in(OVERDUE)
    )
    found: dict[str, list[Reason]] = {}
    for row in overdue.sort("provider_agb", "quarter").iter_rows(named=True):
        word_nl = "ontbreekt" if row["status"] == "missing" else "is onvolledig"
        word_en = "is missing" if row["status"] == "missing" else "is incomplete"
        due_nl, due_en = date_text(row["deadline"], "nl"), date_text(row["deadline"], "en")
        found.setdefault(row["provider_agb"], []).append(
            Reason(
                "delivery_overdue",
                f"Aanlevering {row['quarter']} {word_nl} (deadline {due_nl}).",
                f"Delivery {row['quarter']} {word_en} (deadline {due_en}).",
                {"quarter": row["quarter"], "status": row["status"]},
            )
        )
    return found


def _rule_no_red(context: RuleContext) -> dict[str, list[Reason]]:
    n = context.config.quarters_without_red
    window = quarter_range(shift(context.quarter, -(n - 1)), context.quarter)
    judged = context.statuses.filter(
        pl.col("quarter").is_in(window) & pl.col("status").is_in(["green", "amber", "red"])
    )
    per_provider = (
        judged.group_by("provider_agb")
        .agg(
            pl.col("quarter").n_unique().alias("quarters"),
            (pl.col("status") == RED).sum().alias("red"),
        )
        .filter((pl.col("quarters") == len(window)) & (pl.col("red") == 0))
        .sort("provider_agb")
    )
    span = f"{window[0]}–{window[-1]}"
    return {
        agb: [
            Reason(
                "no_red",
                f"Geen rode KPI's in {n} kwartalen op rij ({span}).",
                f"No red KPIs in {n} quarters in a row ({span}).",
                {"quarters": window},
            )
        ]
        for agb in per_provider["provider_agb"].to_list()
    }


def _rule_agreement_missed(context: RuleContext) -> dict[str, list[Reason]]:
    if context.agreements is None or context.agreements.height == 0:
        return {}
    window = quarter_range(
        shift(context.quarter, -(context.config.agreement_missed_quarters - 1)), context.quarter
    )
    missed = context.agreements.filter(
        (pl.col("status") == "missed") & pl.col("deadline_quarter").is_in(window)
    )
    found: dict[str, list[Reason]] = {}
    for row in missed.sort("provider_agb", "deadline_quarter", "agreement_id").iter_rows(
        named=True
    ):
        found.setdefault(row["provider_agb"], []).append(
            Reason(
                "agreement_missed",
                text(
                    "rule_agreement_missed", "nl", title=row["title"], statement=row["statement_nl"]
                ),
                text(
                    "rule_agreement_missed", "en", title=row["title"], statement=row["statement_en"]
                ),
                {"agreement": row["agreement_id"], "deadline": row["deadline_quarter"]},
            )
        )
    return found


RULES: tuple[Rule, ...] = (
    Rule(
        "kpi_red_in_a_row",
        "up",
        "Een KPI is twee kwartalen op rij rood.",
        "A KPI is red two quarters in a row.",
        _rule_red_in_a_row,
    ),
    Rule(
        "several_red",
        "up",
        "Twee of meer KPI's zijn rood in één kwartaal.",
        "Two or more KPIs are red in one quarter.",
        _rule_several_red,
    ),
    Rule(
        "delivery_overdue",
        "up",
        "Een aanlevering ontbreekt of is onvolledig na de deadline.",
        "A delivery is missing or incomplete after the deadline.",
        _rule_delivery_overdue,
    ),
    Rule(
        "agreement_missed",
        "up",
        "Een prestatieafspraak is niet gehaald.",
        "A performance agreement was missed.",
        _rule_agreement_missed,
    ),
    Rule(
        "no_red",
        "down",
        "Twee kwartalen op rij zonder rode KPI.",
        "Two quarters in a row without a red KPI.",
        _rule_no_red,
    ),
)
RULE_BY_KEY = {rule.key: rule for rule in RULES}


def evaluation_quarter(as_of: date | None = None) -> str:
    """The latest quarter whose delivery deadline has passed on `as_of` (default today)."""
    as_of = as_of or date.today()
    quarter = shift(quarter_of(as_of), -1)
    while deadline(quarter) >= as_of:
        quarter = shift(quarter, -1)
    return quarter


def _statuses(con: duckdb.DuckDBPyConnection, user: User, quarters: list[str]) -> pl.DataFrame:
    values = kpis._kpi_values(con, user, ("provider_agb", "category", "quarter"), quarters=quarters)
    return kpis._judged(con, values).select("provider_agb", "quarter", "kpi", "value", "status")


def _context(
    con: duckdb.DuckDBPyConnection, user: User, quarter: str, as_of: date, config: LadderConfig
) -> RuleContext:
    back = max(config.red_quarters_in_a_row, config.quarters_without_red)
    statuses = _statuses(con, user, quarter_range(shift(quarter, -(back - 1)), quarter))
    deliveries = _delivery_status(
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
    from impactmonitor.agreements import _progress

    progress = _progress(con, user, quarter, statement_langs=("nl", "en"))
    return progress if progress.height else None


def evaluate_rules(context: RuleContext) -> dict[str, dict[str, list[Reason]]]:
    """{provider_agb: {"up": [reasons], "down": [reasons]}} for every provider with a reason."""
    result: dict[str, dict[str, list[Reason]]] = {}
    for rule in RULES:
        for agb, reasons in rule.evaluate(context).items():
            result.setdefault(agb, {"up": [], "down": []})[rule.direction].extend(reasons)
    return result


def propose(
    current_step: int,
    reasons: dict[str, list[Reason]],
    config: LadderConfig,
) -> tuple[int | None, str | None, list[Reason]]:
    """(proposed step, "up"/"down", reasons) for one provider, or (None, None, [])."""
    up, down = reasons.get("up", []), reasons.get("down", [])
    if up:
        if current_step < config.max_proposed_step:
            return current_step + 1, "up", up
        return None, None, []
    if down and 0 < current_step <= config.max_proposed_step:
        return current_step - 1, "down", down
    return None, None, []


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


def proposal_facts(
    proposed_step: int | None, direction: str | None, reasons: list[Reason]
) -> str | None:
    """The facts a proposal rests on, as a canonical JSON text: the proposed step and direction
    and every reason's rule with its details (KPIs, quarters, deliveries, agreements). Two
    proposals with the same facts are the same proposal (a rejected one is not made again)."""
    if proposed_step is None:
        return None
    reasons_json = sorted(
        json.dumps([r.rule, r.details], sort_keys=True, ensure_ascii=False) for r in reasons
    )
    return json.dumps(
        {"step": proposed_step, "direction": direction, "reasons": reasons_json},
        sort_keys=True,
        ensure_ascii=False,
    )


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
        from impactmonitor.agreements import status_label

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


def steps_allowed(user: User, provider_agb: str, current_step: int) -> list[int]:
    """The steps `user` may record for a provider now at `current_step` (the decision form).

    Empty when the user may not decide at all, or when the provider is at a formal step and
    the user is not management.
    """
    config = ladder_config()
    if not allowed(user, "decide_escalation", provider_agb):
        return []
    if allowed(user, "decide_escalation_formal", provider_agb):
        return list(range(config.top_step + 1))
    if current_step >= config.formal_step:
        return []
    return list(range(config.formal_step))


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


def _period_end(day: date, months: int) -> date:
    """Last day of the calendar period of `months` months (3 = quarter, 6 = half year)."""
    start_month = ((day.month - 1) // months) * months + 1
    end_month = start_month + months - 1
    next_start = date(day.year + (end_month // 12), end_month % 12 + 1, 1)
    return next_start - timedelta(days=1)


def _period_start(day: date, months: int) -> date:
    return date(day.year, ((day.month - 1) // months) * months + 1, 1)


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


def reviews_due_from_board(
    board: pl.DataFrame, as_of: date | None = None, within_days: int = 92, lang: str = "nl"
) -> pl.DataFrame:
    """`reviews_due` from an `escalation_board` the caller already has (no second query)."""
    as_of = as_of or date.today()
    config = ladder_config()
    horizon = as_of + timedelta(days=within_days)
    rows = []
    for row in board.iter_rows(named=True):
        last = row["since"].date() if row["since"] else None
        due: list[tuple[date, str, str]] = []
        months = config.review_months.get(row["category"])
        if months and (last is None or last < _period_start(as_of, months)):
            key = "review_rhythm_quarterly" if months == 3 else "review_rhythm_periodic"
            due.append(
                (_period_end(as_of, months), "rhythm", _review_text(key, lang, months=months))
            )
        if row["review_date"] is not None:
            due.append(
                (
                    row["review_date"],
                    "agreed_review_date",
                    _review_text("review_agreed", lang, date=date_text(row["review_date"], lang)),
                )
            )
        if row["signals"] and not (
            row["decided_on_quarter"] and row["decided_on_quarter"] >= row["quarter"]
        ):
            due.append(
                (
                    as_of,
                    "signal",
                    _review_text("review_signal", lang, signals=" ".join(row["signals"])),
                )
            )
        due = [item for item in due if item[0] <= horizon]
        if not due:
            continue
        rows.append(
            {
                "provider_agb": row["provider_agb"],
                "name": row["name"],
                "category": row["category"],
                "step": row["step"],
                "step_name": row["step_name"],
                "due_date": min(item[0] for item in due),
                "overdue": min(item[0] for item in due) < as_of,
                "reasons": [item[1] for item in due],
                "reason_texts": [item[2] for item in due],
                "last_review": last,
            }
        )
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "provider_agb": pl.String,
        "name": pl.String,
        "category": pl.String,
        "step": pl.Int64,
        "step_name": pl.String,
        "due_date": pl.Date,
        "overdue": pl.Boolean,
        "reasons": pl.List(pl.String),
        "reason_texts": pl.List(pl.String),
        "last_review": pl.Date,
    }
    return pl.DataFrame(rows, schema=schema).sort("due_date", "provider_agb")


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


def _review_text(key: str, lang: str, **fields: Any) -> str:
    return text(key, lang, **fields)


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
        names = _kpi_names(keys, "nl") if keys else "meerdere KPI's"
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
