"""The book as a printable A4 PDF in Vietnamese (fpdf2 with the packaged Be Vietnam Pro font, as the
kits print cards): heading with the stall, its holder and the period, then date | content |
cashless | cash | total, day and group totals, the period's total and a place to sign.

A whole market's books go into one PDF, each stall starting on a new page with its own numbering.
"""

import unicodedata

import fontpkg_be_vietnam_pro
from fpdf import FPDF

from ..common.formatting import format_vnd
from .exports import LABELS, heading_lines, table_rows
from .services import Book

FONTS = {"regular": "BeVietnamPro-Regular", "bold": "BeVietnamPro-SemiBold"}
MARGIN = 12
# Date, content, cashless, cash, total: 186 mm, the width of A4 inside the margins.
WIDTHS = (21, 87, 26, 26, 26)
LINE = 4.6  # mm per line of 8.5 pt text
SIGN = {
    "vi": ("Ngày ..... tháng ..... năm .........", "NGƯỜI ĐẠI DIỆN HỘ KINH DOANH", "(Ký, ghi rõ họ tên)"),
    "en": ("Date ...........................", "FOR THE HOUSEHOLD BUSINESS", "(Signature and full name)"),
}


def _nfc(text: str) -> str:
    # Vietnamese typed on some phones arrives decomposed (base letter + combining marks): the
    # font's precomposed glyphs are only found for NFC text.
    return unicodedata.normalize("NFC", text)


def _amount(value, lang: str) -> str:
    return "" if value is None else format_vnd(value, lang)[:-2]  # the column heading carries the ₫


