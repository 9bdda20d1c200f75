"""The reporter pages' throughput against a hello-world Flask route, on one gunicorn, in one run.

Run: .venv/bin/python bench/pages.py [--seconds 4] [--rounds 3] [--connections 8]

A fresh demo instance (SQLite in a temporary folder, `db upgrade`, `portal init`, `portal demo`)
is served by gunicorn with the project's gunicorn.conf.py (2 workers x 4 gthreads by default) on
a free port of 127.0.0.1. The same gunicorn also serves a bare Flask app with one route returning
"Hello, World!" under /hello/ (bench/pages_wsgi.py): the baseline shares the workers, the
settings and the moment. Each round measures hello-world, then a page, then hello-world again
before the next page, so every page sits between two baselines taken seconds apart; a page's
ratio is its requests per second over the mean of the baselines around it, summed over rounds.

Requests look like a phone's first visit: `Accept-Encoding: gzip, deflate, br`, an Arabic
`Accept-Language`, no cookie (so every GET of a form makes its CSRF token anew). The load comes
from wrk (Debian's `wrk` package: `apt-get install wrk`) when it is installed, else from Python
threads with keep-alive connections, which load the machine more and so measure less precisely.
Both keep connections open, as a phone's browser does behind nginx.

Target (issue 14): every reporter page at 0.5 or more of hello-world. The machine is shared;
compare ratios, not requests per second.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from submit import BIN, HOST, ROOT, clean_environment, flask, free_port, tail

PAGES = {
    "landing": "/",
    "new report": "/report/new",
    "follow-up": "/report/followup",
    "safety": "/safety",
}
HELLO = "/hello/"
HEADERS = {
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "ar,en;q=0.5",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "User-Agent": "Mozilla/5.0 (Linux; Android 10; K) Mobile",
}
TARGET = 0.5


@dataclass
class Load:
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


@contextlib.contextmanager
def serve(env: dict[str, str], port: int, workers: int, threads: int, log: Path) -> Iterator[int]:
    server_env = {
        **env,
        "PORTAL_BIND": f"{HOST}:{port}",
        "PORTAL_WORKERS": str(workers),
        "PORTAL_THREADS": str(threads),
        "PORTAL_LOG_LEVEL": "warning",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--pythonpath",
                str(ROOT / "bench"),
                "pages_wsgi:app",
            ],
            cwd=ROOT,
            env=server_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        give_up = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail(log)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection(HOST, port, timeout=5)
                connection.request("GET", HELLO)
                if connection.getresponse().status == 200:
                    break
            if time.monotonic() > give_up:
                raise RuntimeError(f"gunicorn did not start:\n{tail(log)}")
            time.sleep(0.2)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this bench started, nothing else
            process.wait(timeout=10)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk_load(port: int, path: str, seconds: float, connections: int) -> Load:
    duration = f"-d{max(1, round(seconds))}s"
    command = ["wrk", "-t1", f"-c{connections}", duration, "--latency", "--timeout", "10s"]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, f"http://{HOST}:{port}{path}"],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    return Load(
        rate, p50, p99, (int(bad.group(1)) if bad else 0) + (int(errors.group(1)) if errors else 0)
    )


def python_load(port: int, path: str, seconds: float, connections: int) -> Load:
    """The fallback without wrk: one thread per connection, keep-alive, for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work() -> None:
        mine: list[float] = []
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=HEADERS)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    errors[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [float("nan")]
    return Load(
        len(latencies) / elapsed,
        ordered[len(ordered) // 2] * 1000,
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        errors[0],
    )


def page_bytes(port: int, path: str) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    connection.request("GET", path, headers=HEADERS)
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200, (path, response.status)
    connection.close()
    return len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement (4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages (3)")
    parser.add_argument("--connections", type=int, default=8, help="open connections (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (4)")
    parser.add_argument("--python-load", action="store_true", help="do not use wrk")
    args = parser.parse_args()
    if not (1 <= args.seconds <= 60 and 1 <= args.rounds <= 10 and 1 <= args.connections <= 64):
        parser.error("--seconds 1-60, --rounds 1-10, --connections 1-64")
    use_wrk = shutil.which("wrk") is not None and not args.python_load
    load = wrk_load if use_wrk else python_load

    work = Path(tempfile.mkdtemp(prefix="cw-bench-pages-"))
    try:
        env = clean_environment(work / "instance", None, None)
        env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        for step in (("db", "upgrade"), ("portal", "init"), ("portal", "demo")):
            flask(env, *step)
        port = free_port()
        load_before = os.getloadavg()[0]
        with serve(env, port, args.workers, args.threads, work / "gunicorn.log"):
            sizes = {name: page_bytes(port, path) for name, path in PAGES.items()}
            for path in [HELLO, *PAGES.values()]:  # warm every worker's caches, not counted
                load(port, path, 1.0, args.connections)
            hello: list[Load] = []
            pages: dict[str, list[tuple[Load, float]]] = {name: [] for name in PAGES}
            hello.append(load(port, HELLO, args.seconds, args.connections))
            for _round in range(args.rounds):
                for name, path in PAGES.items():
                    measured = load(port, path, args.seconds, args.connections)
                    hello.append(load(port, HELLO, args.seconds, args.connections))
                    around = (hello[-2].per_second + hello[-1].per_second) / 2
                    pages[name].append((measured, around))
        load_after = os.getloadavg()[0]

        print(
            f"gunicorn {args.workers} workers x {args.threads} threads, "
            f"{'wrk' if use_wrk else 'Python threads'} with {args.connections} keep-alive "
            f"connections, {args.rounds} rounds of {args.seconds:.0f} s per page; "
            f"load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cores"
        )
        rates = [h.per_second for h in hello]
        print(
            f"hello-world {HELLO}: {statistics.mean(rates):.0f} req/s "
            f"(min {min(rates):.0f}, max {max(rates):.0f}), "
            f"p50 {statistics.median(h.p50_ms for h in hello):.1f} ms"
        )
        print()
        header = (
            f"{'page':12} {'path':18} {'bytes':>6} {'req/s':>7} {'hello':>7} {'ratio':>6} "
            f"{'p50 ms':>7} {'p99 ms':>7} {'errors':>6}  {'rounds':<20}"
        )
        print(header)
        print("-" * len(header))
        failed = []
        for name, path in PAGES.items():
            runs = pages[name]
            rate = sum(m.per_second for m, _ in runs) / len(runs)
            base = sum(b for _, b in runs) / len(runs)
            ratio = rate / base
            each = " ".join(f"{m.per_second / b:.2f}" for m, b in runs)
            errors = sum(m.errors for m, _ in runs)
            print(
                f"{name:12} {path:18} {sizes[name]:>6} {rate:>7.0f} {base:>7.0f} {ratio:>6.2f} "
                f"{statistics.median(m.p50_ms for m, _ in runs):>7.1f} "
                f"{statistics.median(m.p99_ms for m, _ in runs):>7.1f} {errors:>6}  {each}"
            )
            if ratio < TARGET or errors:
                failed.append(name)
        print()
        print(
            f"target: every page >= {TARGET}x hello-world: "
            + ("met" if not failed else f"NOT met for {', '.join(failed)}")
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
