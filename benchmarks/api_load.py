"""Load benchmark of the JSON API: requests/s and p50/p99 latency at 50 concurrent clients.

Measures, against a real uvicorn server on 127.0.0.1 (one worker process), in one run:

- ``bare``: a bare FastAPI endpoint (``GET /bench/bare``) added to the same app: the framework
  and server cost alone, the baseline;
- ``log_session``: ``POST /api/v1/patients/{id}/sessions`` (each client logs for its own
  patient, a new Idempotency-Key each time; the progression decision and a plan revision are
  stored in the same transaction);
- ``overview``: ``GET /api/v1/clinician/overview`` for a clinician with ``--panel`` patients
  (each line: adherence, last session, current dose, flags; one audit entry per patient).

and prints each scenario's rate and latency with the ratios to ``bare``. Bounded: each scenario
stops after ``--requests`` requests or ``--seconds`` seconds, whichever comes first.

    python benchmarks/api_load.py                       # SQLite in a temporary folder
    python benchmarks/api_load.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

A PostgreSQL database given by URL must exist; its tables are created by the migrations, and the
benchmark's accounts use unique emails, so it can be reused (results then include older rows).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import secrets
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

CLIENTS = 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(database_url: str, data_dir: str, port: int) -> None:
    """Child process: the real app plus a bare endpoint, served by uvicorn."""
    import uvicorn

    from retrowalk.config import load_settings
    from retrowalk.web.app import create_app

    settings = load_settings({}, database_url=database_url, data_dir=Path(data_dir))
    app = create_app(settings)

    @app.get("/bench/bare")
    def bare() -> dict[str, bool]:
        return {"ok": True}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@dataclass(frozen=True)
class Setup:
    clinician_token: str
    patients: list[tuple[int, str]]  # (patient id, bearer token)


def _prepare(database_url: str, data_dir: Path, panel: int) -> Setup:
    """Migrate, then create a clinician and patients with programs through the services."""
    from retrowalk.config import load_settings
    from retrowalk.domain.screening import REQUIRED_ANSWERS, ScreeningAnswers
    from retrowalk.services import accounts, invitations, programs, screenings
    from retrowalk.services.inputs import PrescriptionIn
    from retrowalk.services.runtime import Actor, build_runtime
    from retrowalk.storage.migrate import upgrade

    settings = load_settings(
        {}, database_url=database_url, data_dir=data_dir, fast_password_hashing=True
    )
    runtime = build_runtime(settings)
    upgrade(runtime.db)
    tag = secrets.token_hex(3)
    password = "benchmark password"
    clinician = accounts.create_user(
        runtime, None, f"clinician-{tag}@bench.example", password, "Bench Clinician", "clinician"
    )
    as_clinician = Actor(clinician.id, "clinician")
    answers: dict[str, object] = dict.fromkeys(REQUIRED_ANSWERS, False)
    answers.update(age_years=50, pain_now_nprs=4, pain_duration_weeks=20.0)
    patients: list[tuple[int, str]] = []
    for number in range(max(CLIENTS, panel)):
        code = invitations.create_invitation(runtime, as_clinician).code if number < panel else None
        user = accounts.sign_up_patient(
            runtime, f"patient{number}-{tag}@bench.example", password, f"Patient {number}", code
        )
        who = Actor(user.id, "patient")
        screenings.screen_patient(runtime, who, user.id, ScreeningAnswers(**answers))  # type: ignore[arg-type]
        programs.prescribe_program(
            runtime,
            who,
            user.id,
            PrescriptionIn(
                sessions_per_week=3,
                setting="overground",
                goal_backward_min=20,
                start_date=dt.date.today() - dt.timedelta(days=14),
            ),
        )
        token = accounts.login(runtime, user.email, password, kind="bearer").token
        patients.append((user.id, token))
    clinician_token = accounts.login(runtime, clinician.email, password, kind="bearer").token
    runtime.db.dispose()
    return Setup(clinician_token, patients)


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _run(
    name: str,
    base: str,
    make_request: object,
    total: int,
    seconds: float,
) -> Result:
    latencies: list[float] = []
    errors = 0
    sent = 0
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        start = time.perf_counter()
        stop_at = start + seconds

        async def client(number: int) -> None:
            nonlocal sent, errors
            while sent < total and time.perf_counter() < stop_at:
                sent += 1
                method, url, kwargs = make_request(number, sent)  # type: ignore[operator]
                began = time.perf_counter()
                response = await http.request(method, url, **kwargs)
                latencies.append((time.perf_counter() - began) * 1000)
                if response.status_code >= 300:
                    errors += 1

        await asyncio.gather(*(client(n) for n in range(CLIENTS)))
        elapsed = time.perf_counter() - start
    return Result(name, len(latencies), errors, elapsed, latencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--requests", type=int, default=1500, help="per scenario (max)")
    parser.add_argument("--seconds", type=float, default=20.0, help="per scenario (max)")
    parser.add_argument("--panel", type=int, default=20, help="patients in the overview")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        url = args.database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}"
        print(f"preparing {max(CLIENTS, args.panel)} patients on {url.split('@')[-1]} ...")
        setup = _prepare(url, data_dir, args.panel)
        port = _free_port()
        context = multiprocessing.get_context("spawn")
        server = context.Process(target=_serve, args=(url, folder, port), daemon=True)
        server.start()
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/bench/bare", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.2)
            started = dt.datetime.now(dt.UTC)

            def bare(_number: int, _sent: int) -> tuple[str, str, dict[str, object]]:
                return "GET", "/bench/bare", {}

            def log_session(number: int, sent: int) -> tuple[str, str, dict[str, object]]:
                patient_id, token = setup.patients[number % len(setup.patients)]
                when = started - dt.timedelta(minutes=sent)
                body = {
                    "started_at": when.isoformat(),
                    "ended_at": (when + dt.timedelta(minutes=25)).isoformat(),
                    "backward_min": 8.0,
                    "forward_min": 10.0,
                    "pain_before": 3,
                    "pain_max": 4,
                    "pain_after": 3,
                    "pain_next_morning": 3,
                    "rpe": 3.0,
                }
                headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"b-{sent}"}
                return (
                    "POST",
                    f"/api/v1/patients/{patient_id}/sessions",
                    {
                        "json": body,
                        "headers": headers,
                    },
                )

            def overview(_number: int, _sent: int) -> tuple[str, str, dict[str, object]]:
                headers = {"Authorization": f"Bearer {setup.clinician_token}"}
                return "GET", "/api/v1/clinician/overview", {"headers": headers}

            results = []
            for name, maker in (
                ("bare", bare),
                ("log_session", log_session),
                ("overview", overview),
            ):
                asyncio.run(_run(name, base, maker, 50, 10))  # warm-up
                results.append(asyncio.run(_run(name, base, maker, args.requests, args.seconds)))
        finally:
            server.terminate()
            server.join(timeout=10)

    baseline = results[0]
    print(
        f"\n{CLIENTS} concurrent clients, uvicorn (1 process) on 127.0.0.1, database: "
        f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, panel {args.panel}"
    )
    print(
        f"{'scenario':<12} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'req/s vs bare':>14} {'p50 vs bare':>12}"
    )
    for result in results:
        print(
            f"{result.name:<12} {result.requests:>8} {result.errors:>6} {result.rate:>8.1f} "
            f"{result.percentile(0.5):>8.1f} {result.percentile(0.99):>8.1f} "
            f"{result.rate / baseline.rate:>14.3f} "
            f"{result.percentile(0.5) / baseline.percentile(0.5):>12.1f}"
        )
    median = statistics.median(baseline.latencies_ms)
    print(f"(bare median {median:.1f} ms; ratios < 1 for req/s mean slower than bare)")
    return 1 if any(result.errors for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
