"""Fault injection kept in the suite (issue 18 item 7 and its closing paragraph).

- kill -9 on every write path: the app process in the middle of an upload (here; nothing is
  half-visible and the same upload then goes through), `pipelines.bulk` (here),
  `pipelines.ingest` and the loader itself (tests/test_store.py);
- a full disk and a read-only database folder, for the command line and the upload page: a
  clear message, the database unchanged, and the same delivery stored once the disk has room
  again. Both are made real with a tiny tmpfs or a read-only bind mount in a private mount
  namespace (`unshare -rm`, no root needed); where the kernel allows no user namespaces the
  tests skip and say so;
- a small fuzz corpus from a deterministic generator: mutated deliveries never raise, always
  give readable messages, and a rejection writes nothing but its audit event.
  (The concurrency test with the app serving: tests/test_concurrency.py.)

Each case is bounded (a few seconds; the corpus is 60 files) so the suite stays fast.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, assert_only_rejections_audited, cli_env
from delivery_files import AGB_A, QUARTER, table_csv, valid_frames, xlsx_bytes
from test_store import assert_consistent

from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from pipelines.load import PAUSE_ENV, PAUSE_MARKER_ENV

TABLES = ("population", "offer", "results")
UNSHARE = shutil.which("unshare")


def _wait_for(path: Path, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"process ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("the write never reached its pause")
        time.sleep(0.05)


def _nothing_delivered(db: Database) -> None:
    """No version, receipt, row or acceptance anywhere: nothing half-visible."""
    for table in (
        "deliveries",
        "table_versions",
        "population_rows",
        "offer_rows",
        "results_rows",
        "delivery_files",
    ):
        assert db.scalar(f"SELECT count(*) FROM {table}") == 0, table
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery_accepted'") == 0


# ---- the app killed in the middle of an upload ----------------------------------------------

# The upload page in a process of its own (Streamlit's AppTest runs app.py in this process as
# the server would): logs in as the provider, uploads the three files, submits, and prints what
# the page says. Killed with SIGKILL while the ingest sits inside its open transaction.
APP_UPLOAD = """
import json, os, sys
sys.path[:0] = [{tests!r}]
from app_support import app_as, page_path
from impactmonitor.access import User

class Env:  # (app_as takes pytest's monkeypatch; setenv is all it uses)
    setenv = staticmethod(os.environ.__setitem__)

