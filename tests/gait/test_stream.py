from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrowalk.gait.io import read_recording
from retrowalk.gait.io.retrowalk_csv import write_retrowalk_csv
from retrowalk.gait.io.stream import RetrowalkCsvStream, is_large_retrowalk_csv
from retrowalk.gait.pipeline import GaitPipeline, GaitResult
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import RecordingFormatError

from .synthetic import walking_signal, write_walking_csv


def test_a_streamed_file_gives_the_same_bouts_as_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    write_walking_csv(path, stand_s=40.0, walk_s=30.0)
    whole = GaitPipeline().analyze(read_recording(path))
    with RetrowalkCsvStream(path, block_rows=997) as stream:
        assert stream.duration_s() == pytest.approx(109.99, abs=0.02)
        chunked = GaitPipeline().analyze_long(
            stream.read_segment, stream.duration_s(), chunk_s=80.0, overlap_s=40.0
        )
    assert len(chunked.bouts) == len(whole.bouts) == 1
    assert chunked.bouts[0].start_s == pytest.approx(whole.bouts[0].start_s, abs=0.05)
    assert chunked.bouts[0].parameters.steps == whole.bouts[0].parameters.steps


def test_a_malformed_line_deep_in_a_streamed_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    write_walking_csv(path, stand_s=10.0, walk_s=10.0)
    lines = path.read_text().splitlines()
    lines[2500] = "oops"
    path.write_text("\n".join(lines) + "\n")
    with (
        RetrowalkCsvStream(path, block_rows=1000) as stream,
        pytest.raises(RecordingFormatError, match="line 2501"),
    ):
        GaitPipeline().analyze_long(
            stream.read_segment, stream.duration_s(), chunk_s=20.0, overlap_s=5.0
        )


