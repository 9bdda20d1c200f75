"""What one receipt guess costs whoever seized the server, before and after the Argon2id look-up.

Run: .venv/bin/python bench/receipts.py [--reports N] [--seconds S] [--memory-kib M --iterations T]

The attacker holds the database (every report's look-up id) and the instance folder (the pepper).
Each guess is checked against every stored look-up id at once, so what counts is the cost of one
guess, measured on one core in this process:

- before (the first design): HMAC-SHA256(pepper, receipt), then a set membership test;
- after: one Argon2id at the given costs (the portal's defaults unless told), split by HKDF into the
  look-up id, then the same set test. This is the code the portal runs (`ReceiptKeys.derive`).

Printed: guesses per second per core for both, their ratio, and the core-years to try all 10^16
receipts (half that on average to hit one; a known group of four digits divides it by 10^4).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from portal.crypto import Argon2Limiter, KdfParams, ReceiptCode, ReceiptKeys, ReceiptScheme

SPACE = 10**16
YEAR = 365.25 * 24 * 3600


def rate(guess: Callable[[], None], seconds: float) -> float:
    """Guesses a second, counting whole guesses for at least `seconds` (at least 3 guesses)."""
    guess()
    done = 0
    started = time.perf_counter()
    while True:
        guess()
        done += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and done >= 3:
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="stored look-up ids")
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    defaults = KdfParams()
    parser.add_argument("--memory-kib", type=int, default=defaults.memory_kib)
    parser.add_argument("--iterations", type=int, default=defaults.iterations)
    args = parser.parse_args()

    pepper = secrets.token_bytes(32)
    params = KdfParams(memory_kib=args.memory_kib, iterations=args.iterations, lanes=1)
    receipts = ReceiptKeys(pepper, params, Argon2Limiter(1, wait_seconds=None))
    scheme = ReceiptScheme(1, secrets.token_bytes(16), params)
    hmac_ids = {secrets.token_bytes(32) for _ in range(args.reports)}
    argon_ids = {secrets.token_bytes(32) for _ in range(args.reports)}
    counter = iter(range(SPACE))

    def guess_before() -> None:
        digits = f"{next(counter):016d}".encode()
        _ = hmac.new(pepper, digits, hashlib.sha256).digest() in hmac_ids

    def guess_after() -> None:
        receipt = ReceiptCode(f"{next(counter):016d}")
        _ = receipts.derive(receipt, scheme).lookup_id in argon_ids

    before = rate(guess_before, args.seconds)
    after = rate(guess_after, args.seconds)
    print(
        f"stored look-up ids: {args.reports:,}; Argon2id {params.memory_kib} KiB x "
        f"{params.iterations} passes, 1 lane"
    )
    print(f"{'':28}{'guesses/s/core':>16}{'all 10^16 (core-years)':>26}{'known 4 digits':>18}")
    for name, per_second in (("before: HMAC look-up", before), ("after: Argon2id look-up", after)):
        years = SPACE / per_second / YEAR
        print(f"{name:28}{per_second:>16,.1f}{years:>26,.3g}{years / 10**4:>18,.3g}")
    print(f"ratio: each guess costs {before / after:,.0f}x more after")


if __name__ == "__main__":
    main()
