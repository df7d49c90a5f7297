"""Audit events read as sentences in both languages: every action the code writes has a name,
and session events say whose sessions ended and why (no "key: value" leftovers)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from impactmonitor.audit import SESSION_REASONS, event_details
from impactmonitor.i18n import TEXTS

REPO = Path(__file__).resolve().parent.parent
# append_audit(con, actor, "<action>", ...) and the login events of impactmonitor/users.py
WRITTEN = re.compile(r'append_audit\([^,]+,\s*[^,]+,\s*"([a-z_]+)"')


def _actions_written() -> set[str]:
    actions = set()
    for path in [*(REPO / "impactmonitor").glob("*.py"), *(REPO / "pipelines").glob("*.py")]:
        source = path.read_text(encoding="utf-8")
        actions |= set(WRITTEN.findall(source))
        # (written through a variable: the login events and the two kinds of logout)
        actions |= set(
            re.findall(
                r'"(logout(?:_everywhere)?|login_(?:success|failure|refused_'
                r'locked))"',
                source,
            )
        )
    return actions


def test_every_action_written_has_a_name_in_both_languages() -> None:
    missing = sorted(
        action for action in _actions_written() if f"audit_event_{action}" not in TEXTS
    )
    assert not missing, missing


@pytest.mark.parametrize(
    ("action", "details", "lang", "expected"),
    [
        (
            "logout_everywhere",
            {"username": "gemeente", "reason": "account_changed", "at_ms": 1, "scope": "all"},
            "nl",
            "Alle sessies van gemeente beëindigd (account gewijzigd)",
        ),
        (
            "logout_everywhere",
            {"username": "gemeente", "reason": "logout_everywhere", "at_ms": 1, "scope": "all"},
            "en",
            "Every session of gemeente ended (logged out everywhere)",
        ),
        ("logout", {"username": "a", "reason": "logout", "at_ms": 1, "scope": "session"}, "nl", ""),
        (
            "logout",
            {"username": "a", "reason": "timeout", "at_ms": 1, "scope": "session"},
            "nl",
            "sessie verlopen",
        ),
    ],
)
def test_session_events_read_as_sentences(action, details, lang, expected) -> None:
    assert event_details(action, json.dumps(details), lang) == expected


def test_every_session_reason_has_words() -> None:
    for reason in SESSION_REASONS:
        assert set(TEXTS[f"audit_reason_{reason}"]) == {"nl", "en"}