def test_only_large_retrowalk_files_are_streamed(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    write_walking_csv(path, walk_s=5.0)
    assert not is_large_retrowalk_csv(path)
    assert is_large_retrowalk_csv(path, limit_bytes=100)


def _stream_analysis(path: Path) -> GaitResult:
    with RetrowalkCsvStream(path, block_rows=997) as stream:
        return GaitPipeline().analyze_long(
            stream.read_segment, stream.duration_s(), chunk_s=80.0, overlap_s=40.0
        )


def test_a_streamed_file_whose_first_row_has_no_time_drops_that_row(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    write_walking_csv(path, stand_s=40.0, walk_s=30.0)
    lines = path.read_text().splitlines()
    whole = GaitPipeline().analyze(read_recording(path))
    lines[1] = "," + lines[1].split(",", 1)[1]  # the first data row's time cell empty
    path.write_text("\n".join(lines) + "\n")
    chunked = _stream_analysis(path)
    assert len(chunked.bouts) == len(whole.bouts) == 1


def test_timestamps_going_backwards_deep_in_a_streamed_file_name_their_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "back.csv"
    write_walking_csv(path, stand_s=40.0, walk_s=30.0)
    lines = path.read_text().splitlines()
    cells = lines[9000].split(",")
    cells[0] = f"{float(cells[0]) - 5.0:.4f}"
    lines[9000] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingFormatError, match="line 9001: timestamps go backwards"):
        _stream_analysis(path)


def _walks_with_gaps(
    path: Path, gaps_s: list[tuple[float, float]], nan_at_s: tuple[float, ...] = ()
) -> None:
    """Four 16-s walks 40 s apart (12-28 s, 52-68 s, ...) as a retrowalk CSV, without the rows
    in ``gaps_s`` and with three rows of missing values from each time in ``nan_at_s``."""
    acc, gyr, _ = walking_signal(stand_s=12.0, walk_s=16.0)  # 40 s: stand, walk, stand
    acc, gyr = np.tile(acc, (4, 1)), np.tile(gyr, (4, 1))
    time_s = np.arange(acc.shape[0]) / 100.0
    for at_s in nan_at_s:
        acc[round(at_s * 100) : round(at_s * 100) + 3, 0] = np.nan
    keep = np.ones(time_s.shape[0], dtype=bool)
    for start_s, end_s in gaps_s:
        keep &= (time_s < start_s) | (time_s >= end_s)
    recording = Recording(time_s[keep], acc[keep], gyr[keep], 100.0, "walks")
    write_retrowalk_csv(path, recording)


def test_a_gap_at_a_chunk_edge_keeps_the_chunked_times_those_of_the_whole_file(
    tmp_path: Path,
) -> None:
    # chunks of 70 s with 20 s overlap: the second segment is planned from 40 s, inside the gap
    # 35-45 s, so its first row is 5 s after its planned start
    path = tmp_path / "gap.csv"
    _walks_with_gaps(path, [(35.0, 45.0)])
    whole = GaitPipeline().analyze(read_recording(path))
    with RetrowalkCsvStream(path, block_rows=997) as stream:
        chunked = GaitPipeline().analyze_long(
            stream.read_segment, stream.duration_s(), chunk_s=70.0, overlap_s=20.0
        )
    assert len(whole.bouts) == 4
    assert [b.start_s for b in chunked.bouts] == pytest.approx(
        [b.start_s for b in whole.bouts], abs=0.05
    )
    # a chunk's own thresholds may add one step at a bout's end (so without a gap too)
    assert [b.end_s for b in chunked.bouts] == pytest.approx(
        [b.end_s for b in whole.bouts], abs=0.6
    )
    first_ics = [
        chunked.initial_contacts_s[chunked.initial_contacts_s >= b.start_s][0] for b in whole.bouts
    ]
    assert first_ics == pytest.approx([b.start_s for b in whole.bouts], abs=0.05)


def _gaps(result: GaitResult) -> list[tuple[float, float]]:
    gaps = result.quality["gaps"]
    assert isinstance(gaps, list)
    return [(float(g["start_s"]), float(g["end_s"])) for g in gaps]


def test_the_chunked_quality_report_holds_every_chunks_gaps_and_dropped_samples_once(
    tmp_path: Path,
) -> None:
    # segments (70-s chunks, 20-s overlap) 0-60, 40-110, 90-160, 140-160 s: the gap 95-97 s
    # and the missing values at 105 s lie where two segments overlap; 35-45 s crosses a
    # segment's start
    path = tmp_path / "gaps.csv"
    _walks_with_gaps(path, [(35.0, 45.0), (95.0, 97.0)], nan_at_s=(20.0, 105.0, 130.0))
    lines = path.read_text().splitlines()
    lines[7001] = "," + lines[7001].split(",", 1)[1]  # a row without a time at 70 s
    path.write_text("\n".join(lines) + "\n")
    whole = GaitPipeline().analyze(read_recording(path))
    with RetrowalkCsvStream(path, block_rows=997) as stream:
        chunked = GaitPipeline().analyze_long(
            stream.read_segment, stream.duration_s(), chunk_s=70.0, overlap_s=20.0
        )
    assert whole.quality["dropped_samples"] == chunked.quality["dropped_samples"] == 10
    assert len(_gaps(whole)) == 5  # 2, and 3 where rows were dropped
    assert np.allclose(_gaps(chunked), _gaps(whole))
    assert chunked.quality["notes"] == whole.quality["notes"]
    assert chunked.notes[:2] == whole.notes[:2]


def test_a_streamed_file_with_semicolons_and_decimal_commas_reads_as_the_whole_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "european.csv"
    write_walking_csv(path, stand_s=40.0, walk_s=30.0)
    path.write_text(path.read_text().replace(",", ";").replace(".", ","))
    whole = GaitPipeline().analyze(read_recording(path))
    with RetrowalkCsvStream(path, block_rows=997) as stream:
        assert stream.duration_s() == pytest.approx(109.99, abs=0.02)
    chunked = _stream_analysis(path)
    assert len(chunked.bouts) == len(whole.bouts) == 1
    assert chunked.bouts[0].start_s == pytest.approx(whole.bouts[0].start_s, abs=0.05)


def test_a_value_no_sensor_measures_deep_in_a_streamed_file_names_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.csv"
    write_walking_csv(path, stand_s=40.0, walk_s=30.0)
    lines = path.read_text().splitlines()
    cells = lines[9000].split(",")
    lines[9000] = ",".join([cells[0], "1e6", *cells[2:]])
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingFormatError, match=r"huge\.csv @\d+s, line 9001, .*time 89\.990 s"):
        _stream_analysis(path)


def test_the_last_chunk_reads_the_files_last_row(tmp_path: Path) -> None:
    path = tmp_path / "walk.csv"
    _walks_with_gaps(path, [])
    reached: list[float] = []
    with RetrowalkCsvStream(path, block_rows=997) as stream:
        duration_s = stream.duration_s()

        def read(start_s: float, end_s: float) -> Recording:
            segment = stream.read_segment(start_s, end_s)
            reached.append(start_s + float(segment.time_s[-1]))
            return segment

        GaitPipeline().analyze_long(read, duration_s, chunk_s=70.0, overlap_s=20.0)
    assert max(reached) == pytest.approx(duration_s, abs=1e-9)  # the last row is analysed
