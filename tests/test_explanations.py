"""The provider's explanation (toelichting) and the region's reply: who may write what, threads,
append-only storage with audit, plain-language refusals."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from kpi_data import MANAGEMENT, MANAGER, P1, P2, provider_user, register

from impactmonitor import explanations as ex
from impactmonitor.access import AccessDenied, User


@pytest.fixture
def db(empty_db):
    register(empty_db, {P1: "A", P2: "B"})
    return empty_db


def test_a_thread_of_explanation_and_reply(db) -> None:
    provider = provider_user(P1)
    ex.post_explanation(
        db,
        provider,
        P1,
        "2026Q2",
        "dropout",
        "Uitval hoger door cliëntenstop in mei.",
        posted_at=datetime(2026, 7, 20, 10, 0),
    )
    ex.post_reply(
        db,
        MANAGER,
        P1,
        "2026Q2",
        "dropout",
        "Dank, bespreken we in het gesprek.",
        posted_at=datetime(2026, 7, 22, 9, 0),
    )
    ex.post_explanation(
        db,
        provider,
        P1,
        "2026Q2",
        "delivery",
        "Resultaten later aangevuld.",
        posted_at=datetime(2026, 7, 21, 9, 0),
    )
    threads = ex.explanation_threads(db, MANAGER, P1)
    assert threads["subject"].to_list() == ["delivery", "dropout"]  # delivery first, then KPIs
    dropout = threads.row(1, named=True)
    assert dropout["subject_name"] == "Uitval"
    assert dropout["explanation"] == "Uitval hoger door cliëntenstop in mei."
    assert (dropout["reply"], dropout["replied_by"]) == (
        "Dank, bespreken we in het gesprek.",
        "manager",
    )
    assert dropout["messages"] == 2 and dropout["awaiting_reply"] is False
    assert dropout["conversation"] == [
        "provider (20-07-2026): Uitval hoger door cliëntenstop in mei.",
        "manager (22-07-2026): Dank, bespreken we in het gesprek.",
    ]
    delivery = threads.row(0, named=True)
    assert delivery["awaiting_reply"] is True and delivery["reply"] is None
    assert delivery["subject_name"] == "De aanlevering als geheel"
    # The provider reads its own thread, reply included.
    assert ex.explanation_threads(db, provider, P1)["reply"].to_list() == [
        None,
        "Dank, bespreken we in het gesprek.",
    ]


def test_messages_are_appended_and_audited(db, dump_db) -> None:
    provider = provider_user(P1)
    ex.post_explanation(db, provider, P1, "2026-Q2", "dropout", "Eerste versie")
    before = dump_db(db)["explanation_messages"]
    ex.post_explanation(db, provider, P1, "2026Q2", "dropout", "Correctie: het was juni")
    after = dump_db(db)["explanation_messages"]
    assert set(before) < set(after) and len(after) == 2
    threads = ex.explanation_threads(db, MANAGER)
    assert threads["quarter"].to_list() == ["2026Q2"]  # the spelling is stored canonically
    assert threads["explanation"].to_list() == ["Correctie: het was juni"]  # newest shown
    audit = db.query(
        "SELECT actor, action, provider_agb, quarter, details FROM audit_log "
        "WHERE action LIKE '%posted' ORDER BY event_id"
    )
    assert audit["action"].to_list() == ["explanation_posted", "explanation_posted"]
    assert set(audit["provider_agb"]) == {P1} and set(audit["quarter"]) == {"2026Q2"}
    assert json.loads(audit["details"][0])["subject"] == "dropout"


# (role, action, own provider?, allowed)
WHO_MAY = [
    ("provider", "explain", True, True),
    ("provider", "explain", False, False),
    ("provider", "reply", True, False),
    ("contract_manager", "explain", True, False),
    ("contract_manager", "reply", True, True),
    ("management", "reply", True, True),
    ("admin", "explain", True, False),
    ("admin", "reply", True, False),
]
USERS = {
    "provider": provider_user(P1),
    "contract_manager": MANAGER,
    "management": MANAGEMENT,
    "admin": User("a", "admin"),
}


@pytest.mark.parametrize(("role", "action", "own", "allowed"), WHO_MAY)
def test_who_may_explain_and_reply(db, dump_db, role, action, own, allowed) -> None:
    ex.post_explanation(db, provider_user(P1, P2), P1, "2026Q2", "dropout", "Toelichting P1")
    ex.post_explanation(db, provider_user(P1, P2), P2, "2026Q2", "dropout", "Toelichting P2")
    agb = P1 if own else P2
    post = ex.post_explanation if action == "explain" else ex.post_reply
    before = dump_db(db)
    if allowed:
        post(db, USERS[role], agb, "2026Q2", "dropout", "tekst")
        assert dump_db(db) != before
    else:
        with pytest.raises(AccessDenied):
            post(db, USERS[role], agb, "2026Q2", "dropout", "tekst")
        assert dump_db(db) == before


@pytest.mark.parametrize(
    ("quarter", "subject", "body", "key"),
    [
        ("2026Q2", "dropout", "   ", "explanation_empty"),
        ("2026Q2", "dropout", "x" * 2001, "explanation_too_long"),
        ("2026Q5", "dropout", "tekst", "explanation_bad_quarter"),
        ("2026Q2", "beds", "tekst", "explanation_bad_subject"),
    ],
)
def test_bad_messages_are_refused_in_plain_words(db, dump_db, quarter, subject, body, key) -> None:
    before = dump_db(db)
    with pytest.raises(ex.ExplanationError) as error:
        ex.post_explanation(db, provider_user(P1), P1, quarter, subject, body)
    assert error.value.key == key and error.value.message("nl") != error.value.message("en")
    assert dump_db(db) == before


def test_a_reply_needs_an_explanation_to_reply_to(db) -> None:
    with pytest.raises(ex.ExplanationError) as error:
        ex.post_reply(db, MANAGER, P1, "2026Q2", "dropout", "Graag toelichting")
    assert error.value.key == "explanation_no_thread"


def test_a_provider_never_reads_another_providers_threads(db) -> None:
    both = provider_user(P1, P2)
    ex.post_explanation(db, both, P1, "2026Q2", "dropout", "Van P1")
    ex.post_explanation(db, both, P2, "2026Q2", "dropout", "Van P2")
    ex.post_reply(db, MANAGER, P2, "2026Q2", "dropout", "Antwoord aan P2")
    for reader in (ex.explanations, ex.explanation_threads):
        assert set(reader(db, provider_user(P1))["provider_agb"]) == {P1}
        assert reader(db, provider_user(P1), P2).height == 0  # asking for P2 gives nothing
        assert set(reader(db, MANAGER)["provider_agb"]) == {P1, P2}
        assert reader(db, User("nobody", "provider")).height == 0
    assert "P2" not in " ".join(ex.explanations(db, provider_user(P1))["body"])
