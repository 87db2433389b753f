"""What the clinical, evidence and outcome commands share: ``--format``, JSON in and out, consoles.

- :func:`read_input_text` / :func:`read_json_input` read a file or ``-`` (standard input); a
  missing file, a directory, bytes that are not UTF-8 or malformed JSON raise
  :class:`~retrowalk.errors.InputError` naming the option (field), the file and, for JSON, the
  line and column.
- :func:`write_json_file` writes atomically: a failed write leaves an existing file as it was.
- :func:`text_console` wraps at word boundaries on a terminal and not at all in a pipe (so
  redirected text stays greppable line by line).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from retrowalk.errors import InputError
from retrowalk.schemas.parsing import parse_json_text


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text (default) or json.", case_sensitive=False)
]


def echo_json(data: Any) -> None:
    """Print JSON (indented, UTF-8 kept) on standard output."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def text_console(*, stderr: bool = False) -> Console:
    """A console for human-readable output (word-wrapped on a terminal, unwrapped in a pipe)."""
    console = Console(stderr=stderr, highlight=False)
    console.soft_wrap = not console.is_terminal
    return console


def _decode(data: bytes | str, *, field: str, source: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
            field=field,
            source=source,
        ) from None


def read_input_text(path: str, *, field: str) -> tuple[str, str]:
    """Read a UTF-8 text file, or standard input for ``-``; returns ``(text, source name)``."""
    if path == "-":
        try:
            return sys.stdin.read(), "<stdin>"
        except UnicodeDecodeError as error:
            raise InputError(
                f"not UTF-8 text (offset {error.start})", field=field, source="<stdin>"
            ) from None
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", field=field, source=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", field=field, source=path) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"cannot read file: {reason}", field=field, source=path) from None
    return _decode(data, field=field, source=path), path


def read_json_input(path: str, *, field: str) -> tuple[Any, str]:
    """Decode JSON from a file or ``-``; errors name the file, line and column."""
    text, source = read_input_text(path, field=field)
    return parse_json_text(text, source=source), source


def write_json_file(path: Path, data: Any) -> None:
    """Write JSON atomically: a failed write leaves any existing file as it was."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=directory, suffix=".tmp", delete=False
        ) as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            temporary = Path(handle.name)
        os.replace(temporary, path)
    except OSError as error:
        raise InputError(
            f"cannot write file: {error.strerror or error}", source=str(path)
        ) from None
