"""Zip exports of the phone apps: Sensor Logger (its recommended export) and phyphox.

Both apps share a recording as one ``.zip`` of CSV files, one per sensor. The zip is read
without unpacking it all: the member files a reader needs are copied into a private temporary
folder under fixed names (never the names or folders stored in the zip) and read there by the
app's own reader, so a zip is read exactly as the unpacked export would be. Errors name the zip
and the member, e.g. ``export.zip:Gyroscope.csv, line 12``.

- **Sensor Logger:** a member named ``TotalAcceleration.csv`` or ``Accelerometer.csv`` (at the
  top or in one folder) and, from the same folder, ``Gravity.csv``, ``Gyroscope.csv`` and
  ``Metadata.csv`` (:mod:`retrowalk.gait.io.sensor_logger`).
- **phyphox:** the CSV members (``Raw Data.csv`` of the "Acceleration with g" experiment, or
  one CSV per sensor of a multi-sensor experiment; ``meta/`` is ignored) whose header is a
  phyphox acceleration header, plus one with a phyphox gyroscope header when there is one
  (:mod:`retrowalk.gait.io.phyphox`).
- **One recording file** (a retrowalk CSV or a Mobilise-D ``data.mat``) zipped on its own.

Limits against a malicious zip: at most :data:`MAX_MEMBERS` entries, and the members read may
hold at most :data:`MAX_UNPACKED_BYTES` once unpacked (checked against the sizes the zip
declares, and again while copying).
"""

from __future__ import annotations

import lzma
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from retrowalk.errors import InputError
from retrowalk.gait.io.phyphox import (
    is_phyphox_acceleration_header,
    is_phyphox_gyroscope_header,
    read_phyphox_csv,
)
from retrowalk.gait.io.sensor_logger import (
    ACCELERATION_FILES,
    COMPANION_FILES,
    GYROSCOPE,
    is_sensor_logger_header,
    read_sensor_logger_csv,
)
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import RecordingFormatError

MAX_MEMBERS = 2000
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
"""1 GiB: a week of one phone sensor at 100 Hz is about 600 MB of CSV."""
_HEADER_BYTES = 4096
_UNPACK_ERRORS = (
    zipfile.BadZipFile,  # e.g. a CRC mismatch
    zipfile.LargeZipFile,
    NotImplementedError,  # a compression method Python does not have
    RuntimeError,  # e.g. an encrypted member
    OSError,
    EOFError,
    zlib.error,  # a damaged deflate stream
    lzma.LZMAError,  # a damaged LZMA stream
)


def is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


def read_zip_recording(
    path: Path,
    *,
    read_single: Callable[[Path], Recording] | None = None,
    max_unpacked_bytes: int | None = None,
) -> Recording:
    """The recording in an app's zip export (see the module docstring).

    ``read_single`` reads a lone recording file found in the zip (the caller's
    :func:`~retrowalk.gait.io.detect.read_recording`); without it such a zip is refused.
    ``max_unpacked_bytes``: a lower limit than :data:`MAX_UNPACKED_BYTES` (the web upload's).
    """
    limit = MAX_UNPACKED_BYTES if max_unpacked_bytes is None else max_unpacked_bytes
    source = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise RecordingFormatError(f"not a readable zip file ({error})", source=source) from None
    with archive, tempfile.TemporaryDirectory(prefix="retrowalk-zip-") as folder:
        members = _files(archive, source)
        chosen = _sensor_logger(archive, members, source) or _phyphox(archive, members, source)
        single = None
        if chosen is None:
            single = _single_recording(members, source)
            if single is None or read_single is None:
                raise RecordingFormatError(
                    "no recording in the zip: expected a Sensor Logger export "
                    "(TotalAcceleration.csv or Accelerometer.csv), a phyphox export (an "
                    "acceleration CSV) or one retrowalk CSV or Mobilise-D data.mat",
                    source=source,
                )
            chosen = {single.filename: PurePosixPath(single.filename).name.lower()}
        names = {info.filename: info for info in members}
        _check_size([names[name] for name in chosen], source, limit)
        local = Path(folder)
        for name, target in chosen.items():
            _copy(archive, names[name], local / target, source, limit)
        first = next(iter(chosen))
        where = {str(local / target): f"{source}:{name}" for name, target in chosen.items()}
        try:
            if single is not None:
                assert read_single is not None
                recording = read_single(local / chosen[first])
            elif chosen[first] == "phyphox-acceleration.csv":
                recording = read_phyphox_csv(local / chosen[first])
            else:
                recording = read_sensor_logger_csv(local / chosen[first])
        except InputError as error:
            raise RecordingFormatError(
                error.problem,
                source=where.get(error.location.source or "", source),
                field=error.field,
                line=error.location.line,
                column=error.location.column,
            ) from None
        return replace(recording, source=f"{source}:{first}")


