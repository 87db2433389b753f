"""Read a long retrowalk CSV piece by piece, for :meth:`GaitPipeline.analyze_long`.

A week at 100 Hz is 60 million rows (several GB of text): it is never held in memory. The
stream reads blocks of lines forward, keeps only the rows still needed (the overlap between
chunks), and hands out :class:`Recording` segments whose time is counted from the segment's
planned start (the first sample is later than 0 when the file has no row at that start, e.g.
inside a gap: ``analyze_long`` adds that offset, so results keep the file's times). Segments
must be requested in increasing order, as ``analyze_long`` does.
"""

from __future__ import annotations

import os
from dataclasses import replace
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import numpy as np
from numpy.typing import NDArray

from retrowalk.gait.io.detect import FileFormat, detect_format
from retrowalk.gait.io.retrowalk_csv import ACC_COLUMNS, GYR_COLUMNS, TIME_COLUMN
from retrowalk.gait.io.table import parse_rows, split_header
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import RecordingFormatError, build_recording

FloatArray = NDArray[np.float64]
LARGE_FILE_BYTES = 256 * 1024 * 1024
"""Files larger than this are analysed in chunks by the CLI."""


def is_large_retrowalk_csv(path: Path, *, limit_bytes: int | None = None) -> bool:
    """A retrowalk CSV too large to read at once (the CLI then analyses it in chunks)."""
    limit = LARGE_FILE_BYTES if limit_bytes is None else limit_bytes
    return (
        path.is_file()
        and path.stat().st_size > limit
        and detect_format(path) is FileFormat.RETROWALK_CSV
    )


class RetrowalkCsvStream:
    """Sequential access to a retrowalk CSV by time."""

    def __init__(self, path: Path, *, block_rows: int = 50_000) -> None:
        self.path = path
        self.source = str(path)
        self.block_rows = block_rows
        try:
            self._handle: IO[str] = path.open("r", encoding="utf-8-sig")
        except OSError as error:
            raise RecordingFormatError(
                f"cannot read the file: {error.strerror}", source=self.source
            ) from error
        header_line = self._handle.readline()
        if not header_line.strip():
            self._handle.close()
            raise RecordingFormatError("the file is empty", source=self.source)
        self._delimiter, self._header = split_header(header_line.strip())
        for name in (TIME_COLUMN, *ACC_COLUMNS):
            if name not in self._header:
                self._handle.close()
                raise RecordingFormatError(
                    f"missing column '{name}'", source=self.source, line=1, field=name
                )
        self._has_gyr = all(c in self._header for c in GYR_COLUMNS)
        self._columns = [self._header.index(c) for c in (TIME_COLUMN, *ACC_COLUMNS)]
        if self._has_gyr:
            self._columns += [self._header.index(c) for c in GYR_COLUMNS]
        self._next_line = 2
        self._buffer = np.zeros((0, len(self._columns)))
        self._line_of = np.zeros(0, dtype=np.int64)  # each buffered row's line in the file
        self._exhausted = False
        self._last_time: float | None = None  # the time of the last row read
        self._fill(1)
        while self._buffer.shape[0] == 0 and not self._exhausted:
            self._fill(self.block_rows)  # the first rows had no time (dropped)
        if self._buffer.shape[0] == 0:
            self.close()
            raise RecordingFormatError("the file has a header but no data rows", source=self.source)
        self.t0_s = float(self._buffer[0, 0])

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._handle.close()

    def duration_s(self) -> float:
        """Time of the last row minus the first (read from the end of the file)."""
        last = _last_line(self.path)
        cells = last.split(self._delimiter)
        try:
            time_cell = cells[self._header.index(TIME_COLUMN)].strip().strip('"')
            if self._delimiter != ",":  # a decimal comma, as parse_rows reads it
                time_cell = time_cell.replace(",", ".")
            return float(time_cell) - self.t0_s
        except (ValueError, IndexError):
            raise RecordingFormatError(
                "the last line has no readable time", source=self.source
            ) from None

    def read_segment(self, start_s: float, end_s: float) -> Recording:
        """Rows with ``start_s <= time - t0 < end_s`` as a recording, its time counted from
        ``start_s``: ``time_s[0]`` is where the first row lies after ``start_s`` (0 unless the
        segment starts in a gap), so the caller can place every sample in the file."""
        while not self._exhausted and (
            self._buffer.shape[0] == 0 or self._buffer[-1, 0] - self.t0_s < end_s
        ):
            self._fill(self.block_rows)
        rel = self._buffer[:, 0] - self.t0_s
        keep_from = int(np.searchsorted(rel, start_s, side="left"))
        upto = int(np.searchsorted(rel, end_s, side="left"))
        rows = self._buffer[keep_from:upto]
        first_line = int(self._line_of[keep_from]) if rows.shape[0] else None
        self._buffer = self._buffer[keep_from:]  # earlier rows are never needed again
        self._line_of = self._line_of[keep_from:]
        if rows.shape[0] == 0:
            raise RecordingFormatError(
                f"no samples between {start_s:.0f} s and {end_s:.0f} s", source=self.source
            )
        gyr = rows[:, 4:7] if self._has_gyr else None
        recording = build_recording(
            rows[:, 0],  # the file's own times: an error quotes the time the file has
            rows[:, 1:4],
            gyr,
            source=f"{self.source} @{start_s:.0f}s",
            first_data_line=first_line,
        )
        # build_recording counts time from the first row; the caller needs it from start_s
        first_row_s = float(rows[0, 0] - self.t0_s) - start_s
        return replace(recording, time_s=recording.time_s + first_row_s)

    def _fill(self, n_rows: int) -> None:
        lines = list(islice(self._handle, n_rows))
        first_line = self._next_line
        self._next_line += len(lines)
        if len(lines) < n_rows:
            self._exhausted = True
            while lines and not lines[-1].strip():
                lines.pop()
        if not lines:
            return
        values = parse_rows(
            lines,
            self._delimiter,
            self._header,
            self.source,
            first_line,
            decimal_comma=self._delimiter != ",",
        )
        block = values[:, self._columns]
        line_of = first_line + np.arange(block.shape[0], dtype=np.int64)
        # a row without a time cannot be placed (the segment search needs times in order, and
        # NaN is in no order): it takes the time of the row before it (the first rows: the
        # first time) and a missing value, so build_recording drops and counts it, there, as
        # the whole-file reader does; rows before any time at all are dropped here
        timed = np.isfinite(block[:, 0])
        if not timed.all():
            block = block.copy()
            index = np.where(timed, np.arange(block.shape[0]), -1)
            np.maximum.accumulate(index, out=index)
            if self._last_time is not None:
                before = np.where(index >= 0, block[np.maximum(index, 0), 0], self._last_time)
            elif timed.any():
                before = np.where(index >= 0, block[np.maximum(index, 0), 0], block[timed][0, 0])
            else:
                before = block[:, 0]
            untimed = ~timed
            block[untimed, 0] = before[untimed]
            block[untimed, 1] = np.nan
            placed = np.isfinite(block[:, 0])
            block, line_of = block[placed], line_of[placed]
        if block.shape[0]:
            self._last_time = float(block[-1, 0])
        self._buffer = np.vstack([self._buffer, block]) if self._buffer.size else block
        self._line_of = np.concatenate([self._line_of, line_of])


def _last_line(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else ""
