"""AppTest sweep: every page × role × language on the sample region reads as a person wrote it.

Fails on what shows through from the data layer: raw keys (`municipality_name`,
`residential_short`, `12_17`, `offer`, `green`), `None`/`nan`/`NaT`/`True`, ISO dates and
timestamps (`2026-08-13 00:00:00`), the wrong decimal sign for the language (`0.975` in Dutch,
`72,0%` in English) and English words in the Dutch UI (or Dutch words in the English UI).

What is checked: titles, headers, texts, captions, messages, metrics, tab and expander labels,
widget labels and options, buttons, and every table's headers and cells as the browser shows
them (a Styler's display texts). Cells of columns that hold what people typed or named (provider
names, reasons, file names, user names) are exempt from the word checks only.

The allowed tokens and the word lists below are maintained here: a new text that trips them is
either fixed or, when it is right, added with a reason.
"""

from __future__ import annotations

import json
import re

import pytest
from app_support import app_as, page_path, shown_frames

from impactmonitor.access import PAGE_ROLES, User
from impactmonitor.kpis import KPI_KEYS
from schemas.reference import AGE_GROUPS, CARE_FORMS

PROVIDER_AGB = "02694688"
USERS = {
    "provider": User("aanbieder", "provider", frozenset({PROVIDER_AGB})),
    "contract_manager": User("accounthouder", "contract_manager"),
    "management": User("management", "management"),
    "admin": User("beheerder", "admin"),
    "municipality": User("gemeente", "municipality", municipality_codes=frozenset({"GM1992"})),
}
CASES = [
    (page, role, lang)
    for page, roles in PAGE_ROLES.items()
    for role in sorted(roles)
    for lang in ("nl", "en")
]

