"""Real-browser helpers: a `streamlit run` of the app on a free port and Debian's Chromium.

Never `playwright install`: Playwright drives the system Chromium (`/usr/bin/chromium`). Tests
that need it skip with a clear message when it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# base URL -> the `streamlit run` process serving it
SERVERS: dict[str, subprocess.Popen] = {}


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(
    db_path: Path | str, extra_env: dict[str, str] | None = None, timeout: float = 90
) -> Iterator[str]:
    """Run the app as `make run` does (`streamlit run server.py`) on `db_path`; yields the base
    URL; stops the server after."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "IMPACTMONITOR_DB": str(db_path),
            "PYTHONPATH": str(REPO),
            "STREAMLIT_SERVER_HEADLESS": "true",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        }
    )
    env.update(extra_env or {})
    log_path = ARTIFACTS / f"streamlit-{port}.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(REPO / "server.py"),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    SERVERS[base] = process
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log_path}")
            time.sleep(0.3)
        yield base
    finally:
        SERVERS.pop(base, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def browser_page(width: int = 1400, height: int = 1000) -> Iterator[object]:
    """A Playwright page in headless Debian Chromium."""
    with browser_pages(1, width, height) as pages:
        yield pages[0]


# One Chromium per test process (launching it costs about a second, ~25 browser tests in a
# run); every test gets fresh browser contexts, so cookies and storage are never shared.
_SHARED: dict[str, object] = {}


def _browser():
    browser = _SHARED.get("browser")
    if browser is None or not browser.is_connected():  # type: ignore[attr-defined]
        from playwright.sync_api import sync_playwright

        if "playwright" not in _SHARED:
            _SHARED["playwright"] = sync_playwright().start()
        playwright = _SHARED["playwright"]
        browser = playwright.chromium.launch(  # type: ignore[attr-defined]
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        _SHARED["browser"] = browser
    return browser


def stop_browser() -> None:
    """End the process's Chromium (conftest calls this when the session ends)."""
    browser, playwright = _SHARED.pop("browser", None), _SHARED.pop("playwright", None)
    if browser is not None:
        browser.close()  # type: ignore[attr-defined]
    if playwright is not None:
        playwright.stop()  # type: ignore[attr-defined]


@contextmanager
def browser_pages(count: int, width: int = 1400, height: int = 1000) -> Iterator[list]:
    """`count` pages, each in its own browser context (as separate browsers: own cookies)."""
    browser = _browser()
    contexts = [
        browser.new_context(
            viewport={"width": width, "height": height}, locale="nl-NL", accept_downloads=True
        )
        for _ in range(count)
    ]
    pages = [context.new_page() for context in contexts]
    for page in pages:
        page.set_default_timeout(30_000)
    try:
        yield pages
    finally:
        for context in contexts:
            context.close()


# Ceilings, not waits: the helpers return as soon as the app signals it is ready. On a loaded
# 2-core machine one script run can take tens of seconds, so the ceilings are generous.
READY_TIMEOUT_MS = 240_000
RUN_MARKER = ".impactmonitor-run"  # app_pages/ui.py: mark_run_finished()


def current_run(page) -> str | None:
    """The number of the last finished script run shown in the page (None: none yet)."""
    return page.evaluate(
        f"() => {{ const m = document.querySelectorAll('{RUN_MARKER}');"
        " return m.length ? m[m.length - 1].dataset.run : null; }"
    )


def wait_for_app(page, since: str | None = None, timeout: float = READY_TIMEOUT_MS) -> str:
    """Wait for the app's own signal that a script run has finished; returns the run's number.

    The app writes a marker with a new number as the last element of every run
    (`mark_run_finished`). After an action that reruns the script, pass the number from before
    the action as `since` (see `act`): the old page stays on screen until the new run has been
    received, so only a new number proves the new run is done. Streamlit's own running
    indicator and skeletons must be gone too.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """([marker, since]) => {
            const marks = document.querySelectorAll(marker);
            if (!marks.length) return false;
            const run = marks[marks.length - 1].dataset.run;
            return run !== since
                && !document.querySelector('[data-testid="stStatusWidget"]')
                && !document.querySelector('[data-testid="stSkeleton"]')
                && !!document.querySelector('[data-testid="stMain"]');
        }""",
        arg=[RUN_MARKER, since],
        timeout=timeout,
        polling=100,
    )
    return current_run(page)


def act(page, action, timeout: float = READY_TIMEOUT_MS) -> str:
    """Do `action()` (a click, a fill, an upload) and wait for the script run it causes."""
    before = current_run(page)
    action()
    return wait_for_app(page, since=before, timeout=timeout)


def login(page, base: str, username: str, password: str) -> None:
    page.goto(base)
    wait_for_app(page)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    act(page, lambda: page.get_by_role("button", name="Inloggen").click())
    page.get_by_role("button", name="Uitloggen", exact=True).wait_for(timeout=READY_TIMEOUT_MS)
    wait_for_session_cookie(page)


SESSION_COOKIE = "impactmonitor_session"


def wait_for_session_cookie(page, present: bool = True, timeout: float = READY_TIMEOUT_MS) -> None:
    """Wait until the browser holds (or, with present=False, no longer holds) the session cookie:
    the signal that a reload will (not) find the login."""
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        names = {cookie["name"] for cookie in page.context.cookies() if cookie["value"]}
        if (SESSION_COOKIE in names) == present:
            return
        page.wait_for_timeout(100)
    raise TimeoutError(f"session cookie {'never set' if present else 'never cleared'}")


def screenshot(page, name: str) -> Path:
    target = ARTIFACTS / "screenshots" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target
