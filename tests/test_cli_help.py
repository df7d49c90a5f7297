"""The command lines in the user's language: `--help`, argparse's own words and usage errors
from the catalogues (pipelines.cli.Parser), Dutch by default and English with --lang en."""

from __future__ import annotations

import argparse
import gettext
import importlib
import inspect
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from types import ModuleType

import pytest

from impactmonitor.i18n import CATALOGUES, LANGUAGES, TEXTS
from pipelines.cli import ARGPARSE_TEXTS, Parser, argparse_language, argparse_text, language_of

MODULES = ("ingest", "bulk", "register", "users", "lake", "report")
# The arguments before --lang for a command line whose --lang sits on a subcommand.
WITH_LANG = [
    ("ingest", []),
    ("bulk", []),
    ("register", []),
    ("users", []),
    ("lake", ["init"]),
    ("lake", ["maintain"]),
    ("lake", ["copy"]),
    ("report", ["pdf"]),
    ("report", ["board"]),
]
ENGLISH_WORDS = ("usage:", "options:", "show this help message", "positional arguments")
DUTCH_WORDS = ("gebruik:", "opties:", "toon deze hulp")


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"pipelines.{name}")


def _flat(output: str) -> str:
    """Help text with argparse's line wrapping undone."""
    return " ".join(output.split())


def _run(capsys: pytest.CaptureFixture[str], name: str, argv: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `python -m pipelines.<name> argv`, in-process."""
    with pytest.raises(SystemExit) as raised:
        _module(name).main(argv)
    out, err = capsys.readouterr()
    code = raised.value.code
    return (code if isinstance(code, int) else 0), out, err


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """A parser and the parsers of its subcommands."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


@cache
def _catalogue_pattern(lang: str) -> re.Pattern[str]:
    """Any text of the `lang` catalogue, its fields filled in with anything."""
    return re.compile(
        "|".join(
            "".join(
                ".+" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{\w+\})", template)
            )
            for template in CATALOGUES[lang].values()
        ),
        flags=re.S,
    )


def _is_catalogue_text(value: str, lang: str) -> bool:
    return _catalogue_pattern(lang).fullmatch(value.replace("%%", "%")) is not None  # help %


@pytest.mark.parametrize(
    ("name", "before"), WITH_LANG, ids=[" ".join([n, *b]) for n, b in WITH_LANG]
)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_is_in_the_chosen_language(
    capsys: pytest.CaptureFixture[str], name: str, before: list[str], lang: str
) -> None:
    code, out, err = _run(capsys, name, [*before, "--lang", lang, "--help"])
    assert (code, err) == (0, "")
    # ("positional arguments": only a command line that has some)
    wanted, unwanted = (DUTCH_WORDS, ENGLISH_WORDS) if lang == "nl" else (ENGLISH_WORDS[:3], ())
    assert all(word in out for word in wanted), out
    assert not any(word in out for word in unwanted), out
    assert ("--lang {nl,en}" in out) and _flat(TEXTS["cli_help_lang"][lang]) in _flat(out)


