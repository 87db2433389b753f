"""The retrowalk CSV format.

Header ``time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2`` and optionally
``gyr_x_rad_s,gyr_y_rad_s,gyr_z_rad_s``.
Any sensor orientation, any steady sampling rate; accelerations include gravity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrowalk.gait.io.table import read_table
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import RecordingFormatError, build_recording

TIME_COLUMN = "time_s"
ACC_COLUMNS = ("acc_x_m_s2", "acc_y_m_s2", "acc_z_m_s2")
GYR_COLUMNS = ("gyr_x_rad_s", "gyr_y_rad_s", "gyr_z_rad_s")


def read_retrowalk_csv(path: Path) -> Recording:
    table = read_table(path)
    table.require(TIME_COLUMN, *ACC_COLUMNS)
    present = [c for c in GYR_COLUMNS if c in table.header]
    if present and len(present) != len(GYR_COLUMNS):
        missing = next(c for c in GYR_COLUMNS if c not in table.header)
        raise RecordingFormatError(
            f"missing column '{missing}' (gyroscope needs all three axes)",
            source=table.source,
            line=table.first_data_line - 1,
            field=missing,
        )
    acc = np.column_stack([table.column(c) for c in ACC_COLUMNS])
    gyr = np.column_stack([table.column(c) for c in GYR_COLUMNS]) if present else None
    return build_recording(
        table.column(TIME_COLUMN),
        acc,
        gyr,
        source=table.source,
        first_data_line=table.first_data_line,
    )


def write_retrowalk_csv(path: Path, recording: Recording) -> None:
    """Write a recording in the retrowalk CSV format (used by tests and conversions)."""
    columns = [recording.time_s[:, None], recording.acc_m_s2]
    header = [TIME_COLUMN, *ACC_COLUMNS]
    if recording.gyr_rad_s is not None:
        columns.append(recording.gyr_rad_s)
        header += list(GYR_COLUMNS)
    np.savetxt(
        path, np.hstack(columns), delimiter=",", header=",".join(header), comments="", fmt="%.6g"
    )
