"""Child process for the durability test: logs sessions forever, printing each committed id.

Run as ``python -m tests.storage.durability_writer DATABASE_URL PATIENT_ID``; the test kills it
with SIGKILL in the middle of its writes.
"""

from __future__ import annotations

import datetime as dt
import sys

from retrowalk.config import load_settings
from retrowalk.services.inputs import SessionLogIn
from retrowalk.services.runtime import Actor, build_runtime
from retrowalk.services.session_logs import log_session
from tests.db_fixtures import session_json


def main(url: str, patient_id: int) -> None:
    runtime = build_runtime(load_settings({}, database_url=url))
    who = Actor(patient_id, "patient")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    number = 0
    while True:
        number += 1
        data = SessionLogIn.model_validate(
            # A minute apart from 20 days ago (in the program, and never in the future).
            session_json(start + dt.timedelta(minutes=number), notes="x" * 1500)
        )
        result = log_session(runtime, who, patient_id, data, idempotency_key=f"kill-{number}")
        sys.stdout.write(f"{result.session.id}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
