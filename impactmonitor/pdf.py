"""PDF building blocks: a report document (fpdf2) and a chart renderer (Plotly via kaleido).

The renderer starts one headless Chromium (Debian's, found by kaleido) per report run and reuses
it for every chart; never a browser per image.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from impactmonitor.i18n import text as _text  # `text` is a parameter name here

_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)
_LATIN1_REPLACEMENTS = {
    "−": "-",
    "→": "->",
    "≤": "<=",
    "≥": ">=",
    "–": "-",
    "—": "-",
    "✔": "v",
    "✖": "x",
    "∅": "o",
    "▲": "!",
    "…": "...",
}


class ChartRenderer:
    """Plotly figure -> PNG bytes, with one kaleido browser for all charts of a run."""

    def __enter__(self) -> ChartRenderer:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
        self._kaleido = kaleido
        return self

    def png(self, figure, width: int = 900, height: int = 380) -> bytes:
        return self._kaleido.calc_fig_sync(
            figure, opts={"format": "png", "width": width, "height": height, "scale": 2}
        )

    def __exit__(self, *exc: object) -> None:
        self._kaleido.stop_sync_server(silence_warnings=True)


class ReportDocument(FPDF):
    """A4 portrait report with a running footer (title, data version, generation time, page)."""

    def __init__(
        self,
        title: str,
        footer_text: str,
        orientation: str = "P",
        page_format: str | tuple[float, float] = "A4",
    ) -> None:
        super().__init__(orientation=orientation, unit="mm", format=page_format)
        self.report_title = title
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        font = next((path for path in _FONT_CANDIDATES if path.exists()), None)
        if font is not None:
            self.add_font("Body", "", str(font))
            bold = font.with_name(
                font.name.replace("-Regular", "-Bold").replace("Sans.ttf", "Sans-Bold.ttf")
            )
            self.add_font("Body", "B", str(bold if bold.exists() else font))
            self.family = "Body"
            self.unicode = True
        else:  # core font: Latin-1 only
            self.family = "Helvetica"
            self.unicode = False
        self.set_title(title)
        self.set_creator(_text("app_name"))

    # -- text ----------------------------------------------------------------------------------
    def clean(self, text: object) -> str:
        value = "" if text is None else str(text)
        if self.unicode:
            return value
        for char, replacement in _LATIN1_REPLACEMENTS.items():
            value = value.replace(char, replacement)
        return value.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.clean(f"{self.report_title} · {self.footer_text}"), align="L")
        self.set_x(-30)
        self.cell(15, 5, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: int = 14) -> None:
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, size: int = 10) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def key_values(self, pairs: Sequence[tuple[str, str]]) -> None:
        for key, value in pairs:
            self.set_font(self.family, "B", 10)
            self.cell(55, 6, self.clean(key))
            self.set_font(self.family, "", 10)
            self.multi_cell(0, 6, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float] | None = None,
        size: int = 8,
        fills: Sequence[tuple[int, int, int] | None] | None = None,
    ) -> None:
        """A simple grid; `fills` gives an optional background colour per row."""
        usable = self.w - self.l_margin - self.r_margin
        widths = list(widths or [usable / len(header)] * len(header))
        line_height = size * 0.55
        self.set_font(self.family, "B", size)
        self.set_fill_color(230, 230, 230)
        for text, width in zip(header, widths, strict=True):
            self.cell(width, line_height + 1, self.clean(text), border=1, fill=True)
        self.ln()
        self.set_font(self.family, "", size)
        for index, row in enumerate(rows):
            if self.get_y() > self.h - 25:
                self.add_page()
            fill = fills[index] if fills else None
            if fill:
                self.set_fill_color(*fill)
            for value, width in zip(row, widths, strict=True):
                self.cell(width, line_height + 1, self.clean(value), border=1, fill=bool(fill))
            self.ln()
        self.ln(2)

    def wrapped_table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float] | None = None,
        size: int = 8,
    ) -> None:
        """A grid whose cells wrap long text (explanations, statements, reasons)."""
        from fpdf.fonts import FontFace

        usable = self.w - self.l_margin - self.r_margin
        widths = list(widths or [usable / len(header)] * len(header))
        self.set_font(self.family, "", size)
        # FPDF.table (unlike the simpler `grid`) wraps long cell texts.
        with self.table(
            col_widths=widths,
            width=sum(widths),
            align="LEFT",
            line_height=size * 0.5,
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        ) as table:
            head = table.row()
            for text in header:
                head.cell(self.clean(text))
            for row in rows:
                line = table.row()
                for value in row:
                    line.cell(self.clean(value))
        self.ln(3)

    def png_image(self, png: bytes, width: float | None = None) -> None:
        width = width or (self.w - self.l_margin - self.r_margin)
        if self.get_y() + width * 0.45 > self.h - 20:
            self.add_page()
        self.image(io.BytesIO(png), w=width)
        self.ln(2)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


# Slides: 16:9 at the width of A4 landscape (297 x 167 mm), as a projector or PowerPoint shows.
SLIDE_FORMAT = (167.0, 297.0)  # fpdf2 takes (short side, long side) and turns it for "L"
SLIDE_BAND = (0, 114, 178)  # the title band (Okabe-Ito blue)


class SlideDocument(ReportDocument):
    """A landscape deck: one slide per page with a title band; the footer of each slide says
    its filters and data date (`slide(title, footer)`)."""

    def __init__(self, title: str, footer_text: str) -> None:
        super().__init__(title, footer_text, orientation="L", page_format=SLIDE_FORMAT)
        self.set_auto_page_break(auto=False)
        self.set_margins(12, 22, 12)

    def slide(self, title: str, footer_text: str) -> None:
        """A new slide with its title in the band and `footer_text` (filters, data date)."""
        self.add_page()  # draws the previous slide's footer: its text changes only after
        self.footer_text = footer_text
        self.set_fill_color(*SLIDE_BAND)
        self.rect(0, 0, self.w, 16, style="F")
        self.set_xy(12, 3.5)
        self.set_text_color(255, 255, 255)
        self.set_font(self.family, "B", 17)
        self.cell(self.w - 24, 9, self.clean(title))
        self.set_text_color(0, 0, 0)
        self.set_xy(12, 21)

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font(self.family, "", 7)
        self.set_text_color(80, 80, 80)
        self.set_x(12)
        self.fitted_cell(self.w - 42, 4, self.footer_text, 7)
        self.set_x(-28)
        self.cell(16, 4, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def text_at(
        self,
        x: float,
        width: float,
        text: str,
        size: float = 11,
        bold: bool = False,
        fill: tuple[int, int, int] | None = None,
    ) -> None:
        """A paragraph in the column starting at `x`, from the current height down."""
        self.set_font(self.family, "B" if bold else "", size)
        self.set_x(x)
        if fill:
            self.set_fill_color(*fill)
        self.multi_cell(
            width,
            size * 0.5,
            self.clean(text),
            fill=bool(fill),
            align="L",
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )
        self.ln(1.5)

    def image_at(self, x: float, width: float, png: bytes, max_height: float) -> None:
        """A chart in the column at `x`, scaled to fit `width` and the space left."""
        from PIL import Image

        with Image.open(io.BytesIO(png)) as picture:
            ratio = picture.height / picture.width
        height = min(width * ratio, max_height, self.h - 12 - self.get_y())
        self.image(io.BytesIO(png), x=x, y=self.get_y(), w=height / ratio, h=height)
        self.set_y(self.get_y() + height + 2)

    def table_at(
        self,
        x: float,
        width: float,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        widths: Sequence[float] | None = None,
        size: float = 9,
        fills: Sequence[Sequence[tuple[int, int, int] | None]] | None = None,
    ) -> None:
        """A grid in the column at `x`; `widths` are shares of `width`, `fills` per cell."""
        shares = list(widths or [1 / len(header)] * len(header))
        total = sum(shares)
        columns = [width * share / total for share in shares]
        line = size * 0.55 + 1.2
        self.set_font(self.family, "B", size)
        self.set_fill_color(225, 225, 225)
        self.set_x(x)
        for text, column in zip(header, columns, strict=True):
            self.fitted_cell(column, line, text, size, "B", border=1, fill=True)
        self.ln()
        for index, row in enumerate(rows):
            if self.get_y() + line > self.h - 11:
                break  # a slide never runs over: the caller keeps tables short
            self.set_x(x)
            for position, (value, column) in enumerate(zip(row, columns, strict=True)):
                fill = fills[index][position] if fills else None
                if fill:
                    self.set_fill_color(*fill)
                self.fitted_cell(column, line, value, size, border=1, fill=bool(fill))
            self.ln()
        self.ln(2)

    def fitted_cell(
        self,
        width: float,
        height: float,
        text: object,
        size: float,
        style: str = "",
        border: Literal[0, 1] = 0,
        fill: bool = False,
    ) -> None:
        """A cell whose text is made smaller (down to 60%) rather than run over its border."""
        value = self.clean(text)
        self.set_font(self.family, style, size)
        room = width - 2 * self.c_margin
        if self.get_string_width(value) > room:
            self.set_font(
                self.family, style, max(size * 0.6, size * room / self.get_string_width(value))
            )
        self.cell(width, height, value, border=border, fill=fill)
        self.set_font(self.family, style, size)
