"""Performance agreements (prestatieafspraken): measurable, dated agreements per provider.

Seed 002: with each provider "de regio maakt afspraken … Dit wordt ook meetbaar vastgelegd (in
aantallen en met een tijdsindicatie)". An agreement names one **measure** (`MEASURES`, one
declarative entry each):

- `kpi`   — any KPI of `kpis.KPIS`, optionally for one care form (e.g. dropout ≤ 12%);
- `count` — a delivered count: places (beds) or clients, waiting list, care FTE, optionally for
  one care form (e.g. places in residential_short from 40 to 28);
- `index` — the provider's contribution to a regional target index in index points (target.py:
  (clients − own baseline) ÷ regional baseline; negative = less short residential care).

plus a target value, a direction (which way is better; the measure's own by default), a start
and a deadline quarter, optional intermediate milestones (quarter, value), who agreed, and
optionally the escalation decision it belongs to.

**Storage** (append-only, like decisions): every create, edit or withdrawal appends a row to
`agreement_versions` with the agreement id (random hex, no sequence needed) and version n + 1
(computed inside the write transaction, under the store's write lock; uniqueness is enforced
here, not by constraints). `agreements_current` is the latest version of each agreement.

**Progress** (`evaluate`, pure and table-driven tested) at an evaluation quarter q, with the
projection method of the regional target (`target.py`):

- baseline: the value in the latest quarter before the start with a value (else the first
  value from the start on);
- q before the start: `not_started`;
- q at or after the deadline: `achieved` / `missed` by the value *in the deadline quarter*
  (`no_data` when that quarter has no value), as the regional target is judged at its date;
- before the deadline: least-squares line through the values of the last `projection_quarters`
  (6) quarters with a value from the baseline quarter up to q, extended to the deadline:
  `on_track` when it reaches the target (or the latest value already does), `at_risk` when it
  covers at least `at_risk_share` (75%) of the required change (target − baseline), `off_track`
  otherwise; a milestone whose quarter has passed without reaching its value makes an
  `on_track` agreement `at_risk`; no value since the start, or too few points: `no_data`.

A KPI value whose denominator is below the norms' minimum n (10) counts as no value, as it gets
no status either. An index contribution (which reveals the regional baseline) is computed only
when the mirror report's disclosure rules hold for that baseline: at least
`mirror.MIN_OTHER_PROVIDERS` other providers make it up and none of them holds more than
`mirror.MAX_DOMINANT_SHARE` of it.

Access: reading needs `read_provider_data` (provider users: only their own agreements, through
`access.scope_filter`); recording, editing and withdrawing need `edit_agreements` (contract
managers and management). Every write appends an audit event.

Public API: `MEASURES`, `measure`, `record_agreement`, `revise_agreement`, `withdraw_agreement`,
`agreements`, `agreement_history`, `agreement_progress`, `agreement_progress_in` (on an open
connection), `agreement_series`, `evaluate`, `format_value`, `AgreementError`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

import duckdb
import polars as pl

from impactmonitor import kpis, target
from impactmonitor.access import SYSTEM_USER, User, require, scope_filter
from impactmonitor.definitions.escalation import evaluation_quarter
from impactmonitor.display import care_form_label
from impactmonitor.formatting import format_kpi, number
from impactmonitor.i18n import UserError, text
from impactmonitor.norms import min_n
from impactmonitor.quarters import parse_quarter, quarter_range, shift
from impactmonitor.storage import Database, append_audit, one_row
from impactmonitor.target import (
    INDEX_BY_KEY,
    INDEXES,
    least_squares,
    projection_status,
    reached,
    target_config,
)
from schemas.reference import CARE_FORMS

Kind = Literal["kpi", "count", "index"]
Status = Literal["on_track", "at_risk", "off_track", "achieved", "missed", "no_data", "not_started"]
STATUSES: tuple[Status, ...] = (
    "achieved",
    "on_track",
    "at_risk",
    "off_track",
    "missed",
    "no_data",
    "not_started",
)
STATUS_ICONS = {
    "achieved": "✔",
    "on_track": "✔",
    "at_risk": "!",
    "off_track": "✖",
    "missed": "✖",
    "no_data": "–",
    "not_started": "·",
}
MAX_TITLE = 200


class AgreementError(UserError):
    """An agreement that cannot be recorded."""


# ---- measures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """What an agreement is about: one KPI, one delivered count or one index contribution."""

    kind: Kind
    key: str
    unit: str  # share | days | ratio | count | fte | index_points
    direction: Literal["higher", "lower"]  # the default: which way is better
    source: str = ""  # count measures: summary table
    expression: str = ""  # count measures: SQL aggregate over the summary rows
    by_care_form: bool = True

    def name(self, lang: str = "nl") -> str:
        if self.kind == "kpi":
            return kpis.kpi(self.key).name(lang)
        if self.kind == "index":
            index = INDEX_BY_KEY[self.key].name(lang).lower()
            return text("agreement_measure_index", lang, index=index)
        return text(f"measure_name_{self.key}", lang)


_COUNTS = (
    Measure(
        "count",
        "places",
        "count",
        "lower",
        "offer",
        "sum(places)",
    ),
    Measure(
        "count",
        "clients",
        "count",
        "lower",
        "population",
        "sum(clients_start + inflow)",
    ),
    Measure(
        "count",
        "clients_waiting",
        "count",
        "lower",
        "offer",
        "sum(clients_waiting)",
    ),
    Measure(
        "count",
        "fte_care",
        "fte",
        "higher",
        "offer",
        "sum(fte_care)",
    ),
)
MEASURES: tuple[Measure, ...] = (
    *(Measure("kpi", k.key, k.unit, k.direction, by_care_form=k.by_care_form) for k in kpis.KPIS),
    *_COUNTS,
    *(
        Measure(
            "index",
            index.key,
            "index_points",
            "lower" if target_config().targets[index.key] < 1 else "higher",
            by_care_form=False,
        )
        for index in INDEXES
    ),
)
_MEASURE_BY_KEY: dict[tuple[str, str], Measure] = {(m.kind, m.key): m for m in MEASURES}


def measure(kind: str, key: str) -> Measure:
    try:
        return _MEASURE_BY_KEY[(kind, key)]
    except KeyError:
        raise AgreementError("agreement_unknown_measure", measure=f"{kind}:{key}") from None


def format_value(value: float | None, unit: str, lang: str = "nl") -> str:
    """A measure value as users read it (KPI units as everywhere, FTE, signed index points)."""
    if value is None or value != value:
        return "–"
    if unit == "fte":
        return number(value, 1, lang)
    if unit == "index_points":
        sign = "+" if value > 0 else ("−" if value < 0 else "")
        return f"{sign}{number(abs(value), 3, lang)}"
    return format_kpi(value, unit, lang)


def measure_label(kind: str, key: str, care_form: str | None, lang: str = "nl") -> str:
    name = measure(kind, key).name(lang)
    if care_form:
        name += f" ({care_form_label(care_form, lang)})"
    return name


# ---- the agreement and its progress (pure) -------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    agreement_id: str
    provider_agb: str
    title: str
    measure_kind: Kind
    measure: str
    target_value: float
    direction: Literal["higher", "lower"]
    start_quarter: str
    deadline_quarter: str
    milestones: tuple[tuple[str, float], ...] = ()
    care_form: str | None = None


@dataclass
class Progress:
    status: Status
    statement: str
    quarter: str  # evaluated at
    baseline_quarter: str | None = None
    baseline_value: float | None = None
    latest_quarter: str | None = None
    latest_value: float | None = None
    projected: float | None = None
    share_of_required: float | None = None
    path_value: float | None = None  # where the agreed path is in `quarter`
    milestones_missed: list[str] = field(default_factory=list)
    fit_quarters: list[str] = field(default_factory=list)


def agreed_path(
    agreement: Agreement,
    baseline: tuple[str, float] | None,
    quarter: str,
) -> float | None:
    """The agreed path in `quarter`: straight lines from the baseline through the milestones
    to the target at the deadline (None before the first known point or after the deadline)."""
    points = (
        ([baseline] if baseline else [])
        + sorted(agreement.milestones)
        + [(agreement.deadline_quarter, agreement.target_value)]
    )
    t = target._ordinal(quarter)
    for (q0, v0), (q1, v1) in zip(points, points[1:], strict=False):
        t0, t1 = target._ordinal(q0), target._ordinal(q1)
        if t0 <= t <= t1:
            return v1 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    if points and quarter == points[-1][0]:
        return points[-1][1]
    return None


def _fmt(value: float | None, agreement: Agreement, lang: str) -> str:
    return format_value(value, measure(agreement.measure_kind, agreement.measure).unit, lang)


def evaluate(
    agreement: Agreement,
    values: Mapping[str, float | None],
    quarter: str,
    *,
    projection_quarters: int | None = None,
    at_risk_share: float | None = None,
    lang: str = "nl",
) -> Progress:
    """The progress of one agreement at evaluation quarter `quarter` (module docstring).

    `values`: the measure per quarter (None or absent = no value); quarters after `quarter`
    are ignored.
    """
    config = target_config()
    n_fit = projection_quarters or config.projection_quarters
    share_needed = config.at_risk_share if at_risk_share is None else at_risk_share
    a = agreement
    goal, direction = a.target_value, a.direction
    known = sorted(
        (q, float(v)) for q, v in values.items() if v is not None and v == v and q <= quarter
    )
    before = [(q, v) for q, v in known if q < a.start_quarter]
    since = [(q, v) for q, v in known if q >= a.start_quarter]
    baseline = before[-1] if before else (since[0] if since else None)
    latest = known[-1] if known else None
    progress = Progress(
        "no_data",
        "",
        quarter,
        baseline_quarter=baseline[0] if baseline else None,
        baseline_value=baseline[1] if baseline else None,
        latest_quarter=latest[0] if latest else None,
        latest_value=latest[1] if latest else None,
        path_value=agreed_path(a, baseline, quarter),
    )
    target_text = _fmt(goal, a, lang)
    if quarter < a.start_quarter:
        progress.status = "not_started"
        progress.statement = text("agreement_statement_not_started", lang, start=a.start_quarter)
        return progress
    if quarter >= a.deadline_quarter:
        at_deadline = dict(known).get(a.deadline_quarter)
        if at_deadline is None:
            progress.statement = text(
                "agreement_statement_no_data_deadline", lang, deadline=a.deadline_quarter
            )
            return progress
        progress.status = "achieved" if reached(at_deadline, goal, direction) else "missed"
        progress.statement = text(
            f"agreement_statement_{progress.status}",
            lang,
            value=_fmt(at_deadline, a, lang),
            deadline=a.deadline_quarter,
            target=target_text,
        )
        return progress
    if not since:
        progress.statement = text("agreement_statement_no_data", lang, start=a.start_quarter)
        return progress
    assert baseline is not None and latest is not None  # (since holds values)
    missed = []
    for milestone_quarter, milestone_value in sorted(a.milestones):
        actual = dict(known).get(milestone_quarter)
        if (
            milestone_quarter <= quarter
            and actual is not None
            and not reached(actual, milestone_value, direction)
        ):
            missed.append((milestone_quarter, milestone_value, actual))
    progress.milestones_missed = [q for q, _, _ in missed]
    milestone_text = " ".join(
        text(
            "agreement_statement_milestone_missed",
            lang,
            quarter=q,
            value=_fmt(v, a, lang),
            actual=_fmt(actual, a, lang),
        )
        for q, v, actual in missed
    )
    fit_points = [(q, v) for q, v in known if baseline and q >= baseline[0]][-n_fit:]
    progress.fit_quarters = [q for q, _ in fit_points]
    fit = least_squares([(target._ordinal(q), v) for q, v in fit_points])
    if reached(latest[1], goal, direction):
        progress.status = "at_risk" if missed else "on_track"
        progress.statement = " ".join(
            filter(
                None,
                [
                    text(
                        "agreement_statement_reached_early",
                        lang,
                        status=text(f"agreement_status_{progress.status}", lang),
                        target=target_text,
                        quarter=latest[0],
                        value=_fmt(latest[1], a, lang),
                        deadline=a.deadline_quarter,
                    ),
                    milestone_text,
                ],
            )
        )
        return progress
    if fit is None:
        progress.statement = text("target_too_few_points", lang)
        return progress
    projected = fit[0] + fit[1] * target._ordinal(a.deadline_quarter)
    status, share = projection_status(
        projected, goal, share_needed, start=baseline[1], direction=direction
    )
    if status == "on_track" and missed:
        status = "at_risk"
    progress.status = status
    progress.projected, progress.share_of_required = projected, share
    method = text(
        "agreement_method",
        lang,
        n=len(fit_points),
        first=fit_points[0][0],
        last=fit_points[-1][0],
        deadline=a.deadline_quarter,
    )
    # A projection is not a count: one decimal more, so 28,4 against 28 does not read "28".
    unit = measure(a.measure_kind, a.measure).unit
    shown = number(projected, 1, lang) if unit == "count" else _fmt(projected, a, lang)
    progress.statement = " ".join(
        filter(
            None,
            [
                text(
                    "agreement_statement_projection",
                    lang,
                    status=text(f"agreement_status_{status}", lang),
                    deadline=a.deadline_quarter,
                    projected=shown,
                    target=target_text,
                    share=number(share * 100, 0, lang),
                    baseline=_fmt(baseline[1], a, lang),
                    baseline_quarter=baseline[0],
                ),
                milestone_text,
                method,
            ],
        )
    )
    return progress


def status_label(status: str, lang: str = "nl") -> str:
    """An agreement status as icon plus word (never colour alone)."""
    return f"{STATUS_ICONS.get(status, '–')} {text(f'agreement_status_{status}', lang)}"


# ---- recording -----------------------------------------------------------------------------------

_COLUMNS = (
    "agreement_id",
    "version",
    "provider_agb",
    "title",
    "measure_kind",
    "measure",
    "care_form",
    "target_value",
    "direction",
    "start_quarter",
    "deadline_quarter",
    "milestones",
    "agreed_with",
    "decision_id",
    "state",
    "note",
    "recorded_at",
    "recorded_by",
    "recorded_by_role",
)


def _quarter(value: str | None, name: str) -> str:
    canonical = parse_quarter(value) if value else None
    if canonical is None:
        raise AgreementError("agreement_bad_quarter", field=name, value=value or "")
    return canonical


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields of one version, validated and in canonical form (AgreementError if not)."""
    title = (fields.get("title") or "").strip()
    if not title:
        raise AgreementError("agreement_title_required")
    if len(title) > MAX_TITLE:
        raise AgreementError("agreement_title_too_long", limit=MAX_TITLE)
    chosen = measure(fields["measure_kind"], fields["measure"])
    care_form = fields.get("care_form") or None
    if care_form is not None and (care_form not in CARE_FORMS or not chosen.by_care_form):
        raise AgreementError("agreement_bad_care_form", care_form=care_form)
    try:
        target_value = float(fields["target_value"])
    except (TypeError, ValueError):
        raise AgreementError("agreement_bad_target", value=fields.get("target_value")) from None
    if (
        target_value != target_value
        or (chosen.unit == "share" and not 0 <= target_value <= 1)
        or (chosen.unit != "index_points" and target_value < 0)
    ):
        raise AgreementError("agreement_bad_target", value=fields.get("target_value"))
    direction = fields.get("direction") or chosen.direction
    if direction not in ("higher", "lower"):
        raise AgreementError("agreement_bad_direction", value=direction)
    start = _quarter(fields.get("start_quarter"), "start")
    deadline = _quarter(fields.get("deadline_quarter"), "deadline")
    if deadline < start:
        raise AgreementError("agreement_deadline_before_start", start=start, deadline=deadline)
    milestones = []
    for milestone_quarter, value in fields.get("milestones") or ():
        q = _quarter(milestone_quarter, "milestone")
        if not start <= q < deadline:
            raise AgreementError(
                "agreement_milestone_outside", quarter=q, start=start, deadline=deadline
            )
        milestones.append((q, float(value)))
    if len({q for q, _ in milestones}) != len(milestones):
        raise AgreementError("agreement_milestone_twice")
    return {
        "title": title,
        "measure_kind": chosen.kind,
        "measure": chosen.key,
        "care_form": care_form,
        "target_value": target_value,
        "direction": direction,
        "start_quarter": start,
        "deadline_quarter": deadline,
        "milestones": sorted(milestones),
        "agreed_with": (fields.get("agreed_with") or "").strip(),
        "decision_id": fields.get("decision_id") or None,
    }


