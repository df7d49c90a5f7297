"""Several processes on one DuckDB file: concurrent ingests, a reader holding the file, and the
command line ingesting while the real app (Streamlit, driven by Chromium) serves pages.

DuckDB lets one process at a time open a file; `impactmonitor.storage.Database` opens it per unit
of work and retries while another process holds it. These tests prove that in practice.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO, cli_env, database_held, register_providers
from delivery_files import AGB_A, QUARTER, valid_frames, write_delivery

from impactmonitor.storage import Database

PROVIDERS = [f"{n:08d}" for n in (10000001, 10000002, 10000003, 10000004, 10000005)]


def _register(db: Database, agbs: list[str]) -> None:
    register_providers(
        db,
        pl.DataFrame(
            {
                "provider_agb": agbs,
                "name": [f"Aanbieder {a}" for a in agbs],
                "category": ["B"] * len(agbs),
                "lot": [None] * len(agbs),
                "contract_start": [date(2022, 1, 1)] * len(agbs),
                "contract_end": [None] * len(agbs),
            },
            schema={
                "provider_agb": pl.String,
                "name": pl.String,
                "category": pl.String,
                "lot": pl.String,
                "contract_start": pl.Date,
                "contract_end": pl.Date,
            },
        ),
    )


def _ingest_process(db: Database, agb: str, folder: Path, env: dict | None = None):
    paths = write_delivery(folder, "excel_nl", frames=valid_frames(agb=agb))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.ingest",
            "--db",
            db.path,
            "--provider",
            agb,
            "--quarter",
            QUARTER,
            *map(str, paths),
        ],
        cwd=REPO,
        env=env or cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_ingests_of_different_providers_are_all_stored(
    empty_db: Database, tmp_path: Path
) -> None:
    _register(empty_db, PROVIDERS)
    processes = [_ingest_process(empty_db, agb, tmp_path / agb) for agb in PROVIDERS]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err
        assert "Traceback" not in err
    stored = empty_db.query(
        "SELECT provider_agb, count(*) AS tables, sum(row_count) AS rows FROM table_versions "
        "GROUP BY ALL ORDER BY ALL"
    )
    assert stored.rows() == [(agb, 3, 24) for agb in PROVIDERS]
    assert empty_db.scalar("SELECT count(DISTINCT provider_agb) FROM population") == 5
    assert empty_db.scalar("SELECT count(*) FROM deliveries") == 5


def test_ingest_waits_for_another_process_holding_the_file(
    registered_db: Database, tmp_path: Path
) -> None:
    """A process that keeps the file open for 2 s (longer than any real unit of work) only
    delays the command line, which retries until the file is free."""
    with database_held(registered_db.path, 2):
        process = _ingest_process(registered_db, AGB_A, tmp_path / "delivery")
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, out + err
    assert registered_db.scalar("SELECT count(*) FROM population") == 18


OPENER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # no retry: fails at once while another process holds it
con.close()
print("opened", flush=True)
"""


