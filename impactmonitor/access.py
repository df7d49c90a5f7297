"""The one gate for access: may this user do this action on this provider's data?

Every query for a page or an export goes through the data layer, and the data layer asks this
module (datasette's `permission_allowed` pattern). Pages never filter for security themselves.

Municipality users (role `municipality`, bound to one or more CBS codes) see the population of
their municipalities only: population rows are filtered by municipality (`population_filter`;
rows under codes merged into theirs count as theirs), every other provider-level read (offer,
results, deliveries, escalation) matches nothing for them (`scope_filter`), and a split of their
figures per provider is shown only when at least `MIN_PROVIDERS_SHOWN` providers would be in it
(`provider_figures_allowed`, the mirror report's rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from impactmonitor.config import defaults
from schemas.reference import area_codes, current_codes

Role = Literal["provider", "contract_manager", "management", "admin", "municipality"]
ROLES: tuple[Role, ...] = ("provider", "contract_manager", "management", "admin", "municipality")
# The mirror report's rule (`[mirror] min_other_providers`, mirror.MIN_OTHER_PROVIDERS): figures
# per provider or over providers are shown to a municipality user only when at least this many
# providers are in them.
MIN_PROVIDERS_SHOWN: int = int(defaults().get("mirror", {}).get("min_other_providers", 3))

# action -> roles allowed. Provider users are additionally limited to their own AGB codes,
# municipality users to their own municipality codes and never act on one provider's data.
ACTIONS: dict[str, frozenset[Role]] = {
    "read_provider_data": frozenset({"provider", "contract_manager", "management", "admin"}),
    "read_all_providers": frozenset({"contract_manager", "management", "admin"}),
    "read_municipality_data": frozenset({"contract_manager", "management", "municipality"}),
    "read_region_aggregates": frozenset({"contract_manager", "management", "municipality"}),
    # admin: the command line acts as SYSTEM_USER (the admin role has no KPI pages to click it on)
    "board_report": frozenset({"contract_manager", "management", "admin"}),
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
    municipality_codes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_provider(self) -> bool:
        return self.role == "provider"

    @property
    def is_municipality(self) -> bool:
        return self.role == "municipality"


# The columns of the `users` view that make a `User` (see `user_from_record`).
USER_COLUMNS = "username, role, provider_agbs, display_name, municipality_codes"


def user_from_record(record: dict) -> User:
    """The `User` of one row of the `users` view (columns `USER_COLUMNS`)."""
    return User(
        record["username"],
        record["role"],
        frozenset(record["provider_agbs"] or []),
        record["display_name"],
        frozenset(record.get("municipality_codes") or []),
    )


# For command lines and background jobs that act for the region as a whole.
SYSTEM_USER = User("system", "admin", display_name="Systeem")


def allowed(
    user: User, action: str, provider_agb: str | None = None, municipality_code: str | None = None
) -> bool:
    """The single permission check."""
    if user.role not in ACTIONS.get(action, frozenset()):
        return False
    if user.is_provider and provider_agb is not None:
        return provider_agb in user.provider_agbs
    if user.is_municipality:
        if provider_agb is not None:
            return False
        if municipality_code is not None:
            return current_codes().get(municipality_code, municipality_code) in {
                current_codes().get(code, code) for code in user.municipality_codes
            }
    return True


def provider_scope(user: User) -> frozenset[str] | None:
    """The AGB codes a user may read, or None for all providers."""
    if user.is_municipality:
        return frozenset()  # no provider's own data (offer, results, deliveries, steps)
    return user.provider_agbs if user.is_provider else None


def municipality_scope(user: User) -> frozenset[str] | None:
    """The municipality codes whose population rows a user may read, or None for all.

    For a municipality user: its codes and the codes merged into them (older deliveries).
    """
    return area_codes(user.municipality_codes) if user.is_municipality else None


def _in(column: str, scope: frozenset[str] | None) -> tuple[str, list[str]]:
    if scope is None:
        return "TRUE", []
    if not scope:
        return "FALSE", []
    placeholders = ", ".join("?" for _ in scope)
    return f"{column} IN ({placeholders})", sorted(scope)


def scope_filter(user: User, column: str = "provider_agb") -> tuple[str, list[str]]:
    """A SQL condition (with parameters) that limits rows to what the user may read.

    Use as `WHERE ... AND {condition}`; for a provider user without codes, and for a
    municipality user (who reads population rows only, through `population_filter`), it
    matches nothing.
    """
    return _in(column, provider_scope(user))


def population_filter(
    user: User,
    provider_column: str = "provider_agb",
    municipality_column: str = "municipality_code",
) -> tuple[str, list[str]]:
    """The SQL condition for population rows: a provider user's own AGB codes, a municipality
    user's own municipalities (of every provider), everything for the region's staff."""
    if user.is_municipality:
        return _in(municipality_column, municipality_scope(user))
    return scope_filter(user, provider_column)


def register_filter(user: User, column: str = "provider_agb") -> tuple[str, list[str]]:
    """The SQL condition for register entries (name, category) a user may read: its own for a
    provider user; for a municipality user those of the providers with population rows in its
    municipalities (who serves them is no secret; their figures are, see below)."""
    if not user.is_municipality:
        return scope_filter(user, column)
    condition, params = population_filter(user)
    return (f"{column} IN (SELECT provider_agb FROM population_summary WHERE {condition})", params)


def provider_figures_allowed(user: User, providers: int) -> bool:
    """May `user` see figures split per provider (or over providers) when `providers` are in it?

    Municipality users: only when at least MIN_PROVIDERS_SHOWN providers are (the mirror rule),
    so that no single provider's figures can be read off; the region's staff always.
    """
    return not user.is_municipality or providers >= MIN_PROVIDERS_SHOWN


class AccessDenied(PermissionError):
    """Raised when a user asks for something the gate refuses."""


def require(
    user: User, action: str, provider_agb: str | None = None, municipality_code: str | None = None
) -> None:
    if not allowed(user, action, provider_agb, municipality_code):
        what = provider_agb or municipality_code or ""
        raise AccessDenied(f"{user.username} may not {action} {what}".strip())


# Pages of the app and the roles that see them (navigation and the permission matrix tests).
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "overview": frozenset({"contract_manager", "management", "municipality"}),
    "municipality": frozenset({"contract_manager", "management", "municipality"}),
    "categories": frozenset({"contract_manager", "management"}),
    "provider": frozenset({"provider", "contract_manager", "management"}),
    "escalation": frozenset({"contract_manager", "management"}),
    "upload": frozenset({"provider", "contract_manager", "admin"}),
    "delivery_status": frozenset({"provider", "contract_manager", "management", "admin"}),
    "mirror": frozenset({"provider", "contract_manager", "management"}),
    "admin": frozenset({"admin"}),
    "audit": frozenset({"management", "admin"}),
}


def visible_pages(user: User) -> list[str]:
    return [page for page, roles in PAGE_ROLES.items() if user.role in roles]
