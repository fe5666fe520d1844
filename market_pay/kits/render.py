"""Fill a kit template (Jinja, from vendor_kits/templates) and print it to PDF (WeasyPrint).

Templates live outside the package so a designer can change them; the service finds them through
KITS_DIR. Jinja runs with StrictUndefined: a template that names a field we do not send fails
loudly instead of printing a blank where the account number should be.
"""
from pathlib import Path

import fontpkg_be_vietnam_pro
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError

LAYOUTS = {"a6": "a6.html", "a4x4": "a4x4.html"}


class KitTemplateError(RuntimeError):
    """A template could not be rendered with the data it was given (the message says why)."""


def font_urls() -> dict:
    """Be Vietnam Pro, installed with the package (a pip dependency): every Vietnamese glyph on
    any machine, whatever fonts the system has."""
    files = fontpkg_be_vietnam_pro.ROOT / "files"
    return {weight: (files / f"BeVietnamPro-{name}.ttf").as_uri()
            for weight, name in (("regular", "Regular"), ("semibold", "SemiBold"), ("bold", "ExtraBold"))}


def environment(kits_dir: Path) -> Environment:
    return Environment(loader=FileSystemLoader(kits_dir / "templates"), undefined=StrictUndefined,
                       autoescape=True, keep_trailing_newline=True)


def render_html(kits_dir: Path, layout: str, cards: list[dict], title: str) -> str:
    try:
        template = environment(kits_dir).get_template(LAYOUTS[layout])
        return template.render(cards=cards, fonts=font_urls(), title=title)
    except TemplateError as error:
        raise KitTemplateError(f"kit template {LAYOUTS[layout]}: {error}") from error


def render_pdf(kits_dir: Path, layout: str, cards: list[dict], title: str) -> bytes:
    from weasyprint import HTML  # imported on use: it loads Pango, which only printing needs
    from weasyprint.text.fonts import FontConfiguration
    html = render_html(kits_dir, layout, cards, title)
    fonts = FontConfiguration()
    return HTML(string=html, base_url=str(kits_dir / "templates")).write_pdf(font_config=fonts)
