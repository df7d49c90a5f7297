"""Browser tests: the real app (`streamlit run`) in Debian's Chromium through Playwright.

Upload a good and a bad delivery, open the overview and a provider page, record an escalation
decision, check every page with axe-core (WCAG 2.1 A/AA rules), and log in as a provider who must
see only its own data. Screenshots of every page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import shutil

import pytest
from browser_support import (
    ARTIFACTS,
    READY_TIMEOUT_MS,
    act,
    browser_page,
    browser_pages,
    chromium_path,
    login,
    screenshot,
    streamlit_server,
    wait_for_app,
    wait_for_session_cookie,
)
from delivery_files import frame_csv, valid_frames

from impactmonitor.storage import Database
from impactmonitor.users import save_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None,
        reason="Debian's chromium is not installed (scripts/ensure_test_tools.sh)",
    ),
]

PROVIDER_AGB = "02694688"  # Jeugdzorg Nieuwe Maas, category A in the sample region
OTHER_AGB = "48629153"  # Stichting De Havenkring, another A provider
PASSWORDS = {
    "aanbieder": "pw-aanbieder-1",
    "accounthouder": "pw-accounthouder-1",
    "management": "pw-management-1",
    "beheerder": "pw-beheerder-1",
    "havenkring": "pw-havenkring-1",
    "gemeente": "pw-gemeente-1",
}
MUNICIPALITY = "GM1992"  # Voorne aan Zee, the demo municipality account's
# url path -> roles that see it (the default page of a role is served at "/")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
APP_DB: list[Database] = []  # the database of the running app (app_url), to check the audit


@pytest.fixture(scope="module")
def app_url(sample_region_file, tmp_path_factory):
    """The app running on a private copy of the sample region, with known demo passwords."""
    folder = tmp_path_factory.mktemp("browser")
    db_path = folder / "browser.duckdb"
    shutil.copyfile(sample_region_file, db_path)
    db = Database(db_path)
    roles = {
        "aanbieder": "provider",
        "accounthouder": "contract_manager",
        "management": "management",
        "beheerder": "admin",
        "havenkring": "provider",
    }
    codes = {"aanbieder": (PROVIDER_AGB,), "havenkring": (OTHER_AGB,)}
    for username, role in roles.items():
        save_user(
            db, username, role, PASSWORDS[username], codes.get(username, ()), username.capitalize()
        )
    save_user(
        db,
        "gemeente",
        "municipality",
        PASSWORDS["gemeente"],
        display_name="Gemeente",
        municipality_codes=(MUNICIPALITY,),
    )
    APP_DB.append(db)
    with streamlit_server(db_path, {"IMPACTMONITOR_SECRET_FILE": str(folder / "key")}) as base:
        yield base


def _axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return result.response["violations"]


def _summary(violations: list[dict]) -> list[tuple]:
    return [(v["id"], v["impact"], [node["html"][:120] for node in v["nodes"]]) for v in violations]


def _visit(page, base: str, path: str, name: str) -> list[dict]:
    page.goto(f"{base}/{path}")
    wait_for_app(page)
    screenshot(page, name)
    assert page.get_by_text("Er ging iets mis").count() == 0
    return _axe_violations(page)


def test_contract_manager_pages_and_decision(app_url) -> None:
    problems = {}
    with browser_page() as page:
        login(page, app_url, "accounthouder", PASSWORDS["accounthouder"])
        for path, name in (
            ("", "overzicht"),
            ("kpis", "kpis_per_categorie"),
            (f"aanbieder?provider={OTHER_AGB}", "aanbieder"),
            ("aanleverstatus", "aanleverstatus"),
            (f"spiegelrapport?provider={OTHER_AGB}", "spiegelrapport"),
            ("escalatie", "escalatieladder"),
        ):
            violations = _visit(page, app_url, path, name)
            if violations:
                problems[name] = _summary(violations)
        # The overview shows the 30% target statement and its charts.
        page.goto(app_url)
        wait_for_app(page)
        page.get_by_text("Index kortdurend verblijf").first.wait_for(timeout=READY_TIMEOUT_MS)
        # both target charts
        page.locator(".js-plotly-plot").nth(1).wait_for(timeout=READY_TIMEOUT_MS)
        # Record a decision on the escalation page.
        page.goto(f"{app_url}/escalatie")
        wait_for_app(page)
        page.get_by_label("Reden (verplicht)").fill("Twee KPI's rood in het laatste kwartaal")
        page.get_by_label("Gemaakte afspraken").fill("Verbeterplan binnen zes weken")
        act(page, lambda: page.get_by_role("button", name="Besluit opslaan").click())
        page.get_by_text("Besluit vastgelegd").wait_for(timeout=READY_TIMEOUT_MS)
        screenshot(page, "escalatieladder_na_besluit")
    assert not problems, problems


def test_provider_uploads_good_and_bad_delivery(app_url, tmp_path) -> None:
    frames = valid_frames(PROVIDER_AGB, "2026Q3")
    good = {t: frame_csv(f, t) for t, f in frames.items()}
    bad_population = frame_csv(
        frames["population"].with_columns(
            (frames["population"]["clients_end"] + 1).alias("clients_end")
        ),
        "population",
    )
    with browser_page() as page:
        login(page, app_url, "aanbieder", PASSWORDS["aanbieder"])
        page.goto(f"{app_url}/aanleveren")
        wait_for_app(page)
        violations = _axe_violations(page)
        act(
            page,
            lambda: page.locator('input[type="file"]').set_input_files(
                [
                    {"name": f"{t}.csv", "mimeType": "text/csv", "buffer": content}
                    for t, content in good.items()
                ]
            ),
        )
        act(page, lambda: page.get_by_role("button", name="Controleren en aanleveren").click())
        page.get_by_text("Aanlevering geaccepteerd").wait_for(timeout=READY_TIMEOUT_MS)
        screenshot(page, "aanleveren_geaccepteerd")
        page.reload()
        wait_for_app(page)
        act(
            page,
            lambda: page.locator('input[type="file"]').set_input_files(
                [{"name": "populatie.csv", "mimeType": "text/csv", "buffer": bad_population}]
            ),
        )
        act(page, lambda: page.get_by_role("button", name="Controleren en aanleveren").click())
        page.get_by_text("Aanlevering afgewezen").wait_for(timeout=READY_TIMEOUT_MS)
        assert page.get_by_role("button", name="Foutenlijst downloaden (CSV)").count() == 1
        screenshot(page, "aanleveren_afgewezen")
        with page.expect_download() as download:
            page.get_by_role("button", name="Foutenlijst downloaden (CSV)").click()
        content = ARTIFACTS / "foutenlijst.csv"
        download.value.save_as(content)
        assert content.read_bytes().startswith(b"\xef\xbb\xbf")
        assert "clients_end" in content.read_text(encoding="utf-8-sig")
        # Made when clicked, and audited then; its /media URL needs this browser's session.
        audited = (
            APP_DB[0]
            .query(
                "SELECT actor, provider_agb, details->>'$.kind' AS kind FROM audit_log "
                "WHERE action = 'export' AND (details->>'$.kind') = 'error_list'"
            )
            .rows()
        )
        assert ("aanbieder", PROVIDER_AGB, "error_list") in audited
        url = download.value.url
        assert "/media/" in url and page.request.get(url).status == 200
        assert page.context.browser.new_context().request.get(url).status == 403  # no session
    assert not violations, _summary(violations)


def test_provider_sees_only_its_own_data(app_url) -> None:
    with browser_page() as page:
        login(page, app_url, "aanbieder", PASSWORDS["aanbieder"])
        # Navigation offers the provider's pages only.
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Aanleveren" in nav and "Spiegelrapport" in nav
        assert "Overzicht" not in nav and "Escalatieladder" not in nav and "Beheer" not in nav
        # Editing the URL to another provider shows nothing of that provider.
        page.goto(f"{app_url}/aanbieder?provider={OTHER_AGB}")
        wait_for_app(page)
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "Stichting De Havenkring" not in body and OTHER_AGB not in body
        assert "Jeugdzorg Nieuwe Maas" in body
        screenshot(page, "aanbieder_als_aanbieder")
        for path in ("aanleverstatus", f"spiegelrapport?provider={OTHER_AGB}", "aanleveren"):
            page.goto(f"{app_url}/{path}")
            wait_for_app(page)
            body = page.locator('[data-testid="stMain"]').inner_text()
            assert OTHER_AGB not in body and "Stichting De Havenkring" not in body, path
        screenshot(page, "spiegelrapport_als_aanbieder")
        # A page outside the provider's role is not served.
        page.goto(f"{app_url}/escalatie")
        wait_for_app(page)
        assert page.get_by_text("Besluit vastleggen").count() == 0


def test_municipality_user_sees_its_own_municipality_only(app_url) -> None:
    problems = {}
    with browser_page() as page:
        login(page, app_url, "gemeente", PASSWORDS["gemeente"])
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Overzicht" in nav and "Gemeente" in nav
        for hidden in (
            "Aanbieder",
            "KPI's per categorie",
            "Escalatieladder",
            "Aanleveren",
            "Spiegelrapport",
            "Beheer",
        ):
            assert hidden not in nav, hidden
        # wait for the page's own content before checking what is absent
        page.get_by_text("Dit overzicht gaat over Voorne aan Zee").wait_for(timeout=120_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
        wait_for_app(page)
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "Rotterdam" not in body
        screenshot(page, "overzicht_als_gemeente")
        # The URL edited to another municipality shows nothing of it.
        violations = _visit(page, app_url, "gemeente?municipality=GM0599", "gemeente")
        if violations:
            problems["gemeente"] = _summary(violations)
        page.get_by_text("Index kortdurend verblijf").first.wait_for(timeout=120_000)
        page.locator(".js-plotly-plot").nth(4).wait_for(timeout=120_000)  # every chart drawn
        wait_for_app(page)
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "Voorne aan Zee (GM1992)" in body
        assert "Rotterdam" not in body and "GM0599" not in body
        assert "niet beschikbaar" in body
        assert "Brielle (GM0501)" in body  # the merger, explained
        screenshot(page, "gemeente_als_gemeente")
        # A provider's page is not served to this role (the app falls back to its main page).
        page.goto(f"{app_url}/aanbieder?provider={OTHER_AGB}")
        wait_for_app(page)
        assert page.get_by_role("heading", name="Aanbieder", exact=True).count() == 0
        assert page.get_by_text("Huidige escalatiestap").count() == 0
    assert not problems, problems


def test_admin_pages(app_url) -> None:
    with browser_page() as page:
        login(page, app_url, "beheerder", PASSWORDS["beheerder"])
        problems = {}
        for path, name in (("beheer", "beheer"), ("auditlog", "auditlog")):
            violations = _visit(page, app_url, path, name)
            if violations:
                problems[name] = _summary(violations)
        assert not problems, problems


def test_reload_keeps_the_login_and_logout_ends_it(app_url) -> None:
    with browser_page() as page:
        login(page, app_url, "management", PASSWORDS["management"])
        # The server set the session cookie: no script in the page can read it.
        cookie = next(c for c in page.context.cookies() if c["name"] == "impactmonitor_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert "impactmonitor_session" not in page.evaluate("document.cookie")
        page.reload()
        wait_for_app(page)
        assert page.get_by_text("Ingelogd als Management").count() == 1
        act(page, lambda: page.get_by_role("button", name="Uitloggen", exact=True).click())
        wait_for_session_cookie(page, present=False)
        page.reload()
        wait_for_app(page)
        assert page.get_by_label("Wachtwoord").count() == 1


def _click_first_row(page, table: int = 0) -> None:
    """Select the first data row of a table (the row-selection box left of it)."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(table)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # header row, then the first row


