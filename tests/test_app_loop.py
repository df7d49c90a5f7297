"""AppTest of the quarterly cycle on the sample region: the provider writes an explanation and
the contract manager reads and answers it; agreements recorded and shown; a proposal rejected
from its row; the talk pack on screen; what a provider never sees of another provider."""

from __future__ import annotations

import json

import polars as pl
from app_support import app_as, page_path, shown_frames, texts

from impactmonitor.access import User
from impactmonitor.agreements import agreements
from impactmonitor.escalation import decision_history, escalation_board
from impactmonitor.explanations import explanations

OWN = "02694688"  # Jeugdzorg Nieuwe Maas, the demo provider user's provider
OTHER = "48629153"  # Stichting De Havenkring: on an improvement plan, with agreements
PROVIDER = User("aanbieder", "provider", frozenset({OWN}), display_name="Aanbieder")
MANAGER = User("accounthouder", "contract_manager", display_name="Accounthouder")
QUARTER = "2026Q3"


def open_page(db_path, monkeypatch, user: User, page: str, query: dict | None = None):
    at = app_as(user, db_path, monkeypatch).run()
    at.switch_page(page_path(page))
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_provider_explains_and_the_contract_manager_reads_and_replies(
    sample_db, monkeypatch
) -> None:
    text_of_provider = "Uitval hoger door cliëntenstop in augustus."
    at = open_page(sample_db.path, monkeypatch, PROVIDER, "provider")
    at.selectbox(key="explanation_subject").set_value("dropout")
    at.text_area(key="explanation_body").input(text_of_provider)
    at.button(key="explanation_send").click().run()
    assert not at.exception, at.exception
    assert "Toelichting vastgelegd" in texts(at)
    stored = explanations(sample_db, MANAGER, OWN, [QUARTER]).filter(pl.col("subject") == "dropout")
    assert stored["body"].to_list() == [text_of_provider]
    assert stored["posted_by"].to_list() == ["aanbieder"]
    # The contract manager sees it next to the value (KPI table) and in the threads ...
    at = open_page(sample_db.path, monkeypatch, MANAGER, "provider", {"provider": OWN})
    summary = next(
        frame
        for frame in shown_frames(at)
        if {"KPI", "Toelichting", "Variatie"} <= set(frame.columns)
    )
    dropout = summary[summary["KPI"] == "Uitval"]
    assert dropout["Toelichting"].tolist() == [text_of_provider]
    assert text_of_provider in texts(at)
    # ... and replies.
    at.selectbox(key="reply_subject").set_value("dropout")
    at.text_area(key="reply_body").input("Dank, we bespreken het in het kwartaalgesprek.")
    at.button(key="reply_send").click().run()
    assert not at.exception, at.exception
    assert "Reactie vastgelegd" in texts(at)
    # The provider reads the reply in its own view (the mirror page).
    at = open_page(sample_db.path, monkeypatch, PROVIDER, "mirror")
    assert "Dank, we bespreken het in het kwartaalgesprek." in texts(at)


def test_forms_follow_the_role(sample_db, monkeypatch) -> None:
    provider = open_page(sample_db.path, monkeypatch, PROVIDER, "provider")
    keys = {b.key for b in provider.button}
    assert "explanation_send" in keys
    assert not keys & {"reply_send", "agreement_save", "talk_build"}
    manager = open_page(sample_db.path, monkeypatch, MANAGER, "provider", {"provider": OWN})
    keys = {b.key for b in manager.button}
    assert {"reply_send", "agreement_save", "agreement_change_save", "talk_build"} <= keys
    assert "explanation_send" not in keys


