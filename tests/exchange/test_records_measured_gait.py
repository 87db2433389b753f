"""MeasuredGait.backward_mean: backward bouts' parameters weighted by their steps."""

from __future__ import annotations

import pytest

from retrowalk.exchange.records import BoutRecord, MeasuredGait


def _gait(*bouts: BoutRecord) -> MeasuredGait:
    return MeasuredGait(10.0, 900, 5.0, 500, "1.3.0", bouts=bouts)


def test_backward_bouts_are_weighted_by_their_steps() -> None:
    gait = _gait(
        BoutRecord(0, 60, "backward", 0.9, "", 100, 80.0, speed_m_s=0.4),
        BoutRecord(70, 100, "backward", 0.9, "", 300, 100.0, speed_m_s=0.6),
        BoutRecord(100, 200, "forward", 0.9, "", 1000, 110.0, speed_m_s=1.2),
        BoutRecord(200, 260, "unknown", 0.1, "weak direction evidence", 50, 60.0),
    )
    assert gait.backward_mean("cadence_spm") == pytest.approx(95.0)
    assert gait.backward_mean("speed_m_s") == pytest.approx(0.55)


def test_a_bout_without_the_parameter_is_left_out() -> None:
    gait = _gait(
        BoutRecord(0, 60, "backward", 0.9, "", 100, 80.0),
        BoutRecord(70, 100, "backward", 0.9, "", 300, 100.0, speed_m_s=0.6),
    )
    assert gait.backward_mean("speed_m_s") == pytest.approx(0.6)


def test_no_backward_bout_gives_none() -> None:
    assert (
        _gait(BoutRecord(0, 60, "forward", 0.9, "", 100, 80.0)).backward_mean("cadence_spm") is None
    )
    assert _gait().backward_mean("speed_m_s") is None
