"""Property: any valid delivery, written as a Dutch `;` CSV or as XLSX, ingested and read back
from the population/offer/results views, equals the input."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from conftest import REGISTER, register_providers
from delivery_files import AGB_A, AGB_B, delivery_xlsx, frame_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impactmonitor.quarters import quarter_end, quarter_range
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from schemas.reference import (
    AGE_GROUPS,
    AMBULANT_TYPE_CARE_FORMS,
    CARE_FORMS,
    STAY_CARE_FORMS,
    municipalities_valid_on,
)
from schemas.tables import TABLES

COUNT = st.integers(min_value=0, max_value=250_000)  # large enough for thousands separators


@st.composite
def deliveries(draw) -> tuple[str, str, dict[str, pl.DataFrame]]:
    agb = draw(st.sampled_from([AGB_A, AGB_B]))
    quarter = draw(st.sampled_from(quarter_range("2022Q1", "2026Q4")))
    valid = sorted(m.code for m in municipalities_valid_on(quarter_end(quarter)))
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(valid), st.sampled_from(CARE_FORMS), st.sampled_from(AGE_GROUPS)
            ),
            min_size=1,
            max_size=25,
            unique=True,
        )
    )
    population = []
    for municipality, care_form, age_group in keys:
        start, inflow = draw(COUNT), draw(COUNT)
        outflow = draw(st.integers(0, start + inflow))
        population.append(
            (
                agb,
                quarter,
                municipality,
                care_form,
                age_group,
                start,
                inflow,
                outflow,
                start + inflow - outflow,
            )
        )
    care_forms = sorted({k[1] for k in keys})
    offer, results = [], []
    for care_form in care_forms:
        places = 0 if care_form in AMBULANT_TYPE_CARE_FORMS else draw(COUNT)
        fte = draw(st.integers(0, 10_000_000)) / 100  # two decimals, up to 100.000,00
        offer.append((agb, quarter, care_form, places, fte, draw(COUNT)))
        ended = draw(COUNT)
        respondents = draw(st.integers(0, ended))
        intake_n, treatment_n = draw(COUNT), draw(COUNT)
        stay = care_form in STAY_CARE_FORMS
        results.append(
            (
                agb,
                quarter,
                care_form,
                ended,
                draw(st.integers(0, ended)),
                draw(st.integers(0, ended)),
                draw(st.integers(0, ended)),
                respondents,
                draw(st.integers(0, respondents)),
                intake_n,
                draw(COUNT) if intake_n else 0,
                draw(st.integers(0, intake_n)),
                treatment_n,
                draw(COUNT) if treatment_n else 0,
                draw(st.integers(0, treatment_n)),
                draw(COUNT) if stay else 0,
                draw(COUNT) if stay else 0,
            )
        )
    frames = {}
    for table, rows in (("population", population), ("offer", offer), ("results", results)):
        spec = TABLES[table]
        schema = {
            c.name: (
                pl.Int64 if c.kind == "count" else pl.Float64 if c.kind == "decimal" else pl.String
            )
            for c in spec.columns
        }
        frames[table] = pl.DataFrame(rows, schema=schema, orient="row")
    return agb, quarter, frames


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(delivery=deliveries(), as_xlsx=st.booleans())
def test_delivery_round_trip(delivery, as_xlsx: bool) -> None:
    agb, quarter, frames = delivery
    if as_xlsx:
        uploads = [Upload("levering.xlsx", delivery_xlsx(frames))]
    else:
        uploads = [
            Upload(f"{t}.csv", frame_csv(f, t, "excel_nl", thousands=True))
            for t, f in frames.items()
        ]
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "roundtrip.duckdb")
        register_providers(db, REGISTER)
        outcome = ingest(db, agb, quarter, uploads, actor="hypothesis")
        assert outcome.accepted, [e.message() for e in outcome.errors[:5]]
        for table, frame in frames.items():
            stored = db.query(f"SELECT * FROM {table}")
            stored = stored.cast({c: frame.schema[c] for c in stored.columns})
            assert _sorted(stored).equals(_sorted(frame)), table
