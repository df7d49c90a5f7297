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