# Codes of the data layer that must never reach a screen as they are.
# (Codes that are also words, such as "ambulant", "dropout" or "green", are left to the word lists.)
RAW_CODES = {code for code in (*CARE_FORMS, *AGE_GROUPS, *KPI_KEYS) if "_" in code} | {
    "municipality_name",
    "municipality_code",
    "provider_agb",
    "table_name",
    "care_form",
    "age_group",
    "contract_manager",
    "on_time_share",
    "delivery_accepted",
    "delivery_rejected",
    "escalation_decision",
    "norm_changed",
    "register_changed",
    "user_changed",
    "login_success",
    "login_failure",
    "n<10",
    "spc_signal",
}
# Codes that are also ordinary English words (green, offer, late) are caught in the Dutch UI by
# ENGLISH_WORDS; in the English UI they are the right words.
NOTHING = re.compile(r"(?<![\w-])(None|nan|NaN|NaT|null|True|False|undefined)(?![\w-])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SNAKE = re.compile(r"(?<![\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w./-])")
# A number with a decimal point in Dutch: not a thousands grouping (1.234 or 12.345.678).
DUTCH_BAD_NUMBER = re.compile(r"(?<![\w.,])(?![1-9]\d{0,2}(?:\.\d{3})+(?![\d.,]))\d+\.\d+")
# A number with a decimal comma in English: not a thousands grouping (1,234).
ENGLISH_BAD_NUMBER = re.compile(r"(?<![\w.,])(?![1-9]\d{0,2}(?:,\d{3})+(?![\d.,]))\d+,\d+")

# English words that have no place in the Dutch UI (checked as whole words, any case).
ENGLISH_WORDS = {
    "the",
    "and",
    "with",
    "from",
    "not",
    "yes",
    "no",
    "choose",
    "options",
    "option",
    "upload",
    "browse",
    "drag",
    "drop",
    "files",
    "file",
    "page",
    "found",
    "select",
    "quarter",
    "provider",
    "providers",
    "value",
    "values",
    "change",
    "share",
    "days",
    "ratio",
    "count",
    "table",
    "row",
    "column",
    "message",
    "error",
    "errors",
    "warning",
    "warnings",
    "green",
    "amber",
    "red",
    "late",
    "missing",
    "complete",
    "pending",
    "higher",
    "lower",
    "better",
    "worse",
    "default",
    "changed",
    "by",
    "at",
    "on",
    "time",
    "user",
    "role",
    "action",
    "downloaded",
    "logged",
    "total",
    "region",
    "municipality",
    "care",
    "form",
    "step",
    "signal",
    "outside",
    "limits",
    "mean",
    "offer",
    "population",
    "results",
    "accepted",
    "rejected",
    "delivery",
    "deliveries",
    "export",
    "overview",
    "audit",
    "log",
}
# Dutch words that have no place in the English UI (UI words only: names stay Dutch).
DUTCH_WORDS = {
    "groen",
    "oranje",
    "rood",
    "kwartaal",
    "aanbieder",
    "aanbieders",
    "gemeente",
    "zorgvorm",
    "populatie",
    "aanbod",
    "resultaten",
    "jaar",
    "dagen",
    "geen",
    "alle",
    "niet",
    "voor",
    "ontbreekt",
    "onvolledig",
    "ja",
    "nee",
    "verschil",
    "waarde",
    "noemer",
    "teller",
    "tabel",
    "bestand",
    "rij",
    "kolom",
    "melding",
    "fout",
    "fouten",
    "waarschuwing",
    "waarschuwingen",
    "gewijzigd",
    "door",
    "standaard",
    "hoger",
    "lager",
    "beter",
    "slechter",
    "stap",
    "aanlevering",
    "geaccepteerd",
    "afgewezen",
    "gebruiker",
}
# Tokens allowed although a rule above would flag them, with the reason.
ALLOWED = {
    "Download",  # "Download CSV" is the Dutch imperative of downloaden as well
    "Status",  # the same word in both languages
    "KPI",
    "KPI's",
    "AGB",
    "SHA-256",
    "CSV",
    "Excel",
    "XLSX",
    "PDF",
    "ID",
    "Impactmonitor",
    "Jeugdhulp",  # the product's name
    "Treeknorm",  # the Dutch waiting-time norm's name, also in the English texts
    "Count",  # "Making Data Count", the name of the NHS method the SPC charts follow
    "d",  # the unit "days" in both languages
    # the test accounts' user names, shown as "logged in as" (names, not UI words)
    "aanbieder",
    "accounthouder",
    "beheerder",
    "management",
    "gemeente",
}
# Table columns (by header, either language) that hold what people typed or named.
DATA_COLUMNS = {
    "Naam",
    "Name",
    "Reden",
    "Reason",
    "Afspraken",
    "Agreed actions",
    "Bestand",
    "File",
    "Perceel",
    "Lot",
    "Aangeleverd door",
    "Delivered by",
    "Door",
    "By",
    "Wie",
    "Who",
    "Gebruikersnaam",
    "Username",
    "Weergavenaam",
    "Display name",
    "Gewijzigd door",
    "Changed by",
    "Vastgelegd door",
    "Recorded by",
    "Aanbieder",
    "Provider",
    "Details",
    "Ontvangstbewijs",
    "Receipt",
    "SHA-256",
    "Niveau",
    "Level",
    "Gemeente",
    "Municipality",
    # issue 16: agreement titles, explanations and replies, the reason of a change
    "Afspraak",
    "Agreement",
    "Toelichting",
    "Explanation",
    "Toelichting en reacties",
    "Explanation and replies",
    "Waarom",
    "Why",
    "Contractmanager",
    "Contract manager",
}
# What people typed, quoted inside a sentence of the UI (an agreement's title in a reason, the
# provider's explanation in a message): ‘…’ is exempt from the word checks only.
QUOTED = re.compile(r"‘[^’]*’")


def _render(db_path, monkeypatch, role: str, page: str, lang: str):
    at = app_as(USERS[role], db_path, monkeypatch, {"lang": lang}).run()
    assert not at.exception, at.exception
    at.switch_page(page_path(page)).run()
    assert not at.exception, at.exception
    return at


def _chart_headers(frame_element) -> set[str]:
    """Headers of chart columns (sparklines): their cells are charts, not text."""
    try:
        config = json.loads(frame_element.proto.columns or "{}")
    except ValueError:
        return set()
    return {
        name
        for name, column in config.items()
        if "chart" in str(column.get("type_config", {}).get("type", ""))
    }


def shown_texts(at) -> tuple[list[str], list[str]]:
    """(UI texts, data texts): everything the page shows, split by who wrote it."""
    ui: list[str] = []
    data: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
        "text",
    ):
        for element in getattr(at, kind):
            # The sidebar's "Logged in as <name>" holds the account's own display name.
            shown = str(element.value)
            (data if shown.startswith(("Ingelogd als ", "Logged in as ")) else ui).append(shown)
    for metric in at.metric:
        ui += [metric.label, str(metric.value), str(metric.proto.delta or "")]
    for block in ("tabs", "expander"):
        ui += [element.label for element in getattr(at, block)]
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in getattr(at, kind):
            ui.append(widget.label)
            ui += [str(option) for option in widget.options]
            if getattr(widget, "placeholder", None):
                ui.append(widget.placeholder)
    for kind in ("button", "text_input", "text_area", "number_input", "date_input", "checkbox"):
        ui += [str(widget.label) for widget in getattr(at, kind)]
    ui += [str(element.proto.label) for element in at.get("download_button")]
    for element, frame in zip(at.dataframe, shown_frames(at), strict=True):
        charts = _chart_headers(element)
        for header in frame.columns:
            if header in charts:
                continue
            ui.append(str(header))
            cells = [str(value) for value in frame[header].tolist()]
            (data if header in DATA_COLUMNS else ui).extend(cells)
    return ui, data


