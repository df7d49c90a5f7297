"""The sample region's quarterly cycle: performance agreements and explanations for the demo.

Called by `tools.sample` after the demo escalation history (`escalation.seed_demo_history`),
so the demo shows the loop: agreements with every kind of progress, a missed one that becomes an
escalation proposal reason, explanations with and without a reply. Everything is dated relative
to the latest quarter L of the data (never the clock), so a rebuild gives the same story:

- the provider on the improvement plan (the demo history's 1 -> 2 decision, based on quarter P):
  three agreements recorded with that decision — goal achievement back to 65% by L (missed: a
  reason for the next step), dropout under 12% by L + 2 with a milestone 16% in L (missed
  milestone), the waiting list back to 100 by L + 3 (at risk) — and two explanations of L, one
  answered by the contract manager;
- the demo provider user's provider (the first category-A provider): fewer beds in short
  residential care (28 by L + 1, milestone 32 in L − 1; recorded with 26 and revised, so it has
  a history), a contribution of −0,010 index points to the short-residential index by L + 1,
  dropout under 8% by L − 1 (achieved), and an explanation of L − 1 with a reply plus one of L
  awaiting a reply;
- Behandelcentrum De Oever (deteriorating from L − 3): average length of stay under 140 days
  by L − 1 (missed).

Does nothing when agreements exist already (returns 0). Returns the number of agreements made.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from impactmonitor.access import User
from impactmonitor.agreements import record_agreement, revise_agreement
from impactmonitor.delivery_status import deadline
from impactmonitor.escalation import DEMO_DECIDER
from impactmonitor.explanations import post_explanation, post_reply
from impactmonitor.quarters import quarter_start, shift
from impactmonitor.storage import Database, one_row
from tools.sample_region import B_PROVIDERS

DEMO_MANAGEMENT = User("management", "management", display_name="Management")
# ("B", 4) in sample_region.DETERIORATING: the B provider whose results fall from L - 3 on.
DETERIORATING_B = B_PROVIDERS[4][1]


def _after(quarter: str, days: int) -> datetime:
    """10:00 on the day `days` days after the end of `quarter`."""
    return datetime.combine(deadline(quarter, days), time(10, 0))


def _into(quarter: str, days: int) -> datetime:
    """10:00 on the day `days` days after the start of `quarter`."""
    return datetime.combine(quarter_start(quarter) + timedelta(days=days), time(10, 0))


def _provider_user(agb: str) -> User:
    return User("aanbieder", "provider", frozenset({agb}), display_name="Aanbieder")


def seed_demo_loop(db: Database) -> int:
    """Record the demo agreements and explanations (see the module docstring)."""
    with db.connection() as con:
        if one_row(con.execute("SELECT count(*) FROM agreement_versions"))[0]:
            return 0
        latest = one_row(con.execute("SELECT max(quarter) FROM latest_table_versions"))[0]
    if latest is None:
        return 0
    plan = db.query(
        "SELECT decision_id, provider_agb, quarter, decided_at FROM "
        "escalation_decisions WHERE to_step = 2 AND decided_by = ? "
        "ORDER BY seq LIMIT 1",
        [DEMO_DECIDER.username],
    )
    first_a = db.scalar("SELECT min(provider_agb) FROM providers WHERE category = 'A'")
    oever = db.scalar("SELECT provider_agb FROM providers WHERE name = ?", [DETERIORATING_B])
    made = 0
    if plan.height:
        decision = plan.row(0, named=True)
        agb, start = decision["provider_agb"], shift(decision["quarter"], 1)
        recorded = decision["decided_at"] + timedelta(minutes=5)
        agreed = "Bestuurder van de aanbieder en de accounthouder van de regio"
        for title, kind, key, target, deadline_quarter, milestones in (
            ("Doelrealisatie terug naar 65%", "kpi", "goal_achievement", 0.65, latest, ()),
            ("Uitval onder 12%", "kpi", "dropout", 0.12, shift(latest, 2), ((latest, 0.16),)),
            (
                "Wachtlijst terug naar 100 cliënten",
                "count",
                "clients_waiting",
                100,
                shift(latest, 3),
                (),
            ),
        ):
            if deadline_quarter < start:
                continue
            record_agreement(
                db,
                DEMO_DECIDER,
                agb,
                title=title,
                measure_kind=kind,
                measure=key,
                target_value=target,
                start_quarter=start,
                deadline_quarter=deadline_quarter,
                milestones=milestones,
                agreed_with=agreed,
                decision_id=decision["decision_id"],
                note="Vastgelegd bij het verbeterplan.",
                recorded_at=recorded,
            )
            made += 1
        provider = _provider_user(agb)
        post_explanation(
            db,
            provider,
            agb,
            latest,
            "goal_achievement",
            "Doelrealisatie lager door personeelsverloop: drie behandelaren "
            "vertrokken in het kwartaal; het nieuwe team is sinds de laatste "
            "maand compleet.",
            posted_at=_after(latest, 20),
        )
        post_reply(
            db,
            DEMO_DECIDER,
            agb,
            latest,
            "goal_achievement",
            "Dank voor de toelichting. We bespreken in het kwartaalgesprek hoe het "
            "verbeterplan hierop wordt aangepast.",
            posted_at=_after(latest, 24),
        )
        post_explanation(
            db,
            provider,
            agb,
            latest,
            "waiting_list",
            "Wachtlijst gedaald door extra intakecapaciteit vanaf de tweede "
            "maand van het kwartaal.",
            posted_at=_after(latest, 21),
        )
    if first_a:
        start = shift(latest, -2)
        beds = record_agreement(
            db,
            DEMO_DECIDER,
            first_a,
            title="Afbouw bedden kortdurend verblijf",
            measure_kind="count",
            measure="places",
            care_form="residential_short",
            target_value=26,
            start_quarter=start,
            deadline_quarter=shift(latest, 1),
            milestones=((shift(latest, -1), 32),),
            agreed_with="Directeur zorg en accounthouder",
            note="Maatwerkafspraak afbouw bedden (inkoopstrategie).",
            recorded_at=_into(start, 19),
        )
        revise_agreement(
            db,
            DEMO_DECIDER,
            beds,
            "Bijgesteld na het halfjaargesprek: de "
            "afbouw van twee bedden schuift naar het jaar daarna.",
            target_value=28,
            recorded_at=_after(shift(latest, -1), 15),
        )
        record_agreement(
            db,
            DEMO_DECIDER,
            first_a,
            title="Bijdrage aan minder kortdurend verblijf",
            measure_kind="index",
            measure="short_residential",
            target_value=-0.010,
            start_quarter=start,
            deadline_quarter=shift(latest, 1),
            agreed_with="Directeur zorg en accounthouder",
            recorded_at=_into(start, 19),
        )
        record_agreement(
            db,
            DEMO_DECIDER,
            first_a,
            title="Uitval onder 8%",
            measure_kind="kpi",
            measure="dropout",
            target_value=0.08,
            start_quarter=shift(latest, -4),
            deadline_quarter=shift(latest, -1),
            agreed_with="Directeur zorg en accounthouder",
            recorded_at=_into(shift(latest, -4), 45),
        )
        made += 3
        provider = _provider_user(first_a)
        previous = shift(latest, -1)
        post_explanation(
            db,
            provider,
            first_a,
            previous,
            "intake_wait_days",
            "Wachttijd intake opgelopen door ziekte van twee intakers; sinds de "
            "laatste maand weer op volle sterkte.",
            posted_at=_after(previous, 18),
        )
        post_reply(
            db,
            DEMO_DECIDER,
            first_a,
            previous,
            "intake_wait_days",
            "Duidelijk, we volgen de wachttijd het komende kwartaal.",
            posted_at=_after(previous, 22),
        )
        post_explanation(
            db,
            provider,
            first_a,
            latest,
            "delivery",
            "Deze aanlevering bevat voor het eerst de nieuwe groep dagbehandeling.",
            posted_at=_after(latest, 15),
        )
    if oever:
        record_agreement(
            db,
            DEMO_DECIDER,
            oever,
            title="Gemiddelde ligduur onder 140 dagen",
            measure_kind="kpi",
            measure="length_of_stay_days",
            target_value=140,
            start_quarter=shift(latest, -4),
            deadline_quarter=shift(latest, -1),
            agreed_with="Manager behandeling en accounthouder",
            recorded_at=_into(shift(latest, -4), 50),
        )
        made += 1
    return made
