"""PDF reports and exports: real PDFs (pypdf reads them), access, round trips, filters inside."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import polars as pl
import pytest
from browser_support import chromium_path
from pypdf import PdfReader

from impactmonitor.access import AccessDenied, User
from impactmonitor.exports import dutch_csv, frame_rows, neutralise, xlsx_bytes
from impactmonitor.kpis import kpi_table
from impactmonitor.pdf import ChartRenderer
from impactmonitor.reports import mirror_pdf, provider_report

PROVIDER_AGB = "02694688"
OTHER_AGB = "48629153"
QUARTER = "2026Q3"
needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="kaleido needs Debian's chromium for chart images"
)


@pytest.fixture(scope="module")
def renderer():
    """One headless browser for all charts of this module (as in a batch run)."""
    if chromium_path() is None:
        pytest.skip("kaleido needs Debian's chromium")
    with ChartRenderer() as charts:
        yield charts


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@needs_chromium
def test_provider_report_is_a_real_pdf_with_all_parts(sample_db, renderer, tmp_path) -> None:
    pdf = provider_report(sample_db, User("m", "management"), OTHER_AGB, QUARTER, renderer=renderer)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    content = _text(pdf)
    for expected in (
        "Stichting De Havenkring",
        "AGB 48629153",
        "A — systeemaanbieders",
        QUARTER,
        "Huidige escalatiestap",
        "Doelrealisatie",
        "Trends",
        "Populatie per zorgvorm",
        "Escalatie en afspraken",
        "dataversie",
    ):
        assert expected in content, expected
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 4  # the trend charts
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) renders the page: not installed")
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "report.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 10_000


@needs_chromium
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        # 48629153, 2026Q3: satisfaction -0,03 %-punt reads ±0,0; treatment wait -0,01 days too
        ("nl", ("±0,0 %-punt", "±0,0 dagen", "\u2212")),
        ("en", ("±0.0 pp", "±0.0 days", "\u2212")),
    ],
)
def test_report_changes_carry_unit_and_minus_sign(sample_db, renderer, lang, expected) -> None:
    table = kpi_table(sample_db, User("m", "management"), QUARTER, provider_agb=OTHER_AGB)
    pdf = provider_report(
        sample_db, User("m", "management"), OTHER_AGB, QUARTER, lang, renderer=renderer
    )
    kpi_page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for part in expected:
        assert part in kpi_page, part
    falls = table.filter(pl.col("delta_direction") != "same").filter(pl.col("delta") < 0)
    assert falls.height and kpi_page.count("\u2212") >= falls.height
    assert "-0," not in kpi_page and "-0." not in kpi_page


@needs_chromium
def test_mirror_pdf_obeys_the_aggregation_rule(sample_db, renderer) -> None:
    user = User("p", "provider", frozenset({PROVIDER_AGB}))
    content = _text(mirror_pdf(sample_db, user, PROVIDER_AGB, QUARTER, renderer=renderer))
    assert "Spiegelrapport" in content and "Regio (anderen)" in content
    others = sample_db.query("SELECT name FROM providers WHERE provider_agb <> ?", [PROVIDER_AGB])[
        "name"
    ].to_list()
    assert not [name for name in others if name in content]  # no other provider by name


@pytest.mark.parametrize("build", [provider_report, mirror_pdf])
def test_provider_user_cannot_export_another_providers_report(sample_db, build) -> None:
    with pytest.raises(AccessDenied):
        build(sample_db, User("p", "provider", frozenset({PROVIDER_AGB})), OTHER_AGB, QUARTER)


def test_report_cli_single_and_usage_errors(sample_region_file, tmp_path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.report", "pdf", *args],
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert (
        run(
            "--db",
            str(sample_region_file),
            "--quarter",
            "kwartaal 3",
            "--provider",
            PROVIDER_AGB,
            "--out",
            str(tmp_path / "x.pdf"),
        ).returncode
        == 2
    )
    assert (
        run(
            "--db",
            str(sample_region_file),
            "--quarter",
            QUARTER,
            "--provider",
            "123",
            "--out",
            str(tmp_path / "x.pdf"),
        ).returncode
        == 2
    )
    missing = run(
        "--db",
        str(sample_region_file),
        "--quarter",
        QUARTER,
        "--provider",
        "99999999",
        "--out",
        str(tmp_path / "x.pdf"),
    )
    assert missing.returncode == 1 and "register" in missing.stderr
    if chromium_path() is not None:
        done = run(
            "--db",
            str(sample_region_file),
            "--quarter",
            QUARTER,
            "--provider",
            PROVIDER_AGB,
            "--out",
            str(tmp_path / "r.pdf"),
        )
        assert done.returncode == 0, done.stderr
        assert len(PdfReader(str(tmp_path / "r.pdf")).pages) >= 3


def test_xlsx_export_round_trips_the_page_data(sample_db) -> None:
    table = kpi_table(sample_db, User("cm", "contract_manager"), QUARTER, category="A").select(
        "provider_agb", "name", "kpi", "numerator", "denominator", "value", "status"
    )
    header, rows = frame_rows(table)
    preamble = ["Filters: Kwartaal: 2026Q3; Categorie: A", "Dataversie 12"]
    workbook = xlsx_bytes({"kpis": (header, rows)}, preamble)
    back = pl.read_excel(
        io.BytesIO(workbook), sheet_name="kpis", read_options={"header_row": len(preamble) + 1}
    )
    assert back.columns == header
    assert back["provider_agb"].to_list() == table["provider_agb"].to_list()
    assert back["value"].to_list() == pytest.approx(table["value"].to_list(), nan_ok=True)
    assert back["numerator"].cast(pl.Int64).to_list() == table["numerator"].to_list()
    top = pl.read_excel(
        io.BytesIO(workbook), sheet_name="kpis", read_options={"header_row": None, "n_rows": 2}
    )
    assert top.row(0)[0] == preamble[0] and top.row(1)[0] == preamble[1]


def test_csv_export_is_dutch_excel_and_carries_the_filters(sample_db) -> None:
    content = dutch_csv(["a", "b"], [["x", 1.5]], ["Filters: Kwartaal: 2026Q3"])
    assert content.startswith(b'\xef\xbb\xbf"Filters: Kwartaal: 2026Q3"\r\n\r\n')
    assert content.decode("utf-8-sig").splitlines()[2:] == ["a;b", "x;1,5"]


@pytest.mark.parametrize("value", ["=SUM(A1)", "+31 6", "-1+2", "@cmd", "\tx", "\rx"])
def test_formula_cells_are_neutralised_in_every_export(value) -> None:
    assert neutralise(value) == "'" + value
    assert ("'" + value).encode("utf-8") in dutch_csv(["v"], [[value]])
    workbook = xlsx_bytes({"s": (["v"], [[value]])})
    back = pl.read_excel(io.BytesIO(workbook), sheet_name="s")
    assert back["v"][0] == "'" + value


def test_numbers_are_not_neutralised() -> None:
    assert neutralise(-5) == -5 and neutralise(3.5) == 3.5
