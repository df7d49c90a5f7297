"""The one gate for access: may this user do this action on this provider's data?

Every query for a page or an export goes through the data layer, and the data layer asks this
module (datasette's `permission_allowed` pattern). Pages never filter for security themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["provider", "contract_manager", "management", "admin"]
ROLES: tuple[Role, ...] = ("provider", "contract_manager", "management", "admin")

# action -> roles allowed. Provider users are additionally limited to their own AGB codes.
ACTIONS: dict[str, frozenset[Role]] = {
    "read_provider_data": frozenset(ROLES),
    "read_all_providers": frozenset({"contract_manager", "management", "admin"}),
    "upload_delivery": frozenset({"provider", "contract_manager", "admin"}),
    "export": frozenset(ROLES),
    "decide_escalation": frozenset({"contract_manager", "management"}),
    "decide_escalation_formal": frozenset({"management"}),  # steps 4 and 5
    # Performance agreements and the quarterly talk pack (issue 16).
    "edit_agreements": frozenset({"contract_manager", "management"}),
    "prepare_talk": frozenset({"contract_manager", "management"}),
    # The provider explains its figures (own AGB codes only); the region replies.
    "write_explanation": frozenset({"provider"}),
    "reply_explanation": frozenset({"contract_manager", "management"}),
    "edit_norms": frozenset({"admin"}),
    "edit_register": frozenset({"admin"}),
    "manage_users": frozenset({"admin"}),
    "read_audit_log": frozenset({"management", "admin"}),
}


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    provider_agbs: frozenset[str] = field(default_factory=frozenset)
    display_name: str = ""

    @property
    def is_provider(self) -> bool:
        return self.role == "provider"


# For command lines and background jobs that act for the region as a whole.
SYSTEM_USER = User("system", "admin", display_name="Systeem")


def allowed(user: User, action: str, provider_agb: str | None = None) -> bool:
    """The single permission check."""
    if user.role not in ACTIONS.get(action, frozenset()):
        return False
    if user.is_provider and provider_agb is not None:
        return provider_agb in user.provider_agbs
    return True


def provider_scope(user: User) -> frozenset[str] | None:
    """The AGB codes a user may read, or None for all providers."""
    return user.provider_agbs if user.is_provider else None


def scope_filter(user: User, column: str = "provider_agb") -> tuple[str, list[str]]:
    """A SQL condition (with parameters) that limits rows to what the user may read.

    Use as `WHERE ... AND {condition}`; for a provider user without codes it matches nothing.
    """
    scope = provider_scope(user)
    if scope is None:
        return "TRUE", []
    if not scope:
        return "FALSE", []
    placeholders = ", ".join("?" for _ in scope)
    return f"{column} IN ({placeholders})", sorted(scope)


class AccessDenied(PermissionError):
    """Raised when a user asks for something the gate refuses."""


def require(user: User, action: str, provider_agb: str | None = None) -> None:
    if not allowed(user, action, provider_agb):
        raise AccessDenied(f"{user.username} may not {action} {provider_agb or ''}".strip())


# Pages of the app and the roles that see them (navigation and the permission matrix tests).
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "overview": frozenset({"contract_manager", "management"}),
    "categories": frozenset({"contract_manager", "management"}),
    "provider": frozenset({"provider", "contract_manager", "management"}),
    "escalation": frozenset({"contract_manager", "management"}),
    "upload": frozenset({"provider", "contract_manager", "admin"}),
    "delivery_status": frozenset(ROLES),
    "mirror": frozenset({"provider", "contract_manager", "management"}),
    "admin": frozenset({"admin"}),
    "audit": frozenset({"management", "admin"}),
}


def visible_pages(user: User) -> list[str]:
    return [page for page, roles in PAGE_ROLES.items() if user.role in roles]