def test_slow_checks_do_not_hold_the_database(registered_db: Database, monkeypatch) -> None:
    """Issue 18 item 1: a small upload opens the database ahead of its checks; when the checks
    are slow (a hostile file), the file must not stay locked meanwhile. Before: another process
    could not open the file for as long as the checks ran (16,000 columns: 90 s)."""
    import threading
    import time

    import pipelines.engine as engine_module
    from pipelines.ingest import Upload, ingest

    checking = threading.Event()
    real_validate = engine_module.validate_table

    def slow_validate(*args, **kwargs):
        checking.set()
        time.sleep(3)
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(engine_module, "validate_table", slow_validate)
    uploads = [
        Upload(p.name, p.read_bytes())
        for p in write_delivery(Path(registered_db.path).parent / "slow", "excel_nl")
    ]
    outcome: list = []
    worker = threading.Thread(
        target=lambda: outcome.append(ingest(registered_db, AGB_A, QUARTER, uploads, actor="test"))
    )
    worker.start()
    try:
        assert checking.wait(30)
        time.sleep(1.0)  # well past the bound on holding a connection opened ahead
        other = subprocess.run(
            [sys.executable, "-c", OPENER, registered_db.path],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert other.returncode == 0, other.stderr
    finally:
        worker.join(timeout=60)
    assert outcome and outcome[0].accepted  # and the delivery itself is stored
    assert registered_db.scalar("SELECT count(*) FROM table_versions") == 3


def test_threads_of_one_process_share_the_file(registered_db: Database) -> None:
    """The app's situation: many sessions (threads) reading and writing through one Database."""
    import threading

    from impactmonitor.storage import append_audit

    failures: list[str] = []

    def reader() -> None:
        for _ in range(150):
            try:
                registered_db.query("SELECT count(*) FROM providers")
            except Exception as exc:  # collected, asserted below
                failures.append(f"read: {exc}")

    def writer() -> None:
        for _ in range(50):
            try:
                with registered_db.transaction() as con:
                    append_audit(con, "test", "thread_test")
            except Exception as exc:
                failures.append(f"write: {exc}")

    threads = [threading.Thread(target=reader) for _ in range(6)]
    threads += [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert (
        registered_db.scalar("SELECT count(*) FROM audit_log WHERE action = 'thread_test'") == 100
    )


# ---- the real app -------------------------------------------------------------------------


@pytest.fixture
def running_app(registered_db: Database, tmp_path: Path):
    """The real app (`streamlit run app.py`) on registered_db with a provider account
    `aanbieder` / `test-wachtwoord` for 01234567; yields (url, db)."""
    from browser_support import streamlit_server

    from impactmonitor.users import save_user

    save_user(
        registered_db, "aanbieder", "provider", password="test-wachtwoord", provider_agbs=(AGB_A,)
    )
    with streamlit_server(
        registered_db.path, {"IMPACTMONITOR_SECRET_FILE": str(tmp_path / "key")}
    ) as url:
        yield url, registered_db


def _open_upload_page(page, url: str) -> None:
    """(Re)load the app, log in when it asks (a reload may or may not keep the Streamlit
    session), and open Aanleveren."""
    page.goto(url)
    logged_in = page.get_by_text("Ingelogd als")
    login_form = page.get_by_label("Gebruikersnaam")
    logged_in.or_(login_form).first.wait_for(timeout=60_000)
    if not logged_in.is_visible():
        login_form.fill("aanbieder")
        page.get_by_label("Wachtwoord").fill("test-wachtwoord")
        page.get_by_role("button", name="Inloggen").click()
        logged_in.wait_for(timeout=60_000)
    page.get_by_role("link", name="Aanleveren").click()
    page.get_by_text("Eerdere aanleveringen").wait_for(timeout=60_000)


@pytest.mark.browser
def test_command_line_ingests_while_the_app_serves_pages(running_app, tmp_path: Path) -> None:
    """The app keeps serving (and logging in, which writes audit events) while the command line
    stores a delivery in the same file; the reloaded page then lists the new delivery."""
    from browser_support import ARTIFACTS, browser_page, chromium_path

    if chromium_path() is None:
        pytest.skip("Debian's chromium is missing: install it to run browser tests")
    url, db = running_app
    with browser_page() as page:
        try:
            _open_upload_page(page, url)
            page.get_by_text("Nog geen aanleveringen.").wait_for(timeout=30_000)

            process = _ingest_process(db, AGB_A, tmp_path / "delivery")
            reloads = 0
            while process.poll() is None or reloads == 0:
                _open_upload_page(page, url)
                reloads += 1
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, out + err
            assert "Traceback" not in err

            _open_upload_page(page, url)
            cells = page.locator('[data-testid="stDataFrame"] td[role="gridcell"]')
            cells.first.wait_for(state="attached", timeout=60_000)
            texts = cells.all_text_contents()
            assert {"populatie", "aanbod", "resultaten"} <= set(texts)  # tables in words
            assert QUARTER in texts
            assert page.get_by_text("Nog geen aanleveringen.").count() == 0
        except Exception as exc:  # say what the page showed, then fail (server log: ARTIFACTS)
            raise AssertionError(
                f"{type(exc).__name__}: {exc}\n--- page ---\n"
                f"{page.locator('body').inner_text()[:2000]}\n--- server logs in {ARTIFACTS}"
            ) from exc
