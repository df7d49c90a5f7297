"""AppTest of what the pages of issue 11 say about the values: the mirror report's corrected
benchmark and rank, and (further down) SPC signals, deltas, n.v.t. and municipality filters."""

from __future__ import annotations

import pytest
from app_support import app_as, page_path, texts

from impactmonitor.access import User

MANAGER = User("accounthouder", "contract_manager")


def _page(db_path, monkeypatch, page: str, query: dict, user: User = MANAGER):
    at = app_as(user, db_path, monkeypatch, query).run()
    assert not at.exception, at.exception
    at.switch_page(page_path(page)).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize(
    ("lang", "ratio_row"),
    [
        ("nl", ["Verhouding ambulant/bed", "5,69", "12,82"]),
        ("en", ["Ambulant/bed ratio", "5.69", "12.82"]),
    ],
)
def test_mirror_table_shows_the_corrected_ratio_and_the_rank(sample_db, monkeypatch, lang,
                                                             ratio_row) -> None:
    at = _page(sample_db.path, monkeypatch, "mirror",
               {"provider": "01521798", "quarter": "2026Q3", "lang": lang})
    table = at.dataframe[0].value
    row = table[table.iloc[:, 0] == ratio_row[0]].iloc[0].tolist()
    assert row[3:5] == ratio_row[1:]
    rank_column = "Positie in categorie" if lang == "nl" else "Position in category"
    goal = table.iloc[0]
    assert goal[rank_column] == ("6 van 18 (kwartiel 2)" if lang == "nl"
                                 else "6 of 18 (quartile 2)")
    assert "80%" in texts(at)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", ("Signalen Doelrealisatie: 2025Q2: ▼ bijzondere variatie: verslechtering (lager) "
                "— 6 of meer punten op rij stijgend of dalend · 2025Q3–2026Q3: ▼ bijzondere "
                "variatie: verslechtering (lager) — punt buiten de controlegrenzen; 6 of meer "
                "punten op rij stijgend of dalend; 2 van 3 punten voorbij 2 sigma aan dezelfde "
                "kant", "Variatie", "Zekerheid norm", "Making Data Count")),
        ("en", ("Signals Goal achievement: 2025Q2: ▼ special cause variation: concern (lower) "
                "— 6 or more points in a row rising or falling · 2025Q3–2026Q3: ▼ special cause "
                "variation: concern (lower) — point outside the control limits; 6 or more "
                "points in a row rising or falling; 2 of 3 points beyond 2 sigma on the same "
                "side", "Variation", "Assurance", "Making Data Count")),
    ],
)
def test_provider_page_names_the_rule_of_every_signal(sample_db, monkeypatch, lang,
                                                      expected) -> None:
    at = _page(sample_db.path, monkeypatch, "provider",
               {"provider": "48629153", "quarter": "2026Q3", "lang": lang})
    shown = texts(at)
    captions = [c.value for c in at.caption]
    assert expected[0] in captions
    summary = at.dataframe[0].value
    assert expected[1] in summary.columns and expected[2] in summary.columns
    goal = summary.iloc[0]
    assert goal[expected[1]].startswith("▼")
    assert any(expected[3] in e.value for e in at.markdown), "the method is explained"
    # Every signal caption names a rule for each of its runs of quarters.
    for caption in captions:
        if caption.startswith(("Signalen", "Signals")):
            for part in caption.split(": ", 1)[1].split(" · "):
                assert " — " in part and part.split(" — ")[1], part
    assert "Er ging iets mis" not in shown
