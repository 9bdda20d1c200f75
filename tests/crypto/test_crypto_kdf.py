"""Argon2id costs and the limiter that bounds concurrent derivations."""

import threading
import time

import pytest

from portal.crypto import Argon2Limiter, KdfBusy, KdfParams

SALT = bytes(16)


def test_the_limiter_never_lets_more_than_its_slots_run_at_once() -> None:
    limiter = Argon2Limiter(3, wait_seconds=30)
    lock = threading.Lock()
    running = 0
    peak = 0

    def one_login() -> None:
        nonlocal running, peak
        with limiter.slot():
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1

    threads = [threading.Thread(target=one_login) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert running == 0
    assert peak == 3  # bounded, and actually used in parallel


def test_derivations_take_a_slot(fast_params: KdfParams) -> None:
    limiter = Argon2Limiter(2, wait_seconds=0.05)
    with limiter.slot(), limiter.slot(), pytest.raises(KdfBusy):
        limiter.derive(b"password", SALT, fast_params)
    assert len(limiter.derive(b"password", SALT, fast_params)) == 32


def test_a_busy_limiter_refuses_instead_of_queueing_forever() -> None:
    limiter = Argon2Limiter(1, wait_seconds=0.01)
    with limiter.slot():
        started = time.perf_counter()
        with pytest.raises(KdfBusy), limiter.slot():
            pass
        assert time.perf_counter() - started < 5


def test_a_limiter_without_a_wait_limit_waits_for_a_slot() -> None:
    limiter = Argon2Limiter(1, wait_seconds=None)
    holding = threading.Event()
    release = threading.Event()

    def hold_the_slot() -> None:
        with limiter.slot():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_slot)
    holder.start()
    holding.wait(10)
    threading.Timer(0.05, release.set).start()
    with limiter.slot():
        assert release.is_set()
    holder.join(10)


def test_derivation_is_deterministic_and_depends_on_every_input(fast_params: KdfParams) -> None:
    limiter = Argon2Limiter(1)
    base = limiter.derive(b"pw", SALT, fast_params)
    assert limiter.derive(b"pw", SALT, fast_params) == base
    assert limiter.derive(b"pX", SALT, fast_params) != base
    assert limiter.derive(b"pw", bytes(15) + b"\x01", fast_params) != base
    assert limiter.derive(b"pw", SALT, fast_params, pepper=b"k" * 32) != base
    assert limiter.derive(b"pw", SALT, KdfParams(8 * 1024, 2, 1)) != base


def test_concurrent_multi_lane_derivations_finish() -> None:
    # cryptography 50 / OpenSSL 4 deadlock on two concurrent multi-lane Argon2id calls; the
    # limiter serialises them so wraps stored with lanes > 1 still open under load.
    limiter = Argon2Limiter(4)
    params = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=2)
    results: list[bytes] = []

    def derive() -> None:
        results.append(limiter.derive(b"pw", SALT, params))

    threads = [threading.Thread(target=derive, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 4 and len(set(results)) == 1


def test_the_limiter_is_sized_from_a_memory_budget() -> None:
    assert Argon2Limiter.for_memory_budget(512, KdfParams()).max_concurrent == 8
    assert Argon2Limiter.for_memory_budget(1, KdfParams()).max_concurrent == 1


def test_defaults_cost_an_attacker_at_least_the_rfc_9106_second_option() -> None:
    defaults = KdfParams()
    assert defaults.memory_kib >= 64 * 1024 and defaults.iterations >= 3
    assert defaults.lanes == 1


@pytest.mark.parametrize(
    "costs",
    [
        dict(memory_kib=4),
        dict(iterations=0),
        dict(iterations=17),
        dict(lanes=0),
        dict(memory_kib=2 * 1024 * 1024),
    ],
)
def test_costs_outside_the_ceilings_are_refused(costs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        KdfParams(**costs)


def test_a_limiter_needs_a_slot() -> None:
    with pytest.raises(ValueError):
        Argon2Limiter(0)
