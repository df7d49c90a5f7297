"""Create or change an account from the command line (the first administrator of a new region).

    python -m pipelines.users --db PATH USERNAME --role admin [--agb 01234567 ...] [--name NAME]
    python -m pipelines.users --db PATH USERNAME --role municipality --municipality GM0599 [...]

The password is read from standard input (one line) when it is piped in; otherwise a random one
is generated and printed once. Passwords are stored only as bcrypt hashes. Exit 0 done, 2 usage
error (unknown role, a provider account without AGB codes, a malformed AGB code, a municipality
account without codes or with a code that is not a current municipality of the region).
"""

from __future__ import annotations

import argparse
import secrets
import sys

from impactmonitor.access import ROLES
from impactmonitor.i18n import DEFAULT_LANGUAGE, text
from impactmonitor.storage import Database
from impactmonitor.users import AccountProblem, check_municipality_codes, save_user
from pipelines.cli import add_db_option
from schemas.tables import is_agb

CLI_LANG = DEFAULT_LANGUAGE  # the command's messages (it has no --lang)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.users", description="Create or change a user account."
    )
    add_db_option(parser)
    parser.add_argument("username")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument(
        "--agb",
        action="append",
        default=[],
        help="AGB code the provider account may see (repeat for more)",
    )
    parser.add_argument(
        "--municipality",
        action="append",
        default=[],
        help="CBS code (GM + 4 digits) a municipality account may see (repeat for more)",
    )
    parser.add_argument("--name", default="", help="display name")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.role == "provider" and not args.agb:
        parser.error(text("cli_users_provider_needs_agb", CLI_LANG))
    try:
        check_municipality_codes(args.role, tuple(args.municipality))
    except AccountProblem as problem:
        parser.error(
            text("cli_users_municipality_codes", CLI_LANG, problem=problem.message(CLI_LANG))
        )
    for code in args.agb:
        if not is_agb(code):
            parser.error(text("cli_users_bad_agb", CLI_LANG, code=repr(code)))
    generated = sys.stdin is None or sys.stdin.isatty()
    password = secrets.token_urlsafe(12) if generated else sys.stdin.readline().strip()
    if not password:
        parser.error(text("cli_users_empty_password", CLI_LANG))
    try:
        save_user(
            Database(args.db),
            args.username,
            args.role,
            password,
            tuple(args.agb),
            args.name or args.username,
            actor="cli",
            municipality_codes=tuple(args.municipality),
        )
    except AccountProblem as problem:
        parser.error(problem.message(CLI_LANG))
    print(text("cli_users_saved", CLI_LANG, username=args.username, role=args.role))
    if generated:
        print(text("cli_users_password", CLI_LANG, password=password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