@pytest.mark.parametrize("name", MODULES)
def test_help_is_dutch_by_default(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = _run(capsys, name, ["--help"])
    assert code == 0
    assert all(word in out for word in DUTCH_WORDS), out
    assert not any(word in out for word in ENGLISH_WORDS), out
    assert TEXTS[f"cli_description_{name}"]["nl"] in _flat(out)


def test_lang_with_an_equals_sign(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "ingest", ["--lang=en", "--help"])
    assert "usage:" in out and TEXTS["cli_description_ingest"]["en"] in _flat(out)


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_help_text_comes_from_the_catalogue(name: str, lang: str) -> None:
    """Of every parser and subcommand: the description, the epilog and each option's help are
    catalogue texts of the parser's language (none hard-coded), and its help has no word of
    the other language's argparse."""
    for parser in _parsers(_module(name).build_parser(lang)):
        assert isinstance(parser, Parser) and parser.lang == lang, parser.prog
        actions = parser._actions + [
            choice
            for action in parser._actions
            if isinstance(action, argparse._SubParsersAction)
            for choice in action._choices_actions
        ]
        texts = [parser.description, parser.epilog] + [a.help for a in actions]
        for value in texts:
            assert value is None or _is_catalogue_text(value, lang), (parser.prog, value)
        if lang == "nl":
            help_text = parser.format_help()
            assert not any(word in help_text for word in ENGLISH_WORDS), help_text
    default, dutch = _module(name).build_parser(), _module(name).build_parser("nl")
    assert default.format_help() == dutch.format_help()


USAGE_ERRORS = [
    # (command line, argv, Dutch words, English words)
    ("ingest", ["--db", "x.duckdb"], "deze argumenten zijn verplicht", "arguments are required"),
    ("bulk", ["--db", "x.duckdb", "--bogus", "f.csv"], "onbekende argumenten", "unrecognized"),
    ("bulk", ["--db", "x.duckdb", "--max-errors", "zz", "f.csv"], "ongeldige waarde", "invalid"),
    ("register", ["--db"], "verwacht één waarde", "expected one argument"),
    ("users", ["--db", "x.duckdb", "u", "--role", "king"], "ongeldige keuze", "invalid choice"),
    ("lake", ["copy", "--from", "a.duckdb", "--to", "b"], "lake-instelling", "lake setting"),
    ("report", ["pdf", "--db", "x", "--quarter", "Q", "--out", "o"], "verplicht", "required"),
]


@pytest.mark.parametrize(("name", "argv", "dutch", "english"), USAGE_ERRORS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_usage_errors_are_in_the_chosen_language(
    capsys: pytest.CaptureFixture[str],
    name: str,
    argv: list[str],
    dutch: str,
    english: str,
    lang: str,
) -> None:
    code, out, err = _run(capsys, name, [*argv, "--lang", lang])
    assert code == 2 and out == ""
    prog = f"python -m pipelines.{name}"
    if lang == "nl":
        assert err.startswith("gebruik: ") and ": fout: " in err
        assert dutch in err, err
        assert not any(word in err for word in ("usage:", "error:", english)), err
    else:
        assert err.startswith("usage: ") and ": error: " in err and english in err, err
    assert prog in err


def test_an_unknown_lang_is_a_dutch_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "ingest", ["--db", "x", "--provider", "1", "--lang", "de"])
    assert code == 2
    assert "argument --lang: ongeldige keuze: 'de' (kies uit 'nl', 'en')" in err
    assert "usage:" not in err and "invalid choice" not in err


def test_the_command_line_speaks_dutch_in_a_subprocess(run_cli) -> None:
    result = run_cli("pipelines.register", "--bogus", "--db", "x", "f.csv")
    assert result.returncode == 2
    assert "gebruik:" in result.stderr and "fout: onbekende argumenten: --bogus" in result.stderr
    english = run_cli("pipelines.register", "--lang", "en", "--help")
    assert english.returncode == 0 and "show this help message and exit" in english.stdout


@pytest.mark.parametrize(
    ("argv", "lang"),
    [
        ([], "nl"),
        (["--lang", "en"], "en"),
        (["--db", "x", "--lang=en", "f"], "en"),
        (["--lang", "en", "--lang", "nl"], "nl"),  # the last one, as argparse reads them
        (["--lang", "de"], "nl"),
        (["--lang"], "nl"),
        (["--", "--lang", "en"], "nl"),  # after -- it is a file name
    ],
)
def test_language_of(argv: list[str], lang: str) -> None:
    assert language_of(argv) == lang


def _fields_of(msgid: str) -> dict[str, object] | tuple[object, ...]:
    names = re.findall(r"%\((\w+)\)", msgid)
    return {name: "X" for name in names} if names else ("X",) * msgid.count("%")


@pytest.mark.parametrize("msgid", sorted(ARGPARSE_TEXTS))
def test_every_argparse_word_is_translated_and_fills_in(msgid: str) -> None:
    """Each message id is one argparse really uses (a Python upgrade that rewords one shows
    here), its catalogue text exists and fills in as argparse fills in the English one."""
    source = inspect.getsource(argparse).replace("\\n", "\n")
    assert f"'{msgid}'" in source or f'"{msgid}"' in source, msgid
    assert ARGPARSE_TEXTS[msgid] in TEXTS
    fields = _fields_of(msgid)
    for lang in LANGUAGES:
        translated = argparse_text(msgid, lang)
        filled = translated % fields if "%" in msgid else translated
        assert "{" not in filled and "%" not in filled, (lang, filled)
    if msgid != "expected %s argument":  # one English text for one and more: "argument(s)"
        assert argparse_text(msgid, "en") % fields == msgid % fields


def test_argparse_is_left_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    """The words are swapped only while a parser of ours works, also when it exits."""

    def hooks() -> tuple[object, object]:
        return vars(argparse)["_"], vars(argparse)["ngettext"]

    assert hooks() == (gettext.gettext, gettext.ngettext)
    with argparse_language("nl"):
        assert vars(argparse)["_"]("options") == "opties"
        with argparse_language("en"):
            assert vars(argparse)["_"]("options") == "options"
        assert vars(argparse)["_"]("options") == "opties"
    _run(capsys, "ingest", ["--help"])
    _run(capsys, "ingest", ["--bogus"])
    assert hooks() == (gettext.gettext, gettext.ngettext)
    plain = argparse.ArgumentParser(prog="plain")
    assert "usage: plain" in plain.format_help() and "options:" in plain.format_help()


def test_parsers_in_two_languages_at_once() -> None:
    """Threads formatting help in Dutch and in English each get their own language."""
    from pipelines import ingest

    parsers = {lang: ingest.build_parser(lang) for lang in LANGUAGES}

    def usage(lang: str) -> str:
        return parsers[lang].format_usage().split()[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(usage, ["nl", "en"] * 50))
    assert found == ["gebruik:", "usage:"] * 50


def test_the_developer_tools_stay_english() -> None:
    from tools import bench_pages, sample

    for parser in (sample.build_parser(), bench_pages.build_parser()):
        help_text = parser.format_help()
        assert "usage:" in help_text and "options:" in help_text
        assert "gebruik:" not in help_text and "DuckDB-databasebestand" not in help_text