def test_language_sticks_across_login_menu_and_reload(app_url) -> None:
    with browser_page() as page:
        page.goto(app_url)
        wait_for_app(page)
        page.get_by_text("English").click()
        page.get_by_role("button", name="Log in").wait_for(timeout=60_000)
        page.get_by_label("Username").fill("accounthouder")
        page.get_by_role("textbox", name="Password").fill(PASSWORDS["accounthouder"])
        page.get_by_role("button", name="Log in").click()
        nav = page.locator('[data-testid="stSidebarNav"]')
        nav.wait_for(timeout=180_000)
        assert "KPIs by category" in nav.inner_text()  # English after the login
        nav.get_by_text("Escalation ladder").click()  # the menu drops ?lang=en
        page.get_by_role("heading", name="Escalation ladder").wait_for(timeout=60_000)
        wait_for_app(page)
        assert "lang=en" in page.url
        page.reload()
        wait_for_app(page)
        page.get_by_role("heading", name="Escalation ladder").wait_for(timeout=60_000)
        assert page.get_by_text("Logged in as").count() == 1
        screenshot(page, "en_escalatieladder_na_herladen")


def test_every_page_has_its_own_address_also_before_the_login(app_url) -> None:
    with browser_page() as page:
        page.goto(f"{app_url}/kpis?category=B")
        wait_for_app(page)
        assert page.get_by_text("Page not found").count() == 0
        page.get_by_label("Gebruikersnaam").fill("management")
        page.get_by_label("Wachtwoord").fill(PASSWORDS["management"])
        page.get_by_role("button", name="Inloggen").click()
        # After the login the page asked for opens, with its filters.
        page.get_by_role("heading", name="KPI's per categorie").wait_for(timeout=180_000)
        for path, heading in (
            ("overzicht", "Overzicht"),
            ("auditlog", "Auditlog"),
            ("beheer", "Pagina niet beschikbaar"),
        ):
            page.goto(f"{app_url}/{path}")
            page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
            wait_for_app(page)
            assert page.get_by_text("Page not found").count() == 0, path


