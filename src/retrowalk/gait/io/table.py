"""A numeric CSV table with errors that name the file, line and column of a bad value.

Fast path: split every line at once and convert in one numpy call. Only when that fails is the
file scanned line by line to find the first offending line and column (so a 60-minute file
parses in well under a second, and a typo is still reported exactly).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from retrowalk.gait.resample import RecordingFormatError


@dataclass(frozen=True, eq=False)
class Table:
    header: tuple[str, ...]
    values: NDArray[np.float64]  # (n_rows, n_columns); empty cells are NaN
    source: str
    first_data_line: int

    def column(self, name: str) -> NDArray[np.float64]:
        return np.asarray(self.values[:, self.header.index(name)])

    def require(self, *names: str) -> None:
        for name in names:
            if name not in self.header:
                raise RecordingFormatError(
                    f"missing column '{name}' (header has: {', '.join(self.header)})",
                    source=self.source,
                    line=self.first_data_line - 1,
                    field=name,
                )


def read_header_line(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        for line in handle:
            if line.strip():
                return line.strip()
    return ""


def read_table(path: Path, *, decimal_comma: bool | None = None) -> Table:
    """Read a CSV (comma, semicolon or tab separated) with one header line.

    ``decimal_comma``: numbers written with a decimal comma (``0,988``); by default, whenever
    the separator is not a comma (a European spreadsheet's export: ``;`` and decimal commas),
    since a comma inside such a cell can only be one."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecordingFormatError(f"not a text file ({error.reason})", source=source) from error
    except OSError as error:
        raise RecordingFormatError(
            f"cannot read the file: {error.strerror}", source=source
        ) from error
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise RecordingFormatError("the file is empty", source=source)
    header_line = lines[header_index]
    delimiter, header = split_header(header_line)
    body = lines[header_index + 1 :]
    while body and not body[-1].strip():
        body.pop()
    first_data_line = header_index + 2
    if not body:
        raise RecordingFormatError("the file has a header but no data rows", source=source)
    if decimal_comma is None:
        decimal_comma = delimiter != ","
    values = parse_rows(
        body, delimiter, header, source, first_data_line, decimal_comma=decimal_comma
    )
    return Table(header=header, values=values, source=source, first_data_line=first_data_line)


def parse_rows(
    body: list[str],
    delimiter: str,
    header: tuple[str, ...],
    source: str,
    first_data_line: int,
    *,
    decimal_comma: bool = False,
) -> NDArray[np.float64]:
    """Numeric rows as an (n, columns) array; errors name the file's line and column (and
    quote the cell as written). ``decimal_comma``: read ``0,988`` as 0.988 (never with a comma
    separator)."""
    n_columns = len(header)
    decimal_comma = decimal_comma and delimiter != ","
    try:
        lines = [row.replace(",", ".") for row in body] if decimal_comma else body
        rows = [row.split(delimiter) for row in lines]
        values = np.array(rows, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != n_columns:
            raise ValueError("ragged")
    except ValueError:
        values = _parse_slowly(
            body, delimiter, n_columns, header, source, first_data_line, decimal_comma
        )
    return values


def split_header(header_line: str) -> tuple[str, tuple[str, ...]]:
    """The delimiter and the cleaned column names of a header line."""
    delimiter = _sniff_delimiter(header_line)
    return delimiter, tuple(c.strip().strip('"').strip() for c in header_line.split(delimiter))


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def _parse_slowly(
    body: list[str],
    delimiter: str,
    n_columns: int,
    header: tuple[str, ...],
    source: str,
    first_data_line: int,
    decimal_comma: bool,
) -> NDArray[np.float64]:
    """Parse row by row: empty cells become NaN; the first bad cell raises with its place."""
    values = np.empty((len(body), n_columns), dtype=np.float64)
    for offset, row in enumerate(body):
        line = first_data_line + offset
        cells = row.split(delimiter)
        if len(cells) != n_columns:
            raise RecordingFormatError(
                f"expected {n_columns} values, found {len(cells)}", source=source, line=line
            )
        for index, cell in enumerate(cells):
            text = cell.strip().strip('"')
            if text == "":
                values[offset, index] = np.nan
                continue
            try:
                values[offset, index] = float(text.replace(",", ".") if decimal_comma else text)
            except ValueError:
                raise RecordingFormatError(
                    f"'{text}' is not a number",
                    source=source,
                    line=line,
                    column=index + 1,
                    field=header[index],
                ) from None
    return values
