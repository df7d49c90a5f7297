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
from impactmonitor.i18n import TEXTS, text
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


# The names downloads had before they came from the catalogues: Dutch stays byte-identical.
DUTCH_FILE_NAMES = [
    ("file_provider_report", {"agb": OTHER_AGB, "quarter": QUARTER}, "rapport_48629153_2026Q3.pdf"),
    (
        "file_mirror_report",
        {"agb": OTHER_AGB, "quarter": QUARTER},
        "spiegelrapport_48629153_2026Q3.pdf",
    ),
    ("file_receipt", {"delivery": "d-1"}, "ontvangstbewijs_d-1.pdf"),
    ("file_error_list", {"agb": OTHER_AGB, "quarter": QUARTER}, "fouten_48629153_2026Q3.csv"),
    ("file_error_file", {"stem": "populatie"}, "populatie_fouten.csv"),
    (
        "file_talk_pack",
        {"agb": OTHER_AGB, "quarter": QUARTER},
        "gespreksvoorbereiding_48629153_2026Q3.pdf",
    ),
    ("file_talk_packs", {"date": "20261203"}, "gespreksvoorbereidingen_20261203.zip"),
    (
        "file_decision_letter",
        {"agb": OTHER_AGB, "date": "20261203"},
        "besluitbrief_48629153_20261203.pdf",
    ),
    ("file_board_report", {"quarter": QUARTER}, "bestuursrapportage_2026Q3.pdf"),
    ("file_board_slides", {"quarter": QUARTER}, "bestuursrapportage_2026Q3.pptx"),
    (
        "export_name_mirror_report",
        {"agb": OTHER_AGB, "quarter": QUARTER},
        "spiegelrapport_48629153_2026Q3",
    ),
    ("export_name_municipality_region", {"code": "GM0599"}, "gemeente_GM0599_regio"),
    ("export_name_delivery_status", {}, "aanleverstatus"),
]
# Parts an English name may share with the Dutch one: the fields, extensions and words that are
# the same in both languages.
SHARED = {"pdf", "pptx", "csv", "zip", "ambulant", "bed"}


@pytest.mark.parametrize(("key", "fields", "dutch"), DUTCH_FILE_NAMES)
def test_file_names_are_unchanged_in_dutch_and_english_in_english(key, fields, dutch) -> None:
    assert text(key, "nl", **fields) == dutch
    english = text(key, "en", **fields)
    assert english != dutch
    assert "rapport" not in english and "fouten" not in english


# Every file name in the catalogues: file_<kind> (a whole name) and export_name_<table>.
FILE_NAME_KEYS = sorted(
    key
    for key in TEXTS
    if key.startswith("export_name_")
    or (key.startswith("file_") and re.search(r"\.(pdf|pptx|csv|zip)$", TEXTS[key]["nl"]))
)


def _words(name: str) -> set[str]:
    return set(re.split(r"[_.]", re.sub(r"\{\w+\}", "", name))) - {""}


@pytest.mark.parametrize("key", FILE_NAME_KEYS)
def test_english_file_names_share_no_dutch_word(key) -> None:
    """No word of the Dutch name is in the English one, except the fields, the extension and
    words the same in both languages; and the name is safe (no spaces, plain characters)."""
    nl, en = TEXTS[key]["nl"], TEXTS[key]["en"]
    assert _words(nl) & _words(en) <= SHARED, key
    assert re.fullmatch(r"[a-z0-9_.{}]+", en), key


def test_every_file_name_is_checked() -> None:
    assert {key for key, _, _ in DUTCH_FILE_NAMES} <= set(FILE_NAME_KEYS)
    assert len(FILE_NAME_KEYS) >= 40


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
