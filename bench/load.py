"""A mixed workload against the whole stack on loopback, ramped until p95 passes 500 ms.

Run: .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/cw_bench \
         --redis-url redis://127.0.0.1:6379/13 [--stage-seconds 20] [--argon2 production|light]

The database's schema and the Redis database are wiped first: give the bench its own (never a
test database nor a real one). The instance is migrated and seeded with the demo (`db upgrade`,
`portal init`, `portal demo`), then served by gunicorn with the project's gunicorn.conf.py
(2 workers x 4 gthreads), with one rq worker and the job scheduler (python -m portal.jobs.scheduler)
running beside it, all on 127.0.0.1. The same gunicorn also serves a bare Flask hello-world under
/hello/ (bench/pages_wsgi.py), requested as one more part of the mix, so the baseline shares the
moment and the machine.

Each virtual user loops over one task drawn by weight:

  browse      GET /, /report/new, /report/followup or /safety, as a phone's first visit
  submit      GET /report/new, POST a report (1.5 KB Arabic narrative), text only
  submit+photo  the same with a 290 KB phone JPEG
  follow-up   POST a receipt from an earlier submission (one Argon2id), GET the report
  desk        GET /desk/ as the demo verifier
  scorecard   GET /api/v1/compacts/<slug>/scorecards as the demo assessor
  hello       GET /hello/

The users ramp up in stages (1, 2, 4, 8, 16, 32, 64 by default); after each stage the bench prints
requests per second and p50/p95/p99 per endpoint next to hello-world's, and stops after the first
stage whose p95 passes 500 ms over every request but the submissions and receipt look-ups: each of
those derives one Argon2id key on purpose (about 0.3 s of CPU at the production costs, 0.5 s of
waiting on this machine even alone), so they would stop the ramp at the first user. At the end
it prints each process's peak memory (VmHWM: gunicorn master and workers, the rq worker and its
work horses, the scheduler).
PostgreSQL's and Redis's own processes are shared with others on this machine and not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from submit import (
    BIN,
    HOST,
    ROOT,
    clean_environment,
    flask,
    free_port,
    multipart,
    narrative,
    phone_photo,
    tail,
)

P95_LIMIT_MS = 500.0
ARGON2_LABELS = ("POST /report/new", "POST /report/followup")
HEADERS = {
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "ar,en;q=0.5",
    "User-Agent": "Mozilla/5.0 (Linux; Android 10; K) Mobile",
}
WEIGHTS = {
    "browse": 40,
    "submit": 8,
    "submit+photo": 4,
    "follow-up": 6,
    "desk": 16,
    "scorecard": 16,
    "hello": 10,
}
BROWSE = ("/", "/report/new", "/report/followup", "/safety")
REGION, HAPPENED, FORCE = "IQ-BG", "IC-1.checkpoint-money", "police"
DEMO_PASSWORD = "demo-password-change-me"
RECEIPT = re.compile(rb'<p class="receipt"[^>]*>((?:<span>\d{4}</span>){4})</p>')


@dataclass
class Session:
    """One person's browser: its cookies and one keep-alive connection."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str = "text/html",
    ) -> tuple[int, bytes, float]:
        headers = {**HEADERS, "Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        if response.headers.get("Content-Encoding") == "gzip":
            import gzip

            data = gzip.decompress(data)
        elif response.headers.get("Content-Encoding") == "br":
            import brotli

            data = brotli.decompress(data)
        return response.status, data, elapsed


def hidden(page: bytes, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]+)"'.encode(), page)
    if not found:
        found = re.search(rf'name="{name}" value="([^"]+)"'.encode(), page)
    if not found:
        raise RuntimeError(f"no hidden {name} on the page")
    return found.group(1).decode().replace("&#34;", '"').replace("&amp;", "&")


@dataclass
class World:
    port: int
    compact: str
    year: str
    scorecard: str
    desk_cookies: dict[str, str]
    assessor_cookies: dict[str, str]
    photo: bytes
    receipts: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


