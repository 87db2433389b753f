"""Charts for the clinician report, drawn with matplotlib's object API into PNG bytes.

No pyplot: each chart is its own :class:`~matplotlib.figure.Figure` on an Agg canvas, so
rendering touches no global state and is safe in a web worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from matplotlib import dates as matplotlib_dates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from retrowalk.exchange.records import PlannedSessionRecord, SessionLogRecord
from retrowalk.reports.report_data import OutcomeTrend

#: matplotlib.dates is untyped; used through this alias.
_dates: Any = matplotlib_dates
_SIZE_IN = (6.8, 2.4)
_DPI = 150


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _date_axis(axes: Any, days: Sequence[date]) -> None:
    """Date ticks; a range of a day or two is widened (else the date locator cannot choose)."""
    if days:
        first, last = _dates.date2num(min(days)), _dates.date2num(max(days))
        pad = max(1.0, (last - first) * 0.05)
        axes.set_xlim(first - pad, last + pad)
    locator = _dates.AutoDateLocator(minticks=2, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(_dates.ConciseDateFormatter(locator))


def pain_chart(sessions: Sequence[SessionLogRecord]) -> bytes:
    """Pain before and after each session (NPRS 0-10) over time."""
    figure = Figure(figsize=_SIZE_IN)
    axes = figure.add_subplot()
    ordered = sorted(sessions, key=lambda s: s.started_at)
    for attribute, label, marker in (
        ("pain_before_nprs", "before", "o"),
        ("pain_after_nprs", "after", "s"),
        ("pain_next_morning_nprs", "next morning", "^"),
    ):
        pairs = [
            (s.started_at.date(), getattr(s, attribute))
            for s in ordered
            if getattr(s, attribute) is not None
        ]
        if pairs:
            axes.plot(
                _dates.date2num([d for d, _ in pairs]),
                [v for _, v in pairs],
                marker=marker,
                label=label,
            )
    axes.set_ylim(0, 10)
    axes.set_ylabel("pain (NPRS 0-10)")
    axes.set_title("Pain around sessions")
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper right", fontsize="small")
    _date_axis(axes, [s.started_at.date() for s in ordered])
    return _png(figure)


def weekly_minutes_chart(
    planned: Sequence[PlannedSessionRecord], sessions: Sequence[SessionLogRecord]
) -> bytes:
    """Backward minutes per week: planned beside logged (and measured where recorded)."""

    def week_of(day: date) -> date:
        return day.fromordinal(day.toordinal() - day.weekday())

    weeks: dict[date, list[float]] = {}
    for session in planned:
        weeks.setdefault(week_of(session.scheduled_on), [0.0, 0.0, 0.0])[0] += session.backward_min
    for log in sessions:
        row = weeks.setdefault(week_of(log.started_at.date()), [0.0, 0.0, 0.0])
        row[1] += log.backward_min
        if log.measured is not None:
            row[2] += log.measured.backward_min
    ordered = sorted(weeks)
    figure = Figure(figsize=_SIZE_IN)
    axes = figure.add_subplot()
    positions = list(range(len(ordered)))
    width = 0.28
    axes.bar([p - width for p in positions], [weeks[w][0] for w in ordered], width, label="planned")
    axes.bar(positions, [weeks[w][1] for w in ordered], width, label="logged")
    axes.bar(
        [p + width for p in positions], [weeks[w][2] for w in ordered], width, label="measured"
    )
    axes.set_xticks(positions, [w.strftime("%d %b") for w in ordered])
    axes.set_ylabel("backward minutes")
    axes.set_xlabel("week starting")
    axes.set_title("Backward walking per week")
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


def outcome_chart(trend: OutcomeTrend) -> bytes:
    """One instrument's scores, with the meaningful-change lines around the baseline."""
    figure = Figure(figsize=(6.8, 1.9))
    axes = figure.add_subplot()
    days = [p.assessed_on for p in trend.points]
    scores = [p.score for p in trend.points]
    axes.plot(_dates.date2num(days), scores, marker="o", color="#1f4e79")
    if trend.threshold_absolute is not None and scores:
        baseline = scores[0]
        better = baseline + (
            trend.threshold_absolute if trend.higher_is_better else -trend.threshold_absolute
        )
        worse = baseline - (
            trend.threshold_absolute if trend.higher_is_better else -trend.threshold_absolute
        )
        axes.axhline(
            better, color="#2e7d32", linestyle="--", linewidth=1, label="meaningful improvement"
        )
        axes.axhline(
            worse, color="#c62828", linestyle=":", linewidth=1, label="meaningful worsening"
        )
        axes.legend(loc="best", fontsize="x-small")
    unit = f" ({trend.score_unit})" if trend.score_unit else ""
    axes.set_ylabel(f"score{unit}", fontsize="small")
    axes.set_title(trend.instrument_name, fontsize="medium")
    axes.grid(alpha=0.3)
    _date_axis(axes, days)
    return _png(figure)
