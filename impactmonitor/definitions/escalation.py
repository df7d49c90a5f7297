"""Escalation definitions (SPEC section 4): the ladder, the rules that propose, who may record
which step, when a review is due; nothing executed.

The ladder's settings (`ladder_config`, `[escalation]` in defaults.toml) and its step names (the
catalogue texts `escalation_step_<n>`), the rules (`RULES`, one declarative entry each, evaluated
on a `RuleContext` of frames), the proposal that follows from them (`propose`) and its facts
(`proposal_facts`), the steps a user may record (`steps_allowed`), the evaluation quarter and the
review rhythm (`reviews_due_from_board`). `impactmonitor.escalation` reads the frames from the
database, records decisions and re-exports these; see its docstring for the rules in words.

A leaf module: no database, no storage (tests/test_layout.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any, Literal

import polars as pl

from impactmonitor.access import User, allowed
from impactmonitor.config import defaults
from impactmonitor.definitions.deliveries import OVERDUE, deadline
from impactmonitor.definitions.kpis import kpi
from impactmonitor.definitions.norms import RED
from impactmonitor.formatting import date_text
from impactmonitor.i18n import text
from impactmonitor.quarters import quarter_of, quarter_range, shift

# ---- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LadderConfig:
    # Steps 0..steps-1; their names are texts of the catalogues (`escalation_step_<n>`).
    steps: int = 6
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
        return self.steps - 1


def ladder_config() -> LadderConfig:
    section = defaults()["escalation"]
    return LadderConfig(
        steps=int(section["steps"]),
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
    return [step_name(step, lang, config) for step in range(config.steps)]


def step_name(step: int, lang: str = "nl", config: LadderConfig | None = None) -> str:
    config = config or ladder_config()
    if not 0 <= step <= config.top_step:
        raise IndexError(f"step must be 0..{config.top_step}, not {step}")
    return text(f"escalation_step_{step}", lang)


# ---- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a rule fired for a provider: its details (the facts a proposal rests on) and its text,
    the catalogue's `escalation_reason_<key>` filled in with `fields`; a field that depends on
    the language (KPI names, dates) is a function of it."""

    rule: str
    details: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # the text's key after `escalation_reason_`; default: the rule's key
    fields: Mapping[str, object] = field(default_factory=dict, compare=False)

    def text(self, lang: str = "nl") -> str:
        filled = {
            name: value(lang) if callable(value) else value for name, value in self.fields.items()
        }
        return text(f"escalation_reason_{self.key or self.rule}", lang, **filled)


def _in_language(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang, texts["nl"])


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
    evaluate: RuleFunction

    def description(self, lang: str = "nl") -> str:
        return text(f"escalation_rule_{self.key}", lang)


def kpi_names(keys: list[str], lang: str) -> str:
    """The KPIs' names, comma-separated (the reasons and the demo history quote them)."""
    return ", ".join(kpi(key).name(lang) for key in keys)


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
                {"kpis": keys, "quarters": window},
                fields={"kpis": partial(kpi_names, keys), "n": n, "span": span},
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
                {"kpis": keys, "quarter": context.quarter},
                fields={
                    "count": len(keys),
                    "quarter": context.quarter,
                    "kpis": partial(kpi_names, keys),
                },
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
        found.setdefault(row["provider_agb"], []).append(
            Reason(
                "delivery_overdue",
                {"quarter": row["quarter"], "status": row["status"]},
                key="delivery_missing" if row["status"] == "missing" else "delivery_incomplete",
                fields={"quarter": row["quarter"], "deadline": partial(date_text, row["deadline"])},
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
        agb: [Reason("no_red", {"quarters": window}, fields={"n": n, "span": span})]
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
                {"agreement": row["agreement_id"], "deadline": row["deadline_quarter"]},
                # The statement comes in both languages from agreement_progress.
                fields={
                    "title": row["title"],
                    "statement": partial(
                        _in_language, {"nl": row["statement_nl"], "en": row["statement_en"]}
                    ),
                },
            )
        )
    return found


RULES: tuple[Rule, ...] = (
    Rule("kpi_red_in_a_row", "up", _rule_red_in_a_row),
    Rule("several_red", "up", _rule_several_red),
    Rule("delivery_overdue", "up", _rule_delivery_overdue),
    Rule("agreement_missed", "up", _rule_agreement_missed),
    Rule("no_red", "down", _rule_no_red),
)
RULE_BY_KEY = {rule.key: rule for rule in RULES}


def evaluation_quarter(as_of: date | None = None) -> str:
    """The latest quarter whose delivery deadline has passed on `as_of` (default today)."""
    as_of = as_of or date.today()
    quarter = shift(quarter_of(as_of), -1)
    while deadline(quarter) >= as_of:
        quarter = shift(quarter, -1)
    return quarter


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


def _period_end(day: date, months: int) -> date:
    """Last day of the calendar period of `months` months (3 = quarter, 6 = half year)."""
    start_month = ((day.month - 1) // months) * months + 1
    end_month = start_month + months - 1
    next_start = date(day.year + (end_month // 12), end_month % 12 + 1, 1)
    return next_start - timedelta(days=1)


def _period_start(day: date, months: int) -> date:
    return date(day.year, ((day.month - 1) // months) * months + 1, 1)


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


def _review_text(key: str, lang: str, **fields: Any) -> str:
    return text(key, lang, **fields)
