"""What sealing a typical report costs, against raw AES-256-GCM and one Argon2id call.

Run: .venv/bin/python bench/seal.py [repetitions]

A typical report is a 4 KB payload and one 300 KB (metadata-stripped) photo. "Seal + open" is
the whole round trip a submission and one verifier read cost: fresh data key, both parts sealed,
data key HPKE-sealed to the desk (ML-KEM-768 + X25519), then opened again. The baseline is raw
AES-256-GCM encrypt + decrypt of the same bytes under one key, measured in the same run, so the
ratio shows what the envelope (HPKE, headers, binding) adds. The Argon2id row (default costs) is
what each receipt wrap or password unlock adds on top; it dwarfs the sealing itself.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.crypto import (
    Argon2Limiter,
    KdfParams,
    Part,
    generate_desk_key,
    open_data_key,
    open_part,
    seal_report,
)

PAYLOAD = os.urandom(4 * 1024)
ATTACHMENT = os.urandom(300 * 1024)
REPORT_ID = "r-bench-7Hq2"


def median_seconds(run: Callable[[], object], repetitions: int) -> float:
    run()  # warm caches and lazy initialisation outside the measurement
    samples = []
    for _ in range(repetitions):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    desk = generate_desk_key("bench", 1)

    def seal_and_open() -> None:
        sealed = seal_report(REPORT_ID, PAYLOAD, desk.public, desk.key_id, {"a1": ATTACHMENT})
        data_key = open_data_key(sealed.sealed_data_key, desk.private, REPORT_ID)
        assert open_part(data_key, REPORT_ID, Part.payload(), sealed.payload) == PAYLOAD
        opened = open_part(data_key, REPORT_ID, Part.attachment("a1"), sealed.attachments["a1"])
        assert opened == ATTACHMENT

    raw_key = AESGCM(AESGCM.generate_key(256))

    def raw_aes_gcm() -> None:
        for plaintext in (PAYLOAD, ATTACHMENT):
            nonce = os.urandom(12)
            assert raw_key.decrypt(nonce, raw_key.encrypt(nonce, plaintext, None), None)

    defaults = KdfParams()
    limiter = Argon2Limiter(1)

    def one_argon2id() -> None:
        limiter.derive(b"a receipt or a password", os.urandom(16), defaults)

    seal_s = median_seconds(seal_and_open, repetitions)
    raw_s = median_seconds(raw_aes_gcm, repetitions)
    argon_s = median_seconds(one_argon2id, max(5, repetitions // 30))

    print(
        f"Typical report: {len(PAYLOAD) // 1024} KB payload + {len(ATTACHMENT) // 1024} KB "
        f"attachment; medians of {repetitions} runs (Argon2id: {max(5, repetitions // 30)})"
    )
    print(
        f"Argon2id defaults: {defaults.memory_kib // 1024} MiB, {defaults.iterations} passes, "
        f"{defaults.lanes} lane"
    )
    print()
    header = f"{'operation':<44} {'median ms':>10} {'x raw GCM':>10} {'x Argon2id':>11}"
    print(header)
    print("-" * len(header))
    for name, seconds in [
        ("seal + open report (HPKE + AES-256-GCM)", seal_s),
        ("raw AES-256-GCM enc + dec, same bytes", raw_s),
        ("one Argon2id derivation (default costs)", argon_s),
    ]:
        print(
            f"{name:<44} {seconds * 1000:>10.3f} {seconds / raw_s:>10.2f} "
            f"{seconds / argon_s:>11.4f}"
        )
    print()
    print(
        f"Envelope overhead per report: {(seal_s - raw_s) * 1000:.3f} ms; "
        f"one Argon2id costs as much as {argon_s / seal_s:.0f} report seal+open round trips."
    )


if __name__ == "__main__":
    main()
