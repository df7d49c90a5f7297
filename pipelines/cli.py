"""What the command lines share: the options every one of them spells the same (--db, --lang,
--actor), a parser that speaks the user's language (its help and argparse's own words from the
catalogues), and for the command lines that read files (`pipelines.ingest`, `pipelines.bulk`,
`pipelines.register`) reading FILE arguments, printing findings, the JSON report, exit codes and
the words for a database that cannot be used."""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import duckdb

from impactmonitor.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from impactmonitor.storage import Database, DatabaseBusy, storage_problem
from pipelines.engine import Upload
from pipelines.findings import Finding

# ---- a parser in the user's language ------------------------------------------------------------

# argparse's own words (its gettext message ids) -> the catalogue key that says them.
ARGPARSE_TEXTS: dict[str, str] = {
    "usage: ": "cli_argparse_usage",
    "positional arguments": "cli_argparse_positionals",
    "options": "cli_argparse_options",
    "show this help message and exit": "cli_argparse_help",
    "the following arguments are required: %s": "cli_argparse_required",
    "unrecognized arguments: %s": "cli_argparse_unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli_argparse_invalid_choice",
    "argument %(argument_name)s: %(message)s": "cli_argparse_argument",
    "expected one argument": "cli_argparse_expected_one",
    "expected at most one argument": "cli_argparse_expected_at_most_one",
    "expected at least one argument": "cli_argparse_expected_at_least_one",
    "expected %s argument": "cli_argparse_expected_count",  # ngettext, singular and plural
    "invalid %(type)s value: %(value)r": "cli_argparse_invalid_value",
    "one of the arguments %s is required": "cli_argparse_one_of_required",
    "not allowed with argument %s": "cli_argparse_not_allowed_with",
    "ignored explicit argument %r": "cli_argparse_ignored_explicit",
    "ambiguous option: %(option)s could match %(matches)s": "cli_argparse_ambiguous",
    "%(prog)s: error: %(message)s\n": "cli_argparse_error",
}
_CATALOGUE_FIELD = re.compile(r"\{(\w+)\}")
_PERCENT_FIELD = re.compile(r"%(?:\((\w+)\))?[sr]")
# argparse reads its words through module-level `_` and `ngettext` each time it says one; these
# are swapped while a parser of ours works, one parser at a time, and always put back (a plain
# ArgumentParser in another thread at that moment would speak our language too: none runs so).
_ARGPARSE_LOCK = threading.RLock()


def argparse_text(msgid: str, lang: str) -> str:
    """argparse's `msgid` in `lang`, as argparse fills it in: the catalogue's {fields} become the
    message id's %-fields (%r stays %r), its own % escaped, its trailing space or newline kept.
    A message id without a catalogue text stays English."""
    key = ARGPARSE_TEXTS.get(msgid)
    if key is None:
        return msgid
    specs = {m.group(1): m.group(0) for m in _PERCENT_FIELD.finditer(msgid)}

    def spec(field: re.Match[str]) -> str:  # by name, else the one positional %s / %r
        return specs.get(field.group(1)) or specs[None]

    template = _CATALOGUE_FIELD.sub(spec, text(key, lang).replace("%", "%%"))
    return template + msgid[len(msgid.rstrip()) :]


@contextmanager
def argparse_language(lang: str) -> Iterator[None]:
    """argparse's own words in `lang` while the block runs (nested blocks allowed)."""
    module = vars(argparse)
    with _ARGPARSE_LOCK:
        saved = module["_"], module["ngettext"]
        english_ngettext = saved[1]

        def ngettext(singular: str, plural: str, n: int) -> str:
            if singular in ARGPARSE_TEXTS:  # one text for any number ("argument(en)")
                return argparse_text(singular, lang)
            return english_ngettext(singular, plural, n)

        module["_"] = lambda msgid: argparse_text(msgid, lang)
        module["ngettext"] = ngettext
        try:
            yield
        finally:
            module["_"], module["ngettext"] = saved


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks `lang` (None: the default language): its help and error
    framing in argparse's own words from the catalogues. Subcommands pass `lang=` to
    `add_parser` to speak it too. A usage error still exits 2."""

    def __init__(self, *args: Any, lang: str | None = None, **kwargs: Any) -> None:
        self.lang = known_language(lang)
        with argparse_language(self.lang):  # the -h help and the section titles
            super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        with argparse_language(self.lang):
            return super().parse_known_args(args, namespace)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> Any:
        with argparse_language(self.lang):  # "unrecognized arguments" is said here
            return super().parse_args(args, namespace)

    def format_usage(self) -> str:
        with argparse_language(self.lang):
            return super().format_usage()

    def format_help(self) -> str:
        with argparse_language(self.lang):
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with argparse_language(self.lang):
            super().error(message)


def known_language(lang: str | None) -> str:
    """`lang` if the catalogues have it, else the default language."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def language_of(argv: Sequence[str] | None) -> str:
    """The --lang of a command line (`--lang en`, `--lang=en`; the last one, as argparse reads
    it), read before the parser is built so that its help and errors are in that language; the
    default language when there is none or it is unknown (argparse then says so)."""
    words = list(sys.argv[1:] if argv is None else argv)
    found = DEFAULT_LANGUAGE
    for index, word in enumerate(words):
        if word == "--":
            break
        if word == "--lang" and index + 1 < len(words):
            found = words[index + 1]
        elif word.startswith("--lang="):
            found = word.removeprefix("--lang=")
    return known_language(found)