def _append(
    db: Database,
    user: User,
    agreement_id: str,
    provider_agb: str,
    fields: dict[str, Any],
    state: str,
    note: str,
    recorded_at: datetime | None,
) -> int:
    recorded_at = recorded_at or datetime.now()

    def store(con: duckdb.DuckDBPyConnection) -> int:
        version = one_row(
            con.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM agreement_versions "
                "WHERE agreement_id = ?",
                [agreement_id],
            )
        )[0]
        milestones = json.dumps([{"quarter": q, "value": v} for q, v in fields["milestones"]])
        con.execute(
            f"INSERT INTO agreement_versions ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _COLUMNS)})",
            [
                agreement_id,
                version,
                provider_agb,
                fields["title"],
                fields["measure_kind"],
                fields["measure"],
                fields["care_form"],
                fields["target_value"],
                fields["direction"],
                fields["start_quarter"],
                fields["deadline_quarter"],
                milestones,
                fields["agreed_with"],
                fields["decision_id"],
                state,
                note.strip(),
                recorded_at,
                user.username,
                user.role,
            ],
        )
        append_audit(
            con,
            user.username,
            "agreement_recorded",
            provider_agb,
            None,
            json.dumps(
                {
                    "agreement_id": agreement_id,
                    "version": version,
                    "state": state,
                    "title": fields["title"],
                },
                ensure_ascii=False,
            ),
            at=recorded_at,
        )
        return version

    # Versions are numbered per agreement: one writer of it at a time (on DuckLake too).
    return db.write(store, locks=[f"agreement|{agreement_id}"])


