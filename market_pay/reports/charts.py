"""The dashboard's two charts as inline SVG, drawn on the server: no chart library, no CDN, no
script, and they print. Pure functions of the figures.

Both are drawn narrow (a viewBox 440 wide) with large type: the stylesheet scales them to the
column's width (at most 36rem), so their labels read at about 12 px on a 390 px phone and 19 px on
a laptop. Longer words (the axis title, the legend) are the page's text, under the chart."""

from markupsafe import Markup, escape

CASHLESS_COLOUR, MUTED, GRID = "#1565c0", "#757575", "#e0e0e0"
FONT = 15  # px in the viewBox
BAR_HEIGHT, BAR_GAP, BAR_WIDTH, CHART_WIDTH = 20, 12, 360, 440


def percent(share, lang: str = "vi") -> str:
    text = f"{share * 100:.1f} %"
    return text.replace(".", ",") if lang == "vi" else text


def share_bars(bars: list[tuple[str, float | None]], no_cash_text: str, lang: str = "vi") -> Markup:
    """One horizontal bar per (label, share), its label above it (long market names fit a phone);
    a share of None is said in words, not drawn as 0."""
    step = FONT + 6 + BAR_HEIGHT + BAR_GAP
    height = len(bars) * step + 4
    parts = [
        f'<svg class="chart share-chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="{CHART_WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (label, share) in enumerate(bars):
        top = index * step
        y = top + FONT + 6
        middle = y + BAR_HEIGHT * 0.75
        parts.append(f'<text x="0" y="{top + FONT}" font-size="{FONT}">{escape(label)}</text>')
        parts.append(f'<rect x="0" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="#eceff1"/>')
        if share is None:
            parts.append(
                f'<text x="6" y="{middle:.0f}" font-size="{FONT - 2}" fill="{MUTED}">{escape(no_cash_text)}</text>'
            )
            continue
        parts.append(
            f'<rect class="bar" data-share="{share:.4f}" x="0" y="{y}" '
            f'width="{share * BAR_WIDTH:.1f}" height="{BAR_HEIGHT}" fill="{CASHLESS_COLOUR}"/>'
        )
        parts.append(f'<text x="{BAR_WIDTH + 8}" y="{middle:.0f}" font-size="{FONT}">{percent(share, lang)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def weekly_share(weeks: list[dict], words: dict, lang: str = "vi") -> Markup:
    """The cashless share by value per week, 0–100 % on a labelled axis. Weeks before the first
    figure are left out; a week with figures but no cash recorded is a gap marked "—", not a 0;
    a partial week (fewer than 7 of its days in the period so far) is a hollow point joined by a
    dashed line, and says how many days it holds. `words`: partial, no_share."""
    shown = [week for week in weeks if week["has_data"]]
    width, height, left, right, top, bottom = CHART_WIDTH, 250, 52, 24, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(shown) - 1) if len(shown) > 1 else 0
    parts = [
        f'<svg class="chart trend-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h - tick * plot_h
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 8}" y="{y + 5:.1f}" text-anchor="end" font-size="{FONT - 2}">'
            f"{tick * 100:.0f} %</text>"
        )

    def point(index, share):
        return left + (index * step if len(shown) > 1 else plot_w / 2), top + plot_h - share * plot_h

    previous = None
    for index, week in enumerate(shown):
        share = week["share_by_value"]
        if share is None:
            previous = None
            continue
        x, y = point(index, share)
        if previous is not None:
            dashed = ' stroke-dasharray="5 4"' if week["partial"] or previous[2] else ""
            parts.append(
                f'<line class="segment" x1="{previous[0]:.1f}" y1="{previous[1]:.1f}" x2="{x:.1f}" '
                f'y2="{y:.1f}" stroke="{CASHLESS_COLOUR}" stroke-width="2.5"{dashed}/>'
            )
        previous = (x, y, week["partial"])
    every = max(1, -(-len(shown) // 6))  # at most six date labels (seven with the last)
    for index, week in enumerate(shown):
        share = week["share_by_value"]
        x, _ = point(index, 0)
        label = f"{week['week_start']:%d/%m}"
        title = f"{label}: {percent(share, lang) if share is not None else words['no_share']}"
        if week["partial"]:
            title += f" ({words['partial'].format(days=week['days'])})"
        if share is None:
            parts.append(
                f'<text class="no-share" x="{x:.1f}" y="{top + plot_h - 6}" text-anchor="middle" '
                f'font-size="{FONT}" fill="{MUTED}">—<title>{escape(title)}</title></text>'
            )
        else:
            _, y = point(index, share)
            fill = "#fff" if week["partial"] else CASHLESS_COLOUR
            parts.append(
                f'<circle class="week{" partial" if week["partial"] else ""}" data-share="{share:.4f}" '
                f'cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{CASHLESS_COLOUR}" '
                f'stroke-width="2"><title>{escape(title)}</title></circle>'
            )
        if index % every == 0 or index == len(shown) - 1:
            mark = "*" if week["partial"] else ""
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 24}" text-anchor="middle" '
                f'font-size="{FONT - 2}">{label}{mark}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
