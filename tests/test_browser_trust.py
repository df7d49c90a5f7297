"""Browser tests of the pages issue 11 changed, in Dutch and English: the mirror report (fixed
benchmark, rank, both disclosure rules), the provider page (SPC signals named by their rule),
the categories page with a municipality filter and the overview's target wording.

Screenshots go to test-artifacts/screenshots/ (`vertrouwen_*`); look at them after a change.
"""

from __future__ import annotations

import pytest
from browser_support import ARTIFACTS, browser_page, chromium_path, login, screenshot, wait_for_app
from test_browser import PASSWORDS, PROVIDER_AGB, app_url  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None,
        reason="Debian's chromium is not installed (scripts/ensure_test_tools.sh)",
    ),
]

B_PROVIDER = "01521798"  # Ambulant Team IJsselmonde: category B, no bed clients


def _login(page, base: str, username: str) -> None:
    login(page, base, username, PASSWORDS[username])


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _chart_screenshot(page, name: str, index: int = 0) -> None:
    """The chart itself (the page screenshot shows the viewport of the scrolling main area)."""
    chart = page.locator(".js-plotly-plot").nth(index)
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", ("opgetelde noemers", "minder dan 3 andere", "80%", "Eigen waarde")),
        ("en", ("added-up denominators", "fewer than 3 other", "80%", "Own value")),
    ],
)
def test_mirror_page_shows_the_corrected_benchmark_and_the_rules(
    app_url,  # noqa: F811
    lang,
    expected,
) -> None:
    with browser_page() as page:
        _login(page, app_url, "accounthouder")
        page.goto(f"{app_url}/spiegelrapport?provider={B_PROVIDER}&quarter=2026Q3&lang={lang}")
        wait_for_app(page)
        page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
        body = _main_text(page)
        screenshot(page, f"vertrouwen_spiegelrapport_{lang}")
        _chart_screenshot(page, f"vertrouwen_spiegelrapport_grafiek_{lang}")
        # The grid of st.dataframe is a canvas: its cells are checked through AppTest; here the
        # texts around it and the chart legend.
        legend = page.locator(".js-plotly-plot .legend").first.text_content() or ""
        for word in expected[:3]:
            assert word in body, word
        assert expected[3] in legend


def test_mirror_page_as_provider(app_url) -> None:  # noqa: F811
    with browser_page() as page:
        _login(page, app_url, "aanbieder")
        page.goto(f"{app_url}/spiegelrapport?quarter=2026Q3")
        wait_for_app(page)
        page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
        screenshot(page, "vertrouwen_spiegelrapport_aanbieder")
        assert "opgetelde noemers" in _main_text(page)


@pytest.mark.parametrize(
    ("lang", "signal"), [("nl", "Signalen Doelrealisatie"), ("en", "Signals Goal achievement")]
)
def test_provider_page_signals_in_both_languages(app_url, lang, signal) -> None:  # noqa: F811
    with browser_page() as page:
        _login(page, app_url, "accounthouder")
        page.goto(f"{app_url}/aanbieder?provider=48629153&quarter=2026Q3&lang={lang}")
        wait_for_app(page)
        page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
        page.get_by_text(signal).first.wait_for(timeout=60_000)
        screenshot(page, f"vertrouwen_aanbieder_{lang}")
        _chart_screenshot(page, f"vertrouwen_aanbieder_grafiek_doelrealisatie_{lang}", 0)
        _chart_screenshot(page, f"vertrouwen_aanbieder_grafiek_uitval_{lang}", 2)
        legend = page.locator(".js-plotly-plot .legend").first.text_content() or ""
        assert ("Signaal: verslechtering" if lang == "nl" else "Signal: concern") in legend


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", ("niet per gemeente aangeleverd", "Index kortdurend verblijf", "n.v.t.")),
        ("en", ("not delivered per municipality", "Short residential index", "n/a")),
    ],
)
def test_categories_with_municipality_and_care_form_filter(
    app_url,  # noqa: F811
    lang,
    expected,
) -> None:
    with browser_page() as page:
        _login(page, app_url, "accounthouder")
        page.goto(
            f"{app_url}/kpis?quarter=2026Q3&municipality=GM0599"
            f"&care_form=residential_short&lang={lang}"
        )
        wait_for_app(page)
        page.get_by_text(expected[1]).first.wait_for(timeout=120_000)
        body = _main_text(page)
        screenshot(page, f"vertrouwen_kpis_gemeente_{lang}")
        for word in expected:
            assert word in body, word
        assert "Geen aanbieders met gegevens" not in body
        assert "No providers with data" not in body


@pytest.mark.parametrize(("lang", "flat"), [("nl", "±0,0 %-punt"), ("en", "±0.0 pp")])
def test_overview_tiles_and_categories_deltas(app_url, lang, flat) -> None:  # noqa: F811
    with browser_page() as page:
        _login(page, app_url, "management")
        page.goto(f"{app_url}/overzicht?lang={lang}")
        wait_for_app(page)
        page.get_by_text(flat).first.wait_for(timeout=120_000)
        screenshot(page, f"vertrouwen_overzicht_{lang}")
        page.goto(f"{app_url}/kpis?quarter=2026Q3&category=B&lang={lang}")
        wait_for_app(page)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=120_000)
        screenshot(page, f"vertrouwen_kpis_nvt_{lang}")
