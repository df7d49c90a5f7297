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
def test_mirror_table_shows_the_corrected_ratio_and_the_rank(
    sample_db, monkeypatch, lang, ratio_row
) -> None:
    at = _page(
        sample_db.path,
        monkeypatch,
        "mirror",
        {"provider": "01521798", "quarter": "2026Q3", "lang": lang},
    )
    table = at.dataframe[0].value
    row = table[table.iloc[:, 0] == ratio_row[0]].iloc[0].tolist()
    assert row[3:5] == ratio_row[1:]
    rank_column = "Positie in categorie" if lang == "nl" else "Position in category"
    goal = table.iloc[0]
    assert goal[rank_column] == (
        "6 van 18 (kwartiel 2)" if lang == "nl" else "6 of 18 (quartile 2)"
    )
    assert "80%" in texts(at)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "nl",
            (
                "Signalen Doelrealisatie: 2025Q2: ▼ bijzondere variatie: verslechtering (lager) "
                "— 6 of meer punten op rij stijgend of dalend · 2025Q3–2026Q3: ▼ bijzondere "
                "variatie: verslechtering (lager) — punt buiten de controlegrenzen; 6 of meer "
                "punten op rij stijgend of dalend; 2 van 3 punten voorbij 2 sigma aan dezelfde "
                "kant",
                "Variatie",
                "Zekerheid norm",
                "Making Data Count",
            ),
        ),
        (
            "en",
            (
                "Signals Goal achievement: 2025Q2: ▼ special cause variation: concern (lower) "
                "— 6 or more points in a row rising or falling · 2025Q3–2026Q3: ▼ special cause "
                "variation: concern (lower) — point outside the control limits; 6 or more "
                "points in a row rising or falling; 2 of 3 points beyond 2 sigma on the same "
                "side",
                "Variation",
                "Assurance",
                "Making Data Count",
            ),
        ),
    ],
)
def test_provider_page_names_the_rule_of_every_signal(
    sample_db, monkeypatch, lang, expected
) -> None:
    at = _page(
        sample_db.path,
        monkeypatch,
        "provider",
        {"provider": "48629153", "quarter": "2026Q3", "lang": lang},
    )
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


# ---- deltas (item 4) ----------------------------------------------------------------------------
# Sample region 2026Q2 -> 2026Q3: regional dropout 9,67% -> 9,65% (-0,03 %-punt: reads ±0,0),
# goal achievement +0,34 %-punt, intake waiting time -0,77 days, waiting list 743 -> 704.
MANAGEMENT = User("management", "management")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "nl",
            {
                "Uitval": ("±0,0 %-punt", "GRAY", "NONE"),
                "Doelrealisatie": ("+0,3 %-punt", "GREEN", "UP"),
                "Wachttijd aanmelding–intake": ("\u22120,8 dagen", "GREEN", "DOWN"),
                "Wachtlijst": ("\u221239 cliënten", "GREEN", "DOWN"),
            },
        ),
        (
            "en",
            {
                "Dropout": ("±0.0 pp", "GRAY", "NONE"),
                "Goal achievement": ("+0.3 pp", "GREEN", "UP"),
                "Intake waiting time": ("\u22120.8 days", "GREEN", "DOWN"),
                "Waiting list": ("\u221239 clients", "GREEN", "DOWN"),
            },
        ),
    ],
)
def test_overview_tiles_colour_a_change_by_the_kpi_direction(
    sample_db, monkeypatch, lang, expected
) -> None:
    from streamlit.proto.Metric_pb2 import Metric

    at = _page(sample_db.path, monkeypatch, "overview", {"lang": lang}, MANAGEMENT)
    tiles = {m.label: m.proto for m in at.metric}
    for label, (delta, colour, arrow) in expected.items():
        proto = tiles[label]
        assert proto.delta == delta, label
        assert Metric.MetricColor.Name(proto.color) == colour, label
        assert Metric.MetricDirection.Name(proto.direction) == arrow, label


@pytest.mark.parametrize(
    ("lang", "cell"),
    [
        # 48629153 satisfaction 72,30% -> 72,27%: reads ±0,0 (was "-0,0 %-punt")
        ("nl", "72,3% ! ±0,0 %-punt"),
        ("en", "72.3% ! ±0.0 pp"),
    ],
)
def test_kpi_table_cells_show_a_change_with_unit_and_minus_sign(
    sample_db, monkeypatch, lang, cell
) -> None:
    at = _page(
        sample_db.path,
        monkeypatch,
        "categories",
        {"quarter": "2026Q3", "category": "A", "lang": lang},
    )
    shown = texts(at)
    assert cell in shown
    assert " -" not in shown.replace("–", ""), "no hyphen as a minus sign"
    assert ("dagen" if lang == "nl" else "days") in shown


