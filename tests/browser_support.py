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
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


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
def streamlit_server(db_path: Path | str, extra_env: dict[str, str] | None = None,
                     timeout: float = 90) -> Iterator[str]:
    """Run `streamlit run app.py` on `db_path`; yields the base URL; stops the server after."""
    port = free_port()
    env = dict(os.environ)
    env.update({
        "IMPACTMONITOR_DB": str(db_path),
        "PYTHONPATH": str(REPO),
        "STREAMLIT_SERVER_HEADLESS": "true",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    })
    env.update(extra_env or {})
    log_path = ARTIFACTS / f"streamlit-{port}.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
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
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def browser_page(width: int = 1400, height: int = 1000) -> Iterator[object]:
    """A Playwright page in headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="nl-NL", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def wait_for_app(page, timeout: float = 60_000, quiet_ms: int = 1500) -> None:
    """Wait until Streamlit has finished running the script and the page has settled.

    'Finished' = no running-status widget and no skeleton placeholders for `quiet_ms` in a row.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    busy = """() => !!(document.querySelector('[data-testid="stStatusWidget"]')
                     || document.querySelector('[data-testid="stSkeleton"]')
                     || !document.querySelector('[data-testid="stMain"]'))"""
    deadline = time.monotonic() + timeout / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        if page.evaluate(busy):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(100)
    raise TimeoutError("the app did not finish running in time")


def login(page, base: str, username: str, password: str) -> None:
    page.goto(base)
    wait_for_app(page)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    # Logged in once the navigation of the role's pages shows: on a loaded machine the first
    # login of a fresh server takes far longer than a fixed pause.
    page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=180_000)
    wait_for_app(page)
    # The next page load is a new session: it needs the session cookie the app sets in the
    # browser after the login (in a small frame), so wait until the browser has it.
    deadline = time.monotonic() + 60
    while not any(c["name"] == "impactmonitor_session" for c in page.context.cookies()):
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not set the session cookie after the login")
        page.wait_for_timeout(200)


def screenshot(page, name: str) -> Path:
    target = ARTIFACTS / "screenshots" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target