def record_agreement(
    db: Database,
    user: User,
    provider_agb: str,
    *,
    title: str,
    measure_kind: str,
    measure: str,
    target_value: float,
    start_quarter: str,
    deadline_quarter: str,
    direction: str | None = None,
    care_form: str | None = None,
    milestones: Sequence[tuple[str, float]] = (),
    agreed_with: str = "",
    decision_id: str | None = None,
    note: str = "",
    recorded_at: datetime | None = None,
) -> str:
    """Record a new agreement (version 1); returns its id.

    AccessDenied without `edit_agreements`; AgreementError for a provider that is not in the
    register, an unknown measure, a bad target, quarter or milestone, or an empty title.
    """
    require(user, "edit_agreements", provider_agb)
    fields = _checked(
        dict(
            title=title,
            measure_kind=measure_kind,
            measure=measure,
            target_value=target_value,
            start_quarter=start_quarter,
            deadline_quarter=deadline_quarter,
            direction=direction,
            care_form=care_form,
            milestones=milestones,
            agreed_with=agreed_with,
            decision_id=decision_id,
        )
    )
    if not db.scalar("SELECT count(*) FROM providers WHERE provider_agb = ?", [provider_agb]):
        raise AgreementError("agreement_unknown_provider", agb=provider_agb)
    if fields["decision_id"] and not db.scalar(
        "SELECT count(*) FROM escalation_decisions WHERE decision_id = ? AND provider_agb = ?",
        [fields["decision_id"], provider_agb],
    ):
        raise AgreementError("agreement_unknown_decision", decision=fields["decision_id"])
    agreement_id = uuid.uuid4().hex[:16]
    _append(db, user, agreement_id, provider_agb, fields, "active", note, recorded_at)
    return agreement_id


