"""The talk pack (screen and PDF from the same sections, batch for this quarter's reviews) and
the decision letter, on the sample region: real PDFs read back with pypdf, pages rendered with
pdftoppm into test-artifacts/talkpack/ to look at."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date, datetime

import polars as pl
import pytest
from browser_support import ARTIFACTS
from pypdf import PdfReader

from impactmonitor import spc
from impactmonitor.access import AccessDenied, User
from impactmonitor.escalation import decision_history, reject_proposal
from impactmonitor.kpis import kpi_history
from impactmonitor.letters import decision_letter, letter_date
from impactmonitor.talkpack import (
    talk_pack,
    talk_pack_batch,
    talk_pack_pdf,
    talk_pack_sections,
    talk_packs_due,
)

OWN = "02694688"
OTHER = "48629153"  # Stichting De Havenkring: improvement plan, three agreements, explanations
QUARTER = "2026Q3"
AS_OF = date(2026, 12, 2)  # evaluation quarter 2026Q3
MANAGER = User("accounthouder", "contract_manager")


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeeze(value: str) -> str:
    """Text without whitespace: wrapped table cells break lines anywhere."""
    return "".join(value.split())


def render_pages(pdf: bytes, name: str) -> list:
    """The PDF's pages as PNGs in test-artifacts/talkpack/ (skipped without pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) renders the pages: not installed")
    folder = ARTIFACTS / "talkpack"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{name}-*.png"):
        old.unlink()
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(folder / f"{name}.pdf"), str(folder / name)],
        check=True,
    )
    return sorted(folder.glob(f"{name}-*.png"))


def test_talk_pack_sections_hold_everything_for_the_talk(sample_db) -> None:
    pack = talk_pack(sample_db, MANAGER, OTHER, QUARTER, AS_OF)
    sections = {s.key: s for s in talk_pack_sections(pack)}
    assert list(sections) == [
        "situation",
        "kpis",
        "changes",
        "signals",
        "agreements",
        "explanations",
        "history",
    ]
    situation = dict(sections["situation"].rows)
    assert situation["Huidige escalatiestap"].startswith("2 — Verbeterplan (sinds ")
    assert situation["Vorig gesprek"].endswith("(cijfers 2026Q1)")
    assert "verlopen" in situation["Reviewdatum"]  # the plan's review date has passed
    assert situation["Openstaande acties"].startswith("Verbeterplan met doelen per KPI")
    kpis = {row[0]: row for row in sections["kpis"].rows}
    assert kpis["Doelrealisatie"][1] == "51,2%" and kpis["Doelrealisatie"][2] == "✖ rood"
    # the SPC verdict is the provider page's: variation and assurance of the quarter
    own = (
        kpi_history(sample_db, MANAGER, OTHER)
        .filter((pl.col("quarter") == QUARTER) & (pl.col("kpi") == "goal_achievement"))
        .row(0, named=True)
    )
    assert kpis["Doelrealisatie"][5] == (
        spc.variation_label(own["spc_variation"], own["spc_variation_side"], short=True)
        + " · "
        + spc.assurance_label(own["spc_assurance"], short=True)
    )
    # then = the KPI snapshot the improvement-plan decision stored (2026Q1 figures)
    assert sections["changes"].header[1] == "Toen (2026Q1)"
    snapshot = json.loads(decision_history(sample_db, MANAGER, OTHER)["kpi_snapshot"][0])
    goal = next(item for item in snapshot if item["kpi"] == "goal_achievement")
    changes = {row[0]: row for row in sections["changes"].rows}
    assert changes["Doelrealisatie"][1].startswith(f"{goal['value'] * 100:.1f}".replace(".", ","))
    assert "Afspraak ‘Doelrealisatie terug naar 65%’" in " ".join(sections["signals"].paragraphs)
    agreements = {row[0]: row for row in sections["agreements"].rows}
    assert agreements["Doelrealisatie terug naar 65%"][4] == "✖ Niet gehaald"
    assert agreements["Uitval onder 12%"][4] == "✖ Niet op koers"
    explanations = " ".join(row[2] for row in sections["explanations"].rows)
    assert "personeelsverloop" in explanations and "Dank voor de toelichting" in explanations
    assert [row[2] for row in sections["history"].rows] == [
        "Signaal → Verbeterplan",
        "Regulier → Signaal",
    ]


def test_talk_pack_pdf_shows_the_same_sections_as_the_screen(sample_db) -> None:
    pdf = talk_pack_pdf(sample_db, MANAGER, OTHER, QUARTER, AS_OF)
    content = squeeze(pdf_text(pdf))
    pack = talk_pack(sample_db, MANAGER, OTHER, QUARTER, AS_OF)
    for section in talk_pack_sections(pack):
        assert squeeze(section.heading) in content, section.heading
        for row in section.rows:
            assert squeeze(row[0]) in content, (section.key, row[0])
        for paragraph in section.paragraphs:
            assert squeeze(paragraph) in content, paragraph
    pages = render_pages(pdf, f"gespreksvoorbereiding_{OTHER}")
    assert len(pages) >= 2
    assert all(page.stat().st_size > 10_000 for page in pages)


