"""Sports-watch files (GPX, TCX, FIT) turned into a session-log draft.

A watch knows when the walk started and ended, how far it went and the heart rate; it does not
know which part was backward, so the draft leaves that to the person (the web form asks).

Formats and libraries:

- **GPX** 1.0/1.1 with ``gpxpy``; heart rate from Garmin's ``TrackPointExtension`` ``hr``.
- **TCX** (Garmin Training Center v2) with the standard library's ElementTree: laps'
  ``TotalTimeSeconds`` and ``DistanceMeters`` where present, else the track points.
- **FIT** with ``fitdecode``, CRC checked (``CrcCheck.RAISE``): the ``session`` message where
  present, else the ``record`` messages.

Untrusted input: the file size is limited (:data:`MAX_WATCH_FILE_BYTES` by default); XML with a
document type declaration is refused before parsing (the defusedxml policy: no DTDs, hence no
entity expansion and no external entities); a ``.fit`` file must carry the FIT signature.
Every problem is an :class:`~retrowalk.errors.InputError` naming the file.
"""

from __future__ import annotations

import io
import math
import re
import statistics
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from xml.etree import ElementTree

import fitdecode
import fitdecode.utils
import gpxpy
import gpxpy.gpx

from retrowalk.errors import InputError

__all__ = ["MAX_WATCH_FILE_BYTES", "WatchFormat", "WatchSessionDraft", "read_watch_file"]

WatchFormat = Literal["gpx", "tcx", "fit"]

#: Largest watch file accepted: a multi-hour FIT recording at 1 Hz is well under 5 MB.
MAX_WATCH_FILE_BYTES = 20 * 1024 * 1024

MIN_HEART_RATE_BPM, MAX_HEART_RATE_BPM = 25, 250
"""Heart rates outside these bounds are sensor dropouts or glitches and are left out of the mean
and the highest (the bounds a session log accepts, ``services.inputs.SessionLogIn``)."""

_TCX_NS = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class WatchSessionDraft:
    """What a watch recorded about one walk: the start of a session log."""

    source_format: WatchFormat
    started_at: datetime
    ended_at: datetime
    duration_min: float
    distance_m: float | None
    heart_rate_mean_bpm: int | None
    heart_rate_max_bpm: int | None
    points: int


@dataclass(frozen=True)
class _Point:
    time: datetime
    heart_rate_bpm: float | None = None
    distance_m: float | None = None


def read_watch_file(
    data: bytes, *, filename: str, max_bytes: int = MAX_WATCH_FILE_BYTES
) -> WatchSessionDraft:
    """Read a GPX, TCX or FIT file (chosen by extension, else by content) into a draft."""
    if len(data) > max_bytes:
        raise InputError(
            f"the file is {len(data)} bytes; the limit is {max_bytes} bytes", source=filename
        )
    if not data:
        raise InputError("the file is empty", source=filename)
    kind = _detect(data, filename)
    if kind == "fit":
        return _read_fit(data, filename)
    if _DTD.search(data):
        raise InputError(
            "XML with a document type declaration (DOCTYPE/ENTITY) is not accepted",
            source=filename,
        )
    if kind == "gpx":
        return _read_gpx(data, filename)
    return _read_tcx(data, filename)


def _detect(data: bytes, filename: str) -> WatchFormat:
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    has_fit_signature = len(data) >= 12 and data[8:12] == b".FIT"
    if suffix == "fit":
        if not has_fit_signature:
            raise InputError(
                "not a FIT file (no '.FIT' signature in the file header)", source=filename
            )
        return "fit"
    if suffix in ("gpx", "tcx"):
        return "gpx" if suffix == "gpx" else "tcx"
    if has_fit_signature:
        return "fit"
    head = data[:2048]
    if b"<gpx" in head:
        return "gpx"
    if b"TrainingCenterDatabase" in head:
        return "tcx"
    raise InputError(
        "unknown file type: expected a .gpx, .tcx or .fit file from a watch or app",
        source=filename,
    )


