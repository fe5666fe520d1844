"""Print cards to PDF from the templates in vendor_kits/templates (TOML: a card design of
positioned elements, and layouts that place cards on pages). fpdf2 writes the PDF.

Why declarative templates and fpdf2 rather than HTML + a CSS layout engine: a market prints
hundreds of cards at once, and a layout engine spent ≈ 18 ms a card where this spends about one
(BENCHMARKS.md), while a designer still edits positions, sizes, colours and wording without
touching Python. Everything a template refers to is checked: a missing card field, an unknown
element kind or a bad value stops printing with a message naming it.
"""

import io
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import fontpkg_be_vietnam_pro
from fpdf import FPDF

LAYOUTS = {"a6": "a6.toml", "a4x4": "a4x4.toml"}
# Weights a template may name → Be Vietnam Pro's files (a pip dependency: every Vietnamese letter
# on any machine, whatever fonts the system has).
WEIGHTS = {"regular": "Regular", "semibold": "SemiBold", "bold": "ExtraBold"}
ALIGN = {"left": "L", "center": "C", "right": "R"}
PT = 25.4 / 72  # millimetres in a point


class KitTemplateError(RuntimeError):
    """A template is wrong, or names data a card does not have (the message says which)."""


@dataclass(frozen=True)
class Layout:
    name: str
    page: tuple[float, float]
    slots: list
    cut_lines: list
    card_size: tuple[float, float]
    elements: list


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise KitTemplateError(f"{path.name}: {error}") from None


def _number(where: str, table: dict, key: str, default=None) -> float:
    value = table.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise KitTemplateError(f"{where}: '{key}' must be a number of millimetres (or points for size)")
    return float(value)


def _colour(where: str, value: object) -> tuple[int, int, int]:
    if not (isinstance(value, str) and len(value) == 7 and value.startswith("#")):
        raise KitTemplateError(f"{where}: colours are written #rrggbb, not {value!r}")
    try:
        return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)
    except ValueError:
        raise KitTemplateError(f"{where}: colours are written #rrggbb, not {value!r}") from None


def _check_element(where: str, element: dict) -> dict:
    kind = element.get("kind")
    if kind == "text":
        if not isinstance(element.get("value"), str):
            raise KitTemplateError(f"{where}: a text element needs a value")
        if element.get("weight", "regular") not in WEIGHTS:
            raise KitTemplateError(f"{where}: weight is one of {', '.join(WEIGHTS)}")
        if element.get("align", "center") not in ALIGN:
            raise KitTemplateError(f"{where}: align is one of {', '.join(ALIGN)}")
        for key in ("x", "y", "width", "size"):
            _number(where, element, key)
        _colour(where, element.get("color", "#000000"))
    elif kind == "qr":
        for key in ("x", "y", "size"):
            _number(where, element, key)
    elif kind == "rect":
        for key in ("x", "y", "width", "height"):
            _number(where, element, key)
        if "fill" not in element and "line" not in element:
            raise KitTemplateError(f"{where}: a rect needs fill or line")
        for key in ("fill", "line"):
            if key in element:
                _colour(where, element[key])
    else:
        raise KitTemplateError(f"{where}: unknown element kind {kind!r} (text, qr or rect)")
    return element


def load_layout(kits_dir: Path, layout: str) -> Layout:
    templates = Path(kits_dir) / "templates"
    spec = _read_toml(templates / LAYOUTS[layout])
    card = _read_toml(templates / spec.get("card", "card.toml"))
    where = LAYOUTS[layout]
    page = spec.get("page", {})
    slots = spec.get("slots") or []
    if not slots:
        raise KitTemplateError(f"{where}: a layout needs at least one slot")
    for slot in slots:
        _number(where, slot, "x"), _number(where, slot, "y")
    for line in spec.get("cut_lines", []):
        for key in ("x1", "y1", "x2", "y2"):
            _number(where, line, key)
    elements = [
        _check_element(f"{spec.get('card', 'card.toml')} element {n}", element)
        for n, element in enumerate(card.get("elements", []), start=1)
    ]
    if not any(element["kind"] == "qr" for element in elements):
        raise KitTemplateError("card.toml: the card has no qr element")
    return Layout(
        layout,
        (_number(where, page, "width"), _number(where, page, "height")),
        slots,
        spec.get("cut_lines", []),
        (_number("card.toml", card, "width"), _number("card.toml", card, "height")),
        elements,
    )


