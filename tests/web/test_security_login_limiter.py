"""The login rate limiter: counts, the window, and a table that does not grow without bound."""

from __future__ import annotations

import pytest

from retrowalk.web.errors import LoginRateLimitedError
from retrowalk.web.security import LoginLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_blocks_an_email_until_its_window_has_passed() -> None:
    clock = Clock()
    limiter = LoginLimiter(3, 60, clock=clock)
    for _ in range(3):
        limiter.check("a@example.org", "10.0.0.1")
        limiter.failed("a@example.org", "10.0.0.1")
    with pytest.raises(LoginRateLimitedError):
        limiter.check("A@example.org ", "10.0.0.2")  # same address, other spelling and client
    clock.now += 61
    limiter.check("a@example.org", "10.0.0.1")


def test_checking_logins_that_never_fail_keeps_no_counters() -> None:
    limiter = LoginLimiter(3, 60, clock=Clock())
    for number in range(500):
        limiter.check(f"user{number}@example.org", f"10.0.{number // 256}.{number % 256}")
    assert limiter.tracked_keys == 0


def test_failures_with_ever_new_emails_are_forgotten_after_the_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(3, 60, clock=clock)
    for number in range(1000):
        limiter.failed(f"guess{number}@example.org", "203.0.113.9")
    assert limiter.tracked_keys == 1001  # 1000 emails and the one client address
    clock.now += 61
    limiter.failed("late@example.org", "198.51.100.1")
    assert limiter.tracked_keys == 2


def test_a_success_clears_the_emails_failures() -> None:
    limiter = LoginLimiter(2, 60, clock=Clock())
    limiter.failed("b@example.org", "10.0.0.1")
    limiter.failed("b@example.org", "10.0.0.1")
    limiter.succeeded("b@example.org")
    limiter.check("b@example.org", "10.0.0.1")
