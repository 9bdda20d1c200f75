"""The server-rendered charts are valid SVG that a strict CSP allows, mirrored in RTL."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from portal.assess.charts import (
    CHART_WIDTH,
    Interval,
    TrendPoint,
    interval_chart,
    nice_top,
    trend_chart,
)

ROWS = [
    Interval("HR-1", 0.4, 0.1, 0.9, 1.0, "PASS"),
    Interval("IC-1", 3.0, 2.0, 4.5, 2.5, "FAIL"),
    Interval("PM-1", None, None, None, 0.75, "NO_DATA"),
]


def _circle_x(svg: str, index: int) -> float:
    circles = [e for e in ET.fromstring(svg).iter() if e.tag.endswith("circle")]
    return float(circles[index].attrib["cx"])


def test_interval_chart_is_csp_safe_svg_with_a_title() -> None:
    svg = interval_chart(ROWS, title="Estimates & intervals <test>")
    root = ET.fromstring(svg)
    assert root.attrib["role"] == "img" and "aria-label" in root.attrib
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert "style" not in svg and "<script" not in svg
    assert len([e for e in root.iter() if e.tag.endswith("circle")]) == 2  # no estimate, no dot


def test_rtl_mirrors_the_positions() -> None:
    ltr, rtl = interval_chart(ROWS, title="t"), interval_chart(ROWS, title="t", rtl=True)
    assert _circle_x(ltr, 0) + _circle_x(rtl, 0) == CHART_WIDTH  # mirrored about the centre


def test_trend_chart_draws_points_and_reference_lines() -> None:
    svg = trend_chart(
        [TrendPoint("Q1", 1.0), TrendPoint("Q2", None), TrendPoint("Q3", 2.0)],
        title="trend",
        baseline=1.5,
        target=1.0,
    )
    root = ET.fromstring(svg)
    assert len([e for e in root.iter() if e.tag.endswith("circle")]) == 2
    # The value axis, then the baseline and the target.
    assert len(root.findall("{http://www.w3.org/2000/svg}line")) == 3
    texts = [e.text for e in root.iter() if e.tag.endswith("text")]
    assert {"0", "2", "Q1", "Q3"} <= set(texts)  # the axis's two ends: 0 and a round top


def test_one_scale_and_one_axis_per_unit() -> None:
    rows = [
        Interval("PM-1", 0.8, 0.7, 0.9, 0.75, "PASS", unit="Share"),
        Interval("IC-3", 60.0, 50.0, 70.0, 50.0, "PASS", unit="Score"),
        Interval("PM-2", 0.95, 0.9, 0.97, 0.9, "PASS", unit="Share"),
    ]
    svg = interval_chart(rows, title="t")
    texts = [e.text for e in ET.fromstring(svg).iter() if e.tag.endswith("text")]
    # Two units, each named once, each with its axis numbers: 0 … 1 and 0 … 100.
    assert texts.count("Share") == 1 and texts.count("Score") == 1
    assert {"0", "0.5", "1"} <= set(texts) and {"50", "100"} <= set(texts)
    # Rows of one unit share the scale: PM-1's and PM-2's dots sit where their values say.
    assert _circle_x(svg, 1) > _circle_x(svg, 0)
    assert nice_top(0.97) == 1.0 and nice_top(70) == 100.0 and nice_top(3.2) == 5.0


def test_a_bounded_unit_keeps_its_scale_without_data() -> None:
    svg = interval_chart(
        [Interval("IC-3", None, None, None, 50.0, "NO_DATA", "Score", 100.0)], title="t"
    )
    texts = [e.text for e in ET.fromstring(svg).iter() if e.tag.endswith("text")]
    assert "100" in texts and "1" not in texts


# A 360 px phone leaves the chart 328 CSS px (main's padding); a chart never grows past its width.
PHONE_CHART_PX = 328


def test_the_smallest_type_reads_at_least_12_px_on_a_phone_and_never_grows() -> None:
    rows = [*ROWS, Interval("IC-3", 60.0, 50.0, 70.0, 50.0, "PASS", unit="Score")]
    for svg in (
        interval_chart(rows, title="t"),
        trend_chart([TrendPoint("Q1", 1.0), TrendPoint("Q2", 3.0)], title="t", baseline=2.0),
    ):
        root = ET.fromstring(svg)
        width = float(root.attrib["viewBox"].split()[2])
        # Drawn at its natural size: one unit is one CSS px wherever there is room.
        assert float(root.attrib["width"]) == width
        sizes = [float(e.attrib["font-size"]) for e in root.iter() if e.tag.endswith("text")]
        assert min(sizes) * min(1.0, PHONE_CHART_PX / width) >= 12
