"""Server-rendered SVG charts: interval bars per indicator and a trend line, no JavaScript.

Each chart comes with a text alternative and sits next to a data table (the table is the
fallback and what screen readers read). Coordinates are computed here; the template inlines the
SVG. Colours are presentation attributes because the CSP allows no inline style.
"""

from __future__ import annotations

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


def interval_chart(rows: list[Interval], *, title: str, rtl: bool = False) -> str:
    """One row per indicator on its own 0..max scale: the bar is the 90 % interval, the dot the
    estimate, the tick the pass threshold. Scales differ by indicator, so each row is normalised
    to the larger of its upper bound and threshold."""
    width, row_h, label_w = 640, 28, 90
    plot_w = width - label_w - 20
    height = row_h * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" direction="ltr">',
        f"<title>{escape(title)}</title>",
    ]

    def x(value: float, scale: float) -> float:
        position = label_w + plot_w * (value / scale if scale else 0.0)
        return width - position if rtl else position

    for index, row in enumerate(rows):
        y = 10 + index * row_h + row_h / 2
        label_x = width - 4 if rtl else 4
        anchor = "end" if rtl else "start"
        parts.append(
            f'<text x="{label_x}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="13" '
            f'fill="#1b1b1f">{escape(row.label)}</text>'
        )
        colour = STATE_COLOURS.get(row.state, "#6b6b76")
        scale = max(v for v in (row.upper, row.threshold, row.estimate, 1e-9) if v is not None)
        scale *= 1.1
        if row.lower is not None and row.upper is not None:
            x1, x2 = sorted((x(row.lower, scale), x(row.upper, scale)))
            parts.append(
                f'<rect x="{x1:.1f}" y="{y - 4:.1f}" width="{max(x2 - x1, 1.5):.1f}" height="8" '
                f'rx="3" fill="{colour}" fill-opacity="0.35"/>'
            )
        if row.estimate is not None:
            parts.append(
                f'<circle cx="{x(row.estimate, scale):.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'
            )
        if row.threshold is not None:
            tx = x(row.threshold, scale)
            parts.append(
                f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y - 10:.1f}" y2="{y + 10:.1f}" '
                f'stroke="#1b1b1f" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class TrendPoint:
    label: str
    value: float | None


def trend_chart(
    points: list[TrendPoint],
    *,
    title: str,
    baseline: float | None = None,
    target: float | None = None,
    rtl: bool = False,
) -> str:
    """Estimates over periods, with the plan's baseline and target as reference lines."""
    width, height, pad = 320, 120, 24
    values = [p.value for p in points if p.value is not None]
    refs = [v for v in (baseline, target) if v is not None]
    top = max([*values, *refs, 1e-9]) * 1.15
    n = max(len(points) - 1, 1)

    def px(i: int) -> float:
        position = pad + (width - 2 * pad) * i / n
        return width - position if rtl else position

    def py(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart trend" direction="ltr">',
        f"<title>{escape(title)}</title>",
    ]
    for ref, dash in ((baseline, "4 3"), (target, "1 3")):
        if ref is not None:
            parts.append(
                f'<line x1="{pad}" x2="{width - pad}" y1="{py(ref):.1f}" y2="{py(ref):.1f}" '
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
            f'<text x="{px(i):.1f}" y="{height - 6}" text-anchor="middle" font-size="10" '
            f'fill="#4a4a55">{escape(point.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
