"""Every figure has the product's look (plotly_white), also the board's subplots; importing the
figures changes nothing in plotly until a figure is drawn (a process that draws nothing, such as
an ingest, does not load the template)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import cli_env

SCRIPT = """
import json
import plotly.io as pio
import polars as pl

from impactmonitor import board, figures  # noqa: F401  (imported, nothing drawn)

at_import = pio.templates.default
white = pio.templates["plotly_white"].to_plotly_json()
frame = pl.DataFrame(
    {
        "municipality_name": ["Brielle", "Brielle", "Westvoorne", "Westvoorne"],
        "quarter": ["2026Q1", "2026Q2", "2026Q1", "2026Q2"],
        "value": [1.0, 0.9, 1.1, 0.8],
    }
)
# The subplots first: they are made without new_figure.
drawn = {
    "small_multiples": figures.small_multiples_figure(frame, "Index", target=0.7),
    "new_figure": figures.new_figure(),
    "flow": figures.flow_figure(
        pl.DataFrame({"quarter": ["2026Q1"], "inflow": [3], "outflow": [2]}), "Flow"
    ),
}
print(json.dumps({
    "at_import": at_import,
    "white": {name: f.layout.template.to_plotly_json() == white for name, f in drawn.items()},
}))
"""


def test_every_figure_is_plotly_white_and_the_import_loads_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=cli_env(), check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["at_import"] == "plotly"  # plotly's own default: nothing set at import
    assert seen["white"] == {"small_multiples": True, "new_figure": True, "flow": True}