def _current_row(db: Database, agreement_id: str) -> dict[str, Any]:
    frame = db.query("SELECT * FROM agreements_current WHERE agreement_id = ?", [agreement_id])
    if frame.height == 0:
        raise AgreementError("agreement_unknown", agreement=agreement_id)
    row = frame.row(0, named=True)
    row["milestones"] = [(m["quarter"], m["value"]) for m in json.loads(row["milestones"] or "[]")]
    return row


def revise_agreement(
    db: Database,
    user: User,
    agreement_id: str,
    note: str,
    recorded_at: datetime | None = None,
    **changes: Any,
) -> int:
    """Record a new version with `changes` (any field of `record_agreement` except the
    provider); `note` says why (required). Returns the new version number."""
    if not note or not note.strip():
        raise AgreementError("agreement_note_required")
    row = _current_row(db, agreement_id)
    require(user, "edit_agreements", row["provider_agb"])
    unknown = set(changes) - {
        "title",
        "measure_kind",
        "measure",
        "target_value",
        "start_quarter",
        "deadline_quarter",
        "direction",
        "care_form",
        "milestones",
        "agreed_with",
        "decision_id",
    }
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    fields = _checked({**{k: row[k] for k in row}, **changes})
    return _append(db, user, agreement_id, row["provider_agb"], fields, "active", note, recorded_at)


