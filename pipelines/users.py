"""Create or change an account from the command line (the first administrator of a new region).

    python -m pipelines.users --db PATH USERNAME --role admin [--agb 01234567 ...] [--name NAME]
                              [--lang nl|en]
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
from impactmonitor.i18n import text
from impactmonitor.storage import Database
from impactmonitor.users import AccountProblem, check_municipality_codes, save_user
from pipelines.cli import Parser, add_db_option, add_lang_option, known_language, language_of
from schemas.tables import is_agb


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    lang = known_language(lang)
    parser = Parser(
        prog="python -m pipelines.users", description=text("cli_description_users", lang), lang=lang
    )
    add_db_option(parser)
    parser.add_argument("username", help=text("cli_help_users_username", lang))
    parser.add_argument(
        "--role", required=True, choices=ROLES, help=text("cli_help_users_role", lang)
    )
    parser.add_argument("--agb", action="append", default=[], help=text("cli_help_users_agb", lang))
    parser.add_argument(
        "--municipality",
        action="append",
        default=[],
        help=text("cli_help_users_municipality", lang),
    )
    parser.add_argument("--name", default="", help=text("cli_help_users_name", lang))
    add_lang_option(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(language_of(argv))
    args = parser.parse_args(argv)
    lang = args.lang
    if args.role == "provider" and not args.agb:
        parser.error(text("cli_users_provider_needs_agb", lang))
    try:
        check_municipality_codes(args.role, tuple(args.municipality))
    except AccountProblem as problem:
        parser.error(text("cli_users_municipality_codes", lang, problem=problem.message(lang)))
    for code in args.agb:
        if not is_agb(code):
            parser.error(text("cli_users_bad_agb", lang, code=repr(code)))
    generated = sys.stdin is None or sys.stdin.isatty()
    password = secrets.token_urlsafe(12) if generated else sys.stdin.readline().strip()
    if not password:
        parser.error(text("cli_users_empty_password", lang))
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
        parser.error(problem.message(lang))
    print(text("cli_users_saved", lang, username=args.username, role=args.role))
    if generated:
        print(text("cli_users_password", lang, password=password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
