"""Zip exports of the phone apps (Sensor Logger, phyphox) and Sensor Logger's sensor files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from retrowalk.gait.io import FileFormat, detect_format, read_recording
from retrowalk.gait.io import archive as archive_module
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2
from retrowalk.gait.resample import RecordingFormatError

from .synthetic import walking_signal, write_walking_csv

FS = 100.0


def _sensor_logger_csv(values: np.ndarray, t: np.ndarray) -> str:
    """One Sensor Logger sensor file: time (ns), seconds_elapsed, z, y, x."""
    lines = ["time,seconds_elapsed,z,y,x"]
    lines += [
        f"{1.7e18 + s * 1e9:.0f},{s:.6f},{v[2]:.9g},{v[1]:.9g},{v[0]:.9g}"
        for s, v in zip(t, values, strict=True)
    ]
    return "\n".join(lines) + "\n"


def _walk() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    acc, gyr, _ = walking_signal(walk_s=6.0, stand_s=1.0)
    return acc, gyr, np.arange(acc.shape[0]) / FS


def _gravity(acc: np.ndarray) -> np.ndarray:
    """The standing posture's gravity (m/s², the specific force at rest), every sample."""
    mean = acc[: int(FS)].mean(axis=0)
    return np.tile(mean / np.linalg.norm(mean) * STANDARD_GRAVITY_M_S2, (acc.shape[0], 1))


def _zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def _ios_export(acc: np.ndarray, gyr: np.ndarray, t: np.ndarray) -> dict[str, str | bytes]:
    """What Sensor Logger writes on an iPhone: no TotalAcceleration, and acceleration and
    gravity with the opposite sign to Android's (the app's COORDINATES.md)."""
    gravity = _gravity(acc)
    return {
        "2026-11-20_18-03-11/Accelerometer.csv": _sensor_logger_csv(-(acc - gravity), t),
        "2026-11-20_18-03-11/Gravity.csv": _sensor_logger_csv(-gravity, t),
        "2026-11-20_18-03-11/Gyroscope.csv": _sensor_logger_csv(gyr, t),
        "2026-11-20_18-03-11/Metadata.csv": (
            "version,device name,recording time,platform,appVersion\n"
            "3,iPhone,2026-11-20_17-03-11,ios,1.40.1\n"
        ),
        "2026-11-20_18-03-11/Annotation.csv": "time,seconds_elapsed,text\n",
    }


def test_an_ios_sensor_logger_zip_gives_the_acceleration_with_gravity_in_androids_sign(
    tmp_path: Path,
) -> None:
    acc, gyr, t = _walk()
    path = _zip(tmp_path / "export.zip", _ios_export(acc, gyr, t))
    assert detect_format(path) is FileFormat.ZIP
    recording = read_recording(path)
    assert recording.acc_m_s2 == pytest.approx(acc, abs=1e-5)
    assert recording.gyr_rad_s is not None
    assert recording.gyr_rad_s == pytest.approx(gyr, abs=1e-6)
    notes = " ".join(recording.quality.notes)
    assert "'Accelerometer' and 'Gravity' added" in notes
    assert "iOS export" in notes
    assert recording.source.endswith("export.zip:2026-11-20_18-03-11/Accelerometer.csv")


def test_an_ios_export_with_standardised_frames_is_not_negated(tmp_path: Path) -> None:
    acc, _, t = _walk()
    gravity = _gravity(acc)
    files = {
        "Accelerometer.csv": _sensor_logger_csv(acc - gravity, t),
        "Gravity.csv": _sensor_logger_csv(gravity, t),
        "Metadata.csv": "version,device name,recording time,platform,standardisation\n"
        "3,iPhone,2026-11-20_17-03-11,ios,true\n",
    }
    recording = read_recording(_zip(tmp_path / "export.zip", files))
    assert recording.acc_m_s2 == pytest.approx(acc, abs=1e-5)
    assert not any("iOS export" in note for note in recording.quality.notes)


def test_an_android_zip_prefers_the_total_acceleration(tmp_path: Path) -> None:
    acc, gyr, t = _walk()
    files = {
        "TotalAcceleration.csv": _sensor_logger_csv(acc, t),
        "Accelerometer.csv": _sensor_logger_csv(np.zeros_like(acc), t),
        "Gravity.csv": _sensor_logger_csv(np.zeros_like(acc), t),
        "Gyroscope.csv": _sensor_logger_csv(gyr, t),
        "Metadata.csv": "version,device name,recording time,platform\n3,Pixel,x,android\n",
    }
    recording = read_recording(_zip(tmp_path / "export.zip", files))
    assert recording.acc_m_s2 == pytest.approx(acc, abs=1e-5)
    assert recording.gyr_rad_s is not None