def test_a_row_click_opens_the_provider_with_the_filters(app_url) -> None:
    with browser_page() as page:
        login(page, app_url, "accounthouder", PASSWORDS["accounthouder"])
        page.goto(f"{app_url}/kpis?quarter=2026Q2&category=A&care_form=ambulant")
        wait_for_app(page)
        page.get_by_text("Klik op een rij").wait_for(timeout=60_000)
        screenshot(page, "kpis_categorie_A")
        _click_first_row(page)  # sorted by name: Jeugdzorg Nieuwe Maas
        page.wait_for_url("**/aanbieder?**", timeout=60_000)
        wait_for_app(page)
        assert f"provider={PROVIDER_AGB}" in page.url and "quarter=2026Q2" in page.url
        assert "care_form=ambulant" in page.url
        main = page.locator('[data-testid="stMain"]')
        main.get_by_text("Jeugdzorg Nieuwe Maas").first.wait_for(timeout=60_000)
        assert "Kwartaal: 2026Q2" in main.inner_text()
        # The escalation board's names open the provider page as well.
        page.goto(f"{app_url}/escalatie")
        wait_for_app(page)
        page.get_by_role("link", name="Stichting De Havenkring").first.click()
        page.wait_for_url(f"**provider={OTHER_AGB}**", timeout=60_000)
        wait_for_app(page)
        page.locator('[data-testid="stMain"]').get_by_text(
            "Stichting De Havenkring"
        ).first.wait_for(timeout=60_000)
        # And so do the rows of the delivery status.
        page.goto(f"{app_url}/aanleverstatus")
        wait_for_app(page)
        page.get_by_text("Klik op een rij").wait_for(timeout=60_000)
        _click_first_row(page)
        page.wait_for_url("**/aanbieder?**", timeout=60_000)


