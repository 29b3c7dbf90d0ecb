"""The console's SVG line charts: points placed on the axes, thresholds drawn, text escaped, an
empty chart said in words."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from officeflow.web.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, Series, Threshold, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_points_span_the_plot_and_thresholds_are_dashed_lines() -> None:
    chart = line_chart(
        "Drift of <credit>",
        [Series("v1 inputs", [(0.0, 0.0), (50.0, 0.2), (100.0, 0.5)]), Series("v2", [(100.0, 0.1)])],
        [Threshold(0.25, "alert 0.25", "alert")],
    )
    root = ET.fromstring(str(chart))
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Drift of <credit>"  # escaped in the markup, read back as text
    (line,) = root.findall(f"{SVG}polyline")
    points = [tuple(float(n) for n in p.split(",")) for p in line.attrib["points"].split()]
    assert points[0][0] == LEFT
    assert points[-1][0] == WIDTH - RIGHT
    top = 0.5 * 1.1
    plot_h = HEIGHT - TOP - BOTTOM
    assert points[0][1] == TOP + plot_h  # 0 on the x axis
    assert abs(points[-1][1] - (TOP + plot_h * (1 - 0.5 / top))) < 0.1
    (dot,) = root.findall(f"{SVG}circle")  # a series of one point is a dot
    assert float(dot.attrib["cx"]) == WIDTH - RIGHT
    (threshold,) = [el for el in root.iter(f"{SVG}line") if "threshold-alert" in (el.get("class") or "")]
    assert abs(float(threshold.attrib["y1"]) - (TOP + plot_h * (1 - 0.25 / top))) < 0.1
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert "v1 inputs: 0.500" in (desc.text or "")


def test_an_empty_chart_says_so() -> None:
    text = str(line_chart("Override rate of x", [Series("v1", [])]))
    assert re.fullmatch(r'<p class="muted chart-empty">Override rate of x: nothing measured yet.</p>', text)
