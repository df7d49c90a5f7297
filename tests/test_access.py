"""The permission matrix: role × action × own/other provider -> allowed or not (datasette-style)."""

from __future__ import annotations

import pytest

from impactmonitor.access import (
    ACTIONS,
    PAGE_ROLES,
    AccessDenied,
    User,
    allowed,
    require,
    scope_filter,
    visible_pages,
)

OWN = "01234567"
OTHER = "87654321"
USERS = {
    "provider": User("p", "provider", frozenset({OWN})),
    "contract_manager": User("cm", "contract_manager"),
    "management": User("m", "management"),
    "admin": User("a", "admin"),
}

# (role, action, provider, expected)
MATRIX = [
    ("provider", "read_provider_data", OWN, True),
    ("provider", "read_provider_data", OTHER, False),
    ("provider", "read_all_providers", None, False),
    ("provider", "upload_delivery", OWN, True),
    ("provider", "upload_delivery", OTHER, False),
    ("provider", "export", OWN, True),
    ("provider", "export", OTHER, False),
    ("provider", "decide_escalation", OWN, False),
    ("provider", "edit_norms", None, False),
    ("provider", "read_audit_log", None, False),
    ("contract_manager", "read_provider_data", OTHER, True),
    ("contract_manager", "read_all_providers", None, True),
    ("contract_manager", "upload_delivery", OTHER, True),
    ("contract_manager", "decide_escalation", OTHER, True),
    ("contract_manager", "decide_escalation_formal", OTHER, False),
    ("contract_manager", "edit_norms", None, False),
    ("contract_manager", "read_audit_log", None, False),
    ("management", "decide_escalation", OTHER, True),
    ("management", "decide_escalation_formal", OTHER, True),
    ("management", "upload_delivery", OTHER, False),
    ("management", "read_audit_log", None, True),
    ("management", "edit_register", None, False),
    ("admin", "edit_norms", None, True),
    ("admin", "edit_register", None, True),
    ("admin", "manage_users", None, True),
    ("admin", "decide_escalation", OTHER, False),
    ("admin", "read_audit_log", None, True),
    # agreements, explanations and the talk pack (issue 16)
    ("provider", "edit_agreements", OWN, False),
    ("provider", "prepare_talk", OWN, False),
    ("provider", "write_explanation", OWN, True),
    ("provider", "write_explanation", OTHER, False),
    ("provider", "reply_explanation", OWN, False),
    ("contract_manager", "edit_agreements", OTHER, True),
    ("contract_manager", "prepare_talk", OTHER, True),
    ("contract_manager", "write_explanation", OTHER, False),
    ("contract_manager", "reply_explanation", OTHER, True),
    ("management", "edit_agreements", OTHER, True),
    ("management", "prepare_talk", OTHER, True),
    ("management", "reply_explanation", OTHER, True),
    ("admin", "edit_agreements", OTHER, False),
    ("admin", "prepare_talk", OTHER, False),
    ("admin", "write_explanation", OTHER, False),
    ("admin", "reply_explanation", OTHER, False),
]


@pytest.mark.parametrize(("role", "action", "provider", "expected"), MATRIX)
def test_permission_matrix(role: str, action: str, provider: str | None, expected: bool) -> None:
    assert allowed(USERS[role], action, provider) is expected
    if expected:
        require(USERS[role], action, provider)
    else:
        with pytest.raises(AccessDenied):
            require(USERS[role], action, provider)


def test_every_action_appears_in_the_matrix() -> None:
    assert {action for _, action, _, _ in MATRIX} == set(ACTIONS)


def test_unknown_action_is_refused() -> None:
    assert not allowed(USERS["admin"], "drop_database")


PAGES = [
    ("provider", {"provider", "upload", "delivery_status", "mirror"}),
    ("contract_manager",
     {"overview", "categories", "provider", "escalation", "upload", "delivery_status", "mirror"}),
    ("management",
     {"overview", "categories", "provider", "escalation", "delivery_status", "mirror", "audit"}),
    ("admin", {"upload", "delivery_status", "admin", "audit"}),
]


@pytest.mark.parametrize(("role", "pages"), PAGES)
def test_pages_per_role(role: str, pages: set[str]) -> None:
    assert set(visible_pages(USERS[role])) == pages
    assert set(PAGE_ROLES) >= pages


@pytest.mark.parametrize(
    ("user", "expected_sql", "expected_params"),
    [
        (USERS["provider"], "provider_agb IN (?)", [OWN]),
        (User("x", "provider", frozenset({OTHER, OWN})), "provider_agb IN (?, ?)", [OWN, OTHER]),
        (User("nobody", "provider"), "FALSE", []),
        (USERS["contract_manager"], "TRUE", []),
        (USERS["admin"], "TRUE", []),
    ],
)
def test_scope_filter(user: User, expected_sql: str, expected_params: list[str]) -> None:
    assert scope_filter(user) == (expected_sql, expected_params)
