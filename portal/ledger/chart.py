"""The endowment balance over time: a server-rendered SVG step chart with axes, no JavaScript.

Amounts stay `Decimal`; only pixel positions are floats. Labels come formatted from the caller
(Babel, the visitor's locale). The page shows the same points as a table: the table is the
fallback and what screen readers read (the SVG has a title and is labelled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 96, 16, 16, 40
INK, MUTED, LINE = "#1b1b1f", "#4a4a55", "#0b5394"


def balance_chart(
    points: list[tuple[dt.date, Decimal]],
    *,
    title: str,
    day_label: Callable[[dt.date], str],
    money_label: Callable[[Decimal], str],
    rtl: bool = False,
) -> str:
    """Balance after each day with postings, as steps; x: days, y: amount from zero."""
    if not points:
        return ""
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    top = max([p[1] for p in points] + [Decimal("0.01")])
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def px(day: dt.date) -> float:
        position = LEFT + plot_w * (day - first).days / span
        return WIDTH - position if rtl else position

    def py(amount: Decimal) -> float:
        return TOP + plot_h - plot_h * float(amount / top)

    x_axis_y = TOP + plot_h
    y_axis_x = WIDTH - LEFT if rtl else LEFT
    x_from, x_to = (RIGHT, WIDTH - LEFT) if rtl else (LEFT, WIDTH - RIGHT)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="chart balance" direction="ltr">',
        f"<title>{escape(title)}</title>",
        # Axes: y from zero to the highest balance, x from the first to the last posting day.
        f'<line x1="{y_axis_x}" x2="{y_axis_x}" y1="{TOP}" y2="{x_axis_y}" stroke="{INK}"/>',
        f'<line x1="{x_from}" x2="{x_to}" y1="{x_axis_y}" y2="{x_axis_y}" stroke="{INK}"/>',
    ]
    label_x = y_axis_x + (6 if rtl else -6)
    anchor = "start" if rtl else "end"
    for fraction in (Decimal(0), Decimal("0.5"), Decimal(1)):
        amount = top * fraction
        y = py(amount)
        parts.append(
            f'<line x1="{y_axis_x - 4}" x2="{y_axis_x + 4}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{INK}"/>'
            f'<text x="{label_x}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="11" '
            f'fill="{MUTED}">{escape(money_label(amount))}</text>'
        )
    middle = first + dt.timedelta(days=span // 2)
    ticks = [first] if first == last else [first, middle, last]
    for day in ticks:
        x = px(day)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{x_axis_y}" y2="{x_axis_y + 4}" stroke="{INK}"/>'
            f'<text x="{x:.1f}" y="{x_axis_y + 18}" text-anchor="middle" font-size="11" '
            f'fill="{MUTED}">{escape(day_label(day))}</text>'
        )
    coords: list[tuple[float, float]] = []
    for index, (day, amount) in enumerate(points):
        if index:
            coords.append((px(day), coords[-1][1]))
        coords.append((px(day), py(amount)))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for day, amount in points[-1:]:
        parts.append(f'<circle cx="{px(day):.1f}" cy="{py(amount):.1f}" r="3.5" fill="{LINE}"/>')
    parts.append("</svg>")
    return "".join(parts)