def _draft(
    kind: WatchFormat, points: list[_Point], filename: str, **known: Any
) -> WatchSessionDraft:
    if not points and "started_at" not in known:
        raise InputError("no timed track points in the file", source=filename)
    points.sort(key=lambda p: p.time)
    started: datetime = known.get("started_at") or points[0].time
    ended: datetime = known.get("ended_at") or points[-1].time
    if ended < started:
        raise InputError("the recording ends before it starts", source=filename)
    rates = [
        p.heart_rate_bpm
        for p in points
        if p.heart_rate_bpm is not None
        and MIN_HEART_RATE_BPM <= p.heart_rate_bpm <= MAX_HEART_RATE_BPM
    ]
    distances = [p.distance_m for p in points if p.distance_m is not None]
    distance = known.get("distance_m")
    if distance is None and distances:
        distance = max(distances) - min(distances)
    mean_hr = _plausible_rate(known.get("heart_rate_mean_bpm"))
    max_hr = _plausible_rate(known.get("heart_rate_max_bpm"))
    return WatchSessionDraft(
        source_format=kind,
        started_at=started,
        ended_at=ended,
        duration_min=known.get("duration_min") or (ended - started).total_seconds() / 60.0,
        distance_m=None if distance is None else round(float(distance), 1),
        heart_rate_mean_bpm=round(mean_hr if mean_hr is not None else statistics.fmean(rates))
        if (mean_hr is not None or rates)
        else None,
        heart_rate_max_bpm=round(max_hr if max_hr is not None else max(rates))
        if (max_hr is not None or rates)
        else None,
        points=len(points),
    )


def _plausible_rate(value: float | None) -> float | None:
    if value is None or not MIN_HEART_RATE_BPM <= value <= MAX_HEART_RATE_BPM:
        return None
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------- GPX


def _read_gpx(data: bytes, filename: str) -> WatchSessionDraft:
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("a GPX file must be UTF-8 text", source=filename) from None
    except gpxpy.gpx.GPXException as error:
        raise InputError(f"not a valid GPX file: {error}", source=filename) from None
    points: list[_Point] = []
    for track in gpx.tracks:
        for segment in track.segments:
            for point in segment.points:
                if point.time is None:
                    continue
                points.append(_Point(_aware(point.time), _gpx_heart_rate(point.extensions)))
    distance = gpx.length_2d() if points else None
    return _draft("gpx", points, filename, distance_m=distance)


def _gpx_heart_rate(extensions: list[Any]) -> float | None:
    for extension in extensions:
        for element in extension.iter():
            if str(element.tag).rsplit("}", 1)[-1] == "hr" and element.text:
                try:
                    rate = float(element.text)
                except ValueError:
                    return None
                return rate if math.isfinite(rate) else None
    return None


# --------------------------------------------------------------------------------------- TCX


def _read_tcx(data: bytes, filename: str) -> WatchSessionDraft:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        line, column = error.position
        raise InputError(
            "not well-formed XML", source=filename, line=line, column=column + 1
        ) from None
    if root.tag != f"{_TCX_NS}TrainingCenterDatabase":
        raise InputError(
            "not a TCX file (root element must be TrainingCenterDatabase v2)", source=filename
        )
    points: list[_Point] = []
    lap_seconds: list[float] = []
    lap_distances: list[float] = []
    lap_starts: list[datetime] = []
    for lap in root.iter(f"{_TCX_NS}Lap"):
        start = lap.get("StartTime")
        if start:
            lap_starts.append(_tcx_time(start, filename, "Lap StartTime"))
        seconds = _tcx_float(lap.find(f"{_TCX_NS}TotalTimeSeconds"), filename)
        if seconds is not None:
            lap_seconds.append(seconds)
        distance = _tcx_float(lap.find(f"{_TCX_NS}DistanceMeters"), filename)
        if distance is not None:
            lap_distances.append(distance)
    for trackpoint in root.iter(f"{_TCX_NS}Trackpoint"):
        time_element = trackpoint.find(f"{_TCX_NS}Time")
        if time_element is None or not time_element.text:
            continue
        rate = _tcx_float(trackpoint.find(f"{_TCX_NS}HeartRateBpm/{_TCX_NS}Value"), filename)
        distance = _tcx_float(trackpoint.find(f"{_TCX_NS}DistanceMeters"), filename)
        points.append(_Point(_tcx_time(time_element.text, filename, "Time"), rate, distance))
    known: dict[str, Any] = {}
    if lap_distances:
        known["distance_m"] = sum(lap_distances)
    if lap_seconds and (lap_starts or points):
        started = min(lap_starts) if lap_starts else min(p.time for p in points)
        known["started_at"] = started
        known["duration_min"] = sum(lap_seconds) / 60.0
        known["ended_at"] = max(
            [started + timedelta(seconds=sum(lap_seconds)), *(p.time for p in points)]
        )
    return _draft("tcx", points, filename, **known)