def _files(archive: zipfile.ZipFile, source: str) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise RecordingFormatError(
            f"the zip holds {len(infos)} entries; at most {MAX_MEMBERS} are read", source=source
        )
    return [
        info
        for info in infos
        if not info.is_dir()
        and not PurePosixPath(info.filename).name.startswith(".")
        and "__MACOSX" not in PurePosixPath(info.filename).parts
    ]


def _first_line(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> str:
    try:
        with archive.open(info) as handle:
            start = handle.read(_HEADER_BYTES).decode("utf-8-sig", errors="replace")
    except _UNPACK_ERRORS as error:
        raise RecordingFormatError(
            f"cannot unpack the member ({error})", source=f"{source}:{info.filename}"
        ) from None
    return next((line.strip() for line in start.splitlines() if line.strip()), "")


def _sensor_logger(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], source: str
) -> dict[str, str] | None:
    """Member name -> local name of the Sensor Logger export in the zip (the folder with an
    acceleration file in Sensor Logger's columns), or ``None``; several are refused."""
    by_folder: dict[PurePosixPath, dict[str, zipfile.ZipInfo]] = {}
    for info in members:
        member = PurePosixPath(info.filename)
        by_folder.setdefault(member.parent, {})[member.name.lower()] = info
    wanted = ACCELERATION_FILES + COMPANION_FILES
    exports = []
    for folder in sorted(by_folder, key=lambda f: (len(f.parts), str(f))):
        files = by_folder[folder]
        acceleration = next(
            (files[name.lower()] for name in ACCELERATION_FILES if name.lower() in files), None
        )
        if acceleration is not None and is_sensor_logger_header(
            _first_line(archive, acceleration, source)
        ):
            exports.append(folder)
    if len(exports) > 1:
        raise RecordingFormatError(
            f"{len(exports)} Sensor Logger recordings in the zip (folders "
            f"{', '.join(str(f) for f in exports[:5])}): zip one recording per file",
            source=source,
        )
    if not exports:
        return None
    files = by_folder[exports[0]]
    return {files[name.lower()].filename: name for name in wanted if name.lower() in files}


def _phyphox(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], source: str
) -> dict[str, str] | None:
    """Member name -> local name of a phyphox export's acceleration (and gyroscope) CSV."""
    acceleration = gyroscope = None
    for info in members:
        member = PurePosixPath(info.filename)
        if member.suffix.lower() != ".csv" or "meta" in (p.lower() for p in member.parts[:-1]):
            continue
        first_line = _first_line(archive, info, source)
        if acceleration is None and is_phyphox_acceleration_header(first_line):
            acceleration = info.filename
        elif gyroscope is None and is_phyphox_gyroscope_header(first_line):
            gyroscope = info.filename
    if acceleration is None:
        return None
    chosen = {acceleration: "phyphox-acceleration.csv"}
    if gyroscope is not None:
        chosen[gyroscope] = GYROSCOPE
    return chosen


def _single_recording(members: list[zipfile.ZipInfo], source: str) -> zipfile.ZipInfo | None:
    """The one recording file of a zip that is no app export, or ``None`` if there is none;
    a Sensor Logger export without its accelerometer, or several candidates, are refused."""
    companions = {name.lower() for name in COMPANION_FILES}
    names = [PurePosixPath(info.filename).name.lower() for info in members]
    if companions & set(names):
        raise RecordingFormatError(
            "a Sensor Logger export without its accelerometer (TotalAcceleration.csv or "
            "Accelerometer.csv): record with the app's Accelerometer sensor on",
            source=source,
        )
    recordings = [
        info
        for info, name in zip(members, names, strict=True)
        if PurePosixPath(name).suffix in (".csv", ".mat") and name != "infoforalgo.mat"
    ]
    if len(recordings) > 1:
        listed = ", ".join(info.filename for info in recordings[:5])
        more = f" and {len(recordings) - 5} more" if len(recordings) > 5 else ""
        raise RecordingFormatError(
            f"{len(recordings)} recording files in the zip ({listed}{more}) and no app export: "
            "zip one recording per file, or analyse the unpacked folder with 'gait batch'",
            source=source,
        )
    return recordings[0] if recordings else None


def _check_size(infos: list[zipfile.ZipInfo], source: str, limit: int) -> None:
    declared = sum(info.file_size for info in infos)
    if declared > limit:
        raise RecordingFormatError(
            f"the recording's files unpack to {declared} bytes; at most {limit} are read",
            source=source,
        )


def _copy(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, source: str, limit: int
) -> None:
    """Unpack one member to ``target``, stopping at its declared size (a zip may lie)."""
    try:
        with archive.open(info) as member, target.open("wb") as out:
            copied = 0
            while chunk := member.read(1 << 20):
                copied += len(chunk)
                if copied > info.file_size or copied > limit:
                    raise RecordingFormatError(
                        "the member unpacks to more than the zip declares",
                        source=f"{source}:{info.filename}",
                    )
                out.write(chunk)
    except _UNPACK_ERRORS as error:
        raise RecordingFormatError(
            f"cannot unpack the member ({error})", source=f"{source}:{info.filename}"
        ) from None
