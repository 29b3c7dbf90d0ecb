"""Line charts as server-rendered SVG (no script): drift and override rate over time on the models page.

``line_chart`` draws each series as a polyline (a lone point as a dot) over a shared time axis
(the x range spans every point), a y axis from 0 to the largest value or threshold (with 10%
headroom), dashed horizontal lines at the thresholds, the first and last times under the axis,
and a legend. Colours come from CSS classes (``series-0`` ...), so the page's light and dark
themes apply. The chart is an image to assistive technology (``role="img"``) named by its title,
and its ``desc`` says the latest value of each series in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from markupsafe import Markup

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]
    """(epoch seconds, value), oldest first."""


@dataclass(frozen=True)
class Threshold:
    value: float
    label: str
    css: str = "warn"


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def line_chart(title: str, series: Sequence[Series], thresholds: Sequence[Threshold] = (), *, unit: str = "") -> Markup:
    """An SVG line chart of ``series`` with ``thresholds`` (see the module docstring)."""
    drawn = [s for s in series if s.points]
    if not drawn:
        return Markup(f'<p class="muted chart-empty">{escape(title)}: nothing measured yet.</p>')  # noqa: S704 (escaped)
    times = [t for s in drawn for t, _ in s.points]
    values = [v for s in drawn for _, v in s.points] + [th.value for th in thresholds]
    t0, t1 = min(times), max(times)
    top = max(max(values) * 1.1, 1e-9)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + (plot_w * (t - t0) / (t1 - t0) if t1 > t0 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(v, top) / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{_id(title)}-t {_id(title)}-d"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_id(title)}-t">{escape(title)}</title>',
        f'<desc id="{_id(title)}-d">{escape(_describe(drawn, unit))}</desc>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        v = top * fraction
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.2f}</text>')
    for th in thresholds:
        parts.append(
            f'<line class="threshold threshold-{escape(th.css)}" x1="{LEFT}" y1="{y(th.value):.1f}" '
            f'x2="{WIDTH - RIGHT}" y2="{y(th.value):.1f}"><title>{escape(th.label)}</title></line>'
            f'<text class="threshold-label" x="{WIDTH - RIGHT - 4}" y="{y(th.value) - 4:.1f}" '
            f'text-anchor="end">{escape(th.label)}</text>'
        )
    for i, s in enumerate(drawn):
        css = f"series series-{i % 6}"
        if len(s.points) == 1:
            (t, v) = s.points[0]
            parts.append(f'<circle class="{css}" cx="{x(t):.1f}" cy="{y(v):.1f}" r="3.5"/>')
        else:
            path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in s.points)
            parts.append(f'<polyline class="{css}" points="{path}"/>')
    parts.append(f'<text class="tick" x="{LEFT}" y="{HEIGHT - BOTTOM + 16}">{_stamp(t0)}</text>')
    if t1 > t0:
        parts.append(
            f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - BOTTOM + 16}" text-anchor="end">'
            f"{_stamp(t1)} UTC</text>"
        )
    legend_x = LEFT
    for i, s in enumerate(drawn):
        parts.append(
            f'<rect class="series-key series-{i % 6}" x="{legend_x}" y="{HEIGHT - 14}" width="10" height="10"/>'
            f'<text class="legend" x="{legend_x + 14}" y="{HEIGHT - 5}">{escape(s.label)}</text>'
        )
        legend_x += 24 + 7 * len(s.label)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it is escaped)


def _describe(series: Sequence[Series], unit: str) -> str:
    latest = [f"{s.label}: {s.points[-1][1]:.3f}{unit} at {_stamp(s.points[-1][0])} UTC" for s in series]
    return "Latest values. " + "; ".join(latest)


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:60]