def test_screenshots_of_every_page_in_both_languages(app_url) -> None:
    """Screenshots for people to look at (test-artifacts/screenshots/<lang>_<page>.png), and the
    English texts of Streamlit's own widgets are not shown (the file uploader)."""
    roles = {
        "accounthouder": (
            "overzicht",
            "kpis",
            "aanbieder",
            "escalatie",
            "aanleveren",
            "aanleverstatus",
            "spiegelrapport",
        ),
        "beheerder": ("beheer", "auditlog"),
        "aanbieder": ("aanbieder", "aanleveren", "spiegelrapport"),
    }
    with browser_page() as page:
        for username, paths in roles.items():
            login(page, app_url, username, PASSWORDS[username])
            for lang in ("nl", "en"):
                for path in paths:
                    page.goto(f"{app_url}/{path}?lang={lang}")
                    wait_for_app(page)
                    page.locator("h1").first.wait_for(timeout=60_000)
                    wait_for_app(page)
                    screenshot(page, f"{lang}_{path}_{username}")
                    body = page.locator('[data-testid="stMain"]').inner_text()
                    assert "Er ging iets mis" not in body and "Something went wrong" not in body
                    if path == "escalatie":  # step and provider names wrap, never "…"
                        clipped = page.evaluate(
                            """() => [...document.querySelectorAll(
                                '.st-key-escalation_board [data-testid="stMetricLabel"] *, '
                                + '.st-key-escalation_board [data-testid="stPageLink"] *')]
                              .filter(e => e.scrollWidth > e.clientWidth + 1
                                           || getComputedStyle(e).textOverflow === 'ellipsis')
                              .map(e => e.textContent)"""
                        )
                        assert page.locator(".st-key-escalation_board").count() == 1
                        assert clipped == []
                    if path == "aanleveren":  # Streamlit's English texts replaced
                        shown = page.evaluate(
                            """() => [...document.querySelectorAll(
                                '[data-testid="stFileUploaderDropzone"] p, '
                                + '[data-testid="stFileUploaderDropzoneInstructions"] span')]
                              .map(e => [getComputedStyle(e).fontSize,
                                         getComputedStyle(e, '::after').content])"""
                        )
                        assert shown and all(size == "0px" for size, _ in shown)
                        button, instructions = shown[0][1], shown[1][1]
                        assert button == (
                            '"Bestanden kiezen"' if lang == "nl" else '"Choose files"'
                        )
                        assert "50 MB" in instructions and "50MB per file" not in body
            page.get_by_role("button", name=re.compile("^(Uitloggen|Log out)$")).click()
            wait_for_app(page)
            page.context.clear_cookies()