def _tcx_float(element: ElementTree.Element | None, filename: str) -> float | None:
    if element is None or element.text is None:
        return None
    name = element.tag.rsplit("}", 1)[-1]
    try:
        value = float(element.text)
    except ValueError:
        raise InputError(f"{name} is not a number: {element.text!r}", source=filename) from None
    if not 0 <= value <= _TCX_MAX_VALUE:
        raise InputError(
            f"{name} must be a number from 0 to {_TCX_MAX_VALUE:g}: {element.text!r}",
            source=filename,
        )
    return value


_TCX_MAX_VALUE = 1e7
"""Bound on TCX seconds, metres and beats per minute (no walk comes near it; NaN, infinity and
1e300 would overflow the dates and rounding below)."""


def _tcx_time(text: str, filename: str, what: str) -> datetime:
    try:
        return _aware(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        raise InputError(f"{what} is not an ISO 8601 time: {text!r}", source=filename) from None


# --------------------------------------------------------------------------------------- FIT


def _check_fit_crc(data: bytes, filename: str) -> None:
    """Check the whole-file CRC (the last two bytes, CRC-16 over everything before them) before
    decoding, so damaged data never reaches the decoder (FIT protocol, "File CRC")."""
    if len(data) < 14 + 2:
        raise InputError("the FIT file is truncated", source=filename)
    expected = int.from_bytes(data[-2:], "little")
    if fitdecode.utils.compute_crc(data, end=len(data) - 2) != expected:
        raise InputError("the FIT file is corrupt (CRC mismatch)", source=filename)


def _read_fit(data: bytes, filename: str) -> WatchSessionDraft:
    _check_fit_crc(data, filename)
    points: list[_Point] = []
    session: dict[str, Any] = {}
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "record":
                    timestamp = _field(frame, "timestamp")
                    if isinstance(timestamp, datetime):
                        points.append(
                            _Point(
                                _aware(timestamp),
                                _as_float(_field(frame, "heart_rate")),
                                _as_float(_field(frame, "distance")),
                            )
                        )
                elif frame.name == "session" and not session:
                    session = {
                        name: _field(frame, name)
                        for name in (
                            "start_time",
                            "total_elapsed_time",
                            "total_distance",
                            "avg_heart_rate",
                            "max_heart_rate",
                        )
                    }
    except fitdecode.FitHeaderError as error:
        raise InputError(f"not a FIT file: {error}", source=filename) from None
    except fitdecode.FitCRCError:
        raise InputError("the FIT file is corrupt (CRC mismatch)", source=filename) from None
    except fitdecode.FitEOFError:
        raise InputError("the FIT file is truncated", source=filename) from None
    except fitdecode.FitError as error:
        raise InputError(f"the FIT file cannot be read: {error}", source=filename) from None
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, struct.error) as error:
        # fitdecode lets these through for some malformed messages (with a valid CRC).
        raise InputError(f"the FIT file cannot be read: {error}", source=filename) from None
    except AssertionError:
        # fitdecode checks a record's length against its file with `assert` (reader.py: chunk
        # size against the bytes left): a damaged length with a valid CRC ends up here.
        raise InputError(
            "the FIT file cannot be read: a record is longer than the file", source=filename
        ) from None
    known: dict[str, Any] = {}
    start = session.get("start_time")
    elapsed_s = _as_float(session.get("total_elapsed_time"))
    if isinstance(start, datetime) and elapsed_s is not None:
        known["started_at"] = _aware(start)
        known["ended_at"] = _aware(start) + timedelta(seconds=elapsed_s)
        known["duration_min"] = elapsed_s / 60.0
    for target, name in (
        ("distance_m", "total_distance"),
        ("heart_rate_mean_bpm", "avg_heart_rate"),
        ("heart_rate_max_bpm", "max_heart_rate"),
    ):
        value = _as_float(session.get(name))
        if value is not None:
            known[target] = value
    return _draft("fit", points, filename, **known)


def _field(frame: Any, name: str) -> Any:
    return frame.get_value(name, fallback=None) if frame.has_field(name) else None


def _as_float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