def withdraw_agreement(
    db: Database, user: User, agreement_id: str, note: str, recorded_at: datetime | None = None
) -> int:
    """Record that an agreement no longer applies (a new version; the history stays)."""
    if not note or not note.strip():
        raise AgreementError("agreement_note_required")
    row = _current_row(db, agreement_id)
    require(user, "edit_agreements", row["provider_agb"])
    fields = _checked(row)
    return _append(
        db, user, agreement_id, row["provider_agb"], fields, "withdrawn", note, recorded_at
    )


# ---- reading -------------------------------------------------------------------------------------


def _agreements(
    con: duckdb.DuckDBPyConnection,
    user: User,
    provider_agbs: Sequence[str] | None = None,
    include_withdrawn: bool = False,
) -> pl.DataFrame:
    scope, params = scope_filter(user, "a.provider_agb")
    where = [scope]
    if provider_agbs is not None:
        where.append(
            f"a.provider_agb IN ({', '.join('?' for _ in provider_agbs)})"
            if provider_agbs
            else "FALSE"
        )
        params.extend(provider_agbs)
    if not include_withdrawn:
        where.append("a.state = 'active'")
    return con.execute(
        f"""
        SELECT a.*, p.name, p.category
        FROM agreements_current a LEFT JOIN providers p USING (provider_agb)
        WHERE {" AND ".join(where)}
        ORDER BY a.provider_agb, a.deadline_quarter, a.title, a.agreement_id
        """,
        params,
    ).pl()


