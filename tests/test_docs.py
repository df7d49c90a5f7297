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
MODULES = sorted(
    p
    for folder in ("impactmonitor", "pipelines")
    for p in (REPO / folder).glob("*.py")
    if p.name != "__init__.py"
)
# Helper modules of a documented module (named in its docstring, not separately).
PARTS = {
    "sample_region.py",
    "sample_national.py",
    "sample_files.py",
    "sample_broken.py",
    "findings.py",
    "config.py",
    "bench_kpis.py",
    "bench_pages.py",
    "bench_lake.py",
}


@pytest.mark.parametrize(
    "module", [m for m in MODULES if m.name not in PARTS], ids=lambda m: f"{m.parent.name}/{m.name}"
)
def test_every_module_is_in_the_architecture_notes(module: Path) -> None:
    assert module.name in ARCHITECTURE


COMMANDS = sorted(
    m.stem for m in MODULES if m.parent.name == "pipelines" and "def main(" in m.read_text()
)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_line_is_in_the_readme(command: str) -> None:
    assert f"pipelines.{command}" in README or command in ("bench", "bench_kpis", "bench_lake")


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
