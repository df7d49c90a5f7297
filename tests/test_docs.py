"""Documentation checked against the code: the module tree in ARCHITECTURE.md and the files
(both ways), every command line in the docs against its parser (the README shows exactly each
command's options), every KPI with its Dutch and English name and explanation."""

from __future__ import annotations

import argparse
import importlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from impactmonitor.kpis import KPIS

REPO = Path(__file__).resolve().parent.parent
ARCHITECTURE = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
# Docs whose `python -m` command lines are checked against the parsers; the README documents
# every option of every command exactly.
COMMAND_DOCS = ("README.md", "sample_data/README.md", "sample_data/broken/README.md")
# The packages whose every module the architecture notes describe, one line each.
DOCUMENTED_PACKAGES = ("impactmonitor", "pipelines", "tools", "app_pages")
ENTRY_SCRIPTS = ("app.py", "server.py")


def architecture_tree() -> list[str]:
    """Every file and folder the tree at the top of ARCHITECTURE.md names, as a path from the
    repository root (`pdf.py, reports.py` names two files; a folder ends in `/`)."""
    block = ARCHITECTURE.split("```", 2)[1]
    folders: list[str] = []
    paths: list[str] = []
    for line in block.splitlines()[1:]:
        indent = len(line) - len(line.lstrip(" "))
        # A name starts at an even indent up to 8; deeper lines continue a description.
        entry = re.match(r"( *)(\S+(?:, \S+)*)(?: {2,}|$)", line)
        if not entry or indent > 8 or indent % 2:
            continue
        depth = indent // 2
        assert depth <= len(folders), f"ARCHITECTURE.md: {line.strip()!r} has no folder"
        del folders[depth:]
        for name in entry.group(2).split(", "):
            paths.append("".join(folders) + name)
        if entry.group(2).endswith("/"):
            folders.append(entry.group(2))
    return paths


TREE = architecture_tree()
MODULES = sorted(
    [
        p.relative_to(REPO).as_posix()
        for folder in DOCUMENTED_PACKAGES
        for p in (REPO / folder).rglob("*.py")
        if p.name != "__init__.py"
    ]
    + list(ENTRY_SCRIPTS)
)
# Files named anywhere in the notes and the READMEs (`pipelines/engine.py`, `tests/test_layout.py`,
# ...), as paths from the repository root; `../shared/SPEC.md` lies outside it.
NAMED_PATHS = sorted(
    {
        path
        for doc in ("ARCHITECTURE.md", *COMMAND_DOCS)
        for path in re.findall(
            r"(?<![\w./])(?:\w+/)+\w+\.(?:py|toml|md|csv|sh)\b",
            (REPO / doc).read_text(encoding="utf-8"),
        )
    }
)


def test_the_architecture_tree_is_read() -> None:
    assert {
        "server.py",
        "app_pages/",
        "impactmonitor/definitions/kpis.py",
        "tools/sample.py",
    } <= set(TREE)
    assert "impactmonitor/pdf.py" in TREE and "impactmonitor/reports.py" in TREE
    assert len(TREE) == len(set(TREE)), "a path is listed twice"


@pytest.mark.parametrize("path", TREE)
def test_every_path_in_the_architecture_tree_exists(path: str) -> None:
    assert (REPO / path).is_dir() if path.endswith("/") else (REPO / path).is_file()


@pytest.mark.parametrize("module", MODULES)
def test_every_module_is_in_the_architecture_tree(module: str) -> None:
    assert module in TREE, f"{module} is not described in ARCHITECTURE.md"


@pytest.mark.parametrize("path", NAMED_PATHS)
def test_every_file_named_in_the_docs_exists(path: str) -> None:
    assert (REPO / path).is_file()


@pytest.mark.parametrize(
    "module", sorted(set(re.findall(r"python -m ([\w.]+)", ARCHITECTURE + README)))
)
def test_every_module_run_in_the_docs_exists(module: str) -> None:
    path = REPO / Path(*module.split("."))
    assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()


# Modules with a command line (a `main()`); each has a `build_parser()` the docs are checked on.
COMMANDS = sorted(
    m.removesuffix(".py").replace("/", ".")
    for m in MODULES
    if m.startswith(("pipelines/", "tools/")) and "def main(" in (REPO / m).read_text()
)
SHELL_OPERATORS = {"|", "||", "&", "&&", ";", ">", ">>", "<", "2>&1"}


@dataclass(frozen=True)
class CommandLine:
    """One documented command line as a synopsis: `[...]` optional, `a|b` a choice, `FILE...`
    one or more, `$NAME` a variable exported in the same document."""

    doc: str
    module: str
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.doc}: python -m {self.module} {' '.join(self.words)}"


def command_lines(doc: str) -> list[CommandLine]:
    text = (REPO / doc).read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    lines += re.findall(r"`([^`\n]*python -m [^`\n]*)`", text)  # inline code in the prose
    exports = {
        name: shlex.split(value)[0]
        for name, value in re.findall(r"^export (\w+)=(.*)$", "\n".join(blocks), flags=re.M)
    }
    found = []
    for line in lines:
        if "python -m " not in line:
            continue
        words: list[str] = []
        for word in shlex.split(line.split("python -m ", 1)[1], comments=True):
            if word in SHELL_OPERATORS:
                break
            words.append(re.sub(r"\$(\w+)", lambda name: exports[name.group(1)], word))
        if len(words) > 1:  # a bare `python -m module` in the prose names it, shows no usage
            found.append(CommandLine(doc, words[0], tuple(words[1:])))
    return found