@pytest.mark.parametrize(
    ("lang", "column", "expected"),
    [
        (
            "nl",
            "Verschil",
            {"Cliënttevredenheid": "±0,0 %-punt", "Wachttijd intake–behandeling": "±0,0 dagen"},
        ),
        ("en", "Change", {"Client satisfaction": "±0.0 pp", "Treatment waiting time": "±0.0 days"}),
    ],
)
def test_provider_summary_shows_the_change_with_its_unit(
    sample_db, monkeypatch, lang, column, expected
) -> None:
    at = _page(
        sample_db.path,
        monkeypatch,
        "provider",
        {"provider": "48629153", "quarter": "2026Q3", "lang": lang},
    )
    from app_support import shown_frames

    summary = shown_frames(at)[0]
    changes = dict(zip(summary.iloc[:, 0], summary[column], strict=True))
    for kpi_name, change in expected.items():
        assert changes[kpi_name] == change, kpi_name
    assert not any(str(c).startswith("-") for c in changes.values())


# ---- n.v.t. (item 5) ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "na", "legend"),
    [
        ("nl", "n.v.t.", ("n < 10", "n.v.t.", "geen norm", "zonder bedgebonden zorg")),
        ("en", "n/a", ("n < 10", "n/a", "no norm", "without bed-type care")),
    ],
)
def test_kpi_table_says_not_applicable_for_a_provider_without_beds(
    sample_db, monkeypatch, lang, na, legend
) -> None:
    from app_support import shown_frames

    at = _page(
        sample_db.path,
        monkeypatch,
        "categories",
        {"quarter": "2026Q3", "category": "B", "lang": lang},
    )
    table = shown_frames(at)[0]
    row = table[table.iloc[:, 0] == "01521798"].iloc[0]
    ratio = "Verhouding ambulant/bed" if lang == "nl" else "Ambulant/bed ratio"
    stay = "Gemiddelde ligduur" if lang == "nl" else "Average length of stay"
    assert (row[ratio], row[stay]) == (na, na)
    small = table[table.iloc[:, 0] == "01579530"].iloc[0]  # 6 bed clients: n < 10
    assert "·" in small[ratio] and na not in small[ratio]
    captions = " ".join(c.value for c in at.caption)
    for part in legend:
        assert part in captions, part


@pytest.mark.parametrize(("lang", "na"), [("nl", "∅ n.v.t."), ("en", "∅ n/a")])
def test_provider_page_says_not_applicable(sample_db, monkeypatch, lang, na) -> None:
    from app_support import shown_frames

    at = _page(
        sample_db.path,
        monkeypatch,
        "provider",
        {"provider": "01521798", "quarter": "2026Q3", "lang": lang},
    )
    summary = shown_frames(at)[0]
    status = dict(zip(summary.iloc[:, 0], summary.iloc[:, 2], strict=True))
    ratio = "Verhouding ambulant/bed" if lang == "nl" else "Ambulant/bed ratio"
    stay = "Gemiddelde ligduur" if lang == "nl" else "Average length of stay"
    assert (status[ratio], status[stay]) == (na, na)
    assert "n < 10" not in status[ratio]


# ---- municipality filter (item 6) ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "note", "index"),
    [
        ("nl", ("niet per gemeente", "Doelrealisatie", "Wachtlijst"), "Index kortdurend verblijf"),
        (
            "en",
            ("not delivered per municipality", "Goal achievement", "Waiting list"),
            "Short residential index",
        ),
    ],
)
def test_municipality_and_care_form_filter_shows_what_can_be_split(
    sample_db, monkeypatch, lang, note, index
) -> None:
    """Rotterdam + short residential care, 2026Q3: 14 providers have clients there (independent
    sums over the population view); the page shows them instead of 'no providers'."""
    import duckdb
    from app_support import shown_frames

    with duckdb.connect(str(sample_db.path), read_only=True) as con:
        expected = dict(
            con.execute(
                "SELECT provider_agb, sum(clients_start + inflow)::BIGINT FROM population "
                "WHERE quarter = '2026Q3' AND municipality_code = 'GM0599' "
                "AND care_form = 'residential_short' GROUP BY 1"
            ).fetchall()
        )
    assert len(expected) == 14
    at = _page(
        sample_db.path,
        monkeypatch,
        "categories",
        {
            "quarter": "2026Q3",
            "municipality": "GM0599",
            "care_form": "residential_short",
            "lang": lang,
        },
    )
    shown = texts(at)
    assert "Geen aanbieders met gegevens" not in shown
    assert "No providers with data" not in shown
    info = " ".join(i.value for i in at.info)
    for part in note:
        assert part in info, part
    assert any(m.label.startswith(index) for m in at.metric)
    form = "Kortdurend verblijf" if lang == "nl" else "Short-term residential"
    got = {}
    for frame in shown_frames(at):
        if form in frame.columns:
            got.update(
                {
                    agb: int(str(v).replace(".", "").replace(",", ""))
                    for agb, v in zip(frame.iloc[:, 0], frame[form], strict=True)
                }
            )
    assert got == expected