class _BookDocument(FPDF):
    def __init__(self, lang: str):
        super().__init__(unit="mm", format="A4")
        self.lang = lang
        self.book_title = ""
        self._widths: dict = {}
        self.first_page_of_book = 1
        self.starting_book = False
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 6)
        files = fontpkg_be_vietnam_pro.ROOT / "files"
        self.add_font(FONTS["regular"], "", str(files / "BeVietnamPro-Regular.ttf"))
        self.add_font(FONTS["bold"], "", str(files / "BeVietnamPro-SemiBold.ttf"))
        self.set_creator("market_pay")
        self.set_lang("vi" if lang == "vi" else "en")

    def footer(self):
        self.set_y(-MARGIN - 2)
        self.set_font(FONTS["regular"], size=7.5)
        self.set_text_color(90, 90, 90)
        page = self.page_no() - self.first_page_of_book + 1
        self.cell(0, 4, _nfc(f"{self.book_title} · {'Trang' if self.lang == 'vi' else 'Page'} {page}"), align="R")
        self.set_text_color(0, 0, 0)

    def header(self):
        if not self.starting_book:
            self._column_headings()

    def _column_headings(self):
        label = LABELS[self.lang]
        self.set_font(FONTS["bold"], size=8.5)
        self.set_fill_color(230, 238, 233)
        # The amount headings without "(₫)": the unit is said once above the table.
        headings = [label["date"], label["content"]] + [
            label[key].removesuffix(" (₫)") for key in ("cashless", "cash", "total")
        ]
        for width, text in zip(WIDTHS, headings, strict=True):
            self.cell(width, LINE + 1.6, _nfc(text), border=1, align="C", fill=True)
        self.ln()

    def add_book(self, book: Book) -> None:
        lang = self.lang
        # The previous book's last footer (written by add_page) keeps its own title and numbering;
        # the new book's first page has its heading instead of the repeated column headings.
        self.starting_book = True
        self.add_page()
        self.starting_book = False
        self.first_page_of_book = self.page_no()
        self.book_title = f"{book.vendor.stall_code} · {book.first:%d/%m/%Y}–{book.last:%d/%m/%Y}"
        title, *details = heading_lines(book, lang)
        self.set_font(FONTS["bold"], size=14)
        self.cell(0, 8, _nfc(title), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONTS["regular"], size=9.5)
        for line in details:
            self.cell(0, 5.2, _nfc(line), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONTS["regular"], size=8)
        self.set_text_color(120, 60, 0)
        self.multi_cell(0, 4.2, _nfc(LABELS[lang]["note"]), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.cell(0, 4.6, _nfc(LABELS[lang]["unit"]), align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)
        self._column_headings()
        for row in table_rows(book, lang):
            self._row(row)
        self._signature()

    def _width(self, text: str) -> float:
        # Measured once per word and font: fpdf2's own line breaking (multi_cell) re-measures a line
        # at every character, which made a year's book (≈ 1,800 rows) take 13 s instead of ≈ 1.
        # Without text shaping fpdf2 measures a string as the sum of its characters' advances, so
        # characters are measured once each and summed (amounts are mostly distinct strings).
        widths, font = self._widths, (self.font_family, self.font_size_pt)
        total = 0.0
        for char in text:
            width = widths.get((font, char))
            if width is None:
                width = widths[(font, char)] = self.get_string_width(char)
            total += width
        return total

    def _wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        current: list[str] = []
        used, space = 0.0, self._width(" ")
        for word in text.split(" "):
            needed = self._width(word) + (space if current else 0)
            if current and used + needed > width:
                lines.append(" ".join(current))
                current, used, needed = [], 0.0, self._width(word)
            current.append(word)
            used += needed
        lines.append(" ".join(current))
        return lines

    def _row(self, row) -> None:
        bold = row.kind != "line"
        self.set_font(FONTS["bold" if bold else "regular"], size=8.5)
        pad = 1.2
        # An amount keeps its unit, a masked account its digits, on one line.
        content = _nfc(row.content).replace(" ₫", "\u00a0₫").replace("•••• ", "••••\u00a0")
        lines = self._wrap(content, WIDTHS[1] - 2 * pad)
        height = LINE * len(lines) + 1
        if self.will_page_break(height):
            self.add_page()
        x, y = self.get_x(), self.get_y()
        if row.kind in ("group_total", "grand_total"):
            self.set_fill_color(*((245, 245, 240) if row.kind == "group_total" else (225, 235, 228)))
            self.rect(x, y, sum(WIDTHS), height, style="F")
        left, baseline = x, y + LINE * 0.78
        # Text is placed with text() and the grid drawn with rect(): cell() per value costs ten
        # times more, and a year's book has ≈ 9,000 values.
        if row.kind == "line":
            self.text(left + pad, baseline, row.date)
        left += WIDTHS[0]
        for number, line in enumerate(lines):
            self.text(left + pad, baseline + number * LINE, line)
        left += WIDTHS[1]
        for width, value in zip(WIDTHS[2:], (row.cashless, row.cash, row.total), strict=True):
            amount = _amount(value, self.lang)
            if amount:
                self.text(left + width - pad - self._width(amount), baseline, amount)
            left += width
        edge = x
        for width in WIDTHS:
            self.rect(edge, y, width, height)
            edge += width
        self.set_xy(x, y + height)

    def _signature(self) -> None:
        place, role, hint = SIGN[self.lang]
        if self.will_page_break(30):
            self.add_page()
        self.ln(6)
        left = MARGIN + sum(WIDTHS) / 2
        for text, font in ((place, "regular"), (role, "bold"), (hint, "regular")):
            self.set_x(left)
            self.set_font(FONTS[font], size=9)
            self.cell(sum(WIDTHS) / 2, 5, _nfc(text), align="C", new_x="LMARGIN", new_y="NEXT")


def books_pdf(books, lang: str = "vi", title: str = "") -> bytes:
    """One PDF of one or more books (a market office prints its stalls' books in one go)."""
    document = _BookDocument(lang)
    document.set_title(_nfc(title or LABELS[lang]["title"]))
    for book in books:
        document.add_book(book)
    if document.page_no() == 0:
        document.add_page()
    return bytes(document.output())


def as_pdf(book: Book, lang: str = "vi") -> bytes:
    return books_pdf([book], lang, f"{LABELS[lang]['title']} – {book.vendor.stall_code}")
