"""Local accounts: bcrypt hashes, login audit, lockout, demo users, admin-only management."""

from __future__ import annotations

import pytest

from impactmonitor.access import AccessDenied, User
from impactmonitor.storage import Database
from impactmonitor.users import (
    MAX_FAILURES,
    AccountLocked,
    AccountProblem,
    authenticate,
    hash_password,
    manage_user,
    save_user,
    seed_demo_users,
    user_list,
)

ADMIN = User("beheer", "admin")


@pytest.fixture
def user_db(empty_db: Database, monkeypatch) -> Database:
    """A fresh database with one provider user `pieter` (password `geheim-1`)."""
    monkeypatch.setattr("impactmonitor.users.BCRYPT_ROUNDS", 4)
    save_user(empty_db, "pieter", "provider", "geheim-1", ("01234567",), "Pieter")
    return empty_db


def test_password_is_stored_as_bcrypt_hash(user_db: Database) -> None:
    stored = user_db.scalar("SELECT password_hash FROM users WHERE username = 'pieter'")
    assert stored.startswith("$2b$") and "geheim-1" not in stored


def test_login_returns_user_with_role_and_codes(user_db: Database) -> None:
    user = authenticate(user_db, "pieter", "geheim-1")
    assert user == User("pieter", "provider", frozenset({"01234567"}), "Pieter")


@pytest.mark.parametrize(
    ("username", "password"), [("pieter", "fout"), ("onbekend", "geheim-1"), ("", "")]
)
def test_wrong_credentials_fail_and_are_audited(user_db: Database, username, password) -> None:
    assert authenticate(user_db, username, password) is None
    assert user_db.scalar("SELECT count(*) FROM audit_log WHERE action = 'login_failure'") == 1


def test_lockout_after_repeated_failures(user_db: Database) -> None:
    for _ in range(MAX_FAILURES):
        assert authenticate(user_db, "pieter", "fout") is None
    with pytest.raises(AccountLocked):
        authenticate(user_db, "pieter", "geheim-1")  # even the right password is refused now
    actions = user_db.query("SELECT action FROM audit_log ORDER BY event_id")["action"].to_list()
    assert actions.count("login_failure") == MAX_FAILURES
    assert actions[-1] == "login_refused_locked"


def test_success_resets_the_failure_count(user_db: Database) -> None:
    for _ in range(MAX_FAILURES - 1):
        authenticate(user_db, "pieter", "fout")
    assert authenticate(user_db, "pieter", "geheim-1") is not None
    for _ in range(MAX_FAILURES - 1):
        authenticate(user_db, "pieter", "fout")
    assert authenticate(user_db, "pieter", "geheim-1") is not None


def test_deactivated_user_cannot_log_in_and_history_is_kept(user_db: Database) -> None:
    manage_user(user_db, ADMIN, "pieter", "provider", None, ("01234567",), active=False)
    assert authenticate(user_db, "pieter", "geheim-1") is None
    assert user_db.scalar("SELECT count(*) FROM user_accounts WHERE username='pieter'") == 2


@pytest.mark.parametrize("role", ["provider", "contract_manager", "management", "municipality"])
def test_only_admin_manages_users(user_db: Database, role: str) -> None:
    actor = User("x", role, frozenset({"01234567"}))
    with pytest.raises(AccessDenied):
        manage_user(user_db, actor, "nieuw", "admin", "pw")
    with pytest.raises(AccessDenied):
        user_list(user_db, actor)


def test_demo_users_one_per_role(user_db: Database) -> None:
    with user_db.transaction() as con:
        con.execute(
            "INSERT INTO provider_register VALUES ('01234567', 'Zorg A', 'A', NULL, NULL, NULL, "
            "now(), 'test')"
        )
    accounts = seed_demo_users(user_db)
    assert {a.role for a in accounts} == {
        "provider",
        "contract_manager",
        "management",
        "admin",
        "municipality",
    }
    provider = next(a for a in accounts if a.role == "provider")
    assert provider.provider_agbs == ("01234567",)
    assert authenticate(user_db, provider.username, provider.password) is not None
    municipality = next(a for a in accounts if a.role == "municipality")
    user = authenticate(user_db, municipality.username, municipality.password)
    assert user.municipality_codes == frozenset({"GM1992"}) and not user.provider_agbs


