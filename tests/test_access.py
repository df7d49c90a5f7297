"""The permission matrix: role × action × own/other provider -> allowed or not (datasette-style)."""

from __future__ import annotations

import pytest

from impactmonitor.access import (
    ACTIONS,
    MIN_PROVIDERS_SHOWN,
    PAGE_ROLES,
    ROLES,
    AccessDenied,
    User,
    allowed,
    population_filter,
    provider_figures_allowed,
    require,
    scope_filter,
    visible_pages,
)
from impactmonitor.mirror import MIN_OTHER_PROVIDERS

OWN = "01234567"
OTHER = "87654321"
OWN_MUNICIPALITY, OTHER_MUNICIPALITY = "GM1992", "GM0599"  # Voorne aan Zee, Rotterdam
USERS = {
    "provider": User("p", "provider", frozenset({OWN})),
    "contract_manager": User("cm", "contract_manager"),
    "management": User("m", "management"),
    "admin": User("a", "admin"),
    "municipality": User("g", "municipality", municipality_codes=frozenset({OWN_MUNICIPALITY})),
}

# (role, action, municipality, expected): the municipality data and region aggregates
MUNICIPALITY_MATRIX = [
    ("municipality", "read_municipality_data", OWN_MUNICIPALITY, True),
    ("municipality", "read_municipality_data", "GM0501", True),  # Brielle: merged into it
    ("municipality", "read_municipality_data", OTHER_MUNICIPALITY, False),
    ("municipality", "read_municipality_data", None, True),  # its own municipalities
    ("municipality", "read_region_aggregates", None, True),
    ("municipality", "board_report", None, False),
    ("contract_manager", "read_municipality_data", OTHER_MUNICIPALITY, True),
    ("contract_manager", "board_report", None, True),
    ("management", "read_municipality_data", OTHER_MUNICIPALITY, True),
    ("management", "read_region_aggregates", None, True),
    ("contract_manager", "read_region_aggregates", None, True),
    ("admin", "read_region_aggregates", None, False),
    ("management", "board_report", None, True),
    ("provider", "read_municipality_data", OWN_MUNICIPALITY, False),
    ("provider", "read_region_aggregates", None, False),
    ("provider", "board_report", None, False),
    ("admin", "read_municipality_data", OWN_MUNICIPALITY, False),
    ("admin", "board_report", None, True),  # the command line acts as SYSTEM_USER
]

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
    # completing the matrix: every role for every action
    ("management", "read_provider_data", OTHER, True),
    ("admin", "read_provider_data", OTHER, True),
    ("management", "read_all_providers", None, True),
    ("admin", "read_all_providers", None, True),
    ("admin", "upload_delivery", OTHER, True),
    ("contract_manager", "export", OTHER, True),
    ("management", "export", OTHER, True),
    ("admin", "export", OTHER, True),
    ("provider", "decide_escalation_formal", OWN, False),
    ("admin", "decide_escalation_formal", OTHER, False),
    ("management", "edit_norms", None, False),
    ("provider", "edit_register", None, False),
    ("contract_manager", "edit_register", None, False),
    ("provider", "manage_users", None, False),
    ("contract_manager", "manage_users", None, False),
    ("management", "manage_users", None, False),
    # A municipality user never reads or acts on one provider's data, its own or another's.
    ("municipality", "read_provider_data", OWN, False),
    ("municipality", "read_provider_data", None, False),
    ("municipality", "read_all_providers", None, False),
    ("municipality", "upload_delivery", OWN, False),
    ("municipality", "export", None, True),  # its own page's tables
    ("municipality", "export", OWN, False),
    ("municipality", "decide_escalation", OWN, False),
    ("municipality", "decide_escalation_formal", OWN, False),
    ("municipality", "edit_norms", None, False),
    ("municipality", "edit_register", None, False),
    ("municipality", "manage_users", None, False),
    ("municipality", "read_audit_log", None, False),
    ("municipality", "edit_agreements", None, False),
    ("municipality", "prepare_talk", None, False),
    ("municipality", "write_explanation", None, False),
    ("municipality", "reply_explanation", None, False),
    ("management", "write_explanation", OTHER, False),
]


@pytest.mark.parametrize(("role", "action", "provider", "expected"), MATRIX)
def test_permission_matrix(role: str, action: str, provider: str | None, expected: bool) -> None:
    assert allowed(USERS[role], action, provider) is expected
    if expected:
        require(USERS[role], action, provider)
    else:
        with pytest.raises(AccessDenied):
            require(USERS[role], action, provider)


@pytest.mark.parametrize(("role", "action", "municipality", "expected"), MUNICIPALITY_MATRIX)
def test_municipality_permission_matrix(
    role: str, action: str, municipality: str | None, expected: bool
) -> None:
    assert allowed(USERS[role], action, municipality_code=municipality) is expected
    if not expected:
        with pytest.raises(AccessDenied):
            require(USERS[role], action, municipality_code=municipality)


def test_every_action_appears_in_the_matrix() -> None:
    covered = {action for _, action, _, _ in MATRIX + MUNICIPALITY_MATRIX}
    assert covered == set(ACTIONS)
    # every role appears for every action
    for action in ACTIONS:
        roles = {role for role, a, _, _ in MATRIX + MUNICIPALITY_MATRIX if a == action}
        assert roles == set(ROLES), action


def test_unknown_action_is_refused() -> None:
    assert not allowed(USERS["admin"], "drop_database")


PAGES = [
    ("provider", {"provider", "upload", "delivery_status", "mirror"}),
    (
        "contract_manager",
        {
            "overview",
            "municipality",
            "categories",
            "provider",
            "escalation",
            "upload",
            "delivery_status",
            "mirror",
        },
    ),
    (
        "management",
        {
            "overview",
            "municipality",
            "categories",
            "provider",
            "escalation",
            "delivery_status",
            "mirror",
            "audit",
        },
    ),
    ("admin", {"upload", "delivery_status", "admin", "audit"}),
    ("municipality", {"overview", "municipality"}),
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
        (USERS["municipality"], "FALSE", []),  # no provider's offer, results, deliveries
    ],
)
def test_scope_filter(user: User, expected_sql: str, expected_params: list[str]) -> None:
    assert scope_filter(user) == (expected_sql, expected_params)


@pytest.mark.parametrize(
    ("user", "expected_sql", "expected_params"),
    [
        (USERS["provider"], "agb IN (?)", [OWN]),
        (USERS["contract_manager"], "TRUE", []),
        # Voorne aan Zee and the three codes merged into it (rows delivered for 2022)
        (USERS["municipality"], "gm IN (?, ?, ?, ?)", ["GM0501", "GM0530", "GM0614", "GM1992"]),
        (
            User("r", "municipality", municipality_codes=frozenset({"GM0599"})),
            "gm IN (?)",
            ["GM0599"],
        ),
        (User("nobody", "municipality"), "FALSE", []),
    ],
)
def test_population_filter(user: User, expected_sql: str, expected_params: list[str]) -> None:
    assert population_filter(user, "agb", "gm") == (expected_sql, expected_params)


@pytest.mark.parametrize(
    ("role", "providers", "expected"),
    [
        ("municipality", 2, False),
        ("municipality", 3, True),
        ("municipality", 0, False),
        ("contract_manager", 1, True),
        ("management", 2, True),
    ],
)
def test_provider_figures_follow_the_mirror_rule(role: str, providers: int, expected: bool) -> None:
    assert provider_figures_allowed(USERS[role], providers) is expected


def test_the_rule_is_the_mirror_reports() -> None:
    assert MIN_PROVIDERS_SHOWN == MIN_OTHER_PROVIDERS
