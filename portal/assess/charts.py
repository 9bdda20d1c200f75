"""Server-rendered SVG charts: interval bars per indicator and a trend line, no JavaScript.

Each chart comes with a text alternative and sits next to a data table (the table is the
fallback and what screen readers read). Coordinates are computed here; the template inlines the
SVG. Colours are presentation attributes because the CSP allows no inline style.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

STATE_COLOURS = {
    "PASS": "#1e6b36",
    "FAIL": "#a4161a",
    "INDETERMINATE": "#8a6d00",
    "NO_DATA": "#6b6b76",
}


@dataclass(frozen=True)
class Interval:
    label: str
    estimate: float | None
    lower: float | None
    upper: float | None
    threshold: float | None
    state: str
    # What the numbers measure ("Share, 0 to 1"); rows of one unit share one scale and axis.
    unit: str = ""
    # The top of a bounded unit's scale (1 for a share, 100 for a checklist); None: from data.
    bound: float | None = None


# Charts are drawn at their natural size in CSS pixels and only ever shrink (to 328 px on a 360 px
# phone, never grown on a wide screen), so the smallest type, 17 units, reads ≥ 12.5 px on a
# phone and 17 px on a desk, not 11 px on one and 35 px on the other (issue 12.8).
CHART_WIDTH = 440
_LABEL_W, _ROW_H, _FONT, _AXIS_FONT = 64, 36, 18, 17


def nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above `value`: an axis end a person can read."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power + 1e-12:
            return float(step * power)
    return float(10 * power)


def interval_chart(
    rows: list[Interval],
    *,
    title: str,
    rtl: bool = False,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> str:
    """Indicators grouped by unit; each group has one scale and an axis with its numbers. The
    bar is the 90 % interval, the dot the estimate, the tick the pass threshold.

    Scales differ by unit (a share runs 0 to 1, a checklist 0 to 100, a rate has no top), so a
    single scale would flatten most rows; one scale per row, as before, gave no axis to read.
    """
    width = CHART_WIDTH
    plot_w = width - _LABEL_W - 24
    groups: dict[str, list[Interval]] = {}
    for row in rows:
        groups.setdefault(row.unit, []).append(row)
    height = 6 + sum(
        (_ROW_H if unit else 0) + _ROW_H * len(items) + 38 for unit, items in groups.items()
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" direction="ltr">',
        f"<title>{escape(title)}</title>",
    ]

    def x(value: float, scale: float) -> float:
        position = _LABEL_W + plot_w * (value / scale if scale else 0.0)
        return width - position if rtl else position

    anchor = "end" if rtl else "start"
    label_x = width - 4 if rtl else 4
    y = 6.0
    for unit, items in groups.items():
        if unit:
            y += _ROW_H
            parts.append(
                f'<text x="{label_x}" y="{y - 9:.1f}" text-anchor="{anchor}" font-size="{_FONT}" '
                f'font-weight="bold" fill="#1b1b1f">{escape(unit)}</text>'
            )
        values = [v for r in items for v in (r.upper, r.threshold, r.estimate) if v is not None]
        bounds = [r.bound for r in items if r.bound is not None]
        scale = max(bounds) if bounds else nice_top(max(values, default=1.0))
        for row in items:
            middle = y + _ROW_H / 2
            parts.append(
                f'<text x="{label_x}" y="{middle + 5:.1f}" text-anchor="{anchor}" '
                f'font-size="{_FONT}" fill="#1b1b1f">{escape(row.label)}</text>'
            )
            colour = STATE_COLOURS.get(row.state, "#6b6b76")
            if row.lower is not None and row.upper is not None:
                x1, x2 = sorted((x(row.lower, scale), x(row.upper, scale)))
                parts.append(
                    f'<rect x="{x1:.1f}" y="{middle - 5:.1f}" width="{max(x2 - x1, 2):.1f}" '
                    f'height="10" rx="3" fill="{colour}" fill-opacity="0.35"/>'
                )
            if row.estimate is not None:
                parts.append(
                    f'<circle cx="{x(row.estimate, scale):.1f}" cy="{middle:.1f}" r="6" '
                    f'fill="{colour}"/>'
                )
            if row.threshold is not None:
                tx = x(row.threshold, scale)
                parts.append(
                    f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{middle - 12:.1f}" '
                    f'y2="{middle + 12:.1f}" stroke="#1b1b1f" stroke-width="2"/>'
                )
            y += _ROW_H
        # The axis of this unit: a line, five ticks and their numbers.
        axis_y = y + 4
        parts.append(
            f'<line x1="{x(0, scale):.1f}" x2="{x(scale, scale):.1f}" y1="{axis_y:.1f}" '
            f'y2="{axis_y:.1f}" stroke="#4a4a55" stroke-width="1"/>'
        )
        for step in range(5):
            value = scale * step / 4
            tx = x(value, scale)
            parts.append(
                f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{axis_y:.1f}" y2="{axis_y + 5:.1f}" '
                f'stroke="#4a4a55" stroke-width="1"/>'
                f'<text x="{tx:.1f}" y="{axis_y + 22:.1f}" text-anchor="middle" '
                f'font-size="{_AXIS_FONT}" fill="#4a4a55">{escape(fmt(value))}</text>'
            )
        y += 38
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class TrendPoint:
    label: str
    value: float | None


TREND_WIDTH = 260
_TREND_FONT = 14


def trend_chart(
    points: list[TrendPoint],
    *,
    title: str,
    baseline: float | None = None,
    target: float | None = None,
    rtl: bool = False,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> str:
    """Estimates over periods, with the plan's baseline and target as reference lines, on an
    axis from 0 to a round top whose two ends are written out."""
    width, height = TREND_WIDTH, 132
    side, top_pad, bottom = 48, 14, 26  # room for the axis numbers, the top, the period names
    values = [p.value for p in points if p.value is not None]
    refs = [v for v in (baseline, target) if v is not None]
    top = nice_top(max([*values, *refs, 0.0]))
    n = max(len(points) - 1, 1)
    plot_w = width - side - 14

    def px(i: int) -> float:
        position = side + plot_w * i / n
        return width - position if rtl else position

    def py(v: float) -> float:
        return height - bottom - (height - bottom - top_pad) * v / top

    axis_x = width - side + 6 if rtl else side - 6
    number_x = width - 4 if rtl else 4
    anchor = "end" if rtl else "start"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" class="chart trend" direction="ltr">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{axis_x}" x2="{axis_x}" y1="{py(top):.1f}" y2="{py(0):.1f}" '
        f'stroke="#4a4a55" stroke-width="1"/>',
    ]
    for value in (0.0, top):
        parts.append(
            f'<text x="{number_x}" y="{py(value) + 5:.1f}" text-anchor="{anchor}" '
            f'font-size="{_TREND_FONT}" fill="#4a4a55">{escape(fmt(value))}</text>'
        )
    for ref, dash in ((baseline, "4 3"), (target, "1 3")):
        if ref is not None:
            x1, x2 = sorted((px(0), px(n)))
            parts.append(
                f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{py(ref):.1f}" y2="{py(ref):.1f}" '
                f'stroke="#4a4a55" stroke-dasharray="{dash}"/>'
            )
    coords = [(px(i), py(p.value)) for i, p in enumerate(points) if p.value is not None]
    if len(coords) > 1:
        path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0b5394" stroke-width="2"/>')
    for cx, cy in coords:
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="#0b5394"/>')
    for i, point in enumerate(points):
        parts.append(
            f'<text x="{px(i):.1f}" y="{height - 6}" text-anchor="middle" '
            f'font-size="{_TREND_FONT}" fill="#4a4a55">{escape(point.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
