"""The HTTP layer (`server.py`, `app_pages/web.py`) on a real `streamlit run server.py`.

Security headers on every response, /media/ downloads only with a valid session cookie, the
one-time codes of the cookie endpoint; and every page ends through `stop_page()` so that the
browser tests' "run finished" marker is always written.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_support import streamlit_server

from app_pages import web
from impactmonitor.sessions import COOKIE_NAME, end_session, start_session
from impactmonitor.storage import Database
from impactmonitor.users import save_user

REPO = Path(__file__).resolve().parent.parent
AGENT = "impactmonitor-test/1.0"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, database, key file) of the app served as in production, on an empty region
    with one account `beheer`."""
    folder = tmp_path_factory.mktemp("web")
    key = folder / "key"
    db = Database(folder / "web.duckdb")
    save_user(db, "beheer", "admin", "pw-beheer")
    with streamlit_server(db.path, {"IMPACTMONITOR_SECRET_FILE": str(key)}) as base:
        yield base, db, key


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str]]:
    headers = {"User-Agent": AGENT}
    if cookie is not None:
        headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=60
        ) as answer:
            return answer.status, dict(answer.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items())


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/media/unknown.csv", web.SESSION_PATH])
def test_every_response_carries_the_security_headers(served, path) -> None:
    base, _, _ = served
    _, headers = _get(base + path)
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in lower["content-security-policy"]
    assert lower["x-content-type-options"] == "nosniff"
    assert lower["referrer-policy"] == "no-referrer"


def test_media_needs_a_valid_session(served, monkeypatch) -> None:
    base, db, key = served
    monkeypatch.delenv("IMPACTMONITOR_SECRET_KEY", raising=False)
    monkeypatch.setenv("IMPACTMONITOR_SECRET_FILE", str(key))  # sign as the server does
    session = start_session("beheer", 600, AGENT)
    assert _get(base + "/media/unknown.csv")[0] == 403  # no cookie
    assert _get(base + "/media/unknown.csv", "forged|beheer|1|9999999999999|x|y")[0] == 403
    other_browser = start_session("beheer", 600, "another browser")
    assert _get(base + "/media/unknown.csv", other_browser.token)[0] == 403
    # A valid session passes the gate (this file does not exist: 404, not 403).
    assert _get(base + "/media/unknown.csv", session.token)[0] == 404
    end_session(db, session)
    assert _get(base + "/media/unknown.csv", session.token)[0] == 403


def test_the_cookie_endpoint_sets_nothing_for_an_unknown_code(served) -> None:
    base, _, _ = served
    status, headers = _get(f"{base}{web.SESSION_PATH}?grant=guessed")
    assert status == 404
    assert "set-cookie" not in {k.lower() for k in headers}


def test_a_cookie_code_works_once_and_briefly(monkeypatch) -> None:
    code = web.grant("token-1", 1800)
    assert web.redeem(code) == ("token-1", 1800)
    assert web.redeem(code) is None  # once
    assert web.redeem("unknown") is None and web.redeem(None) is None
    late = web.grant("token-2", 1800)
    real_monotonic = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + web.GRANT_SECONDS + 1)
    assert web.redeem(late) is None  # too old


def test_pages_end_through_stop_page() -> None:
    """`st.stop()` in a page would end the run before the "run finished" marker (the browser
    tests' ready signal): pages call `stop_page()`."""
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "app_pages").glob("*.py")
        if re.search(r"\bst\.stop\(\)", path.read_text(encoding="utf-8")) and path.name != "ui.py"
    ]
    assert not offenders, offenders
    assert "st.stop()" not in (REPO / "app.py").read_text(encoding="utf-8")