def _bad_population() -> bytes:
    frames = valid_frames(PROVIDER_AGB, "2026Q2")
    return frame_csv(
        frames["population"].with_columns(
            (frames["population"]["clients_end"] + 1).alias("clients_end")
        ),
        "population",
    )


def test_next_provider_in_the_same_tab_sees_nothing_of_the_previous_one(app_url) -> None:
    """Provider A's rejected upload (error list, error file with A's rows) is gone when A logs
    out and provider B logs in in the same tab, without a reload."""
    with browser_page() as page:
        login(page, app_url, "aanbieder", PASSWORDS["aanbieder"])
        page.goto(f"{app_url}/aanleveren")
        wait_for_app(page)
        act(
            page,
            lambda: page.locator('input[type="file"]').set_input_files(
                [{"name": "populatie.csv", "mimeType": "text/csv", "buffer": _bad_population()}]
            ),
        )
        act(page, lambda: page.get_by_role("button", name="Controleren en aanleveren").click())
        page.get_by_text("Aanlevering afgewezen").wait_for(timeout=READY_TIMEOUT_MS)
        assert page.get_by_role("button", name="Foutenlijst downloaden (CSV)").count() == 1
        act(page, lambda: page.get_by_role("button", name="Uitloggen", exact=True).click())
        assert page.get_by_label("Wachtwoord").count() == 1
        # B logs in in the same tab, without a reload: the same Streamlit session goes on.
        page.get_by_label("Gebruikersnaam").fill("havenkring")
        page.get_by_label("Wachtwoord").fill(PASSWORDS["havenkring"])
        act(page, lambda: page.get_by_role("button", name="Inloggen").click())
        assert page.get_by_text("Ingelogd als Havenkring").count() == 1
        act(
            page,
            lambda: page.locator('[data-testid="stSidebarNav"]').get_by_text("Aanleveren").click(),
        )
        page.get_by_role("button", name="Controleren en aanleveren").wait_for(
            timeout=READY_TIMEOUT_MS
        )
        body = page.locator('[data-testid="stMain"]').inner_text()
        screenshot(page, "aanleveren_volgende_aanbieder")
        assert "Aanlevering afgewezen" not in body and "clients_end" not in body
        assert PROVIDER_AGB not in body and "Jeugdzorg Nieuwe Maas" not in body
        assert page.get_by_role("button", name="Foutenlijst downloaden (CSV)").count() == 0
        assert page.get_by_text("Foutbestand", exact=False).count() == 0


def test_log_out_everywhere_ends_the_session_in_another_browser(app_url) -> None:
    """Two browsers logged in as the same user: "Overal uitloggen" in one ends the other at its
    next interaction (no reload), and its cookie no longer logs it in on a reload."""
    with browser_pages(2) as (first, second):
        for page in (first, second):
            login(page, app_url, "management", PASSWORDS["management"])
        act(second, lambda: second.get_by_role("button", name="Overal uitloggen").click())
        assert second.get_by_label("Wachtwoord").count() == 1
        # The first browser's next run (a click in the menu, same Streamlit session) checks the
        # session in the database and ends it.
        act(
            first,
            lambda: (
                first.locator('[data-testid="stSidebarNav"]').get_by_text("Aanleverstatus").click()
            ),
        )
        assert first.get_by_label("Wachtwoord").count() == 1
        assert first.get_by_text("Je sessie is beëindigd").count() == 1
        screenshot(first, "sessie_elders_beeindigd")
        first.reload()
        wait_for_app(first)
        assert first.get_by_label("Wachtwoord").count() == 1


