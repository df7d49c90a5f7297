"""Build delivery files the way providers' spreadsheets write them, for tests.

A delivery is three tables (population, offer, results). `valid_cells(table)` gives the text cells
of a small valid delivery (provider 01234567, quarter 2025Q2); tests change single cells with
`with_cell` and write the rows in one of the real-world styles with `csv_bytes` / `xlsx_bytes`:

- ``excel_nl``      Dutch Excel "CSV (puntkommagescheiden)": Windows-1252, `;`, CRLF, decimal
                    comma, thousands dot (for cells formatted with a thousands separator)
- ``excel_utf8``    Excel "CSV UTF-8": UTF-8 with BOM, `;`, CRLF, decimal comma
- ``libreoffice_comma`` / ``libreoffice_semicolon``: UTF-8 without BOM, LF, decimal point,
                    text cells quoted

Import in tests as ``from delivery_files import ...`` (conftest puts this folder on sys.path).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

import polars as pl
import xlsxwriter

from schemas.tables import TABLES

AGB_A = "01234567"  # registered, category A (see conftest.registered_db)
AGB_B = "87654321"  # registered, category B
AGB_UNKNOWN = "11112222"  # not in the register
QUARTER = "2025Q2"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

CsvStyle = Literal["excel_nl", "excel_utf8", "libreoffice_comma", "libreoffice_semicolon"]
CSV_STYLES: tuple[CsvStyle, ...] = (
    "excel_nl",
    "excel_utf8",
    "libreoffice_comma",
    "libreoffice_semicolon",
)

# The valid delivery as typed values; counts >= 1000 exercise the thousands separator.
_MUNICIPALITIES = ("GM0599", "GM1992", "GM0606")  # Rotterdam, Voorne aan Zee, Schiedam
_CARE_FORMS = ("ambulant", "foster_care", "residential_short")
_AGE_GROUPS = ("6_11", "12_17")


def population_records(agb: str = AGB_A, quarter: str = QUARTER) -> list[dict]:
    """18 valid population rows (3 municipalities x 3 care forms x 2 age groups)."""
    records = []
    for m_index, municipality in enumerate(_MUNICIPALITIES):
        for c_index, care_form in enumerate(_CARE_FORMS):
            for a_index, age_group in enumerate(_AGE_GROUPS):
                start = (
                    1234
                    if (m_index, c_index, a_index) == (0, 0, 1)
                    else (5 + 7 * m_index + 3 * c_index + a_index)
                )
                inflow = 2 + (m_index + c_index + a_index) % 4
                outflow = 1 + (m_index * c_index + a_index) % 3
                records.append(
                    {
                        "provider_agb": agb,
                        "quarter": quarter,
                        "municipality_code": municipality,
                        "care_form": care_form,
                        "age_group": age_group,
                        "clients_start": start,
                        "inflow": inflow,
                        "outflow": outflow,
                        "clients_end": start + inflow - outflow,
                    }
                )
    return records


def offer_records(agb: str = AGB_A, quarter: str = QUARTER) -> list[dict]:
    """One valid offer row per care form of the population (fte_care has decimals)."""
    return [
        {
            "provider_agb": agb,
            "quarter": quarter,
            "care_form": "ambulant",
            "places": 0,
            "fte_care": 12.5,
            "clients_waiting": 7,
        },
        {
            "provider_agb": agb,
            "quarter": quarter,
            "care_form": "foster_care",
            "places": 20,
            "fte_care": 3.25,
            "clients_waiting": 0,
        },
        {
            "provider_agb": agb,
            "quarter": quarter,
            "care_form": "residential_short",
            "places": 12,
            "fte_care": 8.0,
            "clients_waiting": 2,
        },
    ]


def results_records(agb: str = AGB_A, quarter: str = QUARTER) -> list[dict]:
    """One valid results row per care form (stay_* only for foster and residential care)."""
    rows = []
    for care_form, ended, stay in (
        ("ambulant", 40, False),
        ("foster_care", 6, True),
        ("residential_short", 9, True),
    ):
        rows.append(
            {
                "provider_agb": agb,
                "quarter": quarter,
                "care_form": care_form,
                "trajectories_ended": ended,
                "ended_as_planned": ended - 3,
                "goals_achieved": ended - 5,
                "dropouts": 2,
                "satisfaction_respondents": ended // 2,
                "satisfaction_positive": ended // 3,
                "intake_wait_n": ended,
                "intake_wait_days_sum": ended * 21,
                "intake_wait_over_norm": 3,
                "treatment_wait_n": ended - 1,
                "treatment_wait_days_sum": (ended - 1) * 30,
                "treatment_wait_over_norm": 1,
                "stay_n": ended if stay else 0,
                "stay_days_sum": ended * 95 if stay else 0,
            }
        )
    return rows


RECORDS = {"population": population_records, "offer": offer_records, "results": results_records}


def valid_frames(agb: str = AGB_A, quarter: str = QUARTER) -> dict[str, pl.DataFrame]:
    """The valid delivery as typed polars frames with exactly the spec columns."""
    frames = {}
    for table, build in RECORDS.items():
        spec = TABLES[table]
        dtypes = {
            c.name: (
                pl.Int64 if c.kind == "count" else pl.Float64 if c.kind == "decimal" else pl.String
            )
            for c in spec.columns
        }
        frames[table] = pl.DataFrame(build(agb, quarter), schema=dtypes)
    return frames


# ---- text cells ---------------------------------------------------------------------------------


def format_cell(
    value: object, kind: str, style: CsvStyle | Literal["plain"] = "plain", thousands: bool = False
) -> str:
    """One cell as the given program writes it."""
    if value is None:
        return ""
    dutch = style in ("excel_nl", "excel_utf8")
    if kind == "count":
        number = int(value)  # type: ignore[call-overload]
        if thousands and dutch and abs(number) >= 1000:
            return f"{number:,}".replace(",", ".")
        return str(number)
    if kind == "decimal":
        number = float(value)  # type: ignore[arg-type]
        text = f"{number:.10g}"
        if thousands and dutch and abs(number) >= 1000:
            whole, _, fraction = f"{number:,.10g}".partition(".")
            text = whole.replace(",", ".") + ("," + fraction if fraction else "")
            return text
        return text.replace(".", ",") if dutch else text
    return str(value)


def valid_cells(
    table: str,
    agb: str = AGB_A,
    quarter: str = QUARTER,
    style: CsvStyle | Literal["plain"] = "plain",
    thousands: bool = False,
) -> list[dict[str, str]]:
    """The valid rows of one table as text cells, keyed by column name."""
    spec = TABLES[table]
    return [
        {c.name: format_cell(record[c.name], c.kind, style, thousands) for c in spec.columns}
        for record in RECORDS[table](agb, quarter)
    ]


def with_cell(
    rows: Sequence[Mapping[str, str]], index: int, column: str, value: str
) -> list[dict[str, str]]:
    """A copy of `rows` with one cell changed (index 0 = spreadsheet row 2)."""
    copy = [dict(row) for row in rows]
    copy[index][column] = value
    return copy


def header_of(table: str) -> list[str]:
    return list(TABLES[table].column_names)


# ---- files --------------------------------------------------------------------------------------


def csv_bytes(
    rows: Iterable[Mapping[str, str] | Sequence[str]],
    header: Sequence[str] | str,
    style: CsvStyle = "excel_nl",
    trailing_newline: bool = True,
) -> bytes:
    """Rows of text cells written as `style` writes a CSV. `header` may be a table name.

    Rows may be dicts (cells by column name; missing ones empty) or lists of cells as written.
    """
    columns = header_of(header) if isinstance(header, str) else list(header)
    separator = "," if style == "libreoffice_comma" else ";"
    newline = "\r\n" if style.startswith("excel") else "\n"
    quote = style.startswith("libreoffice")

    def cell(text: str) -> str:
        needs_quotes = separator in text or '"' in text or "\n" in text
        is_number = text.replace(".", "").replace(",", "").replace("-", "").isdigit()
        if needs_quotes or (quote and text and not is_number):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [separator.join(cell(c) for c in columns)]
    for row in rows:
        cells = [row.get(c, "") for c in columns] if isinstance(row, Mapping) else list(row)
        lines.append(separator.join(cell(str(c)) for c in cells))
    text = newline.join(lines) + (newline if trailing_newline else "")
    if style == "excel_nl":
        return text.encode("cp1252")
    if style == "excel_utf8":
        return text.encode("utf-8-sig")
    return text.encode("utf-8")


def table_csv(
    table: str,
    style: CsvStyle = "excel_nl",
    agb: str = AGB_A,
    quarter: str = QUARTER,
    thousands: bool = True,
) -> bytes:
    """A valid CSV of one table in `style`."""
    return csv_bytes(valid_cells(table, agb, quarter, style, thousands), table, style)


def xlsx_bytes(
    sheets: Mapping[str, pl.DataFrame | Sequence[Sequence[object]]],
    agb_as_text: bool = True,
) -> bytes:
    """A workbook as Excel writes it (xlsxwriter): typed number cells, text cells as text.

    `sheets` maps sheet name -> typed frame (header from its columns) or a grid of raw values
    (first row = header); a cell given as a tuple (formula, result) becomes a formula cell with
    that cached result, as Excel saves it. With `agb_as_text=False` an AGB code is a number
    cell, as when a user types 01234567 into a General-formatted cell (Excel drops the zero).
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime(2025, 7, 1, 9, 0)})  # deterministic bytes
    text_format = workbook.add_format({"num_format": "@"})
    for name, content in sheets.items():
        sheet = workbook.add_worksheet(name)
        grid: list[Sequence[object]]
        if isinstance(content, pl.DataFrame):
            grid = [content.columns, *content.rows()]
        else:
            grid = list(content)
        header = [str(h) for h in grid[0]] if grid else []
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                column = header[c] if c < len(header) else ""
                if value is None:
                    continue
                if isinstance(value, tuple):  # (formula, cached result): a real formula cell
                    sheet.write_formula(r, c, value[0], None, value[1])
                elif r > 0 and column == "provider_agb" and not agb_as_text:
                    sheet.write_number(r, c, int(str(value)))
                elif isinstance(value, str):
                    sheet.write_string(
                        r, c, value, text_format if column == "provider_agb" else None
                    )
                else:
                    sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def delivery_xlsx(
    frames: Mapping[str, pl.DataFrame] | None = None,
    dutch_names: bool = False,
    agb_as_text: bool = True,
) -> bytes:
    """The whole delivery as one workbook with sheets population/offer/results (or Dutch)."""
    frames = frames or valid_frames()
    return xlsx_bytes(
        {(TABLES[t].dutch_name if dutch_names else t): f for t, f in frames.items()},
        agb_as_text=agb_as_text,
    )


def frame_csv(
    frame: pl.DataFrame, table: str, style: CsvStyle = "excel_nl", thousands: bool = True
) -> bytes:
    """A typed frame written as a CSV in `style` (numbers formatted as that program does)."""
    spec = TABLES[table]
    rows = [
        {c.name: format_cell(record[c.name], c.kind, style, thousands) for c in spec.columns}
        for record in frame.iter_rows(named=True)
    ]
    return csv_bytes(rows, table, style)


def write_delivery(
    folder: Path,
    fmt: CsvStyle | Literal["xlsx"] = "excel_nl",
    frames: Mapping[str, pl.DataFrame] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write a delivery into `folder`: three CSVs in `fmt`, or one workbook; returns the paths.

    `names` overrides file names per table (e.g. {"population": "upload1.csv"}).
    """
    folder.mkdir(parents=True, exist_ok=True)
    frames = frames or valid_frames()
    if fmt == "xlsx":
        path = folder / "delivery.xlsx"
        path.write_bytes(delivery_xlsx(frames))
        return [path]
    paths = []
    for table, frame in frames.items():
        path = folder / (names or {}).get(table, f"{table}.csv")
        path.write_bytes(frame_csv(frame, table, fmt))
        paths.append(path)
    return paths
