"""``retrowalk gait attenuation DISTAL_FILE PROXIMAL_FILE``: shock attenuation of a two-sensor
recording (e.g. tibia + head, or tibia + lower back), by the peak-ratio and the spectral
(transfer-function) definitions of :mod:`retrowalk.gait.shock_attenuation`.

Both files are read with the gait readers (retrowalk CSV, Sensor Logger, phyphox, Mobilise-D
``data.mat``). The two sensors must be synchronised: sample times are taken as seconds from a
common start; the proximal signal is interpolated onto the distal sample times where they overlap.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from retrowalk.errors import InputError
from retrowalk.gait.io.detect import read_recording
from retrowalk.gait.recording import Recording
from retrowalk.gait.shock_attenuation import (
    IMPACT_BAND_HZ,
    PeakRatioAttenuation,
    SpectralAttenuation,
    peak_ratio_attenuation,
    spectral_attenuation,
)

MIN_OVERLAP_S = 2.0


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def register(gait_app: typer.Typer) -> None:
    """Add ``attenuation`` to the ``retrowalk gait`` command group."""
    gait_app.command("attenuation")(attenuation_command)


def _aligned(distal: Recording, proximal: Recording) -> tuple[np.ndarray, np.ndarray, float]:
    start = max(distal.start_s, proximal.start_s)
    end = min(float(distal.time_s[-1]), float(proximal.time_s[-1])) if distal.n_samples else start
    if proximal.n_samples == 0 or end - start < MIN_OVERLAP_S:
        raise InputError(
            f"the two recordings overlap for less than {MIN_OVERLAP_S:g} s "
            f"(distal {distal.duration_s:.1f} s, proximal {proximal.duration_s:.1f} s)",
            source=proximal.source,
        )
    keep = (distal.time_s >= start) & (distal.time_s <= end)
    times = distal.time_s[keep]
    proximal_on_distal = np.column_stack(
        [np.interp(times, proximal.time_s, proximal.acc_m_s2[:, axis]) for axis in range(3)]
    )
    return distal.acc_m_s2[keep], proximal_on_distal, distal.sampling_rate_hz


def _text(peaks: PeakRatioAttenuation, spectral: SpectralAttenuation) -> str:
    def percent(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f} %"

    low, high = spectral.band_hz
    return "\n".join(
        [
            f"Peak-ratio shock attenuation: {peaks.n_impacts} impacts, median "
            f"{percent(peaks.median_percent)}, mean {percent(peaks.mean_percent)}, "
            f"SD {percent(peaks.sd_percent)}",
            "  (1 - proximal peak / distal peak) x 100 %; formula source not confirmed "
            "(evidence.md 2.1, NC)",
            f"Spectral shock attenuation {low:g}-{high:g} Hz: {spectral.attenuation_db:.1f} dB "
            f"(transfer function {spectral.transfer_function_db:.1f} dB)",
        ]
    )


def attenuation_command(
    distal_file: Annotated[Path, typer.Argument(help="Distal sensor recording (e.g. tibia).")],
    proximal_file: Annotated[
        Path, typer.Argument(help="Proximal sensor recording (e.g. head or lower back).")
    ],
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", help="text (default) or json.", case_sensitive=False),
    ] = OutputFormat.text,
    trial: Annotated[
        str | None,
        typer.Option("--trial", help="Trial inside Mobilise-D data.mat files (both files)."),
    ] = None,
) -> None:
    """Shock attenuation from a distal and a proximal accelerometer recording."""
    distal = read_recording(distal_file, trial=trial)
    proximal = read_recording(proximal_file, trial=trial)
    distal_acc, proximal_acc, rate = _aligned(distal, proximal)
    peaks = peak_ratio_attenuation(distal_acc, proximal_acc, sampling_rate_hz=rate)
    high = min(IMPACT_BAND_HZ[1], 0.45 * rate)
    if high <= IMPACT_BAND_HZ[0]:
        raise InputError(
            f"sampling rate {rate:g} Hz is too low for the {IMPACT_BAND_HZ[0]:g}-"
            f"{IMPACT_BAND_HZ[1]:g} Hz impact band (needs more than {2 * IMPACT_BAND_HZ[1]:g} Hz)",
            source=str(distal_file),
        )
    spectral = spectral_attenuation(
        distal_acc, proximal_acc, sampling_rate_hz=rate, band_hz=(IMPACT_BAND_HZ[0], high)
    )
    if output_format is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "sampling_rate_hz": rate,
                    "peak_ratio": peaks.to_dict(),
                    "spectral": spectral.to_dict(),
                }
            )
        )
    else:
        typer.echo(_text(peaks, spectral))
