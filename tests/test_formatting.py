"""How changes read (issue 11 item 4): a unit on every delta, a real minus sign, ±0 neutral,
and the colour of a metric following the KPI's direction."""

from __future__ import annotations

import pytest

from impactmonitor.formatting import delta_direction, format_delta

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("delta", "unit", "lang", "expected"),
    [
        (0.012, "share", "nl", "+1,2 %-punt"),
        (-0.012, "share", "nl", f"{MINUS}1,2 %-punt"),
        (-0.012, "share", "en", f"{MINUS}1.2 pp"),
        (0.0004, "share", "nl", "±0,0 %-punt"),  # 0,04 %-punt reads as 0,0
        (-0.0004, "share", "nl", "±0,0 %-punt"),  # not "-0,0" (negative zero)
        (0.0005, "share", "nl", "+0,1 %-punt"),  # half up, as written
        (3.54, "days", "nl", "+3,5 dagen"),
        (-3.56, "days", "en", f"{MINUS}3.6 days"),
        (0.04, "days", "nl", "±0,0 dagen"),
        (4.0, "count", "nl", "+4 cliënten"),
        (-1234.0, "count", "nl", f"{MINUS}1.234 cliënten"),
        (-1234.0, "count", "en", f"{MINUS}1,234 clients"),
        (0.4, "count", "nl", "±0 cliënten"),
        (-0.12, "ratio", "nl", f"{MINUS}0,12"),  # a ratio has no unit
        (0.004, "ratio", "nl", "±0,00"),
        (None, "share", "nl", ""),
        (float("nan"), "days", "nl", ""),
    ],
)
def test_a_change_reads_with_its_unit_and_sign(delta, unit, lang, expected) -> None:
    assert format_delta(delta, unit, lang) == expected
    assert not format_delta(delta, unit, lang).startswith("-"), "a minus sign, not a hyphen"


@pytest.mark.parametrize(
    ("delta", "unit", "direction", "expected"),
    [
        (0.012, "share", "higher", "better"),
        (0.012, "share", "lower", "worse"),  # dropout up: worse
        (-0.012, "share", "lower", "better"),
        (0.0004, "share", "higher", "same"),  # reads as ±0,0: neutral, whichever direction
        (-0.0004, "share", "lower", "same"),
        (0.04, "days", "lower", "same"),
        (0.06, "days", "lower", "worse"),
        (-2.0, "count", "lower", "better"),
        (0.0, "ratio", "higher", "same"),
        (None, "share", "higher", None),
    ],
)
def test_the_direction_of_a_change_follows_the_kpi(delta, unit, direction, expected) -> None:
    assert delta_direction(delta, unit, direction) == expected


@pytest.mark.parametrize(
    ("delta", "unit", "direction", "expected"),
    [
        # st.metric reads "±0,0" as a rise and a leading "−" not as a fall: colour and arrow given
        (0.0004, "share", "higher", {"delta_color": "gray", "delta_arrow": "off"}),
        (0.0004, "share", "lower", {"delta_color": "gray", "delta_arrow": "off"}),
        (0.05, "share", "lower", {"delta_color": "red", "delta_arrow": "up"}),
        (-0.05, "share", "lower", {"delta_color": "green", "delta_arrow": "down"}),
        (-0.05, "share", "higher", {"delta_color": "red", "delta_arrow": "down"}),
        (3.0, "days", "lower", {"delta_color": "red", "delta_arrow": "up"}),
        (3.0, "count", "higher", {"delta_color": "green", "delta_arrow": "up"}),
    ],
)
def test_a_metric_delta_is_coloured_by_the_kpi_direction(delta, unit, direction, expected) -> None:
    from app_pages.ui import metric_delta

    arguments = metric_delta(delta, unit, direction)
    assert {k: arguments[k] for k in expected} == expected
    assert arguments["delta"] == format_delta(delta, unit)
    assert metric_delta(None, unit, direction) == {"delta": None}
