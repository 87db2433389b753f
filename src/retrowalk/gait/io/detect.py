"""Format detection: by extension (``.mat``, ``.zip``), by folder contents and by the CSV header."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from retrowalk.gait.io.archive import is_zip, read_zip_recording
from retrowalk.gait.io.generic_csv import ColumnMapping, read_generic_csv
from retrowalk.gait.io.mobilised import read_mobilised_mat
from retrowalk.gait.io.phyphox import is_phyphox_header, read_phyphox_csv
from retrowalk.gait.io.retrowalk_csv import ACC_COLUMNS, TIME_COLUMN, read_retrowalk_csv
from retrowalk.gait.io.sensor_logger import (
    COMPANION_FILES,
    is_sensor_logger_header,
    read_sensor_logger_csv,
    sensor_logger_file,
)
from retrowalk.gait.io.table import read_header_line, split_header
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import RecordingFormatError


class FileFormat(StrEnum):
    RETROWALK_CSV = "retrowalk-csv"
    SENSOR_LOGGER = "sensor-logger"
    PHYPHOX = "phyphox"
    MOBILISED_MAT = "mobilised-mat"
    GENERIC_CSV = "generic-csv"
    ZIP = "zip"
    """A phone app's zip export (:mod:`retrowalk.gait.io.archive`)."""


_NOT_ACCELERATION = frozenset(
    name.lower()
    for name in (
        *COMPANION_FILES,
        "GyroscopeUncalibrated.csv",
        "Magnetometer.csv",
        "MagnetometerUncalibrated.csv",
        "Orientation.csv",
        "Compass.csv",
    )
)
"""Sensor Logger files with its x/y/z columns that are not acceleration: analysed on their own
they would be read as acceleration and give invented steps."""


def detect_format(path: Path) -> FileFormat:
    if not path.exists():
        raise RecordingFormatError("no such file", source=str(path))
    if path.is_dir():
        if sensor_logger_file(path) is not None:
            return FileFormat.SENSOR_LOGGER
        raise RecordingFormatError("a folder, not a recording file", source=str(path))
    if path.suffix.lower() == ".mat":
        return FileFormat.MOBILISED_MAT
    if is_zip(path):
        return FileFormat.ZIP
    header = read_header_line(path)
    if not header:
        raise RecordingFormatError("the file is empty", source=str(path))
    cells = set(split_header(header)[1])  # comma, semicolon or tab, as the readers take
    if TIME_COLUMN in cells or any(c in cells for c in ACC_COLUMNS):
        return FileFormat.RETROWALK_CSV
    if is_sensor_logger_header(header):
        if path.name.lower() in _NOT_ACCELERATION:
            raise RecordingFormatError(
                f"this is Sensor Logger's {path.stem} file, not a recording of acceleration: "
                "give the export's folder or zip, or its TotalAcceleration.csv or "
                "Accelerometer.csv (the other files are read from beside it)",
                source=str(path),
            )
        return FileFormat.SENSOR_LOGGER
    if is_phyphox_header(header):
        return FileFormat.PHYPHOX
    raise RecordingFormatError(
        "unknown CSV format: expected a retrowalk CSV (columns time_s, acc_x_m_s2, acc_y_m_s2, "
        "acc_z_m_s2), or a Sensor Logger or phyphox export; other CSVs can be read with a "
        "column mapping (docs/gait.md)",
        source=str(path),
        line=1,
    )


def read_recording(
    path: Path,
    *,
    mapping: ColumnMapping | None = None,
    trial: str | None = None,
    max_unpacked_bytes: int | None = None,
) -> Recording:
    """Read any supported recording; a ``mapping`` forces the generic CSV reader.
    ``max_unpacked_bytes`` caps what a zip export may unpack to (see
    :func:`~retrowalk.gait.io.archive.read_zip_recording`)."""
    if mapping is not None:
        return read_generic_csv(path, mapping)
    fmt = detect_format(path)
    if fmt is FileFormat.ZIP:
        return read_zip_recording(
            path,
            read_single=lambda inner: read_recording(inner, trial=trial),
            max_unpacked_bytes=max_unpacked_bytes,
        )
    if fmt is FileFormat.MOBILISED_MAT:
        return read_mobilised_mat(path, trial=trial)
    if fmt is FileFormat.SENSOR_LOGGER:
        return read_sensor_logger_csv(path)
    if fmt is FileFormat.PHYPHOX:
        return read_phyphox_csv(path)
    return read_retrowalk_csv(path)