# (endpoint label, seconds, ok)
Sample = tuple[str, float, bool]


def sign_in(port: int, email: str) -> dict[str, str]:
    person = Session(port)
    _, page, _ = person.request("GET", "/auth/login")
    body = (
        f"csrf_token={hidden(page, 'csrf_token')}&email={email}&password={DEMO_PASSWORD}"
    ).encode()
    status, _, _ = person.request("POST", "/auth/login", body, "application/x-www-form-urlencoded")
    if status != 302:
        raise RuntimeError(f"sign-in of {email} answered {status}")
    return person.cookies


def discover(port: int, photo: bytes) -> World:
    phone = Session(port)
    _, page, _ = phone.request("GET", "/report/new")
    text = page.decode()
    compacts = re.search(r'<select id="compact"[^>]*>(.*?)</select>', text, re.S)
    regions = re.search(r'<select id="region"[^>]*>(.*?)</select>', text, re.S)
    years = re.search(r'<select id="year"[^>]*>(.*?)</select>', text, re.S)
    assert compacts and regions and years, "the report form changed"
    ids = [v for v in re.findall(r'<option value="([^"]*)"', compacts.group(1)) if v]
    groups = re.split(r"<optgroup ", regions.group(1))[1:]
    owner = next(i for i, g in enumerate(groups) if f'value="{REGION}"' in g)
    year = re.findall(r'<option value="(\d{4})"', years.group(1))[1]
    assessor = sign_in(port, "assessor@demo.test")
    reader = Session(port, dict(assessor))
    _, listing, _ = reader.request("GET", "/api/v1/compacts", accept="application/json")
    slug = re.search(rb'"id":\s*"([^"]+)"', listing)
    assert slug, listing[:300]
    # A period the demo computed a scorecard for.
    this_year = time.gmtime().tm_year
    periods = [f"{y}" for y in (this_year, this_year - 1)] + [
        f"{y}-Q{q}" for y in (this_year, this_year - 1) for q in (4, 3, 2, 1)
    ]
    scorecard = next(
        (
            f"/api/v1/compacts/{slug.group(1).decode()}/scorecards?period={p}"
            for p in periods
            if reader.request(
                "GET",
                f"/api/v1/compacts/{slug.group(1).decode()}/scorecards?period={p}",
                accept="application/json",
            )[0]
            == 200
        ),
        None,
    )
    if scorecard is None:
        raise RuntimeError("the demo has no scorecard to read")
    return World(
        port,
        ids[owner],
        year,
        scorecard,
        sign_in(port, "verifier@demo.test"),
        assessor,
        photo,
    )


def task(world: World, kind: str, person: Session, rng: random.Random) -> list[Sample]:
    out: list[Sample] = []

    def timed(
        label: str, *args: object, ok: Callable[[int, bytes], bool] | None = None, **kwargs: object
    ) -> tuple[int, bytes]:
        status, body, seconds = person.request(*args, **kwargs)  # type: ignore[arg-type]
        good = ok(status, body) if ok else status < 400
        out.append((label, seconds, good))
        return status, body

    if kind == "browse":
        path = rng.choice(BROWSE)
        person.cookies.clear()
        timed(f"GET {path}", "GET", path)
    elif kind in ("submit", "submit+photo"):
        person.cookies.clear()
        _, page = timed("GET /report/new", "GET", "/report/new")
        fields = [
            ("submission", hidden(page, "submission")),
            ("compact", world.compact),
            ("region", REGION),
            ("place", ""),
            ("happened", HAPPENED),
            ("month", "6"),
            ("year", world.year),
            ("exact_date", ""),
            ("force", FORCE),
            ("unit", ""),
            ("narrative", narrative(rng.randrange(1000))),
            ("identity", "anonymous"),
            ("contact", ""),
            ("website", ""),
        ]
        body, content_type = multipart(fields, world.photo if kind == "submit+photo" else None)
        status, answer = timed(
            f"POST /report/new ({'photo' if kind == 'submit+photo' else 'text'})",
            "POST",
            "/report/new",
            body,
            content_type,
            ok=lambda s, b: s == 200 and RECEIPT.search(b) is not None,
        )
        found = RECEIPT.search(answer)
        if found:
            digits = b"".join(re.findall(rb"\d{4}", found.group(1))).decode()
            with world.lock:
                world.receipts.append(digits)
    elif kind == "follow-up":
        with world.lock:
            receipt = rng.choice(world.receipts) if world.receipts else None
        if receipt is None:
            return task(world, "submit", person, rng)
        person.cookies.clear()
        status, _ = timed(
            "POST /report/followup (receipt)",
            "POST",
            "/report/followup",
            f"receipt={receipt}".encode(),
            "application/x-www-form-urlencoded",
            ok=lambda s, b: s == 302,
        )
        if status == 302:
            timed("GET /report/followup (report)", "GET", "/report/followup")
    elif kind == "desk":
        person.cookies = dict(world.desk_cookies)
        timed("GET /desk/", "GET", "/desk/")
    elif kind == "scorecard":
        person.cookies = dict(world.assessor_cookies)
        timed(
            "GET /api/v1/compacts/<slug>/scorecards",
            "GET",
            world.scorecard,
            accept="application/json",
        )
    else:
        person.cookies.clear()
        timed("GET /hello/ (hello-world)", "GET", "/hello/")
    return out


