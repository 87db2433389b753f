"""Synthetic lower-back recordings for the demo (``retrowalk serve --demo`` only).

The demo patient's last sessions get a recording so that the web app shows what a measured
session looks like (the session page's bouts, the measured-speed chart, the bouts CSV). The
signal is a simple trunk-motion model, NOT real data, and the demo says so in each recording's
file name (``demo-synthetic-session-N.csv``):

- forward walking: per step a slow vertical rise and a sharp drop, an anterior-posterior
  oscillation at the step frequency and a medio-lateral sway at half of it, the trunk pitching
  with the AP acceleration, plus sensor noise;
- backward walking: the same motion run backwards in time (samples reversed, angular
  velocities negated), the part of backward gait that mirrors forward gait (evidence.md §1.3),
  at a lower step frequency and with a smaller vertical excursion (shorter, slower steps, as
  evidence.md §1.3 describes);
- 5 s of standing where the direction changes (turning round).

The phases follow the planned session (forward warm-up, backward blocks with forward breaks,
forward cool-down), so the analysis judges direction against the planned warm-up as it would
for a real recording.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from numpy.typing import NDArray

from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2

FloatArray = NDArray[np.float64]
SAMPLING_RATE_HZ = 50.0
FORWARD_STEP_HZ = 1.9
STAND_S = 5.0


#: The vertical excursion of a backward step relative to a forward one (shorter steps).
BACKWARD_EXCURSION = 0.5


def trunk_walk(
    duration_s: float,
    *,
    step_hz: float,
    backward: bool,
    rng: np.random.Generator,
    sampling_rate_hz: float = SAMPLING_RATE_HZ,
) -> FloatArray:
    """(n, 6) acc (m/s², sensor x = AP, y = ML, z = up) and gyr (rad/s) of one walk (the
    model above; also the tests' synthetic session)."""
    t = np.arange(0.0, duration_s, 1.0 / sampling_rate_hz)
    ramp = np.clip(np.minimum(t, duration_s - t) / 0.5, 0.0, 1.0)
    phase = (t * step_hz) % 1.0
    # the excursion scales with amplitude / frequency²: the forward one, or a share of it
    amplitude = 6.0 * (step_hz / FORWARD_STEP_HZ) ** 2 * (BACKWARD_EXCURSION if backward else 1.0)
    vertical = amplitude * (phase**4 - 0.2) * ramp
    ap = 1.5 * np.cos(2 * np.pi * step_hz * t + 0.4) * ramp
    ml = 1.0 * np.sin(np.pi * step_hz * t) * ramp
    pitch = -0.12 * ap + rng.normal(0.0, 0.04, t.size)
    acc = np.column_stack([ap, ml, vertical + STANDARD_GRAVITY_M_S2])
    acc += rng.normal(0.0, 0.1, acc.shape)
    gyr = np.column_stack(
        [0.1 * np.sin(np.pi * step_hz * t) * ramp, pitch, 0.1 * np.cos(np.pi * step_hz * t) * ramp]
    )
    if backward:
        acc, gyr = acc[::-1], -gyr[::-1]
    return np.hstack([acc, gyr])


def standing(
    rng: np.random.Generator,
    *,
    duration_s: float = STAND_S,
    sampling_rate_hz: float = SAMPLING_RATE_HZ,
) -> FloatArray:
    """(n, 6) acc and gyr of standing still, upright."""
    n = int(duration_s * sampling_rate_hz)
    still = np.zeros((n, 6))
    still[:, 2] = STANDARD_GRAVITY_M_S2
    return still + rng.normal(0.0, 0.05, still.shape)


def demo_session_csv(planned: dict[str, Any], *, backward_step_hz: float, seed: int) -> bytes:
    """A retrowalk CSV of the planned session (its ``PlannedSession.to_json()``) walked as
    planned: forward warm-up, the blocks in order, forward cool-down, standing in between."""
    rng = np.random.default_rng(seed)
    phases: list[tuple[float, bool]] = [(60.0 * float(planned["warmup_forward_min"]), False)]
    phases += [
        (60.0 * float(block["duration_min"]), block["direction"] == "backward")
        for block in planned["blocks"]
    ]
    phases.append((60.0 * float(planned["cooldown_forward_min"]), False))
    pieces = [standing(rng)]
    for duration_s, backward in phases:
        if duration_s <= 0:
            continue
        step_hz = backward_step_hz if backward else FORWARD_STEP_HZ
        walk = trunk_walk(duration_s, step_hz=step_hz, backward=backward, rng=rng)
        pieces += [walk, standing(rng)]
    samples = np.vstack(pieces)
    time_s = np.arange(samples.shape[0]) / SAMPLING_RATE_HZ
    text = io.StringIO()
    np.savetxt(
        text,
        np.column_stack([time_s, samples]),
        delimiter=",",
        fmt=["%.2f"] + ["%.4f"] * 6,
        header="time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2,gyr_x_rad_s,gyr_y_rad_s,gyr_z_rad_s",
        comments="",
    )
    return text.getvalue().encode()