def test_an_unpacked_ios_export_folder_is_read_the_same_way(tmp_path: Path) -> None:
    acc, gyr, t = _walk()
    folder = tmp_path / "2026-11-20_18-03-11"
    folder.mkdir()
    for name, text in _ios_export(acc, gyr, t).items():
        (folder / Path(name).name).write_text(str(text))
    assert detect_format(folder) is FileFormat.SENSOR_LOGGER
    assert read_recording(folder).acc_m_s2 == pytest.approx(acc, abs=1e-5)


def test_accelerometer_without_gravity_is_read_and_noted(tmp_path: Path) -> None:
    acc, _, t = _walk()
    linear = acc - _gravity(acc)
    recording = read_recording(
        _zip(tmp_path / "export.zip", {"Accelerometer.csv": _sensor_logger_csv(linear, t)})
    )
    assert recording.acc_m_s2 == pytest.approx(linear, abs=1e-5)
    assert any("gravity removed" in note for note in recording.quality.notes)


def test_a_phyphox_zip_merges_its_gyroscope_csv(tmp_path: Path) -> None:
    acc, gyr, t = _walk()
    header = '"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)"'
    acc_rows = "\n".join(
        f"{s:.3f},{v[0]:.6f},{v[1]:.6f},{v[2]:.6f}" for s, v in zip(t, acc, strict=True)
    )
    gyr_header = '"Time (s)","Gyroscope x (rad/s)","Gyroscope y (rad/s)","Gyroscope z (rad/s)"'
    gyr_rows = "\n".join(
        f"{s:.3f},{v[0]:.6f},{v[1]:.6f},{v[2]:.6f}" for s, v in zip(t, gyr, strict=True)
    )
    files = {
        "Accelerometer.csv": header + "\n" + acc_rows + "\n",
        "Gyroscope.csv": gyr_header + "\n" + gyr_rows + "\n",
        "meta/device.csv": '"property","value"\n"deviceModel","Pixel"\n',
        "meta/time.csv": '"event","experiment time"\n"START",0\n',
    }
    recording = read_recording(_zip(tmp_path / "Walk 2026-11-20.zip", files))
    assert recording.acc_m_s2 == pytest.approx(acc, abs=1e-5)
    assert recording.gyr_rad_s == pytest.approx(gyr, abs=1e-5)


def test_a_phyphox_raw_data_zip_is_read(tmp_path: Path) -> None:
    acc, _, t = _walk()
    header = (
        '"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)",'
        '"Absolute acceleration (m/s^2)"'
    )
    rows = "\n".join(
        f"{s:.3f},{v[0]:.6f},{v[1]:.6f},{v[2]:.6f},{np.linalg.norm(v):.6f}"
        for s, v in zip(t, acc, strict=True)
    )
    recording = read_recording(
        _zip(tmp_path / "Acceleration with g.zip", {"Raw Data.csv": header + "\n" + rows + "\n"})
    )
    assert recording.acc_m_s2 == pytest.approx(acc, abs=1e-5)
    assert recording.gyr_rad_s is None


def test_a_zipped_retrowalk_csv_is_read(tmp_path: Path) -> None:
    csv_path = tmp_path / "walk.csv"
    write_walking_csv(csv_path)
    expected = read_recording(csv_path)
    zipped = _zip(tmp_path / "walk.zip", {"walk.csv": csv_path.read_bytes()})
    assert read_recording(zipped).acc_m_s2 == pytest.approx(expected.acc_m_s2)


def test_a_bad_value_in_a_member_names_the_zip_member_and_line(tmp_path: Path) -> None:
    acc, gyr, t = _walk()
    files = {
        "TotalAcceleration.csv": _sensor_logger_csv(acc, t),
        "Gyroscope.csv": _sensor_logger_csv(gyr, t).replace("\n", "\n1,2,oops,4,5\n", 3)[:],
    }
    with pytest.raises(RecordingFormatError) as error:
        read_recording(_zip(tmp_path / "export.zip", files))
    message = str(error.value)
    assert "export.zip:Gyroscope.csv" in message
    assert "line" in message
    assert "retrowalk-zip-" not in message  # no temporary path reaches the user