LINES = [line for doc in COMMAND_DOCS for line in command_lines(doc)]


def synopsis_argv(words: tuple[str, ...], optional: bool) -> list[str]:
    """The arguments a synopsis stands for: with every optional part, or with none; the first
    of each choice; one of a repeated argument."""
    argv: list[str] = []
    depth = 0
    for word in words:
        depth += len(word) - len(word.lstrip("["))
        if depth == 0 or optional:
            argv.append(word.strip("[]").split("|")[0].removesuffix("..."))
        depth -= len(word) - len(word.rstrip("]"))
        assert depth >= 0, f"unbalanced ] in {words}"
    assert depth == 0, f"unbalanced [ in {words}"
    return argv


def synopsis_options(words: tuple[str, ...]) -> set[str]:
    return {
        choice.split("=")[0]
        for word in words
        for choice in word.strip("[]").split("|")
        if choice.startswith("-")
    }


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser per subcommand ("" for a parser without). argparse has no public API for
    this, so its actions are read."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {"": parser}


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {
        option
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
    }


def parser_of(module: str) -> argparse.ArgumentParser:
    build = getattr(importlib.import_module(module), "build_parser", None)
    assert callable(build), f"{module} has no build_parser()"
    parser = build()
    assert isinstance(parser, argparse.ArgumentParser)
    return parser


def split_subcommand(
    parser: argparse.ArgumentParser, words: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    if "" in subcommands(parser):
        return "", words
    return words[0], words[1:]


def test_the_command_lines_are_read() -> None:
    readme = {(line.module, line.words[0]) for line in LINES if line.doc == "README.md"}
    assert {("pipelines.report", "pdf"), ("pipelines.lake", "copy")} <= readme
    ingest = next(line for line in LINES if line.module == "pipelines.ingest")
    assert ingest.words[-3:] == ("[--lang", "en]", "FILE...")
    assert synopsis_argv(("--db", "X", "[--f", "a|b]", "FILE..."), optional=True) == [
        "--db",
        "X",
        "--f",
        "a",
        "FILE",
    ]
    assert synopsis_argv(("--db", "X", "[--f", "a|b]", "FILE..."), optional=False) == [
        "--db",
        "X",
        "FILE",
    ]
    lake = [line for line in LINES if line.doc == "README.md" and line.words[0] == "maintain"]
    assert any(word.startswith("ducklake:postgres:host=") for line in lake for word in line.words)


@pytest.mark.parametrize("line", LINES, ids=str)
def test_every_documented_command_line_parses(line: CommandLine) -> None:
    """Each option as the parser spells it (argparse would accept an abbreviation), and the line
    parses with all its optional parts and with none."""
    parser = parser_of(line.module)
    subcommand, words = split_subcommand(parser, line.words)
    assert subcommand in subcommands(parser), f"{line}: no subcommand {subcommand!r}"
    unknown = synopsis_options(words) - option_strings(subcommands(parser)[subcommand])
    assert unknown == set(), f"{line}: the parser has no {sorted(unknown)}"
    for optional in (False, True):
        argv = ([subcommand] if subcommand else []) + synopsis_argv(words, optional)
        try:
            parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{line}: {argv} does not parse")


@pytest.mark.parametrize("module", COMMANDS)
def test_the_readme_documents_exactly_the_options_of_each_command(module: str) -> None:
    """Per command (and subcommand) the README's command lines together show exactly the
    parser's options: none missing, none that does not exist."""
    parser = parser_of(module)
    documented: dict[str, set[str]] = {}
    for line in LINES:
        if line.doc == "README.md" and line.module == module:
            subcommand, words = split_subcommand(parser, line.words)
            documented.setdefault(subcommand, set()).update(synopsis_options(words))
    expected = {name: option_strings(sub) for name, sub in subcommands(parser).items()}
    problems = [
        f"python -m {module} {name}: missing {sorted(expected.get(name, set()) - shown)}, "
        f"not in the parser {sorted(shown - expected.get(name, set()))}"
        for name in sorted(set(documented) | set(expected))
        if (shown := documented.get(name, set())) != expected.get(name)
    ]
    assert problems == []
    assert parser.prog == f"python -m {module}"


@pytest.mark.parametrize(
    ("module", "choices"), re.findall(r"python -m ([\w.]+) (\w+(?:\|\w+)+)", ARCHITECTURE)
)
def test_the_subcommands_in_the_architecture_notes_are_the_parsers(
    module: str, choices: str
) -> None:
    assert choices.split("|") == list(subcommands(parser_of(module)))


def test_the_readme_has_exactly_the_two_commands() -> None:
    block = README.split("## The two commands", 1)[1].split("```", 2)[1]
    commands = [
        line.split("#")[0].strip()
        for line in block.splitlines()
        if line.strip() and not line.startswith("sh")
    ]
    assert commands == ["make run", "make test"]
    assert re.search(r"make test", (REPO / ".ci" / "run").read_text())


@pytest.mark.parametrize("kpi", KPIS, ids=lambda k: k.key)
def test_every_kpi_is_explained_in_both_languages(kpi) -> None:
    assert kpi.name("nl") and kpi.name("en") and kpi.name("nl") != kpi.key
    assert len(kpi.explanation("nl")) > 30 and len(kpi.explanation("en")) > 30
