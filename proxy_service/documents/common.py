"""Shared reportlab building blocks of every generated PDF (agreement, notices, audit trail).

Every document: A4, the embedded CJK font (fonts.cjk_font), the center's name in
the header, "第 x 页 共 y 页" in the footer, `invariant=1` so that the same data
give byte-identical files. Builders pass dates from their data, never the clock.
"""
import io
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from proxy_service.core.clock import BEIJING
from proxy_service.documents.fonts import cjk_font

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
GRID = colors.HexColor("#666666")
SHADE = colors.HexColor("#eeeeee")


@lru_cache(maxsize=1)
def styles():
    """Paragraph styles by name: title, subtitle, heading, body, small, cell, cell_head, right.

    wordWrap="CJK" lets Chinese text break between any two characters."""
    font = cjk_font()
    base = dict(fontName=font, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontSize=18, leading=26, alignment=TA_CENTER,
                                spaceAfter=2 * mm, **base),
        "subtitle": ParagraphStyle("subtitle", fontSize=10, leading=14, alignment=TA_CENTER,
                                   spaceAfter=4 * mm, **base),
        "heading": ParagraphStyle("heading", fontSize=12, leading=18, spaceBefore=4 * mm,
                                  spaceAfter=2 * mm, **base),
        "body": ParagraphStyle("body", fontSize=10.5, leading=17, spaceAfter=1.5 * mm, **base),
        "small": ParagraphStyle("small", fontSize=8.5, leading=12, textColor=colors.HexColor("#444444"),
                                **base),
        "cell": ParagraphStyle("cell", fontSize=9, leading=13, **base),
        "cell_head": ParagraphStyle("cell_head", fontSize=9, leading=13, alignment=TA_CENTER, **base),
        "right": ParagraphStyle("right", fontSize=10.5, leading=17, alignment=TA_RIGHT, **base),
    }


def text(value, style="body"):
    """A paragraph of plain text (escaped; newlines kept)."""
    markup = escape(str(value if value is not None else "")).replace("\n", "<br/>")
    return Paragraph(markup, styles()[style])


# --- dates -----------------------------------------------------------------------

BLANK_DATE = "______年____月____日"


def cn_date(value):
    """2026年3月5日 for a date or an aware datetime (reckoned in Beijing); "" for None."""
    if value is None:
        return ""
    if hasattr(value, "astimezone") and hasattr(value, "hour"):
        value = value.astimezone(BEIJING).date()
    return f"{value.year}年{value.month}月{value.day}日"


def iso_date(value):
    """2026-03-05, compact for table cells; "" for None."""
    return value.strftime("%Y-%m-%d") if value else ""


def cn_datetime(value):
    """2026-03-05 14:30 in Beijing time; "" for None."""
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value else ""


# --- flowables -------------------------------------------------------------------

def title_block(title, number=""):
    """The document title and, under it, its number."""
    story = [text(title, "title")]
    if number:
        story.append(text(number, "subtitle"))
    return story


def info_table(rows, label_width=32 * mm):
    """Label/value rows in a ruled table; a row of four cells puts two pairs side by side."""
    data, extra = [], []
    for index, row in enumerate(rows):
        cells = [text(cell, "cell") for cell in row]
        extra.append(("BACKGROUND", (0, index), (0, index), SHADE))
        if len(row) == 2:
            cells += ["", ""]
            extra.append(("SPAN", (1, index), (3, index)))
        else:
            extra.append(("BACKGROUND", (2, index), (2, index), SHADE))
        data.append(cells)
    value_width = (FRAME_WIDTH - 2 * label_width) / 2
    table = Table(data, colWidths=[label_width, value_width, label_width, value_width],
                  spaceBefore=1 * mm, spaceAfter=3 * mm)
    table.setStyle(TableStyle(_GRID_STYLE + extra))
    return table


def grid_table(header, rows, widths, repeat=1):
    """A ruled table with a shaded header row repeated on every page; widths are fractions
    of the frame width. Cells may be strings or flowables."""
    data = [[text(cell, "cell_head") for cell in header]]
    data += [[cell if hasattr(cell, "wrap") else text(cell, "cell") for cell in row] for row in rows]
    table = Table(data, colWidths=[FRAME_WIDTH * w for w in widths], repeatRows=repeat,
                  spaceBefore=1 * mm, spaceAfter=3 * mm)
    table.setStyle(TableStyle(_GRID_STYLE + [("BACKGROUND", (0, 0), (-1, 0), SHADE)]))
    return table


_GRID_STYLE = [
    ("GRID", (0, 0), (-1, -1), 0.5, GRID),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
]


def signature_block(parties, date_label="日期"):
    """Side-by-side signature boxes: parties is [(heading, [lines...]) or (heading, [lines...],
    date)]; a box with a date has its date line filled (the issuer's: the issue date), the
    others a blank one to write on. Headings, lines and date lines sit in rows of one table so
    that they align across the boxes; the block is kept together on one page."""
    headings = [text(party[0], "heading") for party in parties]
    bodies = [[text(line) for line in party[1] if line] for party in parties]
    dates = [text(f"{date_label}：{cn_date(party[2]) if len(party) > 2 else BLANK_DATE}")
             for party in parties]
    width = FRAME_WIDTH / len(parties)
    table = Table([headings, bodies, dates], colWidths=[width] * len(parties),
                  rowHeights=[None, None, 16 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("VALIGN", (0, 2), (-1, 2), "BOTTOM"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 6 * mm), table])


def numbered(lines):
    """"1. a<br/>2. b" as one cell paragraph; "—" when empty."""
    if not lines:
        return text("—", "cell")
    return text("\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1)), "cell")


# --- the document ----------------------------------------------------------------

def build_pdf(story, *, title, header, subject="", author="", keywords=""):
    """Render `story` to PDF bytes: A4, `header` (the center's name) on every page, and
    "第 x 页 共 y 页" in the footer. Deterministic for the same story."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN, title=title, author=author or header, subject=subject,
        keywords=keywords, creator="proxy_service", producer="proxy_service (reportlab)",
        invariant=1)
    document.build(list(story), canvasmaker=_canvas_with(header))
    return buffer.getvalue()


def _canvas_with(header):
    class HeaderedCanvas(NumberedCanvas):
        header_text = header
    return HeaderedCanvas


class NumberedCanvas(Canvas):
    """Holds every page until save() so that each footer can say how many pages there are.

    Subclasses draw their own page furniture by overriding `_decorate(total)`; the footer
    wording comes from `page_label(total)` whatever the layout."""

    header_text = ""

    def __init__(self, *args, **kwargs):
        kwargs["invariant"] = 1
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def page_label(self, total):
        return f"第 {self._pageNumber} 页 共 {total} 页"

    def _decorate(self, total):
        font = cjk_font()
        self.saveState()
        self.setFont(font, 8.5)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(MARGIN, PAGE_HEIGHT - MARGIN + 2 * mm, self.header_text)
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        self.line(MARGIN, PAGE_HEIGHT - MARGIN, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN)
        self.drawCentredString(PAGE_WIDTH / 2, MARGIN - 10 * mm, self.page_label(total))
        self.restoreState()
