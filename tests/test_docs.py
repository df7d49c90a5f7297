"""Documentation checked against the code: every module is in ARCHITECTURE.md, every command
line is in the README, every KPI has its Dutch and English name and explanation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from impactmonitor.kpis import KPIS

REPO = Path(__file__).resolve().parent.parent
ARCHITECTURE = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
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
# Files named anywhere in the notes (`pipelines/engine.py`, `tests/test_layout.py`, ...).
NAMED_PATHS = sorted(set(re.findall(r"\b(?:\w+/)+\w+\.(?:py|toml|md|csv)\b", ARCHITECTURE)))


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
def test_every_file_named_in_the_architecture_notes_exists(path: str) -> None:
    assert (REPO / path).is_file()


@pytest.mark.parametrize(
    "module", sorted(set(re.findall(r"python -m ([\w.]+)", ARCHITECTURE + README)))
)
def test_every_module_run_in_the_docs_exists(module: str) -> None:
    path = REPO / Path(*module.split("."))
    assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()


# Modules with a command line: every one is shown in the README.
COMMANDS = sorted(
    m.removesuffix(".py").replace("/", ".")
    for m in MODULES
    if m.startswith(("pipelines/", "tools/")) and "def main(" in (REPO / m).read_text()
)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_line_is_in_the_readme(command: str) -> None:
    assert f"python -m {command} " in README


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
