from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrowalk.errors import InputError
from retrowalk.gait.io import (
    ColumnMapping,
    FileFormat,
    detect_format,
    read_generic_csv,
    read_mobilised_mat,
    read_recording,
)
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2
from retrowalk.gait.resample import RecordingFormatError

from .synthetic import walking_signal, write_mobilised_mat, write_walking_csv


def _rows(n: int = 400, fs: float = 50.0) -> np.ndarray:
    t = np.arange(n) / fs
    return np.column_stack([t, np.zeros(n), np.zeros(n), np.full(n, 9.81)])


def test_a_retrowalk_csv_is_read_with_its_gyroscope(tmp_path: Path) -> None:
    path = tmp_path / "walk.csv"
    write_walking_csv(path, walk_s=5.0, stand_s=1.0)
    rec = read_recording(path)
    assert rec.sampling_rate_hz == 100.0
    assert rec.gyr_rad_s is not None
    assert detect_format(path) is FileFormat.RETROWALK_CSV


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("time_s,acc_x_m_s2,acc_y_m_s2\n0,0,0\n")
    with pytest.raises(RecordingFormatError, match="missing column 'acc_z_m_s2'"):
        read_recording(path)


def test_a_malformed_value_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    lines = ["time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2"]
    lines += [f"{i / 100},0,0,9.81" for i in range(300)]
    lines[42] = "0.41,0,abc,9.81"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingFormatError) as caught:
        read_recording(path)
    assert caught.value.location.line == 43
    assert caught.value.location.column == 3
    assert "'abc' is not a number" in str(caught.value)


def test_a_value_no_sensor_measures_names_the_file_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    lines = ["time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2"]
    lines += [f"{i / 100},0,0,9.81" for i in range(300)]
    lines[201] = "2.0,1e6,0,9.81"  # sample 200 (0-based), on the file's line 202
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingFormatError) as caught:
        read_recording(path)
    assert str(caught.value).startswith(f"{path}, line 202, field 'acc_m_s2': time 2.000 s:")
    assert "1e+06 m/s², beyond 10000" in str(caught.value)


def test_a_short_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2\n0,0,0,9.8\n0.01,0,0\n")
    with pytest.raises(RecordingFormatError, match=r"line 3.*expected 4 values, found 3"):
        read_recording(path)


def test_an_empty_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(RecordingFormatError, match="empty"):
        read_recording(path)


def test_a_header_without_rows_says_so(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2\n")
    with pytest.raises(RecordingFormatError, match="no data rows"):
        read_recording(path)


def test_an_unknown_header_asks_for_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(RecordingFormatError, match="column mapping"):
        read_recording(path)


def test_a_sensor_logger_export_merges_the_gyroscope(tmp_path: Path) -> None:
    acc, gyr, _ = walking_signal(walk_s=5.0, stand_s=1.0)
    t = np.arange(acc.shape[0]) / 100.0
    for name, values in (("TotalAcceleration.csv", acc), ("Gyroscope.csv", gyr)):
        rows = np.column_stack([1.7e18 + t * 1e9, t, values[:, 2], values[:, 1], values[:, 0]])
        np.savetxt(
            tmp_path / name,
            rows,
            delimiter=",",
            header="time,seconds_elapsed,z,y,x",
            comments="",
            fmt="%.9g",
        )
    rec = read_recording(tmp_path / "TotalAcceleration.csv")
    assert detect_format(tmp_path) is FileFormat.SENSOR_LOGGER
    assert rec.gyr_rad_s is not None
    assert np.allclose(rec.acc_m_s2, acc, atol=1e-5)


@pytest.mark.parametrize("name", ["Gyroscope.csv", "gravity.csv", "Magnetometer.csv"])
def test_a_sensor_logger_file_that_is_not_acceleration_is_refused_on_its_own(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / name).write_text("time,seconds_elapsed,z,y,x\n1,0.0,0.1,0.2,0.3\n")
    with pytest.raises(RecordingFormatError, match="not a recording of acceleration"):
        read_recording(tmp_path / name)


def test_a_phyphox_export_with_decimal_commas_is_read(tmp_path: Path) -> None:
    rows = _rows()
    header = '"Time (s)";"Acceleration x (m/s^2)";"Acceleration y (m/s^2)";"Acceleration z (m/s^2)"'
    body = "\n".join(";".join(f"{v:.4f}".replace(".", ",") for v in row) for row in rows)
    path = tmp_path / "Accelerometer.csv"
    path.write_text(header + "\n" + body + "\n")
    rec = read_recording(path)
    assert rec.sampling_rate_hz == 50.0
    assert rec.acc_m_s2[:, 2] == pytest.approx(9.81)


def _european(path: Path, header: str) -> Path:
    """``_rows()`` as a European spreadsheet writes them: ``;``-separated, decimal commas."""
    body = "\n".join(";".join(f"{v:.4f}".replace(".", ",") for v in row) for row in _rows())
    path.write_text(header + "\n" + body + "\n")
    return path


def test_a_retrowalk_csv_with_semicolons_and_decimal_commas_is_read(tmp_path: Path) -> None:
    path = _european(tmp_path / "walk.csv", "time_s;acc_x_m_s2;acc_y_m_s2;acc_z_m_s2")
    assert detect_format(path) is FileFormat.RETROWALK_CSV
    rec = read_recording(path)
    assert rec.sampling_rate_hz == 50.0
    assert rec.acc_m_s2[:, 2] == pytest.approx(9.81)


def test_a_mapped_csv_with_semicolons_and_decimal_commas_is_read(tmp_path: Path) -> None:
    path = _european(tmp_path / "export.csv", "t;ax;ay;az")
    rec = read_generic_csv(path, ColumnMapping(time="t", acc=("ax", "ay", "az")))
    assert rec.sampling_rate_hz == 50.0
    assert rec.acc_m_s2[:, 2] == pytest.approx(9.81)


def test_a_bad_cell_of_a_decimal_comma_file_is_quoted_as_written(tmp_path: Path) -> None:
    path = _european(tmp_path / "walk.csv", "time_s;acc_x_m_s2;acc_y_m_s2;acc_z_m_s2")
    lines = path.read_text().splitlines()
    lines[5] = "0,0800;0;1,2,3;9,81"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingFormatError, match=r"line 6, column 3.*'1,2,3' is not a number"):
        read_recording(path)


