"""Real-format watch files built by the tests: GPX and TCX as XML text, FIT with fit-tool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import FileType, Manufacturer, Sport

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def gpx_text(*, points: int = 61, step_s: int = 20, heart_rate: bool = True) -> str:
    """A GPX 1.1 track walking north about 0.9 m/s, with Garmin heart-rate extensions."""
    rows = []
    for i in range(points):
        time = (START + timedelta(seconds=i * step_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lat = 52.52 + i * step_s * 0.9 / 111_320
        hr = (
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{90 + i % 20}</gpxtpx:hr>"
            "</gpxtpx:TrackPointExtension></extensions>"
            if heart_rate
            else ""
        )
        rows.append(f'<trkpt lat="{lat:.7f}" lon="13.405"><time>{time}</time>{hr}</trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="retrowalk tests" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        "<trk><name>walk</name><trkseg>" + "".join(rows) + "</trkseg></trk></gpx>"
    )


def tcx_text(*, points: int = 41, step_s: int = 30) -> str:
    """A TCX v2 activity with one lap (20 min, 1234.5 m) and track points with heart rate."""
    rows = []
    for i in range(points):
        time = (START + timedelta(seconds=i * step_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f"<Trackpoint><Time>{time}</Time><DistanceMeters>{i * 30.8625:.2f}</DistanceMeters>"
            f"<HeartRateBpm><Value>{100 + (i % 3)}</Value></HeartRateBpm></Trackpoint>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        '<Activities><Activity Sport="Other"><Id>2026-03-02T17:00:00Z</Id>'
        '<Lap StartTime="2026-03-02T17:00:00Z"><TotalTimeSeconds>1200</TotalTimeSeconds>'
        "<DistanceMeters>1234.5</DistanceMeters><Track>" + "".join(rows) + "</Track></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    )


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def fit_bytes(*, records: int = 31, with_session: bool = True) -> bytes:
    """A FIT activity: one record per 30 s (heart rate, cumulative distance) and a session."""
    builder = FitFileBuilder(auto_define=True)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = 12345
    file_id.time_created = _ms(START)
    builder.add(file_id)
    for i in range(records):
        record = RecordMessage()
        record.timestamp = _ms(START + timedelta(seconds=30 * i))
        record.heart_rate = 95 + i % 10
        record.distance = 25.0 * i
        builder.add(record)
    if with_session:
        session = SessionMessage()
        session.timestamp = _ms(START + timedelta(seconds=30 * (records - 1)))
        session.start_time = _ms(START)
        session.sport = Sport.WALKING
        session.total_elapsed_time = 30.0 * (records - 1)
        session.total_timer_time = 30.0 * (records - 1)
        session.total_distance = 25.0 * (records - 1)
        session.avg_heart_rate = 99
        session.max_heart_rate = 104
        builder.add(session)
    data: bytes = builder.build().to_bytes()
    return data