class _CardData(dict):
    def __missing__(self, key):
        raise KitTemplateError(
            f"the template uses {{{key}}}, which a card does not have (vendor_kits/README.md lists the fields)"
        )


def _text(element: dict, card: dict) -> str:
    try:
        text = element["value"].format_map(_CardData(card))
    except (ValueError, IndexError, AttributeError) as error:
        raise KitTemplateError(f"text {element['value']!r}: {error}") from None
    # One code point per letter: a name typed with combining accents prints the same way.
    return unicodedata.normalize("NFC", text)


class CardPrinter:
    """One PDF; cards are added one at a time, so a market's cards can be generated lazily."""

    def __init__(self, layout: Layout, title: str):
        self.layout = layout
        self.pdf = FPDF(unit="mm", format=layout.page)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margin(0)
        self.pdf.set_title(title)
        self.pdf.set_creator("market_pay")
        self.pdf.set_lang("vi")
        files = fontpkg_be_vietnam_pro.ROOT / "files"
        for weight, style in WEIGHTS.items():
            self.pdf.add_font(f"BeVietnamPro-{weight}", "", str(files / f"BeVietnamPro-{style}.ttf"))
        self.count = 0

    def add(self, card: dict):
        slot = self.layout.slots[self.count % len(self.layout.slots)]
        if self.count % len(self.layout.slots) == 0:
            self._finish_page()
            self.pdf.add_page()
        self.count += 1
        x0, y0 = float(slot["x"]), float(slot["y"])
        for element in self.layout.elements:
            getattr(self, f"_draw_{element['kind']}")(element, card, x0, y0)

    def _finish_page(self):
        """Cut lines go on last, over the cards, so a coloured band cannot hide them."""
        pdf = self.pdf
        if self.count == 0 or not self.layout.cut_lines:
            return
        with pdf.local_context():
            pdf.set_draw_color(150, 150, 150)
            pdf.set_line_width(0.2)
            pdf.set_dash_pattern(dash=2, gap=1.5)
            for line in self.layout.cut_lines:
                pdf.line(line["x1"], line["y1"], line["x2"], line["y2"])

    def _draw_text(self, element, card, x0, y0):
        pdf = self.pdf
        text = _text(element, card)
        size, width = float(element["size"]), float(element["width"])
        pdf.set_font(f"BeVietnamPro-{element.get('weight', 'regular')}", size=size)
        if element.get("fit") and pdf.get_string_width(text) > width:
            size = max(4.0, size * width / pdf.get_string_width(text) * 0.98)
            pdf.set_font_size(size)
        pdf.set_text_color(*_colour("text", element.get("color", "#000000")))
        pdf.set_xy(x0 + element["x"], y0 + element["y"])
        pdf.cell(width, size * PT * 1.25, text, align=ALIGN[element.get("align", "center")])

    def _draw_qr(self, element, card, x0, y0):
        if "qr_png" not in card:
            raise KitTemplateError("the template's qr element needs {qr_png}, which a card does not have")
        size = float(element["size"])
        # fpdf2 keeps one copy of each distinct image; a 1-bit PNG at one pixel a module is tiny,
        # and PDF readers do not smooth it (no /Interpolate), so it prints with sharp edges.
        self.pdf.image(io.BytesIO(card["qr_png"]), x0 + element["x"], y0 + element["y"], size, size)

    def _draw_rect(self, element, card, x0, y0):
        pdf = self.pdf
        style = ""
        if "fill" in element:
            pdf.set_fill_color(*_colour("rect", element["fill"]))
            style += "F"
        if "line" in element:
            pdf.set_draw_color(*_colour("rect", element["line"]))
            pdf.set_line_width(0.3)
            style += "D"
        pdf.rect(x0 + element["x"], y0 + element["y"], element["width"], element["height"], style=style)

    def output(self) -> bytes:
        self._finish_page()
        return bytes(self.pdf.output())


def render_pdf(kits_dir: Path, layout: str, cards, title: str) -> bytes:
    printer = CardPrinter(load_layout(kits_dir, layout), title)
    for card in cards:
        printer.add(card)
    return printer.output()
