"""Inline SVG charts: every point is drawn and listed in the data table."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from retrowalk.web.pages.charts import MAX_X_LABELS, Point, ReferenceLine, render_chart


def test_a_line_chart_draws_one_circle_per_point_and_lists_them() -> None:
    chart = render_chart(
        "pain",
        "Pain",
        [Point("1 Nov", 6), Point("8 Nov", 4.5)],
        y_label="Pain",
        y_min=0,
        y_max=10,
        references=[ReferenceLine("limit", 5)],
        summary="down",
    )
    assert chart.svg.count("<circle") == 2
    assert chart.rows == (("1 Nov", "6"), ("8 Nov", "4.5"), ("line: limit", "5"))
    assert 'stroke-dasharray="8 5"' in chart.svg


def test_a_bar_chart_draws_one_bar_per_point() -> None:
    chart = render_chart(
        "weeks",
        "Minutes",
        [Point("w1", 3), Point("w2", 0), Point("w3", 9)],
        y_label="Minutes",
        kind="bar",
        summary="s",
    )
    assert chart.svg.count("<rect") == 3


def test_an_empty_chart_says_there_is_no_data() -> None:
    chart = render_chart("x", "X", [], y_label="X", summary="No data yet.")
    assert "No data yet" in chart.svg
    assert chart.rows == ()


def test_labels_are_escaped() -> None:
    chart = render_chart("x", "<b>", [Point("<i>", 1)], y_label="<u>", summary="<s>")
    assert "<b>" not in chart.svg
    assert "<i>" not in chart.svg
    assert "&lt;i&gt;" in chart.svg


@given(st.lists(st.floats(min_value=-1000, max_value=1000), min_size=1, max_size=40))
def test_every_point_stays_inside_the_drawing(values: list[float]) -> None:
    chart = render_chart(
        "p", "P", [Point(str(i), v) for i, v in enumerate(values)], y_label="v", summary="s"
    )
    import re

    for cx, cy in re.findall(r'<circle cx="([-\d.]+)" cy="([-\d.]+)"', chart.svg):
        assert 0 <= float(cx) <= 640
        assert 0 <= float(cy) <= 260


@given(st.integers(min_value=1, max_value=120))
def test_the_x_axis_labels_at_most_four_points_evenly_always_the_latest(count: int) -> None:
    points = [Point(f"p{i}x", float(i % 7)) for i in range(count)]
    chart = render_chart("c", "C", points, y_label="Y", summary="s")
    shown = [i for i in range(count) if f">p{i}x</text>" in chart.svg]
    assert shown[-1] == count - 1
    assert 1 <= len(shown) <= MAX_X_LABELS
    gaps = {b - a for a, b in itertools.pairwise(shown)}
    assert len(gaps) <= 1


def test_the_picture_is_hidden_from_screen_readers_which_read_the_caption_and_table() -> None:
    chart = render_chart("pain", "Pain", [Point("1 Nov", 6)], y_label="Pain", summary="down")
    assert 'aria-hidden="true"' in chart.svg
    assert "aria-label" not in chart.svg
    assert chart.summary == "down"