db_path, workbook = sys.argv[1], sys.argv[2]
user = User("aanbieder", "provider", frozenset({{"{agb}"}}))
at = app_as(user, db_path, Env()).run(timeout=300)
at.switch_page(page_path("upload")).run(timeout=300)
at.selectbox(key="upload_quarter").select("{quarter}").run(timeout=300)
at.file_uploader(key="upload_files_0").upload(
    "aanlevering.xlsx", open(workbook, "rb").read(),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").run(timeout=300)
flag = os.environ.get("FILL_DISK_FLAG")  # the disk fills up while the page is open
if flag and os.path.exists(flag):
    os.remove(flag)
    filler = os.open(os.path.join(os.path.dirname(db_path), "filler"), os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(filler, bytes(65536)):
            pass
    except OSError:
        pass
    os.close(filler)
at.button(key="upload_submit").click().run(timeout=300)
print(json.dumps({{"exception": [str(e.value) for e in at.exception],
                  "error": [e.value for e in at.error], "success": [s.value for s in at.success],
                  "warning": [w.value for w in at.warning]}}), flush=True)
"""


def _workbook(tmp_path: Path) -> Path:
    path = tmp_path / "aanlevering.xlsx"
    path.write_bytes(xlsx_bytes(valid_frames()))
    return path


def _app_upload(
    tmp_path: Path, db_path: str, env: dict[str, str] | None = None, wrap: list[str] | None = None
) -> subprocess.Popen:
    """The upload page in its own process; `wrap`: a command that runs it (unshare …)."""
    script = tmp_path / "app_upload.py"
    script.write_text(
        APP_UPLOAD.format(tests=str(REPO / "tests"), agb=AGB_A, quarter=QUARTER), encoding="utf-8"
    )
    command = [sys.executable, str(script), db_path, str(_workbook(tmp_path))]
    return subprocess.Popen(
        [*(wrap or []), *command],
        cwd=REPO,
        env=env or cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _page_json(output: str) -> dict:
    """What the page said (the child's last JSON line; Streamlit logs around it)."""
    lines = [line for line in output.splitlines() if line.startswith('{"exception"')]
    assert lines, output[-3000:]
    return json.loads(lines[-1])


def _page_says(process: subprocess.Popen, timeout: float = 300) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return _page_json(out)


def test_the_app_killed_mid_upload_shows_nothing_and_the_upload_can_be_repeated(
    registered_db: Database, tmp_path: Path
) -> None:
    marker = tmp_path / "paused"
    app = _app_upload(
        tmp_path, registered_db.path, cli_env(**{PAUSE_ENV: "300", PAUSE_MARKER_ENV: str(marker)})
    )
    try:
        _wait_for(marker, app)  # rows inserted, the transaction still open
    finally:
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=60)
    assert app.returncode == -signal.SIGKILL
    _nothing_delivered(registered_db)
    assert_consistent(registered_db)
    # The same upload again (a fresh app process, as after a restart): stored as version 1.
    page = _page_says(_app_upload(tmp_path, registered_db.path))
    assert not page["exception"] and not page["error"], page
    assert any("Aanlevering geaccepteerd" in text for text in page["success"]), page
    assert registered_db.query(
        "SELECT table_name, version FROM table_versions ORDER BY table_name"
    ).rows() == [("offer", 1), ("population", 1), ("results", 1)]
    assert_consistent(registered_db)


# ---- kill -9 during a bulk load ----------------------------------------------------------------


def test_kill_9_during_a_bulk_load_stores_nothing_and_the_load_can_be_repeated(
    registered_db: Database, dump_db, tmp_path: Path, delivery_dir: Path
) -> None:
    before = dump_db(registered_db)
    marker = tmp_path / "paused"
    command = [
        sys.executable,
        "-m",
        "pipelines.bulk",
        "--db",
        registered_db.path,
        *map(str, sorted(delivery_dir.iterdir())),
    ]
    bulk = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(**{PAUSE_ENV: "300", PAUSE_MARKER_ENV: str(marker)}),
    )
    try:
        _wait_for(marker, bulk)
    finally:
        os.kill(bulk.pid, signal.SIGKILL)
        bulk.wait(timeout=60)
    assert bulk.returncode == -signal.SIGKILL
    assert dump_db(registered_db) == before
    again = subprocess.run(
        command, cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert registered_db.scalar("SELECT count(*) FROM table_versions") == 3
    assert_consistent(registered_db)


# ---- a full disk, a read-only database folder ----------------------------------------------------

# A private mount namespace: the database folder becomes an 8 MB tmpfs that is then filled
# ("full"; "tmpfs": the command fills it itself), or a read-only bind mount of itself
# ("read-only"); the command runs there, then the
# fault is lifted (the filler removed, the folder writable again) and the command runs again.
# The database file is copied out between the steps so that the test can look at it.
FAULT_SCRIPT = r"""
set -e
folder=$1; fault=$2; shift 2
if [ "$fault" != read-only ]; then
    cp "$folder/db.duckdb" "$folder.saved"
    mount -t tmpfs -o size=8m tmpfs "$folder"
    cp "$folder.saved" "$folder/db.duckdb"
    [ "$fault" = full ] && { dd if=/dev/zero of="$folder/filler" bs=4k 2>/dev/null || true; }
else
    mount --bind "$folder" "$folder"
    mount -o remount,ro,bind "$folder"
fi
set +e
"$@" > "$folder.out1" 2> "$folder.err1"; echo $? > "$folder.rc1"
cp "$folder/db.duckdb" "$folder.during"
[ -e "$folder/db.duckdb.wal" ] && cp "$folder/db.duckdb.wal" "$folder.during.wal"
rm -f "$folder/filler"
[ "$fault" = read-only ] && mount -o remount,rw,bind "$folder"
"$@" > "$folder.out2" 2> "$folder.err2"; echo $? > "$folder.rc2"
cp "$folder/db.duckdb" "$folder.after"
[ -e "$folder/db.duckdb.wal" ] && cp "$folder/db.duckdb.wal" "$folder.after.wal"
exit 0
"""


@pytest.fixture(scope="module")
def mount_namespace() -> list[str]:
    """`unshare -rm` (root in a private user and mount namespace: mounts without root)."""
    if UNSHARE is None:
        pytest.skip("no unshare(1): the disk faults cannot be made")
    probe = subprocess.run(
        [UNSHARE, "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here ({probe.stderr.strip()})")
    return [UNSHARE, "-rm", "sh", "-c", FAULT_SCRIPT, "faults"]


def _with_fault(
    mount_namespace: list[str],
    db: Database,
    fault: str,
    command: list[str],
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> dict:
    """Run `command` twice with the database folder under `fault`, lifted before the second
    run; the outputs, exit codes and the database as it was after each run."""
    folder = Path(db.path).parent / "dbfolder"
    folder.mkdir()
    shutil.copy(db.path, folder / "db.duckdb")
    command = [part.replace("{db}", str(folder / "db.duckdb")) for part in command]
    done = subprocess.run(
        [*mount_namespace, str(folder), fault, *command],
        cwd=REPO,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr

    def read(suffix: str) -> str:
        return Path(f"{folder}.{suffix}").read_text(encoding="utf-8")

    def database(name: str) -> Database:
        copy = folder.parent / f"{name}.duckdb"
        shutil.copy(f"{folder}.{name}", copy)
        if Path(f"{folder}.{name}.wal").exists():
            shutil.copy(f"{folder}.{name}.wal", f"{copy}.wal")
        return Database(copy)

    return {
        "rc1": int(read("rc1")),
        "out1": read("out1") + read("err1"),
        "rc2": int(read("rc2")),
        "out2": read("out2") + read("err2"),
        "during": database("during"),
        "after": database("after"),
    }


FAULT_MESSAGES = {
    "full": (
        "De schijf van de database",
        "is vol. Er is niets opgeslagen en er is niets verloren gegaan",
    ),
    "read-only": (
        "De map van de database",
        "is alleen-lezen. Er is niets opgeslagen en er is niets verloren gegaan",
    ),
}


@pytest.mark.parametrize("fault", FAULT_MESSAGES)
def test_a_full_disk_or_read_only_folder_says_so_on_the_command_line_and_loses_nothing(
    registered_db: Database, dump_db, delivery_dir: Path, mount_namespace, fault
) -> None:
    """Before: "kan niet worden geopend (geen DuckDB-bestand of geen schrijfrechten)" and the
    system's English text for a full disk."""
    _store_version_1(registered_db)
    before = dump_db(registered_db)
    result = _with_fault(
        mount_namespace,
        registered_db,
        fault,
        [
            sys.executable,
            "-m",
            "pipelines.ingest",
            "--db",
            "{db}",
            "--provider",
            AGB_A,
            "--quarter",
            QUARTER,
            *map(str, sorted(delivery_dir.iterdir())),
        ],
    )
    assert result["rc1"] == 2, result["out1"]
    start, rest = FAULT_MESSAGES[fault]
    assert start in result["out1"] and rest in result["out1"], result["out1"]
    assert "Traceback" not in result["out1"]
    assert dump_db(result["during"]) == before  # nothing lost, nothing half-written
    assert result["rc2"] == 0, result["out2"]  # the fault lifted: the same delivery goes in
    assert result["after"].scalar("SELECT max(version) FROM table_versions") == 2
    assert_consistent(result["after"])


def test_a_full_disk_on_the_upload_page_says_so_and_loses_nothing(
    registered_db: Database, dump_db, tmp_path: Path, mount_namespace
) -> None:
    _store_version_1(registered_db)
    script = tmp_path / "app_upload.py"
    script.write_text(
        APP_UPLOAD.format(tests=str(REPO / "tests"), agb=AGB_A, quarter=QUARTER), encoding="utf-8"
    )
    flag = tmp_path / "fill-once"
    flag.touch()
    result = _with_fault(
        mount_namespace,
        registered_db,
        "tmpfs",
        [sys.executable, str(script), "{db}", str(_workbook(tmp_path))],
        env=cli_env(FILL_DISK_FLAG=str(flag)),
    )
    assert result["rc1"] == 0, result["out1"][-3000:]
    page = _page_json(result["out1"])
    assert not page["exception"] and not page["success"], page
    assert any("is vol. Er is niets opgeslagen" in text for text in page["error"]), page
    versions = "SELECT table_name, version FROM table_versions ORDER BY ALL"
    assert result["during"].query(versions).rows() == [
        ("offer", 1),
        ("population", 1),
        ("results", 1),
    ]
    assert_consistent(result["during"])
    page = _page_json(result["out2"])
    assert any("Aanlevering geaccepteerd" in text for text in page["success"]), page
    assert result["after"].scalar("SELECT max(version) FROM table_versions") == 2


def _store_version_1(db: Database) -> None:
    uploads = [Upload(f"{t}.csv", table_csv(t)) for t in TABLES]
    assert ingest(db, AGB_A, QUARTER, uploads, actor="test").accepted


# ---- a deterministic fuzz corpus ---------------------------------------------------------------

FUZZ_CASES = 60
FUZZ_SEED = 18


def _mutations(rng: random.Random, content: bytes) -> bytes:
    """One hostile change of a delivery file, chosen by `rng`."""
    kind = rng.randrange(9)
    at = rng.randrange(len(content))
    if kind == 0:  # a byte flipped
        return content[:at] + bytes([rng.randrange(256)]) + content[at + 1 :]
    if kind == 1:  # cut short
        return content[:at]
    if kind == 2:  # an unbalanced quote
        return content[:at] + b'"' + content[at:]
    if kind == 3:  # a NUL byte
        return content[:at] + b"\x00" + content[at:]
    if kind == 4:  # an extra separator (a ragged row)
        return content[:at] + b";" + content[at:]
    if kind == 5:  # an absurd number
        return re.sub(
            rb";(\d+)(?=;|\r)",
            b";" + str(rng.choice([2_000_000_000, 10**30, -1])).encode(),
            content,
            count=rng.randrange(1, 4),
        )
    if kind == 6:  # a line repeated
        lines = content.split(b"\r\n")
        index = rng.randrange(len(lines))
        return b"\r\n".join(lines[:index] + [lines[index]] * rng.randrange(2, 30) + lines[index:])
    if kind == 7:  # another encoding
        return content.decode("cp1252").encode(
            rng.choice(["utf-16", "utf-8-sig", "latin-1"]), errors="replace"
        )
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))  # noise


def fuzz_corpus() -> list[tuple[str, list[Upload]]]:
    """FUZZ_CASES deliveries, the same on every run: one or two files of the valid delivery
    mutated (XLSX workbooks cut or flipped too)."""
    rng = random.Random(FUZZ_SEED)
    cases = []
    for number in range(FUZZ_CASES):
        uploads = [Upload(f"{t}.csv", table_csv(t)) for t in TABLES]
        if number % 10 == 9:
            workbook = xlsx_bytes(valid_frames())
            at = rng.randrange(len(workbook))
            uploads = [
                Upload(
                    "aanlevering.xlsx",
                    workbook[:at]
                    if number % 20 == 9
                    else workbook[:at] + bytes([rng.randrange(256)]) + workbook[at + 1 :],
                )
            ]
        else:
            for index in rng.sample(range(3), rng.randrange(1, 3)):
                uploads[index] = Upload(
                    uploads[index].name, _mutations(rng, uploads[index].content)
                )
        cases.append((f"case{number}", uploads))
    return cases


def test_the_fuzz_corpus_never_raises_and_a_rejection_writes_nothing(
    registered_db: Database, dump_db
) -> None:
    outcomes = {"accepted": 0, "rejected": 0}
    for name, uploads in fuzz_corpus():
        before = dump_db(registered_db)
        versions = registered_db.scalar("SELECT count(*) FROM deliveries")
        outcome = ingest(registered_db, AGB_A, QUARTER, uploads, actor="fuzz")
        for finding in outcome.errors + outcome.warnings:
            for lang in ("nl", "en"):
                message = finding.message(lang)
                assert message and not re.search(r"[{}]|\bNone\b|Traceback", message), (
                    name,
                    finding,
                )
        assert not any(e.code == "file_internal_error" for e in outcome.errors), (
            name,
            [e.fields for e in outcome.errors],
        )
        if outcome.accepted:
            outcomes["accepted"] += 1
            assert registered_db.scalar("SELECT count(*) FROM deliveries") == versions + 1
        else:
            outcomes["rejected"] += 1
            assert outcome.errors, name
            assert_only_rejections_audited(registered_db, before)
    assert_consistent(registered_db)
    # The corpus exercises both sides (a corpus that only ever rejects proves little).
    assert outcomes["rejected"] >= FUZZ_CASES // 2 and outcomes["accepted"] >= 1, outcomes
