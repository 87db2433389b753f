"""Plot a recording's vertical acceleration with contacts and bouts coloured by direction."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from retrowalk.errors import InputError
from retrowalk.gait.orientation import vertical_acceleration
from retrowalk.gait.pipeline import GaitResult
from retrowalk.gait.recording import Recording

DIRECTION_COLOURS = {"forward": "#1b9e77", "backward": "#d95f02", "unknown": "#7570b3"}
SUPPORTED_SUFFIXES = (".svg", ".png")


def plot_result(recording: Recording, result: GaitResult, out: Path) -> Path:
    """Write the plot to ``out`` (.svg or .png) and return the path."""
    if out.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError("the plot must be a .svg or .png file", field="plot", source=str(out))
    fs = recording.sampling_rate_hz
    vertical = vertical_acceleration(recording.acc_m_s2, sampling_rate_hz=fs)
    time_s = np.arange(vertical.shape[0]) / fs
    fig, ax = plt.subplots(figsize=(12, 4), constrained_layout=True)
    try:
        ax.plot(time_s, vertical, color="0.35", linewidth=0.6, label="vertical acceleration")
        seen: set[str] = set()
        for bout in result.bouts:
            label = f"{bout.direction} bout" if bout.direction not in seen else None
            seen.add(bout.direction)
            ax.axvspan(
                bout.start_s,
                bout.end_s,
                color=DIRECTION_COLOURS[bout.direction],
                alpha=0.2,
                label=label,
            )
        ics = result.initial_contacts_s
        if ics.size:
            idx = np.clip(np.round(ics * fs).astype(int), 0, vertical.shape[0] - 1)
            ax.plot(ics, vertical[idx], "v", color="black", markersize=4, label="initial contact")
        fcs = result.final_contacts_s
        if fcs.size:
            idx = np.clip(np.round(fcs * fs).astype(int), 0, vertical.shape[0] - 1)
            ax.plot(fcs, vertical[idx], "^", color="0.5", markersize=3, label="final contact")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("vertical acceleration (m/s²)")
        title = Path(result.source).name or result.source
        if not result.bouts:
            title += f" - {result.message}"
        ax.set_title(title)
        ax.legend(loc="upper right", fontsize="small")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(out)
        except OSError as error:
            raise InputError(
                f"cannot write the plot: {error.strerror or error}", field="plot", source=str(out)
            ) from None
    finally:
        plt.close(fig)
    return out