def agreements(
    db: Database, user: User, provider_agb: str | None = None, include_withdrawn: bool = False
) -> pl.DataFrame:
    """The current version of every agreement the user may read (active ones by default)."""
    with db.connection() as con:
        return _agreements(
            con, user, None if provider_agb is None else [provider_agb], include_withdrawn
        )


def agreement_history(
    db: Database, user: User, provider_agb: str | None = None, agreement_id: str | None = None
) -> pl.DataFrame:
    """Every version (newest first) of the agreements the user may read."""
    scope, params = scope_filter(user)
    where = [scope]
    for column, value in (("provider_agb", provider_agb), ("agreement_id", agreement_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return db.query(
        f"SELECT * FROM agreement_versions WHERE {' AND '.join(where)} "
        "ORDER BY recorded_at DESC, agreement_id, version DESC",
        params,
    )


def _as_agreement(row: Mapping[str, Any]) -> Agreement:
    milestones = row["milestones"]
    if isinstance(milestones, str) or milestones is None:
        milestones = [(m["quarter"], m["value"]) for m in json.loads(milestones or "[]")]
    return Agreement(
        row["agreement_id"],
        row["provider_agb"],
        row["title"],
        row["measure_kind"],
        row["measure"],
        float(row["target_value"]),
        row["direction"],
        row["start_quarter"],
        row["deadline_quarter"],
        tuple((q, float(v)) for q, v in milestones),
        row["care_form"],
    )


def _kpi_series(
    con: duckdb.DuckDBPyConnection, user: User, key: str, care_form: str | None, agbs: list[str]
) -> dict[str, dict[str, float | None]]:
    frame = kpis._kpi_values(
        con,
        user,
        ("provider_agb", "quarter"),
        provider_agbs=agbs,
        kpis=[key],
        care_forms=None if care_form is None else [care_form],
    )
    floor = min_n() if kpis.kpi(key).min_n else 0
    series: dict[str, dict[str, float | None]] = {}
    for agb, quarter, n, value in frame.select(
        "provider_agb", "quarter", "denominator", "value"
    ).iter_rows():
        series.setdefault(agb, {})[quarter] = value if (n or 0) >= max(floor, 1) else None
    return series


def _count_series(
    con: duckdb.DuckDBPyConnection,
    user: User,
    chosen: Measure,
    care_form: str | None,
    agbs: list[str],
) -> dict[str, dict[str, float | None]]:
    scope, params = scope_filter(user, "provider_agb")
    params = [*params, *agbs]
    care = ""
    if care_form is not None:
        care = "AND care_form = ?"
        params.append(care_form)
    rows = con.execute(
        f"""
        SELECT provider_agb, quarter, CAST({chosen.expression} AS DOUBLE)
        FROM {chosen.source}_summary
        WHERE {scope} AND provider_agb IN ({", ".join("?" for _ in agbs)}) {care}
        GROUP BY provider_agb, quarter
        """,
        params,
    ).fetchall()
    series: dict[str, dict[str, float | None]] = {}
    for agb, quarter, value in rows:
        series.setdefault(agb, {})[quarter] = value
    return series


def _index_series(
    con: duckdb.DuckDBPyConnection,
    user: User,
    key: str,
    agbs: list[str],
) -> dict[str, dict[str, float | None]]:
    from impactmonitor.mirror import MAX_DOMINANT_SHARE, MIN_OTHER_PROVIDERS

    config = target_config()
    # The regional baseline is an aggregate over every provider (computed for the region, as
    # the mirror report does), shown only when enough other providers make it up.
    everyone = target._with_baseline(
        target._clients(con, SYSTEM_USER, ["provider_agb"]), ["provider_agb"], config
    ).filter(pl.col("index") == key)
    baselines = everyone.group_by("provider_agb").agg(pl.col("baseline_clients").first())
    regional = float(baselines["baseline_clients"].sum() or 0)
    own = target._with_baseline(
        target._clients(con, user, ["provider_agb"]), ["provider_agb"], config
    ).filter(pl.col("index") == key)
    series: dict[str, dict[str, float | None]] = {}
    for agb in agbs:
        others = baselines.filter(
            (pl.col("provider_agb") != agb) & (pl.col("baseline_clients") > 0)
        )["baseline_clients"]
        # The mirror report's two rules: at least MIN_OTHER_PROVIDERS others, none of them
        # holding more than MAX_DOMINANT_SHARE of the others' baseline.
        shown = (
            regional > 0
            and others.len() >= MIN_OTHER_PROVIDERS
            # (polars types a Series' max and sum as any value; these are client counts)
            and cast(float, others.max()) <= MAX_DOMINANT_SHARE * cast(float, others.sum())
        )
        rows = own.filter(pl.col("provider_agb") == agb)
        for quarter, clients, baseline in rows.select(
            "quarter", "clients", "baseline_clients"
        ).iter_rows():
            value = (clients - (baseline or 0.0)) / regional if shown else None
            series.setdefault(agb, {})[quarter] = value
    return series


def _measure_values(
    con: duckdb.DuckDBPyConnection,
    user: User,
    frame: pl.DataFrame,
) -> dict[str, dict[str, float | None]]:
    """agreement_id -> {quarter: value} for every agreement row of `frame`."""
    values: dict[str, dict[str, float | None]] = {}
    groups = frame.select("measure_kind", "measure", "care_form").unique().rows()
    for kind, key, care_form in groups:
        rows = frame.filter(
            (pl.col("measure_kind") == kind)
            & (pl.col("measure") == key)
            & (pl.col("care_form").eq_missing(care_form))
        )
        agbs = sorted(set(rows["provider_agb"].to_list()))
        if kind == "kpi":
            series = _kpi_series(con, user, key, care_form, agbs)
        elif kind == "count":
            series = _count_series(con, user, measure(kind, key), care_form, agbs)
        else:
            series = _index_series(con, user, key, agbs)
        for agreement_id, agb in rows.select("agreement_id", "provider_agb").iter_rows():
            values[agreement_id] = series.get(agb, {})
    return values


_PROGRESS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "provider_agb": pl.String,
    "name": pl.String,
    "category": pl.String,
    "agreement_id": pl.String,
    "version": pl.Int64,
    "title": pl.String,
    "measure_kind": pl.String,
    "measure": pl.String,
    "care_form": pl.String,
    "measure_name": pl.String,
    "unit": pl.String,
    "direction": pl.String,
    "target_value": pl.Float64,
    "start_quarter": pl.String,
    "deadline_quarter": pl.String,
    "milestones": pl.String,
    "agreed_with": pl.String,
    "decision_id": pl.String,
    "recorded_at": pl.Datetime("us"),
    "recorded_by": pl.String,
    "quarter": pl.String,
    "baseline_quarter": pl.String,
    "baseline_value": pl.Float64,
    "latest_quarter": pl.String,
    "latest_value": pl.Float64,
    "projected": pl.Float64,
    "share_of_required": pl.Float64,
    "path_value": pl.Float64,
    "milestones_missed": pl.List(pl.String),
    "status": pl.String,
    "status_text": pl.String,
    "statement": pl.String,
}


def agreement_progress_in(
    con: duckdb.DuckDBPyConnection,
    user: User,
    quarter: str,
    provider_agbs: Sequence[str] | None = None,
    lang: str = "nl",
    statement_langs: Sequence[str] = (),
) -> pl.DataFrame:
    """`agreement_progress` on an open summary connection; `statement_langs` adds a column
    statement_<lang> per language (the escalation rules write their reasons in both)."""
    extra = {f"statement_{code}": pl.String for code in statement_langs}
    frame = _agreements(con, user, provider_agbs)
    if frame.height == 0:
        return pl.DataFrame(schema={**_PROGRESS_SCHEMA, **extra})
    values = _measure_values(con, user, frame)
    rows = []
    for row in frame.iter_rows(named=True):
        agreement = _as_agreement(row)
        series = values.get(agreement.agreement_id, {})
        progress = evaluate(agreement, series, quarter, lang=lang)
        chosen = measure(agreement.measure_kind, agreement.measure)
        rows.append(
            {
                **{
                    key: row[key]
                    for key in (
                        "provider_agb",
                        "name",
                        "category",
                        "agreement_id",
                        "version",
                        "title",
                        "measure_kind",
                        "measure",
                        "care_form",
                        "direction",
                        "target_value",
                        "start_quarter",
                        "deadline_quarter",
                        "milestones",
                        "agreed_with",
                        "decision_id",
                        "recorded_at",
                        "recorded_by",
                    )
                },
                "measure_name": measure_label(
                    agreement.measure_kind, agreement.measure, agreement.care_form, lang
                ),
                "unit": chosen.unit,
                "quarter": quarter,
                "baseline_quarter": progress.baseline_quarter,
                "baseline_value": progress.baseline_value,
                "latest_quarter": progress.latest_quarter,
                "latest_value": progress.latest_value,
                "projected": progress.projected,
                "share_of_required": progress.share_of_required,
                "path_value": progress.path_value,
                "milestones_missed": progress.milestones_missed,
                "status": progress.status,
                "status_text": status_label(progress.status, lang),
                "statement": progress.statement,
                **{
                    f"statement_{code}": evaluate(agreement, series, quarter, lang=code).statement
                    for code in statement_langs
                },
            }
        )
    return pl.DataFrame(rows, schema={**_PROGRESS_SCHEMA, **extra})


def default_quarter() -> str:
    """The quarter progress is judged at by default: the escalation rules' evaluation quarter
    (the latest quarter whose delivery deadline has passed), the same for every user."""
    return evaluation_quarter()


def agreement_progress(
    db: Database,
    user: User,
    provider_agb: str | None = None,
    quarter: str | None = None,
    lang: str = "nl",
) -> pl.DataFrame:
    """One row per active agreement the user may read, with its progress at `quarter`.

    Columns: provider_agb, name, category, agreement_id, version, title, measure_kind,
    measure, care_form, measure_name, unit, direction, target_value, start_quarter,
    deadline_quarter, milestones (JSON), agreed_with, decision_id, recorded_at, recorded_by,
    quarter, baseline_quarter, baseline_value, latest_quarter, latest_value, projected,
    share_of_required, path_value, milestones_missed, status, status_text, statement.
    """
    quarter = quarter or default_quarter()
    with kpis.summary_connection(db) as con:
        return agreement_progress_in(
            con, user, quarter, None if provider_agb is None else [provider_agb], lang
        )


def agreement_series(
    db: Database, user: User, agreement_id: str, lang: str = "nl", until: str | None = None
) -> pl.DataFrame:
    """The progress of one agreement quarter by quarter (charts, the talk pack): quarter,
    value, path (the agreed line), milestone, status and statement as judged in that quarter.

    From the baseline quarter to the later of the deadline and the latest value (or `until`).
    Empty for an agreement the user may not read.
    """
    with kpis.summary_connection(db) as con:
        frame = _agreements(con, user, include_withdrawn=True).filter(
            pl.col("agreement_id") == agreement_id
        )
        if frame.height == 0:
            return pl.DataFrame(
                schema={
                    "quarter": pl.String,
                    "value": pl.Float64,
                    "path": pl.Float64,
                    "milestone": pl.Float64,
                    "status": pl.String,
                    "statement": pl.String,
                }
            )
        values = _measure_values(con, user, frame)[agreement_id]
    agreement = _as_agreement(frame.row(0, named=True))
    present = sorted(q for q, v in values.items() if v is not None)
    first = min(
        [q for q in present if q < agreement.start_quarter][-1:]
        + [shift(agreement.start_quarter, -1)]
    )
    last = max([agreement.deadline_quarter, *present[-1:]])
    if until is not None:
        last = min(last, until)
    milestones = dict(agreement.milestones)
    rows = []
    for quarter in quarter_range(first, last):
        progress = evaluate(agreement, values, quarter, lang=lang)
        baseline = (
            (progress.baseline_quarter, progress.baseline_value)
            if progress.baseline_quarter and progress.baseline_value is not None
            else None
        )
        rows.append(
            {
                "quarter": quarter,
                "value": values.get(quarter),
                "path": agreed_path(agreement, baseline, quarter),
                "milestone": milestones.get(
                    quarter,
                    agreement.target_value if quarter == agreement.deadline_quarter else None,
                ),
                "status": progress.status,
                "statement": progress.statement,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "quarter": pl.String,
            "value": pl.Float64,
            "path": pl.Float64,
            "milestone": pl.Float64,
            "status": pl.String,
            "statement": pl.String,
        },
    )