def run_stage(world: World, users: int, seconds: float, seed: int) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    kinds, weights = zip(*WEIGHTS.items(), strict=True)

    def user(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        person = Session(world.port)
        mine: list[Sample] = []
        while time.monotonic() < stop:
            kind = rng.choices(kinds, weights)[0]
            try:
                mine += task(world, kind, person, rng)
            except (OSError, http.client.HTTPException, RuntimeError):
                mine.append((f"{kind} (failed)", 0.0, False))
        with lock:
            samples.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, time.monotonic() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def print_stage(users: int, samples: list[Sample], elapsed: float) -> float:
    by: dict[str, list[float]] = defaultdict(list)
    failed: dict[str, int] = defaultdict(int)
    for label, seconds, ok in samples:
        if ok:
            by[label].append(seconds)
        else:
            failed[label] += 1
    hello = by.get("GET /hello/ (hello-world)", [])
    h50, h95 = pct(hello, 0.5), pct(hello, 0.95)
    everything = [s for _, s, ok in samples if ok]
    # What a person waits for when nothing has to be slow: every request but the ones that
    # derive an Argon2id key on purpose (a submission's receipt wrap, a receipt's look-up).
    pages = [s for label, s, ok in samples if ok and not label.startswith(ARGON2_LABELS)]
    p95_all, p95_pages = pct(everything, 0.95), pct(pages, 0.95)
    print(
        f"\n{users} users, {elapsed:.0f} s: {len(samples) / elapsed:.1f} req/s, p95 "
        f"{p95_all:.0f} ms over all, {p95_pages:.0f} ms without the Argon2id requests; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    head = (
        f"  {'endpoint':42} {'n':>5} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'p50/hw':>7} {'p95/hw':>7} {'failed':>6}"
    )
    print(head)
    print("  " + "-" * (len(head) - 2))
    for label in sorted(set(by) | set(failed)):
        values = by.get(label, [])
        p50, p95, p99 = pct(values, 0.5), pct(values, 0.95), pct(values, 0.99)
        print(
            f"  {label:42} {len(values):>5} {len(values) / elapsed:>6.1f} {p50:>7.1f} "
            f"{p95:>7.1f} {p99:>7.1f} {p50 / h50 if h50 else 0:>7.1f} "
            f"{p95 / h95 if h95 else 0:>7.1f} {failed.get(label, 0):>6}"
        )
    return p95_pages


def peak_memory(roots: dict[str, int]) -> list[tuple[str, int, int]]:
    """(name, pid, VmHWM kB) of each root process and its descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            children[int(stat[stat.rfind(")") + 2 :].split()[1])].append(int(entry))
    found: list[tuple[str, int, int]] = []
    for name, root in roots.items():
        todo = [(name, root)]
        while todo:
            label, pid = todo.pop()
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                hwm = re.search(r"VmHWM:\s+(\d+)", status)
                found.append((label, pid, int(hwm.group(1)) if hwm else 0))
            todo += [(f"{name} child", c) for c in children.get(pid, [])]
    return found


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        child = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield child
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)  # the group this bench started, nothing else
            child.wait(timeout=10)


def wipe(database_url: str, redis_url: str) -> None:
    from redis import Redis
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    Redis.from_url(redis_url).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to wipe")
    parser.add_argument("--redis-url", required=True, help="a Redis database to wipe")
    parser.add_argument("--stage-seconds", type=float, default=20.0, help="per stage (20)")
    parser.add_argument("--stages", default="1,2,4,8,16,32,64", help="users per stage")
    parser.add_argument("--argon2", choices=["production", "light"], default="production")
    args = parser.parse_args()
    stages = [int(s) for s in args.stages.split(",")]
    if not (5 <= args.stage_seconds <= 120 and all(1 <= s <= 128 for s in stages)):
        parser.error("--stage-seconds 5-120, stages of 1-128 users")

    wipe(args.database_url, args.redis_url)
    work = Path(tempfile.mkdtemp(prefix="cw-bench-load-"))
    try:
        env = clean_environment(work / "instance", args.database_url, args.redis_url)
        if args.argon2 == "light":
            env.update(PORTAL_ARGON2_MEMORY_KIB="8192", PORTAL_ARGON2_ITERATIONS="1")
        for step in (("db", "upgrade"), ("portal", "init"), ("portal", "demo")):
            flask(env, *step)
        port = free_port()
        server_env = {**env, "PORTAL_BIND": f"{HOST}:{port}", "PORTAL_LOG_LEVEL": "warning"}
        gunicorn = [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--pythonpath",
            str(ROOT / "bench"),
            "pages_wsgi:app",
        ]
        worker = [
            str(BIN / "rq"),
            "worker",
            "--url",
            args.redis_url,
            "--logging_level",
            "WARNING",
            "intake",
            "scoring",
            "maintenance",
        ]
        scheduler = [str(BIN / "python"), "-m", "portal.jobs.scheduler"]
        with (
            process(gunicorn, server_env, work / "gunicorn.log") as web,
            process(worker, env, work / "worker.log") as rq,
            process(scheduler, env, work / "scheduler.log") as tick,
        ):
            give_up = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError, http.client.HTTPException):
                    if Session(port).request("GET", "/hello/")[0] == 200:
                        break
                if time.monotonic() > give_up or web.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start:\n{tail(work / 'gunicorn.log')}")
                time.sleep(0.3)
            world = discover(port, phone_photo())
            print(
                f"gunicorn 2 workers x 4 threads + 1 rq worker + scheduler, PostgreSQL + Redis "
                f"on loopback, Argon2id {args.argon2}, {os.cpu_count()} cores shared; "
                f"mix {', '.join(f'{k} {v}' for k, v in WEIGHTS.items())}"
            )
            run_stage(world, 2, 3.0, 0)  # warm-up, not counted
            for n, users in enumerate(stages, start=1):
                samples, elapsed = run_stage(world, users, args.stage_seconds, n)
                if print_stage(users, samples, elapsed) > P95_LIMIT_MS:
                    print(
                        f"\np95 without the Argon2id requests passed {P95_LIMIT_MS:.0f} ms "
                        f"at {users} users: stop."
                    )
                    break
            print("\npeak memory (VmHWM) per process:")
            rows = peak_memory({"gunicorn": web.pid, "rq worker": rq.pid, "scheduler": tick.pid})
            for name, pid, kb in rows:
                print(f"  {name:22} pid {pid:>7} {kb / 1024:>8.1f} MiB")
            print(f"  {'total':22} {'':11} {sum(kb for *_, kb in rows) / 1024:>8.1f} MiB")
            print(f"receipts issued during the run: {len(world.receipts)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
