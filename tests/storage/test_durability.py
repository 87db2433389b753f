"""A process killed in the middle of writes loses no committed session and leaves no half-written
one: every session it reported as stored is there, complete (its idempotency key, its plan
revision and its audit entry were written in the same transaction), and the database still works.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from retrowalk.services.runtime import Runtime
from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.programs import ProgramRevision
from retrowalk.storage.session_logs import IdempotencyKey, SessionLog
from tests.db_fixtures import MakeUser, log, start_program

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMITTED_BEFORE_KILL = 12


def test_a_killed_writer_loses_no_committed_session_and_leaves_no_half_written_one(
    runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user("patient")
    start_program(runtime, patient, runtime.now().date() - dt.timedelta(days=30))
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.durability_writer", runtime.db.url, str(patient.id)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    reported: list[int] = []
    deadline = time.monotonic() + 120
    try:
        assert child.stdout is not None
        while len(reported) < COMMITTED_BEFORE_KILL and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            reported.append(int(line))
    finally:
        child.send_signal(signal.SIGKILL)
        _, stderr = child.communicate(timeout=30)
    assert len(reported) == COMMITTED_BEFORE_KILL, stderr

    with runtime.db.read() as session:
        stored = set(session.scalars(select(SessionLog.id)))
        keyed = set(session.scalars(select(IdempotencyKey.session_log_id)))
        revised = set(session.scalars(select(ProgramRevision.session_log_id)))
        audited = set(
            session.scalars(
                select(AuditEntry.record_id).where(
                    AuditEntry.record_type == "session_log", AuditEntry.action == "create"
                )
            )
        )
        revisions = session.scalar(select(func.count(ProgramRevision.id)))
    assert set(reported) <= stored
    # At most one more: committed just before the kill, not yet reported.
    assert len(stored) - len(reported) in (0, 1)
    assert stored == keyed == (revised - {None}) == audited
    assert revisions == len(stored) + 1
    # The database is not left locked or broken.
    after = log(runtime, patient, runtime.now())
    assert after.session.id not in reported
