"""AppTest: every page renders without exception for every role that may see it, on an empty
database and on the sample region; a decision on the escalation page is stored and shown."""

from __future__ import annotations

import polars as pl
import pytest
from app_support import app_as, page_path, shown_frames, texts

from impactmonitor.access import PAGE_ROLES, User

PROVIDER_AGB = "02694688"  # a category-A provider of the sample region
USERS = {
    "provider": User("aanbieder", "provider", frozenset({PROVIDER_AGB})),
    "contract_manager": User("accounthouder", "contract_manager"),
    "management": User("management", "management"),
    "admin": User("beheerder", "admin"),
    "municipality": User("gemeente", "municipality", municipality_codes=frozenset({"GM1992"})),
}
PAGE_FILES = {
    "overview": "overview",
    "municipality": "municipality",
    "categories": "categories",
    "provider": "provider",
    "escalation": "escalation",
    "upload": "upload",
    "delivery_status": "delivery_status",
    "mirror": "mirror",
    "admin": "admin",
    "audit": "audit",
}
CASES = [(page, role) for page, roles in PAGE_ROLES.items() for role in sorted(roles)]


UNEXPECTED = "Er ging iets mis"


def _no_failure(at) -> None:
    assert not at.exception, at.exception
    assert not any(UNEXPECTED in str(e.value) for e in at.error), [e.value for e in at.error]


def _render(db_path, monkeypatch, role: str, page: str, query: dict | None = None):
    at = app_as(USERS[role], db_path, monkeypatch, query).run()
    assert not at.exception, at.exception
    at.switch_page(page_path(PAGE_FILES[page])).run()
    return at


@pytest.mark.parametrize(("page", "role"), CASES)
def test_page_renders_on_empty_database(empty_db, monkeypatch, page, role) -> None:
    at = _render(empty_db.path, monkeypatch, role, page)
    _no_failure(at)
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize(("page", "role"), CASES)
def test_page_renders_on_sample_region(sample_db, monkeypatch, page, role) -> None:
    at = _render(sample_db.path, monkeypatch, role, page)
    _no_failure(at)
    assert at.title, "every page has a title"


def test_english_switch(sample_db, monkeypatch) -> None:
    at = _render(sample_db.path, monkeypatch, "contract_manager", "categories", {"lang": "en"})
    assert at.title[0].value == "KPIs by category"


@pytest.mark.parametrize("page", ["provider", "categories", "delivery_status", "escalation"])
def test_english_texts_inside_tables(sample_db, monkeypatch, page) -> None:
    """Table cells built from the translation table follow the language too."""
    at = _render(sample_db.path, monkeypatch, "management", page, {"lang": "en"})
    at.query_params["lang"] = "en"
    at.run()
    shown = texts(at)
    if page == "escalation":  # the recorded reasons are what people typed (Dutch): skip them
        shown = shown.replace(shown_frames(at)[-1].to_string(), "")
    assert not any(
        word in shown for word in (" groen", " rood", "op tijd compleet", "Besloten op", "te laat")
    ), page


def test_filters_come_from_the_url(sample_db, monkeypatch) -> None:
    at = _render(
        sample_db.path,
        monkeypatch,
        "contract_manager",
        "categories",
        {"quarter": "2025Q4", "category": "B"},
    )
    assert at.selectbox(key="filter_quarter").value == "2025Q4"
    assert at.selectbox(key="filter_category").value == "B"
    assert "Kwartaal: 2025Q4" in texts(at) and "Categorie: B" in texts(at)


def test_decision_is_stored_and_shown_on_board_and_provider_page(sample_db, monkeypatch) -> None:
    at = _render(sample_db.path, monkeypatch, "contract_manager", "escalation")
    agb = at.selectbox(key="escalation_provider").value
    before = sample_db.scalar("SELECT count(*) FROM escalation_decisions")
    at.selectbox(key="escalation_to_step").select(2)
    at.text_area(key="escalation_reason").input("Doelrealisatie twee kwartalen rood")
    at.text_area(key="escalation_actions").input("Verbeterplan binnen 6 weken")
    at.button(key="escalation_save").click().run()  # the form's submit button
    assert not at.exception, at.exception
    assert sample_db.scalar("SELECT count(*) FROM escalation_decisions") == before + 1
    stored = sample_db.query(
        "SELECT to_step, reason, decided_by FROM escalation_decisions ORDER BY seq DESC LIMIT 1"
    )
    assert stored.row(0) == (2, "Doelrealisatie twee kwartalen rood", "accounthouder")
    assert "Verbeterplan" in texts(at)  # the board and the success message show it
    provider = _render(
        sample_db.path, monkeypatch, "contract_manager", "provider", {"provider": agb}
    )
    assert any("Verbeterplan" in str(m.value) for m in provider.metric)


def test_contract_manager_cannot_choose_formal_steps(sample_db, monkeypatch) -> None:
    at = _render(sample_db.path, monkeypatch, "contract_manager", "escalation")
    options = at.selectbox(key="escalation_to_step").options
    assert not any(option.startswith(("4.", "5.")) for option in options)
    management = _render(sample_db.path, monkeypatch, "management", "escalation")
    assert any(o.startswith("5.") for o in management.selectbox(key="escalation_to_step").options)


def test_upload_page_provider_sees_own_history_only(sample_db, monkeypatch) -> None:
    at = _render(sample_db.path, monkeypatch, "provider", "upload")
    history = at.dataframe[-1].value
    assert set(pl.from_pandas(history)["Ontvangstbewijs"].to_list())
    agbs = sample_db.query(
        "SELECT DISTINCT provider_agb FROM table_versions WHERE delivery_id IN (SELECT unnest(?))",
        [list(pl.from_pandas(history)["Ontvangstbewijs"])],
    )
    assert agbs["provider_agb"].to_list() == [PROVIDER_AGB]


HIDDEN = [(page, role) for page, roles in PAGE_ROLES.items() for role in USERS if role not in roles]


@pytest.mark.parametrize(("page", "role"), HIDDEN)
def test_pages_outside_the_role_are_not_served(empty_db, monkeypatch, page, role) -> None:
    """The navigation of a role does not contain the page, so it cannot be opened at all."""
    at = app_as(USERS[role], empty_db.path, monkeypatch).run()
    assert not at.exception
    with pytest.raises(ValueError):
        at.switch_page(page_path(PAGE_FILES[page]))


def test_language_stays_when_the_menu_drops_the_url_parameter(sample_db, monkeypatch) -> None:
    """A menu click (switch_page) loses ?lang=en; the session keeps the choice and puts it back
    into the URL, so a reload keeps it as well."""
    at = _render(sample_db.path, monkeypatch, "contract_manager", "categories", {"lang": "en"})
    assert at.title[0].value == "KPIs by category"
    at.query_params.clear()
    at.switch_page(page_path("escalation")).run()
    assert at.title[0].value == "Escalation ladder"
    assert at.query_params.get("lang") in ("en", ["en"])


def test_the_root_address_opens_the_first_page_of_the_role(sample_db, monkeypatch) -> None:
    """ "/" opens the role's first page; the browser test checks the addresses themselves."""
    at = app_as(USERS["provider"], sample_db.path, monkeypatch).run()
    assert not at.exception
    assert at.title[0].value == "Aanbieder"