def test_a_generic_csv_converts_declared_units(tmp_path: Path) -> None:
    n = 300
    path = tmp_path / "g.csv"
    rows = np.column_stack([np.arange(n), np.zeros(n), np.zeros(n), np.ones(n), np.full(n, 90.0)])
    np.savetxt(path, rows, delimiter=",", header="samples,ax,ay,az,gz", comments="")
    mapping = ColumnMapping(
        time="samples",
        time_unit="samples",
        sampling_rate_hz=100.0,
        acc=("ax", "ay", "az"),
        acc_unit="g",
        gyr=("ax", "ay", "gz"),
        gyr_unit="deg/s",
    )
    rec = read_generic_csv(path, mapping)
    assert rec.acc_m_s2[0, 2] == pytest.approx(STANDARD_GRAVITY_M_S2)
    assert rec.gyr_rad_s is not None
    assert rec.gyr_rad_s[0, 2] == pytest.approx(np.pi / 2)


def test_a_column_mapping_file_missing_a_key_names_it(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"acc": ["a", "b", "c"]}))
    with pytest.raises(InputError, match="time"):
        ColumnMapping.from_json_file(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"time": "t", "acc": 5}, "acc"),
        ({"time": "t", "acc": ["a", "b", "c"], "acc_unit": ["g"]}, "acc_unit"),
        ({"time": "t", "acc": ["a", "b", "c"], "sampling_rate_hz": "abc"}, "sampling_rate_hz"),
        ({"time": "t", "acc": ["a", "b", "c"], "sampling_rate_hz": -100}, "sampling_rate_hz"),
        ({"time": "t", "acc": ["a", "b", "c"], "colums": {}}, "colums"),
    ],
)
def test_a_column_mapping_with_a_wrong_type_names_the_key(
    tmp_path: Path, content: dict[str, object], expected: str
) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(content))
    with pytest.raises(InputError) as caught:
        ColumnMapping.from_json_file(path)
    assert caught.value.field == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"\xff\xfe\x00{", "not UTF-8 text"), (b"[" * 100_000, "nests too deeply")],
)
def test_a_column_mapping_file_that_cannot_be_read_says_why(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    path = tmp_path / "map.json"
    path.write_bytes(data)
    with pytest.raises(InputError, match=expected):
        ColumnMapping.from_json_file(path)


def test_a_mobilised_mat_trial_is_read_in_si_units(tmp_path: Path) -> None:
    path = tmp_path / "data.mat"
    write_mobilised_mat(path, trials=1)
    rec = read_mobilised_mat(path)
    assert rec.sampling_rate_hz == 100.0
    assert np.mean(rec.acc_m_s2[:, 0]) == pytest.approx(STANDARD_GRAVITY_M_S2, rel=0.01)


def test_a_mobilised_mat_with_several_trials_lists_them(tmp_path: Path) -> None:
    path = tmp_path / "data.mat"
    write_mobilised_mat(path, trials=2)
    with pytest.raises(RecordingFormatError, match="TimeMeasure1/Test5/Trial2"):
        read_recording(path)
    assert read_recording(path, trial="TimeMeasure1/Test5/Trial2").n_samples > 0


def test_a_mobilised_gyroscope_that_is_not_n_by_3_like_acc_is_named(tmp_path: Path) -> None:
    path = tmp_path / "data.mat"
    write_mobilised_mat(path, trials=1, gyr_columns=2)
    with pytest.raises(RecordingFormatError, match="is 700×2; it must be 700×3 like Acc") as caught:
        read_mobilised_mat(path)
    assert caught.value.field == "Gyr"


@pytest.mark.parametrize("fs_hz", [0.0, -100.0, float("nan")])
def test_a_mobilised_sampling_rate_that_is_not_positive_is_named(
    tmp_path: Path, fs_hz: float
) -> None:
    path = tmp_path / "data.mat"
    write_mobilised_mat(path, trials=1, fs_hz=fs_hz)
    with pytest.raises(RecordingFormatError, match="positive sampling rate") as caught:
        read_mobilised_mat(path)
    assert caught.value.field == "Fs.Acc"