def _language(parser: argparse.ArgumentParser) -> str:
    """The language of a parser's help: its own, or English for a developer tool's plain
    ArgumentParser (`tools/` stays English)."""
    return parser.lang if isinstance(parser, Parser) else "en"


def add_db_option(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    parser.add_argument("--db", required=True, help=help or text("cli_help_db", _language(parser)))


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """--lang: the language of the command's messages and of what it writes."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=text("cli_help_lang", _language(parser)),
    )


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--actor and --lang, as every ingest command line has them."""
    parser.add_argument("--actor", default=None, help=text("cli_help_actor", _language(parser)))
    add_lang_option(parser)


def actor_of(args: argparse.Namespace) -> str:
    return args.actor or f"cli:{getpass.getuser()}"


def format_findings(findings: list[Finding], lang: str) -> list[str]:
    lines = []
    for f in findings:
        where = " ".join(
            part
            for part in (
                f.file or "",
                f"[{text('table_' + f.table, lang)}]" if f.table else "",
                f"{text('col_row', lang)} {f.row}" if f.row else "",
                f"{text('col_column', lang)} {f.column}" if f.column else "",
                f"({text('col_value', lang)} {f.value!r})" if f.value not in (None, "") else "",
            )
            if part
        )
        lines.append(f"  - {where}: {f.message(lang)}" if where else f"  - {f.message(lang)}")
    return lines


EXIT_ACCEPTED, EXIT_REJECTED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3


def busy_report(lang: str) -> dict:
    """The --report-json of a delivery that met a busy database: not a rejection."""
    return {
        "accepted": False,
        "busy": True,
        "error_count": 1,
        "warning_count": 0,
        "errors": [
            {
                "file": None,
                "table": None,
                "row": None,
                "column": None,
                "value": None,
                "message": text("cli_database_busy", lang),
            }
        ],
        "warnings": [],
        "receipt": None,
    }


def database_failure(prog: str, path: str, exc: BaseException, lang: str) -> str:
    """What a command line says when the database cannot be used: a full disk or a read-only
    folder in plain words (nothing stored, nothing lost), else that it is no usable DuckDB file.
    Shared by the ingest and bulk CLIs."""
    problem = storage_problem(exc)
    if problem:
        return f"{prog}: {text(problem, lang, path=path)}"
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return (
        f"{prog}: {text('cli_database_unusable', lang, path=path)} "
        f"({type(exc).__name__}: {first_line})"
    )


Result = TypeVar("Result")


def on_database(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    action: Callable[[Database], Result],
    busy: object,
) -> Result | int:
    """`action` on the --db database, or the exit code when it cannot run there: EXIT_BUSY (with
    `busy` as the --report-json, if the command has one) when another process held the database
    too long, EXIT_USAGE when --db is no DuckDB file or not writable. Nothing is stored in either
    case. Shared by the ingest, bulk and register command lines."""
    lang = args.lang
    try:
        return action(Database(args.db))
    except DatabaseBusy:
        print(text("cli_database_busy", lang), file=sys.stderr)
        write_report(getattr(args, "report_json", None), busy)
        return EXIT_BUSY
    except (duckdb.Error, OSError) as exc:
        print(database_failure(parser.prog, args.db, exc, lang), file=sys.stderr)
        return EXIT_USAGE


def write_report(path: str | None, report: object) -> None:
    if path:
        Path(path).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def uploads_from_arguments(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> list[Upload]:
    """The FILE arguments of the ingest and bulk CLIs read as uploads (`read_file_arguments`),
    after checking that the folders of --report-json and --error-file exist."""
    outputs = (args.report_json, getattr(args, "error_file", None))
    return read_file_arguments(parser, args.files, args.lang, outputs)


def read_file_arguments(
    parser: argparse.ArgumentParser,
    names: Sequence[str],
    lang: str,
    outputs: Sequence[str | None] = (),
) -> list[Upload]:
    """The named files read as uploads; a usage error (exit 2) for a missing or unreadable file,
    or an output file whose folder does not exist. Shared by the command lines that read files."""
    paths = [Path(name) for name in names]
    for path in paths:
        if not path.is_file():
            parser.error(text("cli_no_such_file", lang, path=str(path)))
    for output in outputs:
        if output and not Path(output).resolve().parent.is_dir():
            parser.error(text("cli_no_such_file", lang, path=str(Path(output).parent)))
    try:
        return [Upload(path.name, path.read_bytes()) for path in paths]
    except OSError as exc:
        parser.error(
            text(
                "cli_unreadable_file",
                lang,
                path=str(exc.filename or ""),
                detail=exc.strerror or type(exc).__name__,
            )
        )
