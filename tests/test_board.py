"""The management report (bestuursrapportage): landscape PDF slides and PPTX, read back with
pypdf and python-pptx, rendered with pdftoppm; its content as of the chosen quarter; access."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import pytest
from browser_support import chromium_path
from conftest import REPO, cli_env
from pypdf import PdfReader

from impactmonitor.access import AccessDenied, User
from impactmonitor.board import Chart, Table, Text, board_pdf, board_pptx, board_slides
from impactmonitor.pdf import ChartRenderer

QUARTER = "2026Q3"
MANAGEMENT = User("m", "management")
TITLES = [
    "Bestuursrapportage jeugdhulp regio Rijnmond — 2026Q3",
    "Index kortdurend verblijf",
    "Index pleegzorg + gezinshuizen",
    "Vervolgdoel",
    "Gemeenten naast elkaar: Index kortdurend verblijf",
    "Gemeenten naast elkaar: Index pleegzorg + gezinshuizen",
    "Gemeenten in 2026Q3",
    "KPI's per categorie",
    "Escalatieladder",
    "Tijdigheid van de aanleveringen",
]


@pytest.fixture(scope="module")
def renderer():
    """One headless browser for every chart of this module."""
    if chromium_path() is None:
        pytest.skip("kaleido needs Debian's chromium for chart images")
    with ChartRenderer() as charts:
        yield charts


def _blocks(slide) -> list:
    return [*slide.left, *(slide.right or [])]


def test_the_slides_and_what_is_on_them(sample_db) -> None:
    report = board_slides(sample_db, MANAGEMENT, QUARTER)
    assert [slide.title for slide in report.slides] == TITLES
    for slide in report.slides:  # every slide says its filters and its data date
        assert "Filters:" in slide.footer and "gegevens t/m 2026Q3" in slide.footer
        assert "stand " in slide.footer and "dataversie" in slide.footer
    target = report.slides[1]
    assert any(isinstance(b, Chart) for b in _blocks(target))
    statement = " ".join(b.text for b in _blocks(target) if isinstance(b, Text))
    assert "2025Q4" in statement and "2026Q3" in statement
    municipalities = next(b for b in _blocks(report.slides[6]) if isinstance(b, Table))
    assert len(municipalities.rows) == 13  # today's municipalities
    assert "Voorne aan Zee" in [row[0] for row in municipalities.rows]
    assert "Brielle" not in [row[0] for row in municipalities.rows]
    categories = next(b for b in _blocks(report.slides[7]) if isinstance(b, Table))
    assert categories.header[1:] == ["Categorie A", "Categorie B", "Categorie C"]
    assert categories.rows[0][0] == "Doelrealisatie"
    escalation = " ".join(b.text for b in _blocks(report.slides[8]) if isinstance(b, Text))
    assert "Besluiten in 2026Q3" in escalation and "Open voorstellen" in escalation
    timeliness = next(b for b in _blocks(report.slides[9]) if isinstance(b, Table))
    assert timeliness.rows[-1][0] == "Aandeel op tijd"


def test_an_earlier_quarter_uses_the_data_up_to_it(sample_db) -> None:
    report = board_slides(sample_db, MANAGEMENT, "2025Q2")
    statement = " ".join(b.text for b in _blocks(report.slides[1]) if isinstance(b, Text))
    assert "2026" not in statement  # the projection is made from data up to 2025Q2
    assert "gegevens t/m 2025Q2" in report.slides[1].footer
    escalation = " ".join(b.text for b in _blocks(report.slides[8]) if isinstance(b, Text))
    assert "Besluiten in 2025Q2: 0" in escalation


def test_steps_at_quarter_end_and_changes_in_the_quarter(sample_db) -> None:
    """The demo history: 0 -> 1 on 14-02-2026 and 1 -> 2 on 15-05-2026 (one provider)."""
    q1 = board_slides(sample_db, MANAGEMENT, "2026Q1").slides[8]
    changes = next(b for b in _blocks(q1) if isinstance(b, Table))
    assert [row[0] for row in changes.rows] == ["14-02-2026"]
    q2 = board_slides(sample_db, MANAGEMENT, "2026Q2").slides[8]
    on_steps = [b for b in _blocks(q2) if isinstance(b, Table)][-1]
    assert [row[1] for row in on_steps.rows] == ["2. Verbeterplan"]


@pytest.mark.parametrize(
    "user",
    [
        User("g", "municipality", municipality_codes=frozenset({"GM1992"})),
        User("p", "provider", frozenset({"02694688"})),
    ],
)
def test_only_the_regions_staff_get_the_report(sample_db, user) -> None:
    with pytest.raises(AccessDenied):
        board_slides(sample_db, user, QUARTER)


def test_pdf_is_landscape_slides_and_renders(sample_db, renderer, tmp_path) -> None:
    pdf = board_pdf(sample_db, MANAGEMENT, QUARTER, renderer=renderer)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(TITLES)
    for page, title in zip(reader.pages, TITLES, strict=True):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width > height and round(width / height, 2) == round(297 / 167, 2)
        content = page.extract_text()
        assert title.split(":")[0] in content
        assert "dataversie" in content and "Filters:" in content
    assert sum(len(page.images) for page in reader.pages) >= 6  # the charts
    (tmp_path / "board.pdf").write_bytes(pdf)
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    shutil.copyfile(tmp_path / "board.pdf", REPO / "test-artifacts" / "bestuursrapportage.pdf")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) renders the pages: not installed")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(tmp_path / "board.pdf"), str(tmp_path / "slide")],
        check=True,
    )
    pages = sorted(tmp_path.glob("slide-*.png"))
    assert len(pages) == len(TITLES) and all(p.stat().st_size > 5_000 for p in pages)


def test_pptx_has_the_same_slides(sample_db, renderer) -> None:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(board_pptx(sample_db, MANAGEMENT, QUARTER, renderer=renderer)))
    assert deck.slide_width > deck.slide_height
    assert len(deck.slides) == len(TITLES)
    for slide, title in zip(deck.slides, TITLES, strict=True):
        texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        assert title in texts
        assert any("dataversie" in value for value in texts)
    pictures = sum(
        1 for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13
    )  # MSO_SHAPE_TYPE.PICTURE
    tables = sum(1 for slide in deck.slides for shape in slide.shapes if shape.has_table)
    assert pictures >= 6 and tables >= 5


def test_board_command(sample_region_file, tmp_path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.report", "board", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=cli_env(),
            timeout=600,
        )

    assert (
        run(
            "--db",
            str(sample_region_file),
            "--quarter",
            "kwartaal 3",
            "--out",
            str(tmp_path / "x.pdf"),
        ).returncode
        == 2
    )
    assert (
        run(
            "--db",
            str(tmp_path / "missing.duckdb"),
            "--quarter",
            QUARTER,
            "--out",
            str(tmp_path / "x.pdf"),
        ).returncode
        == 2
    )
    if chromium_path() is None:
        pytest.skip("kaleido needs Debian's chromium for chart images")
    done = run(
        "--db",
        str(sample_region_file),
        "--quarter",
        "2026-Q3",
        "--out",
        str(tmp_path / "board.pptx"),
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "board.pptx").read_bytes()[:2] == b"PK"


def test_overview_offers_the_report_to_management_only(sample_db, monkeypatch) -> None:
    from app_support import app_as

    management = app_as(MANAGEMENT, sample_db.path, monkeypatch).run()
    labels = [button.label for button in management.button]
    assert "Bestuursrapportage maken (PDF)" in labels
    assert "Bestuursrapportage maken (PowerPoint)" in labels
    municipality = app_as(
        User("g", "municipality", municipality_codes=frozenset({"GM1992"})),
        sample_db.path,
        monkeypatch,
    ).run()
    assert not municipality.exception
    assert "Bestuursrapportage maken (PDF)" not in [b.label for b in municipality.button]
