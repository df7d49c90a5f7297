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
    browser_page,
    chromium_path,
    login,
    screenshot,
    streamlit_server,
    wait_for_app,
)
from delivery_files import frame_csv, valid_frames

from impactmonitor.storage import Database
from impactmonitor.users import save_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None,
                       reason="Debian's chromium is not installed (scripts/ensure_test_tools.sh)"),
]

PROVIDER_AGB = "02694688"  # Jeugdzorg Nieuwe Maas, category A in the sample region
OTHER_AGB = "48629153"  # Stichting De Havenkring, another A provider
PASSWORDS = {"aanbieder": "pw-aanbieder-1", "accounthouder": "pw-accounthouder-1",
             "management": "pw-management-1", "beheerder": "pw-beheerder-1",
             "gemeente": "pw-gemeente-1"}
MUNICIPALITY = "GM1992"  # Voorne aan Zee, the demo municipality account's
# url path -> roles that see it (the default page of a role is served at "/")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def app_url(sample_region_file, tmp_path_factory):
    """The app running on a private copy of the sample region, with known demo passwords."""
    folder = tmp_path_factory.mktemp("browser")
    db_path = folder / "browser.duckdb"
    shutil.copyfile(sample_region_file, db_path)
    db = Database(db_path)
    roles = {"aanbieder": "provider", "accounthouder": "contract_manager",
             "management": "management", "beheerder": "admin"}
    for username, role in roles.items():
        save_user(db, username, role, PASSWORDS[username],
                  (PROVIDER_AGB,) if role == "provider" else (), username.capitalize())
    save_user(db, "gemeente", "municipality", PASSWORDS["gemeente"], display_name="Gemeente",
              municipality_codes=(MUNICIPALITY,))
    with streamlit_server(db_path, {"IMPACTMONITOR_SECRET_FILE": str(folder / "key")}) as base:
        yield base


def _axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return result.response["violations"]


def _summary(violations: list[dict]) -> list[tuple]:
    return [(v["id"], v["impact"], [node["html"][:120] for node in v["nodes"]])
            for v in violations]


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
        for path, name in (("", "overzicht"), ("kpis", "kpis_per_categorie"),
                           (f"aanbieder?provider={OTHER_AGB}", "aanbieder"),
                           ("aanleverstatus", "aanleverstatus"),
                           (f"spiegelrapport?provider={OTHER_AGB}", "spiegelrapport"),
                           ("escalatie", "escalatieladder")):
            violations = _visit(page, app_url, path, name)
            if violations:
                problems[name] = _summary(violations)
        # The overview shows the 30% target statement and its charts.
        page.goto(app_url)
        wait_for_app(page)
        page.get_by_text("Index kortdurend verblijf").first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)  # both target charts
        # Record a decision on the escalation page.
        page.goto(f"{app_url}/escalatie")
        wait_for_app(page)
        page.get_by_label("Reden (verplicht)").fill("Twee KPI's rood in het laatste kwartaal")
        page.get_by_label("Gemaakte afspraken").fill("Verbeterplan binnen zes weken")
        page.get_by_role("button", name="Besluit opslaan").click()
        wait_for_app(page)
        page.get_by_text("Besluit vastgelegd").wait_for(timeout=60_000)  # fails if never shown
        screenshot(page, "escalatieladder_na_besluit")
    assert not problems, problems


def test_provider_uploads_good_and_bad_delivery(app_url, tmp_path) -> None:
    frames = valid_frames(PROVIDER_AGB, "2026Q3")
    good = {t: frame_csv(f, t) for t, f in frames.items()}
    bad_population = frame_csv(frames["population"].with_columns(
        (frames["population"]["clients_end"] + 1).alias("clients_end")), "population")
    with browser_page() as page:
        login(page, app_url, "aanbieder", PASSWORDS["aanbieder"])
        page.goto(f"{app_url}/aanleveren")
        wait_for_app(page)
        violations = _axe_violations(page)
        page.locator('input[type="file"]').set_input_files([
            {"name": f"{t}.csv", "mimeType": "text/csv", "buffer": content}
            for t, content in good.items()])
        wait_for_app(page)
        page.get_by_role("button", name="Controleren en aanleveren").click()
        wait_for_app(page)
        page.get_by_text("Aanlevering geaccepteerd").wait_for(timeout=60_000)
        screenshot(page, "aanleveren_geaccepteerd")
        page.reload()
        wait_for_app(page)
        page.locator('input[type="file"]').set_input_files([
            {"name": "populatie.csv", "mimeType": "text/csv", "buffer": bad_population}])
        wait_for_app(page)
        page.get_by_role("button", name="Controleren en aanleveren").click()
        wait_for_app(page)
        page.get_by_text("Aanlevering afgewezen").wait_for(timeout=60_000)
        assert page.get_by_role("button", name="Foutenlijst downloaden (CSV)").count() == 1
        screenshot(page, "aanleveren_afgewezen")
        with page.expect_download() as download:
            page.get_by_role("button", name="Foutenlijst downloaden (CSV)").click()
        content = (ARTIFACTS / "foutenlijst.csv")
        download.value.save_as(content)
        assert content.read_bytes().startswith(b"\xef\xbb\xbf")
        assert "clients_end" in content.read_text(encoding="utf-8-sig")
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
        for hidden in ("Aanbieder", "KPI's per categorie", "Escalatieladder", "Aanleveren",
                       "Spiegelrapport", "Beheer"):
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
        page.reload()
        wait_for_app(page)
        assert page.get_by_text("Ingelogd als Management").count() == 1
        page.get_by_role("button", name="Uitloggen").click()
        page.get_by_label("Wachtwoord").wait_for(timeout=60_000)  # the logout rerun has run
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
        for path, heading in (("overzicht", "Overzicht"), ("auditlog", "Auditlog"),
                              ("beheer", "Pagina niet beschikbaar")):
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
            "Stichting De Havenkring").first.wait_for(timeout=60_000)
        # And so do the rows of the delivery status.
        page.goto(f"{app_url}/aanleverstatus")
        wait_for_app(page)
        page.get_by_text("Klik op een rij").wait_for(timeout=60_000)
        _click_first_row(page)
        page.wait_for_url("**/aanbieder?**", timeout=60_000)


def test_screenshots_of_every_page_in_both_languages(app_url) -> None:
    """Screenshots for people to look at (test-artifacts/screenshots/<lang>_<page>.png), and the
    English texts of Streamlit's own widgets are not shown (the file uploader)."""
    roles = {"accounthouder": ("overzicht", "kpis", "aanbieder", "escalatie", "aanleveren",
                               "aanleverstatus", "spiegelrapport"),
             "beheerder": ("beheer", "auditlog"),
             "aanbieder": ("aanbieder", "aanleveren", "spiegelrapport")}
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
                    if path == "aanleveren":  # Streamlit's English texts replaced
                        shown = page.evaluate(
                            """() => [...document.querySelectorAll(
                                '[data-testid="stFileUploaderDropzone"] p, '
                                + '[data-testid="stFileUploaderDropzoneInstructions"] span')]
                              .map(e => [getComputedStyle(e).fontSize,
                                         getComputedStyle(e, '::after').content])""")
                        assert shown and all(size == "0px" for size, _ in shown)
                        button, instructions = shown[0][1], shown[1][1]
                        assert button == ('"Bestanden kiezen"' if lang == "nl"
                                          else '"Choose files"')
                        assert "50 MB" in instructions and "50MB per file" not in body
            page.get_by_role("button", name=re.compile("Uitloggen|Log out")).click()
            wait_for_app(page)
            page.context.clear_cookies()
