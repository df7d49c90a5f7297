"""The app reads the data version (the key of every cached page read) once per script run, since
each read opens the database; and it still shows every change: a commit of its own in the same
run, another process's change from the next run on."""

from __future__ import annotations

import subprocess
import sys

import streamlit as st
from app_support import TIMEOUT, app_as, page_path
from conftest import cli_env
from streamlit.testing.v1 import AppTest

from impactmonitor.access import User
from impactmonitor.storage import Database, append_audit

MANAGER = User("accounthouder", "contract_manager", display_name="Accounthouder")


def _versions_in_one_run() -> None:
    """A run that asks twice, commits, and asks again (AppTest runs this source as the app)."""
    import streamlit as st

    from app_pages import ui
    from impactmonitor.storage import append_audit

    ui.start_run()
    asked = [ui.data_version(), ui.data_version()]
    with ui.database().transaction() as con:
        append_audit(con, "test", "run_test")
    asked.append(ui.data_version())
    st.session_state["asked"] = asked


def _counted_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    real = Database.data_version

    def counted(self: Database) -> int:
        reads.append(self.path)
        return real(self)

    monkeypatch.setattr(Database, "data_version", counted)
    return reads


def test_a_run_reads_the_version_once_and_again_after_its_own_commit(tmp_path, monkeypatch):
    db = Database(tmp_path / "reads.duckdb")
    with db.transaction() as con:
        append_audit(con, "test", "before")
    monkeypatch.setenv("IMPACTMONITOR_DB", db.path)
    st.cache_resource.clear()
    reads = _counted_reads(monkeypatch)
    at = AppTest.from_function(_versions_in_one_run, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert len(reads) == 2  # once for the first two questions, once after the commit
    first, second, after_commit = at.session_state["asked"]
    assert first == second
    assert after_commit == db.data_version() > first  # the run's own commit is seen at once
    # Another process writes between two runs: the next run reads the new version.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from impactmonitor.storage import Database, append_audit\n"
            "with Database(sys.argv[1]).transaction() as con:\n"
            "    append_audit(con, 'other process', 'elsewhere')",
            db.path,
        ],
        check=True,
        env=cli_env(),
    )
    at.run()
    assert not at.exception, at.exception
    at_start, _, at_end = at.session_state["asked"]
    assert at_start > after_commit  # the other process's event
    assert at_end == db.data_version() > at_start


def test_a_page_rerun_opens_the_version_once(sample_db, monkeypatch) -> None:
    """The provider page draws a dozen cached tables and figures: one version read for them."""
    at = app_as(MANAGER, sample_db.path, monkeypatch).run()
    at.switch_page(page_path("provider"))
    at.query_params["provider"] = "02694688"
    at.run()
    assert not at.exception, at.exception
    reads = _counted_reads(monkeypatch)
    at.run()
    assert not at.exception, at.exception
    assert reads == [sample_db.path]