def test_a_zip_without_a_recording_says_what_was_expected(tmp_path: Path) -> None:
    path = _zip(tmp_path / "photos.zip", {"a.txt": "x", "b.txt": "y"})
    with pytest.raises(RecordingFormatError, match="no recording in the zip"):
        read_recording(path)


def test_a_file_named_zip_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_text("time_s,acc_x_m_s2\n")
    with pytest.raises(RecordingFormatError, match="not a readable zip file"):
        read_recording(path)


def test_a_member_that_unpacks_beyond_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    acc, _, t = _walk()
    path = _zip(tmp_path / "export.zip", {"TotalAcceleration.csv": _sensor_logger_csv(acc, t)})
    monkeypatch.setattr(archive_module, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(RecordingFormatError, match="unpack to"):
        read_recording(path)


def test_a_zip_with_too_many_entries_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_module, "MAX_MEMBERS", 3)
    path = _zip(tmp_path / "many.zip", {f"{k}.txt": "" for k in range(5)})
    with pytest.raises(RecordingFormatError, match="5 entries"):
        read_recording(path)


def test_member_paths_never_leave_the_temporary_folder(tmp_path: Path) -> None:
    acc, _, t = _walk()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../TotalAcceleration.csv", _sensor_logger_csv(acc, t))
    path = tmp_path / "inner" / "evil.zip"
    path.parent.mkdir()
    path.write_bytes(buffer.getvalue())
    recording = read_recording(path)
    assert recording.acc_m_s2 == pytest.approx(acc, abs=1e-5)
    assert not (tmp_path / "TotalAcceleration.csv").exists()
    assert not (tmp_path.parent / "TotalAcceleration.csv").exists()


def test_a_sensor_logger_zip_without_its_accelerometer_says_so(tmp_path: Path) -> None:
    _, gyr, t = _walk()
    path = _zip(tmp_path / "export.zip", {"Gyroscope.csv": _sensor_logger_csv(gyr, t)})
    with pytest.raises(RecordingFormatError, match="without its accelerometer"):
        read_recording(path)


def test_a_zip_of_several_recordings_names_them(tmp_path: Path) -> None:
    csv_path = tmp_path / "walk.csv"
    write_walking_csv(csv_path)
    data = csv_path.read_bytes()
    path = _zip(tmp_path / "both.zip", {"a.csv": data, "b.csv": data})
    with pytest.raises(
        RecordingFormatError, match=r"2 recording files in the zip \(a\.csv, b\.csv\)"
    ):
        read_recording(path)


def test_an_encrypted_member_is_a_clear_error(tmp_path: Path) -> None:
    acc, _, t = _walk()
    path = _zip(tmp_path / "export.zip", {"TotalAcceleration.csv": _sensor_logger_csv(acc, t)})
    data = bytearray(path.read_bytes())
    # set the "encrypted" flag bit in the local header and the central directory entry
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(RecordingFormatError, match="cannot unpack the member"):
        read_recording(path)


def test_a_zip_of_two_sensor_logger_recordings_is_refused(tmp_path: Path) -> None:
    acc, _, t = _walk()
    text = _sensor_logger_csv(acc, t)
    files = {"monday/TotalAcceleration.csv": text, "tuesday/TotalAcceleration.csv": text}
    with pytest.raises(RecordingFormatError, match="2 Sensor Logger recordings in the zip"):
        read_recording(_zip(tmp_path / "week.zip", files))


def test_a_metadata_row_with_more_cells_than_its_header_is_still_read(tmp_path: Path) -> None:
    acc, _, t = _walk()
    files = {
        "TotalAcceleration.csv": _sensor_logger_csv(acc, t),
        "Metadata.csv": "version,device name,platform\n3,Pixel,android,extra,cells\n",
    }
    recording = read_recording(_zip(tmp_path / "export.zip", files))
    assert recording.acc_m_s2 == pytest.approx(acc, abs=1e-5)


def test_an_unpacked_export_finds_its_files_whatever_their_case(tmp_path: Path) -> None:
    acc, gyr, t = _walk()
    folder = tmp_path / "export"
    folder.mkdir()
    for name, text in _ios_export(acc, gyr, t).items():
        (folder / Path(name).name.lower()).write_text(str(text))  # accelerometer.csv, ...
    recording = read_recording(folder)
    assert recording.acc_m_s2 == pytest.approx(acc, abs=1e-5)
    assert recording.gyr_rad_s is not None
    assert any("iOS export" in note for note in recording.quality.notes)
