"""Server-rendered charts: inline SVG (no JavaScript), each with a text summary and a data table.

A chart is drawn from plain points; the same points fill the data table that screen readers use
and the summary sentence under the chart. Reference lines (a meaningful-change threshold, the
pain limit during activity) are drawn dashed and named in a legend row of the table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import escape

WIDTH_PX = 480
HEIGHT_PX = 260
LEFT_PX = 56
RIGHT_PX = 16
TOP_PX = 16
BOTTOM_PX = 40
INK = "#1b1f24"
GRID = "#c9d0da"
SERIES = "#0b5cad"
REFERENCE = "#8a4b00"
BAR_MAX_WIDTH_PX = 60.0
MAX_X_LABELS = 4
"""Labels along the x axis; with 480 units and 15-unit text, "w/c 12 Oct" fits four times
even when a phone shows the chart at about two thirds of its size (about 10 px text)."""


@dataclass(frozen=True)
class Point:
    """One value at one labelled position on the x axis (a date, a week)."""

    label: str
    value: float


@dataclass(frozen=True)
class ReferenceLine:
    """A horizontal line with a name, e.g. 'meaningful improvement (-2 points)'."""

    name: str
    value: float


@dataclass(frozen=True)
class Chart:
    """A rendered chart: SVG markup, a one-sentence summary and the rows of its data table."""

    id: str
    title: str
    svg: str
    summary: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _scale(low: float, high: float, value: float, out_low: float, out_high: float) -> float:
    if high == low:
        return (out_low + out_high) / 2
    return out_low + (value - low) / (high - low) * (out_high - out_low)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    if span <= 0:
        return [low]
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks: list[float] = []
    value = first
    while value <= high + 1e-9:
        ticks.append(round(value, 6))
        value += step
    return ticks


def render_chart(
    chart_id: str,
    title: str,
    points: Sequence[Point],
    *,
    y_label: str,
    kind: str = "line",
    y_min: float | None = None,
    y_max: float | None = None,
    references: Sequence[ReferenceLine] = (),
    summary: str,
    x_header: str = "Date",
) -> Chart:
    """Draw ``points`` as a line (``kind='line'``) or bars (``kind='bar'``) in inline SVG."""
    values = [p.value for p in points] + [r.value for r in references]
    low = min([*values, 0.0]) if y_min is None else y_min
    high = max([*values, 1.0]) if y_max is None else y_max
    plot_left, plot_right = LEFT_PX, WIDTH_PX - RIGHT_PX
    plot_top, plot_bottom = TOP_PX, HEIGHT_PX - BOTTOM_PX
    parts: list[str] = [
        # hidden from screen readers: the figure's heading, caption (the same summary) and data
        # table say it in words; a label on the picture too read everything twice
        f'<svg viewBox="0 0 {WIDTH_PX} {HEIGHT_PX}" aria-hidden="true" focusable="false" '
        'xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, sans-serif" font-size="15">'
    ]
    for tick in _ticks(low, high):
        y = _scale(low, high, tick, plot_bottom, plot_top)
        parts.append(
            f'<line x1="{plot_left}" y1="{y:.1f}" x2="{plot_right}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{plot_left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{_fmt(tick)}</text>"
        )
    parts.append(
        f'<text x="12" y="{(plot_top + plot_bottom) / 2:.1f}" fill="{INK}" text-anchor="middle" '
        f'transform="rotate(-90 12 {(plot_top + plot_bottom) / 2:.1f})">{escape(y_label)}</text>'
    )
    count = len(points)
    slot = (plot_right - plot_left) / max(count, 1)

    def x_at(index: int) -> float:
        return plot_left + slot * (index + 0.5)

    # At most MAX_X_LABELS, counted back from the latest point, so labels never collide.
    label_every = max(1, math.ceil(count / MAX_X_LABELS))
    labelled = set(range(count - 1, -1, -label_every))
    for index, point in enumerate(points):
        if index in labelled:
            parts.append(
                f'<text x="{x_at(index):.1f}" y="{plot_bottom + 18}" text-anchor="middle" '
                f'fill="{INK}">{escape(point.label)}</text>'
            )
    if kind == "bar":
        base = _scale(low, high, max(low, 0.0), plot_bottom, plot_top)
        width = min(BAR_MAX_WIDTH_PX, max(4.0, slot * 0.6))
        for index, point in enumerate(points):
            y = _scale(low, high, point.value, plot_bottom, plot_top)
            parts.append(
                f'<rect x="{x_at(index) - width / 2:.1f}" y="{min(y, base):.1f}" '
                f'width="{width:.1f}" height="{abs(base - y):.1f}" fill="{SERIES}"/>'
            )
    elif points:
        coords = " ".join(
            f"{x_at(i):.1f},{_scale(low, high, p.value, plot_bottom, plot_top):.1f}"
            for i, p in enumerate(points)
        )
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{SERIES}" stroke-width="3"/>'
        )
        for index, point in enumerate(points):
            y = _scale(low, high, point.value, plot_bottom, plot_top)
            parts.append(f'<circle cx="{x_at(index):.1f}" cy="{y:.1f}" r="5" fill="{SERIES}"/>')
    for reference in references:
        y = _scale(low, high, reference.value, plot_bottom, plot_top)
        parts.append(
            f'<line x1="{plot_left}" y1="{y:.1f}" x2="{plot_right}" y2="{y:.1f}" '
            f'stroke="{REFERENCE}" stroke-width="2" stroke-dasharray="8 5"/>'
            f'<text x="{plot_right - 4}" y="{y - 5:.1f}" text-anchor="end" fill="{REFERENCE}">'
            f"{escape(reference.name)}</text>"
        )
    if not points:
        parts.append(
            f'<text x="{WIDTH_PX / 2}" y="{HEIGHT_PX / 2}" text-anchor="middle" fill="{INK}">'
            "No data yet</text>"
        )
    parts.append("</svg>")
    rows = tuple((p.label, _fmt(p.value)) for p in points) + tuple(
        (f"line: {r.name}", _fmt(r.value)) for r in references
    )
    return Chart(
        id=chart_id,
        title=title,
        svg="".join(parts),
        summary=summary,
        headers=(x_header, y_label),
        rows=rows,
    )
