"""The login rate limiter: counts, the window, parallel guesses, and a bounded table."""

from __future__ import annotations

import threading

import pytest

from retrowalk.errors import InputError
from retrowalk.services.accounts import AuthenticationError, WrongPasswordError
from retrowalk.web.errors import LoginRateLimitedError
from retrowalk.web.security import LoginLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _wrong(limiter: LoginLimiter, email: str, client: str) -> None:
    with pytest.raises(AuthenticationError), limiter.guard(email, client):
        raise AuthenticationError("wrong email or password")


def test_the_limit_blocks_an_email_until_its_window_has_passed() -> None:
    clock = Clock()
    limiter = LoginLimiter(3, 60, clock=clock)
    for _ in range(3):
        _wrong(limiter, "a@example.org", "10.0.0.1")
    with pytest.raises(LoginRateLimitedError):
        limiter.attempt("A@example.org ", "10.0.0.2")  # same address, other spelling and client
    clock.now += 61
    limiter.attempt("a@example.org", "10.0.0.1")


def test_logins_that_succeed_keep_no_counters() -> None:
    limiter = LoginLimiter(3, 60, clock=Clock())
    for number in range(500):
        with limiter.guard(f"user{number}@example.org", f"10.0.{number // 256}.{number % 256}"):
            pass
    assert limiter.tracked_keys == 0


def test_failures_with_ever_new_emails_are_forgotten_after_the_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(1000, 60, clock=clock)  # the client's limit is not reached here
    for number in range(1000):
        _wrong(limiter, f"guess{number}@example.org", "203.0.113.9")
    assert limiter.tracked_keys == 1001  # 1000 emails and the one client address
    clock.now += 61
    _wrong(limiter, "late@example.org", "198.51.100.1")
    assert limiter.tracked_keys == 2


def test_a_success_clears_the_emails_failures() -> None:
    limiter = LoginLimiter(2, 60, clock=Clock())
    _wrong(limiter, "b@example.org", "10.0.0.1")
    with limiter.guard("b@example.org", "10.0.0.1"):
        pass
    _wrong(limiter, "b@example.org", "10.0.0.1")
    limiter.attempt("b@example.org", "10.0.0.1")  # one failure since the success: not full


def test_a_wrong_current_password_counts_and_another_refusal_does_not() -> None:
    limiter = LoginLimiter(1, 60, clock=Clock())
    with pytest.raises(InputError), limiter.guard("c@example.org", "10.0.0.1"):
        raise InputError("must be at least 10 characters", field="new_password")
    with pytest.raises(WrongPasswordError), limiter.guard("c@example.org", "10.0.0.1"):
        raise WrongPasswordError
    with pytest.raises(LoginRateLimitedError):
        limiter.attempt("c@example.org", "10.0.0.1")


def test_guesses_sent_at_once_are_counted_before_any_is_checked() -> None:
    limiter = LoginLimiter(5, 60, clock=Clock())
    checking = threading.Barrier(20, timeout=10)
    checked: list[int] = []
    refused: list[int] = []

    def guess(number: int) -> None:
        try:
            with limiter.guard("d@example.org", f"10.0.1.{number}"):
                checked.append(number)  # the slow argon2 check would run here
                checking.wait()
        except LoginRateLimitedError:
            refused.append(number)
            checking.wait()
        except threading.BrokenBarrierError:
            pass

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(checked) == 5
    assert len(refused) == 15
