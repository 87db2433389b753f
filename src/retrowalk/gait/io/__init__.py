"""Readers: one per file format, each ending in :func:`retrowalk.gait.resample.build_recording`.

:func:`read_recording` detects the format from the file name and header.
"""

from retrowalk.gait.io.detect import FileFormat, detect_format, read_recording
from retrowalk.gait.io.generic_csv import ColumnMapping, read_generic_csv
from retrowalk.gait.io.mobilised import list_mobilised_trials, read_mobilised_mat
from retrowalk.gait.io.phyphox import read_phyphox_csv
from retrowalk.gait.io.retrowalk_csv import read_retrowalk_csv
from retrowalk.gait.io.sensor_logger import read_sensor_logger_csv

__all__ = [
    "ColumnMapping",
    "FileFormat",
    "detect_format",
    "list_mobilised_trials",
    "read_generic_csv",
    "read_mobilised_mat",
    "read_phyphox_csv",
    "read_recording",
    "read_retrowalk_csv",
    "read_sensor_logger_csv",
]