@pytest.mark.both_backends
def test_simultaneous_wrong_logins_lock_after_the_fifth(user_db: Database, monkeypatch) -> None:
    """Eight wrong passwords at the same moment: five are checked, the rest refused as locked.

    Each attempt is counted in one transaction with its check, so no timing lets a sixth through.
    A higher bcrypt cost keeps all eight checks in flight together, as on a real server.
    """
    import threading

    monkeypatch.setattr("impactmonitor.users.BCRYPT_ROUNDS", 8)
    save_user(user_db, "pieter", "provider", "geheim-1", ("01234567",), "Pieter")
    attempts = 8
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            outcomes.append("wrong" if authenticate(user_db, "pieter", "fout") is None else "ok")
        except AccountLocked:
            outcomes.append("locked")

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["locked"] * (attempts - MAX_FAILURES) + ["wrong"] * MAX_FAILURES
    assert (
        user_db.scalar("SELECT count(*) FROM audit_log WHERE action = 'login_failure'")
        == MAX_FAILURES
    )
    with pytest.raises(AccountLocked):
        authenticate(user_db, "pieter", "geheim-1")


@pytest.mark.parametrize("rounds", [5, 6])
def test_unknown_username_costs_the_same_bcrypt_work(
    user_db: Database, monkeypatch, rounds: int
) -> None:
    """No timing difference between a known and an unknown name: the same bcrypt cost."""
    import bcrypt

    monkeypatch.setattr("impactmonitor.users.BCRYPT_ROUNDS", rounds)
    save_user(user_db, "pieter", "provider", "geheim-1", ("01234567",), "Pieter")
    checked: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    assert authenticate(user_db, "pieter", "fout") is None
    assert authenticate(user_db, "onbekend", "fout") is None
    costs = [int(hashed.split(b"$")[2]) for hashed in checked]
    assert costs == [rounds, rounds]


@pytest.mark.parametrize(
    ("username", "role", "codes", "key", "dutch", "english"),
    [
        (
            "wethouder",
            "municipality",
            (),
            "account_municipality_needs_codes",
            "minstens één",
            "at least one",
        ),
        # Hellevoetsluis merged into Voorne aan Zee
        (
            "wethouder",
            "municipality",
            ("GM0530",),
            "account_municipality_merged",
            "nu GM1992",
            "now GM1992",
        ),
        # Amsterdam: not the region
        (
            "wethouder",
            "municipality",
            ("GM0363",),
            "account_municipality_not_in_region",
            "GM0363 is geen",
            "GM0363 is not",
        ),
        (
            "wethouder",
            "contract_manager",
            ("GM0599",),
            "account_codes_only_municipality",
            "alleen een gemeente",
            "only a municipality",
        ),
        ("  ", "contract_manager", (), "account_needs_username", "gebruikersnaam", "username"),
        ("leeg", "provider", (), "account_provider_needs_agb", "AGB-code", "AGB code"),
    ],
)
def test_account_problems_are_said_in_the_users_language(
    user_db: Database, username, role, codes, key, dutch, english
) -> None:
    with pytest.raises(AccountProblem) as raised:
        save_user(user_db, username, role, "pw", municipality_codes=codes)
    assert raised.value.key == key
    assert dutch in raised.value.message("nl")
    assert english in raised.value.message("en")
    assert user_db.scalar("SELECT count(*) FROM user_accounts WHERE username = ?", [username]) == 0


def test_a_database_from_before_municipality_users_gets_the_column(tmp_path) -> None:
    """An existing file without `municipality_codes` keeps its accounts and gains the column."""
    import duckdb

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE user_accounts (username VARCHAR NOT NULL, display_name VARCHAR NOT "
            "NULL, role VARCHAR NOT NULL, provider_agbs VARCHAR[] NOT NULL, password_hash "
            "VARCHAR NOT NULL, active BOOLEAN NOT NULL, changed_at TIMESTAMP NOT NULL, "
            "changed_by VARCHAR NOT NULL)"
        )
        con.execute(
            "INSERT INTO user_accounts VALUES ('oud', 'Oud', 'admin', [], ?, true, now(), 'test')",
            [hash_password("pw-oud")],
        )
    db = Database(path)
    assert authenticate(db, "oud", "pw-oud").role == "admin"
    save_user(db, "gemeente", "municipality", "pw", municipality_codes=("GM0599",))
    assert authenticate(db, "gemeente", "pw").municipality_codes == frozenset({"GM0599"})
