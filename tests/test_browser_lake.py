"""Two app servers on one DuckLake (issue 15 item 4), in a real browser.

Two `streamlit run server.py` processes on different ports share one lake (PostgreSQL catalog +
Parquet folder) and one secret key, as two servers behind a load balancer would. A browser
logged in on one is logged in on the other (the session cookie is signed with the shared key and
the session itself lives in the lake); a delivery uploaded on one shows on the other at its next
run; logging out on one ends the session on both.
"""

from __future__ import annotations

import re

import pytest
from browser_support import (
    READY_TIMEOUT_MS,
    act,
    browser_pages,
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
    pytest.mark.skipif(
        chromium_path() is None,
        reason="Debian's chromium is not installed (scripts/ensure_test_tools.sh)",
    ),
]

PROVIDER_AGB = "02694688"  # Jeugdzorg Nieuwe Maas in the sample region
PASSWORD = "pw-aanbieder-lake-1"


def _menu(page, label: str) -> None:
    act(page, lambda: page.locator('[data-testid="stSidebarNav"]').get_by_text(label).click())


def _versions_shown(page) -> list[int]:
    """The current version of each table delivered for the quarter, from the page's "expected
    for this quarter" panel ("Al aangeleverd: populatie (versie 1, ...)")."""
    panel = page.get_by_text("Al aangeleverd").inner_text()
    return [int(n) for n in re.findall(r"versie (\d+)", panel)]


def test_two_app_servers_on_one_lake(lake_templates, tmp_path, request) -> None:
    from lake_support import release_lake

    location = lake_templates.new_lake("sample")
    request.addfinalizer(lambda: release_lake(location))
    save_user(Database(location), "aanbieder", "provider", PASSWORD, (PROVIDER_AGB,), "Aanbieder")
    release_lake(location)  # the servers open it themselves
    shared = {"IMPACTMONITOR_SECRET_KEY": "one-key-for-every-server-" + "x" * 20}
    good = {t: frame_csv(f, t) for t, f in valid_frames(PROVIDER_AGB, "2026Q3").items()}
    with (
        streamlit_server(location, shared, timeout=180) as first,
        streamlit_server(location, shared, timeout=180) as second,
        browser_pages(1) as (page,),
    ):
        assert first != second
        login(page, first, "aanbieder", PASSWORD)
        # The same browser on the other server: logged in, without a login form.
        other = page.context.new_page()
        other.goto(f"{second}/aanleveren")
        wait_for_app(other)
        assert other.get_by_role("button", name="Uitloggen", exact=True).count() == 1
        assert other.get_by_label("Wachtwoord").count() == 0
        versions_before = _versions_shown(other)

        # A delivery through the first server ...
        page.goto(f"{first}/aanleveren")
        wait_for_app(page)
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
        assert _versions_shown(page) == [v + 1 for v in versions_before]
        # ... shows on the second at its next run (a click in its menu, no reload).
        _menu(other, "Aanleveren")
        assert _versions_shown(other) == [v + 1 for v in versions_before]
        screenshot(other, "twee_servers_aanlevering_zichtbaar")

        # Logging out on the first ends the session on the second at its next run.
        act(page, lambda: page.get_by_role("button", name="Uitloggen", exact=True).click())
        assert page.get_by_label("Wachtwoord").count() == 1
        _menu(other, "Aanleveren")
        assert other.get_by_label("Wachtwoord").count() == 1
        screenshot(other, "twee_servers_uitgelogd")
