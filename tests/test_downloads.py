"""Downloads: made and audited when clicked, refused after the session ended; the data version
printed in an export depends only on the data the export shows."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from pypdf import PdfReader

from impactmonitor.access import User
from impactmonitor.audit import SessionEnded, audited_download, record_export
from impactmonitor.escalation import record_decision
from impactmonitor.exports import content_version
from impactmonitor.reports import mirror_pdf, provider_report
from impactmonitor.users import authenticate

PROVIDER_AGB = "02694688"
OTHER_AGB = "48629153"
QUARTER = "2026Q3"
MANAGER = User("m", "management")


def _exports(db) -> list[tuple]:
    return db.query(
        "SELECT actor, provider_agb, quarter, details->>'$.what', "
        "details->>'$.kind' FROM audit_log WHERE action = 'export' "
        "ORDER BY event_id"
    ).rows()


def test_a_download_is_made_and_audited_when_clicked(empty_db) -> None:
    built: list[int] = []

    def build() -> bytes:
        built.append(1)
        return b"rij;fout\r\n"

    data = audited_download(
        empty_db,
        User("zorg", "provider", frozenset({"01234567"})),
        "fouten_01234567_2025Q2.csv",
        build,
        lambda: True,
        kind="error_list",
        provider_agb="01234567",
        quarter="2025Q2",
    )
    assert not built and _exports(empty_db) == []  # showing the button makes nothing
    assert data() == b"rij;fout\r\n"
    assert _exports(empty_db) == [
        ("zorg", "01234567", "2025Q2", "fouten_01234567_2025Q2.csv", "error_list")
    ]


def test_no_download_after_the_session_ended(empty_db) -> None:
    data = audited_download(
        empty_db,
        User("zorg", "provider", frozenset({"01234567"})),
        "foutbestand.csv",
        lambda: b"rows",
        lambda: False,
        kind="error_file",
    )
    with pytest.raises(SessionEnded):
        data()
    assert _exports(empty_db) == []


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ((["a", "b"], [[1, 2.5], [None, "x"]]), (["a", "b"], [[1, 2.5], [None, "x"]]), True),
        ((["a", "b"], [[1, 2.5]]), (["a", "b"], [[1, 2.6]]), False),
        ((["a", "b"], [[1, 2.5]]), (["a", "c"], [[1, 2.5]]), False),
        ((["a"], [["1"]]), (["a"], [[1]]), False),
    ],
)
def test_content_version_is_a_fingerprint_of_the_rows(left, right, same) -> None:
    assert (content_version(*left) == content_version(*right)) is same
    assert re.fullmatch(r"[0-9a-f]{12}", content_version(*left))


class _BlankCharts:
    """Charts as a 1x1 white PNG: the test reads the footer, not the pictures."""

    @staticmethod
    def png(figure, width: int, height: int) -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return (
                struct.pack(">I", len(data))
                + kind
                + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
            )

        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b"")
        )


def _version(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    versions = set(re.findall(r"dataversie (\w+)", text))
    assert len(versions) == 1, versions  # one version, on every page
    return versions.pop()


@pytest.mark.parametrize("report", [provider_report, mirror_pdf])
def test_report_data_version_ignores_everything_outside_the_report(sample_db, report) -> None:
    """Other providers' activity, logins and exports leave a report's data version alone (it
    was the global audit counter, through which a provider could watch the others)."""
    before = _version(report(sample_db, MANAGER, OTHER_AGB, QUARTER, renderer=_BlankCharts()))
    authenticate(sample_db, "aanbieder", "wrong password")
    record_export(sample_db, User("x", "contract_manager"), "kpis.csv", PROVIDER_AGB, QUARTER)
    record_decision(
        sample_db,
        User("a", "contract_manager"),
        PROVIDER_AGB,
        1,
        "Twee KPI's rood",
        agreed_actions="Verbeterplan",
        quarter=QUARTER,
    )
    after = _version(report(sample_db, MANAGER, OTHER_AGB, QUARTER, renderer=_BlankCharts()))
    assert after == before


def test_report_data_version_changes_with_the_reports_own_data(sample_db) -> None:
    before = _version(
        provider_report(sample_db, MANAGER, OTHER_AGB, QUARTER, renderer=_BlankCharts())
    )
    record_decision(
        sample_db,
        User("a", "contract_manager"),
        OTHER_AGB,
        1,
        "Twee KPI's rood",
        agreed_actions="Verbeterplan",
        quarter=QUARTER,
    )
    after = _version(
        provider_report(sample_db, MANAGER, OTHER_AGB, QUARTER, renderer=_BlankCharts())
    )
    assert after != before