def test_contract_manager_records_an_agreement_from_the_provider_page(
    sample_db, monkeypatch
) -> None:
    at = open_page(sample_db.path, monkeypatch, MANAGER, "provider", {"provider": OWN})
    at.selectbox(key="agreement_measure").set_value(("kpi", "dropout")).run()
    at.text_input(key="agreement_title").input("Uitval onder 6%")
    at.number_input(key="agreement_target").set_value(6.0)  # percent on screen
    at.selectbox(key="agreement_deadline").set_value("2027Q2")
    at.text_input(key="agreement_milestones").input("2026Q4: 6,5")
    at.text_input(key="agreement_who").input("Directeur zorg")
    at.button(key="agreement_save").click().run()
    assert not at.exception, at.exception
    assert "Afspraak vastgelegd: Uitval onder 6%." in texts(at)
    row = (
        agreements(sample_db, MANAGER, OWN)
        .filter(pl.col("title") == "Uitval onder 6%")
        .row(0, named=True)
    )
    assert (row["target_value"], row["deadline_quarter"], row["direction"]) == (
        0.06,
        "2027Q2",
        "lower",
    )
    assert json.loads(row["milestones"]) == [{"quarter": "2026Q4", "value": 0.065}]
    assert row["recorded_by"] == "accounthouder"


def test_a_bad_agreement_gets_a_plain_message(sample_db, monkeypatch, dump_db) -> None:
    before = dump_db(sample_db)["agreement_versions"]
    at = open_page(sample_db.path, monkeypatch, MANAGER, "provider", {"provider": OWN})
    at.text_input(key="agreement_title").input("Iets")
    at.text_input(key="agreement_milestones").input("binnenkort: veel")
    at.button(key="agreement_save").click().run()
    assert not at.exception
    assert any("Tussendoel niet leesbaar" in e.value for e in at.error)
    assert dump_db(sample_db)["agreement_versions"] == before


def test_reject_a_proposal_from_its_row(sample_db, monkeypatch) -> None:
    board = escalation_board(sample_db, MANAGER)
    row = board.filter(pl.col("provider_agb") == OTHER).row(0, named=True)
    assert row["proposed_step"] == 3 and "agreement_missed" in row["rules"]
    at = open_page(sample_db.path, monkeypatch, MANAGER, "escalation")
    at.text_input(key=f"answer_{OTHER}").input("Nieuw team sinds september; eerst effect zien")
    at.button(key=f"reject_{OTHER}").click().run()
    assert not at.exception, at.exception
    assert "Voorstel afgewezen: Stichting De Havenkring blijft" in texts(at)
    latest = decision_history(sample_db, MANAGER, OTHER).row(0, named=True)
    assert (latest["from_step"], latest["to_step"]) == (2, 2)
    assert json.loads(latest["proposal"])["outcome"] == "rejected"
    assert latest["agreed_actions"]  # the open actions of the plan carry over
    after = escalation_board(sample_db, MANAGER).filter(pl.col("provider_agb") == OTHER)
    assert after["proposed_step"][0] is None
    assert f"reject_{OTHER}" not in {b.key for b in at.button}


def test_talk_pack_on_screen_in_one_click(sample_db, monkeypatch) -> None:
    at = open_page(sample_db.path, monkeypatch, MANAGER, "provider", {"provider": OTHER})
    at.button(key="talk_build").click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    for heading in (
        "Stand van zaken",
        "KPI's tegen norm en categorie (2026Q3)",
        "Wat is er veranderd sinds het vorige gesprek",
        "Signalen en voorstellen",
        "Prestatieafspraken en voortgang",
        "Toelichtingen van de aanbieder",
        "Escalatiestap en historie",
    ):
        assert heading in shown, heading
    assert "Doelrealisatie terug naar 65%" in shown and "personeelsverloop" in shown
    assert any(button.label == "PDF downloaden" for button in at.get("download_button"))


def test_provider_sees_own_step_agreements_and_review_date_never_another(
    sample_db, monkeypatch
) -> None:
    for page in ("provider", "mirror"):
        at = open_page(sample_db.path, monkeypatch, PROVIDER, page, {"provider": OTHER})
        shown = texts(at)
        assert "Afbouw bedden kortdurend verblijf" in shown  # its own agreement
        assert "Reviewdatum" in shown and "Huidige escalatiestap" in shown
        for foreign in (
            "Doelrealisatie terug naar 65%",
            "personeelsverloop",
            OTHER,
            "Stichting De Havenkring",
        ):
            assert foreign not in shown, (page, foreign)