def test_without_an_earlier_talk_the_changes_are_against_the_previous_quarter(sample_db) -> None:
    pack = talk_pack(sample_db, MANAGER, OWN, QUARTER, AS_OF)
    changes = next(s for s in talk_pack_sections(pack) if s.key == "changes")
    assert changes.paragraphs[0] == (
        "Nog geen eerder gesprek: vergeleken met het kwartaal vóór 2026Q3."
    )
    assert changes.header[1] == "Toen (2026Q2)"
    english = talk_pack(sample_db, MANAGER, OWN, QUARTER, AS_OF, lang="en")
    assert talk_pack_sections(english)[0].heading == "Where things stand"
    render_pages(
        talk_pack_pdf(sample_db, MANAGER, OWN, QUARTER, AS_OF), f"gespreksvoorbereiding_{OWN}"
    )


@pytest.mark.parametrize(
    "user", [User("p", "provider", frozenset({OWN})), User("a", "admin")], ids=["provider", "admin"]
)
def test_only_contract_managers_and_management_prepare_talks(sample_db, user) -> None:
    with pytest.raises(AccessDenied):
        talk_pack(sample_db, user, OWN, QUARTER, AS_OF)
    with pytest.raises(AccessDenied):
        talk_packs_due(sample_db, user, AS_OF)


def test_batch_for_the_reviews_of_this_quarter(sample_db, tmp_path) -> None:
    due = talk_packs_due(sample_db, MANAGER, AS_OF)
    categories = dict(sample_db.query("SELECT provider_agb, category FROM providers").rows())
    by_category = due.with_columns(
        pl.col("provider_agb").replace_strict(categories).alias("category")
    )
    # A: every quarter, all six; B: every half year (the second half of 2026 has no review
    # yet); C: only those with a signal
    assert by_category.filter(pl.col("category") == "A").height == 6
    assert by_category.filter(pl.col("category") == "B").height == 20
    c_reasons = by_category.filter(pl.col("category") == "C")["reasons"].to_list()
    assert c_reasons and all("signal" in reasons for reasons in c_reasons)
    seen = []
    written = talk_pack_batch(
        sample_db,
        MANAGER,
        tmp_path / "packs",
        AS_OF,
        progress=lambda done, total, agb: seen.append((done, total)),
    )
    assert len(written) == due.height
    assert seen[-1] == (due.height, due.height)
    assert {p.name for p in written} == {
        f"gespreksvoorbereiding_{agb}_{QUARTER}.pdf" for agb in due["provider_agb"]
    }
    assert all(PdfReader(p).pages for p in written[:3])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 5, 15), "15 mei 2026"),
        (datetime(2026, 12, 1, 9, 0), "1 december 2026"),
        (date(2027, 3, 31), "31 maart 2027"),
    ],
)
def test_letter_date(day, expected) -> None:
    assert letter_date(day) == expected


def test_decision_letter_is_formal_dutch_with_the_decision_and_its_figures(sample_db) -> None:
    history = decision_history(sample_db, MANAGER, OTHER)
    plan = history.filter(pl.col("to_step") == 2).row(0, named=True)
    pdf = decision_letter(sample_db, MANAGER, plan["decision_id"])
    content = pdf_text(pdf)
    for expected in (
        "Gemeenschappelijke Regeling Jeugdhulp Rijnmond",
        "Stichting De Havenkring",
        "AGB-code 48629153",
        "Kenmerk",
        "Geachte directie,",
        "Besluit escalatieladder: stap 2 (Verbeterplan)",
        "van stap 1 (Signaal) naar stap 2 (Verbeterplan)",
        "Aanleiding",
        "Cijfers waarop dit besluit is gebaseerd (2026Q1)",
        "groen ≥ 70,0%",
        "Doelrealisatie terug naar 65%",
        "Wachtlijst terug naar 100",
        letter_date(plan["review_date"]),
        "Met vriendelijke groet,",
        "namens Gemeenschappelijke Regeling Jeugdhulp Rijnmond",
    ):
        assert squeeze(expected) in squeeze(content), expected
    render_pages(pdf, f"besluitbrief_{OTHER}")


def test_letter_of_a_rejected_proposal_says_the_step_stays(sample_db) -> None:
    decision = reject_proposal(
        sample_db, MANAGER, OTHER, "Eerst het effect van het nieuwe team afwachten", as_of=AS_OF
    )
    content = squeeze(pdf_text(decision_letter(sample_db, MANAGER, decision)))
    assert squeeze("gaven aanleiding tot een voorstel om de stap te wijzigen") in content
    assert squeeze("op stap 2 (Verbeterplan) blijft") in content


def test_a_provider_gets_its_own_letters_only(sample_db) -> None:
    own_decision = decision_history(sample_db, MANAGER, OTHER)["decision_id"][0]
    assert decision_letter(sample_db, User("p", "provider", frozenset({OTHER})), own_decision)
    with pytest.raises(ValueError, match="not found"):
        decision_letter(sample_db, User("p", "provider", frozenset({OWN})), own_decision)