def problems(ui: list[str], data: list[str], lang: str) -> list[str]:
    found: list[str] = []
    for text in ui + data:
        for pattern, label in ((NOTHING, "nothing"), (ISO_DATE, "iso date")):
            found += [f"{label}: {m.group(0)!r} in {text[:80]!r}" for m in pattern.finditer(text)]
        bad_number = DUTCH_BAD_NUMBER if lang == "nl" else ENGLISH_BAD_NUMBER
        if not re.search(r"\.(csv|xlsx|pdf)\b", text):
            found += [f"number: {m.group(0)!r} in {text[:80]!r}" for m in bad_number.finditer(text)]
    for text in ui:
        words = re.findall(r"[A-Za-zÀ-ÿ'<]+(?:[_-][A-Za-z0-9À-ÿ]+)*|n<10", QUOTED.sub("‘…’", text))
        for word in words:
            if word in ALLOWED:
                continue
            if word in RAW_CODES or (
                SNAKE.fullmatch(word) and not word.endswith((".csv", ".xlsx", ".pdf"))
            ):
                found.append(f"raw key: {word!r} in {text[:80]!r}")
            elif lang == "nl" and word.lower() in ENGLISH_WORDS:
                found.append(f"English word: {word!r} in {text[:80]!r}")
            elif lang == "en" and word.lower() in DUTCH_WORDS:
                found.append(f"Dutch word: {word!r} in {text[:80]!r}")
    return sorted(set(found))


@pytest.mark.parametrize(("page", "role", "lang"), CASES)
def test_page_reads_as_written_by_a_person(sample_db, monkeypatch, page, role, lang) -> None:
    at = _render(sample_db.path, monkeypatch, role, page, lang)
    ui, data = shown_texts(at)
    assert ui, "the page shows something"
    found = problems(ui, data, lang)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Waarde: None", "nl", ["nothing"]),
        ("72.0%", "nl", ["number"]),
        ("1.234", "nl", []),
        ("0.975", "nl", ["number"]),
        ("72,0%", "en", ["number"]),
        ("1,234", "en", []),
        ("2026-08-13 00:00:00", "nl", ["iso date"]),
        ("residential_short", "nl", ["raw key"]),
        ("Choose options", "nl", ["English word"]),
        ("groen", "en", ["Dutch word"]),
        ("Doelrealisatie 72,0% ✔ +0,7 %-punt", "nl", []),
        ("13-08-2026 14:05", "nl", []),
        ("Agreement ‘Ligduur onder 140 dagen’ missed", "en", []),
        ("Afspraak ‘Stays under 140 days’ niet gehaald", "nl", []),
        ("Afspraak ‘x’ not gehaald", "nl", ["English word"]),
    ],
)
def test_the_sweep_catches_what_it_should(text, lang, expected) -> None:
    """The checks themselves: each rule fires on its example and not on good text."""
    kinds = sorted({p.split(":")[0] for p in problems([text], [], lang)})
    assert kinds == expected