def test_waiting_follows_the_apps_signal_when_the_server_is_slow(app_url) -> None:
    """On a loaded machine a run can start seconds after the click; waiting for the app's own
    "run finished" marker (not for a quiet spell) must not hand back the page from before.

    The server process is paused for a few seconds right after the click, as a busy 2-core
    machine does to it.
    """
    import os
    import signal
    import threading

    from browser_support import SERVERS

    with browser_page() as page:
        login(page, app_url, "management", PASSWORDS["management"])
        page.goto(f"{app_url}/aanleverstatus")
        wait_for_app(page)
        server = SERVERS[app_url]

        def click_while_the_server_stalls() -> None:
            os.kill(server.pid, signal.SIGSTOP)
            threading.Timer(4.0, os.kill, (server.pid, signal.SIGCONT)).start()
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Auditlog").click()

        try:
            act(page, click_while_the_server_stalls)
        finally:
            os.kill(server.pid, signal.SIGCONT)
        assert page.get_by_role("heading", name="Auditlog").count() == 1


def test_provider_explains_and_the_contract_manager_reads_it(app_url) -> None:
    """Issue 16: the provider writes an explanation on its provider page; the contract manager
    sees it next to the figures, replies, and prepares the talk (screen and PDF)."""
    note = "Uitval hoger door een cliëntenstop in augustus (browsertest)."
    problems = {}
    with browser_page() as page:
        login(page, app_url, "aanbieder", PASSWORDS["aanbieder"])  # lands on its provider page
        act(page, lambda: page.get_by_role("tab", name="Toelichting").click())
        page.get_by_label("Uw toelichting bij 2026Q3 (kort)").fill(note)
        act(page, lambda: page.get_by_role("button", name="Toelichting versturen").click())
        page.get_by_text("Toelichting vastgelegd").wait_for(timeout=READY_TIMEOUT_MS)
        screenshot(page, "toelichting_als_aanbieder")
        problems["aanbieder"] = _summary(_axe_violations(page))
    with browser_page() as page:
        login(page, app_url, "accounthouder", PASSWORDS["accounthouder"])
        page.goto(f"{app_url}/aanbieder?provider={PROVIDER_AGB}&quarter=2026Q3")
        wait_for_app(page)
        # Next to the figures: the explanation of the delivery as a whole.
        page.get_by_text(f"Toelichting bij de aanlevering: ‘{note}’").wait_for(
            timeout=READY_TIMEOUT_MS
        )
        act(page, lambda: page.get_by_role("tab", name="Toelichting").click())
        page.get_by_label("Reactie", exact=True).fill("Dank, bespreken we in het gesprek.")
        act(page, lambda: page.get_by_role("button", name="Reactie versturen").click())
        page.get_by_text("Reactie vastgelegd").wait_for(timeout=READY_TIMEOUT_MS)
        screenshot(page, "toelichting_met_reactie")
        act(page, lambda: page.get_by_role("tab", name="Gespreksvoorbereiding").click())
        act(
            page,
            lambda: page.get_by_role(
                "button", name="Gespreksvoorbereiding maken (scherm en PDF)"
            ).click(),
        )
        page.get_by_text("Stand van zaken").wait_for(timeout=READY_TIMEOUT_MS)
        screenshot(page, "gespreksvoorbereiding")
        problems["accounthouder"] = _summary(_axe_violations(page))
        with page.expect_download() as download:
            page.get_by_role("button", name="PDF downloaden").click()
        target = ARTIFACTS / "gespreksvoorbereiding.pdf"
        download.value.save_as(target)
        assert target.read_bytes().startswith(b"%PDF")
        act(page, lambda: page.get_by_role("tab", name="Prestatieafspraken").click())
        screenshot(page, "prestatieafspraken")
        page.goto(f"{app_url}/escalatie")
        wait_for_app(page)
        screenshot(page, "escalatie_met_afspraken")
    assert not any(problems.values()), problems
