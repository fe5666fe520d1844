"""The dashboard's two charts as inline SVG, drawn on the server: no chart library, no CDN, no
script, and they print. Pure functions of the figures."""
from markupsafe import Markup, escape

from ..common.formatting import format_vnd

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_WIDTH = 22, 8, 260, 360
CASHLESS_COLOUR, CASH_COLOUR, MUTED = "#1565c0", "#ef6c00", "#9e9e9e"


def percent(share, lang: str = "vi") -> str:
    text = f"{share * 100:.1f} %"
    return text.replace(".", ",") if lang == "vi" else text


def share_bars(bars: list[tuple[str, float | None]], no_cash_text: str, lang: str = "vi") -> Markup:
    """One horizontal bar per (label, share); a share of None is said in words, not drawn as 0."""
    height = len(bars) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    width = LABEL_WIDTH + BAR_WIDTH + 80
    parts = [f'<svg class="chart share-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for index, (label, share) in enumerate(bars):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        middle = y + BAR_HEIGHT * 0.7
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{middle:.0f}" text-anchor="end" font-size="13">'
                     f'{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="#eceff1"/>')
        if share is None:
            parts.append(f'<text x="{LABEL_WIDTH + 6}" y="{middle:.0f}" font-size="12" fill="{MUTED}">'
                         f'{escape(no_cash_text)}</text>')
            continue
        parts.append(f'<rect class="bar" data-share="{share:.4f}" x="{LABEL_WIDTH}" y="{y}" '
                     f'width="{share * BAR_WIDTH:.1f}" height="{BAR_HEIGHT}" fill="{CASHLESS_COLOUR}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{middle:.0f}" font-size="13">'
                     f'{percent(share, lang)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def weekly_lines(weeks: list[dict], labels: tuple[str, str], lang: str = "vi") -> Markup:
    """Cashless and cash value per week as two lines, with the week starts along the bottom."""
    width, height, left, bottom, top = 720, 260, 90, 40, 20
    plot_w, plot_h = width - left - 20, height - bottom - top
    peak = max([max(w["cashless_value"], w["cash_value"]) for w in weeks] + [1])
    step = plot_w / max(1, len(weeks) - 1)

    def point(index, value):
        return left + index * step, top + plot_h - value / peak * plot_h

    parts = [f'<svg class="chart trend-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{MUTED}"/>',
             f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{escape(format_vnd(peak))}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>']
    for key, colour, name in (("cashless_value", CASHLESS_COLOUR, labels[0]), ("cash_value", CASH_COLOUR, labels[1])):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, w[key]) for i, w in enumerate(weeks)))
        parts.append(f'<polyline class="series" data-series="{key}" points="{points}" fill="none" '
                     f'stroke="{colour}" stroke-width="2.5"/>')
        for index, week in enumerate(weeks):
            x, y = point(index, week[key])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(name)} {week["week_start"]:%d/%m}: {escape(format_vnd(week[key]))}</title>'
                         f'</circle>')
    every = max(1, len(weeks) // 10)
    for index, week in enumerate(weeks):
        if index % every == 0:
            x, _ = point(index, 0)
            parts.append(f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle" font-size="11">'
                         f'{week["week_start"]:%d/%m}</text>')
    for offset, (colour, name) in enumerate(((CASHLESS_COLOUR, labels[0]), (CASH_COLOUR, labels[1]))):
        x = left + offset * 160
        parts.append(f'<rect x="{x}" y="{height - 10}" width="12" height="8" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="{height - 2}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
