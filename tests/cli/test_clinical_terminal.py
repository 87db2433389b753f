"""The interactive screen in a real pseudo-terminal (not a pipe): prompts, re-asking, the plan.

The other interactive tests feed standard input from a string; this one runs the installed
entry point as a separate process attached to a pty, as a person at a terminal would meet it.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

from retrowalk.domain.screening_questions import QUESTIONS

_DEADLINE_S = 120.0  # a generous bound so a hung process fails instead of blocking the suite


def _answers() -> list[str]:
    lines = []
    for question in QUESTIONS:
        key, kind = question.key, question.kind
        if key == "age_years":
            lines += ["forty", "45"]  # a typo first: asked again
        elif key == "pain_now_nprs":
            lines.append("4")
        elif key == "pain_duration_weeks":
            lines.append("20")
        elif key == "tug_seconds":
            lines += ["0", "9.5"]  # out of the question's range: asked again
        elif kind == "yes_no":
            lines.append("yes" if key == "walked_backward_before" else "no")
    return [*lines, "y", "3", "overground", "", "2026-12-07", ""]


def _run_in_a_terminal(lines: list[str]) -> tuple[int, str]:
    controller, terminal = pty.openpty()
    environment = {**os.environ, "COLUMNS": "100", "LINES": "50", "TERM": "xterm"}
    environment.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from retrowalk.cli import main; main(['screen'])"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=environment,
        close_fds=True,
    )
    os.close(terminal)
    os.write(controller, ("\n".join(lines) + "\n").encode())
    output = b""
    while True:
        ready, _, _ = select.select([controller], [], [], _DEADLINE_S)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return process.wait(), output.decode("utf-8", errors="replace")


def test_the_interactive_screen_works_in_a_real_terminal() -> None:
    code, output = _run_in_a_terminal(_answers())
    text = " ".join(output.replace("\r", "").split())
    assert code == 0, output
    assert "Traceback" not in output
    assert "Please type a whole number from 16 to 110." in text
    assert "Please type a number from 1 to 300." in text
    assert "CLEARED" in text
    assert "Retro-walking plan" in text
    assert "Mon 2026-12-07" in text
