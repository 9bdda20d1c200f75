"""What a whole report submission costs through gunicorn, against the cheapest requests it serves.

Run: .venv/bin/python bench/submit.py [--clients 8] [--submissions 15] [--max-seconds 30]
     .venv/bin/python bench/submit.py --database-url postgresql://postgres@127.0.0.1:5432/cw_bench \
         --redis-url redis://127.0.0.1:6379/13
Add --preload-pillow-plugins while fresh workers still refuse photos (see its --help).

A fresh instance is made in a temporary folder (SQLite there unless --database-url is given; give
the bench a database of its own, never one that tests or people use), migrated and seeded with the
demo data through the flask CLI, then served by gunicorn with the project's gunicorn.conf.py on a
free port of 127.0.0.1 (2 workers x 4 threads by default). Eight client threads, each with its own
cookie jar and so its own CSRF token, first GET /report/new once, then POST N reports each: about
1.5 KB of Arabic narrative and, on every other report, one 200-400 KB phone JPEG (made once with
Pillow, with camera and GPS EXIF for the sanitiser to strip). Each request opens its own connection,
as a proxy in front of gunicorn does by default.

The baselines are measured against the same gunicorn in the same run, half before and half after
the submissions: GET /healthz (a tiny JSON route doing SELECT 1) and the stylesheet
(GET /static/css/portal.<hash>.css).
The ratio columns say how many of those requests one submission costs. The whole measurement runs
twice: with the production Argon2id costs (64 MiB, 3 passes; the receipt wrap costs one derivation
per submission) and with PORTAL_ARGON2_MEMORY_KIB=8192 PORTAL_ARGON2_ITERATIONS=1, so the
difference shows how much of a submission is Argon2id. With --redis-url the intake job is enqueued
(and removed from Redis again at the end) instead of run inline inside the request.

Everything is bounded: a fixed count of requests per client, each phase stops starting requests
after --max-seconds, each request times out after 60 s. gunicorn is stopped and the temporary
folder deleted at the end, also on Ctrl-C or failure. The client threads run on the same machine
as the server and take some of its CPU: compare ratios, not absolute numbers, across machines.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import io
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw

from portal.crypto import Argon2Limiter, KdfParams
from portal.web.assets import load as load_assets

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin/, where flask and gunicorn live
HOST = "127.0.0.1"  # the only address this bench ever sends to
REQUEST_TIMEOUT = 60.0
START_TIMEOUT = 30.0
# The stylesheet under its content-hashed name, as pages link it (portal/web/assets.py).
STATIC_PATH = load_assets().url("css/portal.css")
REGION = "IQ-BG"  # Baghdad; the compact is the one whose region list holds it
HAPPENED = "IC-1.checkpoint-money"
FORCE = "police"

ARGON2_RUNS: dict[str, dict[str, str]] = {
    "production": {},  # the defaults: 64 MiB, 3 passes
    "light": {"PORTAL_ARGON2_MEMORY_KIB": "8192", "PORTAL_ARGON2_ITERATIONS": "1"},
}
ARGON2_LABELS = {
    "production": "Argon2id 64 MiB x 3 passes (production defaults)",
    "light": "Argon2id 8 MiB x 1 pass (PORTAL_ARGON2_MEMORY_KIB=8192 ITERATIONS=1)",
}

# A checkpoint-extortion account as a reporter in Baghdad might type it on a phone.
NARRATIVE_PARAGRAPHS = (
    "في صباح يوم الثلاثاء كنت أقود سيارة الأجرة من حي الشعلة باتجاه سوق الشورجة عندما أوقفنا "
    "حاجز للشرطة عند مدخل الجسر. طلب منا أحد العناصر، وكان يرتدي الزي الرسمي ولا يحمل بطاقة "
    "اسم، أن ندفع خمسة آلاف دينار عن كل سيارة حتى يسمح لنا بالمرور. قال إن هذا رسم لحماية "
    "الطريق ولم يعطنا أي وصل.",
    "السائق الذي كان أمامي رفض الدفع، فأخذوا مفاتيح سيارته وأمروه بالوقوف جانباً أكثر من "
    "ساعتين. رأيت ذلك بعيني لأنني كنت على بعد أمتار قليلة. هذا يحدث كل يوم تقريباً منذ ثلاثة "
    "أشهر، في الصباح خاصة بين الساعة السابعة والتاسعة. وفي إحدى المرات رأيت أحدهم يضرب شاباً رفض "
    "أن يفتح صندوق سيارته، ثم تركوه يذهب بعد أن دفع.",
    "أصحاب المحلات القريبة يعرفون هذا جيداً، وبعضهم يدفع مبلغاً شهرياً حتى لا تتعطل بضائعهم عند "
    "الحاجز. لا أستطيع أن أذكر اسمي لأنني أخاف على عائلتي، لكنني مستعد للإجابة على أسئلة فريق "
    "التحقق إذا كان ذلك آمناً.",
)


def narrative(number: int) -> str:
    return "\n\n".join(NARRATIVE_PARAGRAPHS) + f"\n\n({number})"


def phone_photo() -> bytes:
    """A 1600x1200 camera-like JPEG of 200-400 KB, with the EXIF a phone would leave in it."""
    rng = random.Random(7)  # the same picture every run
    width, height = 1600, 1200
    scene = Image.blend(
        Image.linear_gradient("L").resize((width, height)).convert("RGB"),
        Image.new("RGB", (width, height), (120, 160, 210)),
        0.6,
    )
    draw = ImageDraw.Draw(scene)
    for _ in range(120):
        x, y = rng.randrange(width), rng.randrange(height // 3, height)
        corner = (x + rng.randrange(20, 200), y + rng.randrange(20, 160))
        draw.rectangle([(x, y), corner], fill=tuple(rng.randrange(40, 220) for _ in range(3)))
    scene = Image.blend(scene, Image.effect_noise((width, height), 24).convert("RGB"), 0.18)
    exif = Image.Exif()
    exif[0x010F] = "samsung"  # Make
    exif[0x0110] = "SM-A155F"  # Model
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (33.0, 18.0, 42.5), 3: "E", 4: (44.0, 21.0, 58.1)})
    for quality in (85, 80, 90, 75):
        out = io.BytesIO()
        scene.save(out, "JPEG", quality=quality, exif=exif)
        if 200 * 1024 <= out.tell() <= 400 * 1024:
            return out.getvalue()
    raise RuntimeError("could not make a 200-400 KB photo")


def multipart(fields: list[tuple[str, str]], photo: bytes | None) -> tuple[bytes, str]:
    """The body a browser sends for the form: with no photo chosen, an empty `files` part."""
    boundary = "----cwbench" + secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    filename, media_type, data = (
        ("IMG_20250614_081522.jpg", "image/jpeg", photo)
        if photo is not None
        else ("", "application/octet-stream", b"")
    )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Client:
    """One reporter's phone: its own cookie jar, a fresh connection per request."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    form_token: str = ""
    compact: str = ""
    year: str = ""

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, bytes, float]:
        headers = {"Connection": "close", "Accept-Language": "ar"}
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response.status, data, elapsed

    def open_form(self) -> None:
        status, page, _ = self.request("GET", "/report/new")
        if status != 200:
            raise RuntimeError(f"GET /report/new answered {status}")
        text = page.decode()
        # The report form's one-time submission token (portal/reporter/submission_tokens.py).
        token = re.search(r'name="submission" type="hidden" value="([^"]+)"', text)
        compacts = re.search(r'<select id="compact"[^>]*>(.*?)</select>', text, re.S)
        regions = re.search(r'<select id="region"[^>]*>(.*?)</select>', text, re.S)
        years = re.search(r'<select id="year"[^>]*>(.*?)</select>', text, re.S)
        if not (token and compacts and regions and years):
            raise RuntimeError("the report form no longer has the fields this bench fills")
        self.form_token = html.unescape(token.group(1))
        # The region <select> has one <optgroup> per compact, in the order of the compact list.
        compact_ids = [v for v in re.findall(r'<option value="([^"]*)"', compacts.group(1)) if v]
        groups = re.split(r"<optgroup ", regions.group(1))[1:]
        owner = [i for i, group in enumerate(groups) if f'value="{REGION}"' in group]
        if not owner or owner[0] >= len(compact_ids):
            raise RuntimeError(f"no open compact lists region {REGION}")
        self.compact = compact_ids[owner[0]]
        # Last year: whatever today's date, June of last year is never in the future.
        self.year = re.findall(r'<option value="(\d{4})"', years.group(1))[1]

    def submit(self, number: int, photo: bytes | None) -> tuple[int, bytes, float]:
        # Each report needs a fresh form: its token is good for one report. The GET is not
        # part of the measured time.
        self.open_form()
        fields = [
            ("submission", self.form_token),
            ("compact", self.compact),
            ("region", REGION),
            ("place", ""),
            ("happened", HAPPENED),
            ("month", "6"),
            ("year", self.year),
            ("exact_date", ""),
            ("force", FORCE),
            ("unit", ""),
            ("narrative", narrative(number)),
            ("identity", "anonymous"),
            ("contact", ""),
            ("website", ""),
        ]
        body, content_type = multipart(fields, photo)
        return self.request("POST", "/report/new", body, content_type)


# status, body, seconds, whether the request carried a photo
Outcome = tuple[int, bytes, float, bool]


@dataclass
class Sample:
    seconds: float
    ok: bool
    with_photo: bool = False


@dataclass
class Phase:
    samples: list[Sample]
    wall_seconds: float
    planned: int
    cut_short: bool
    first_error: str = ""
    server_cpu_seconds: float = float("nan")  # gunicorn master + workers, user + system

    def ok_seconds(self, with_photo: bool | None = None) -> list[float]:
        return [
            s.seconds
            for s in self.samples
            if s.ok and (with_photo is None or s.with_photo == with_photo)
        ]

    @property
    def errors(self) -> int:
        return sum(not s.ok for s in self.samples)

    @property
    def cpu_ms_per_request(self) -> float:
        done = len(self.ok_seconds())
        return self.server_cpu_seconds * 1000 / done if done else float("nan")

    @property
    def per_second(self) -> float:
        return len(self.ok_seconds()) / self.wall_seconds if self.wall_seconds else 0.0


def run_phase(
    clients: list[Client],
    per_client: int,
    max_seconds: float,
    one: Callable[[Client, int], Outcome],
) -> Phase:
    """Every client runs `one` `per_client` times, all starting together; bounded in time."""
    samples: list[Sample] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)
    deadline = [0.0]
    cut = threading.Event()

    def work(index: int, client: Client) -> None:
        start.wait()
        for i in range(per_client):
            if time.perf_counter() > deadline[0]:
                cut.set()
                return
            try:
                status, body, seconds, with_photo = one(client, index * per_client + i)
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    samples.append(Sample(REQUEST_TIMEOUT, False))
                    errors.append(f"{type(error).__name__}: {error}")
                continue
            ok = status == 200
            with lock:
                samples.append(Sample(seconds, ok, with_photo))
                if not ok:
                    errors.append(f"HTTP {status}: {explain(body)}")

    threads = [
        threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + max_seconds
    start.wait()
    for thread in threads:
        thread.join(max_seconds + REQUEST_TIMEOUT + 5)
    wall = time.perf_counter() - started
    return Phase(
        samples, wall, per_client * len(clients), cut.is_set(), errors[0] if errors else ""
    )


def explain(page: bytes) -> str:
    """The error messages a refused form shows, or the start of the page's text."""
    text = page.decode(errors="replace")
    summary = re.search(r'<div class="error-summary".*?<ul>(.*?)</ul>', text, re.S)
    messages = re.findall(r"<li>(.*?)</li>", summary.group(1), re.S) if summary else []
    messages += re.findall(r'<p class="(?:error-message|notice notice-error)"[^>]*>(.*?)</p>', text)
    if not messages:
        body = text.split("<main", 1)[-1]
        messages = [re.sub(r"<[^>]+>", " ", body)]
    messages = list(dict.fromkeys(re.sub(r"<[^>]+>", "", m) for m in messages))
    return re.sub(r"\s+", " ", " | ".join(html.unescape(m) for m in messages)).strip()[:300]


def merge(a: Phase, b: Phase) -> Phase:
    return Phase(
        a.samples + b.samples,
        a.wall_seconds + b.wall_seconds,
        a.planned + b.planned,
        a.cut_short or b.cut_short,
        a.first_error or b.first_error,
        a.server_cpu_seconds + b.server_cpu_seconds,
    )


def percentiles(seconds: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in seconds (inclusive method: stays inside the observed range)."""
    if len(seconds) < 2:
        only = seconds[0] if seconds else float("nan")
        return only, only, only
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment(instance: Path, database_url: str | None, redis_url: str | None) -> dict:
    """The caller's environment without any portal setting, then only what this bench chooses."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PORTAL_") and k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    env.update(
        PORTAL_INSTANCE_PATH=str(instance),
        PORTAL_DEMO="1",
        # Every client comes from 127.0.0.1 and sends more than one person would: the abuse
        # limits stay on (their counters are part of the cost) but so high that they never block.
        PORTAL_SUBMIT_PER_SESSION="1000000",
        PORTAL_SUBMIT_PER_NETWORK="1000000",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def flask(env: dict, *args: str) -> None:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "portal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


@contextlib.contextmanager
def gunicorn(env: dict, port: int, workers: int, threads: int, log: Path) -> Iterator[int]:
    """Serve wsgi:app with the project's gunicorn.conf.py until the block ends."""
    server_env = {
        **env,
        "PORTAL_BIND": f"{HOST}:{port}",
        "PORTAL_WORKERS": str(workers),
        "PORTAL_THREADS": str(threads),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT,
            env=server_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the bench, which then stops gunicorn itself
        )
    try:
        wait_until_ready(process, port, log)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this bench started, nothing else
            process.wait(timeout=10)


def wait_until_ready(process: subprocess.Popen, port: int, log: Path) -> None:
    probe = Client(port)
    give_up = time.monotonic() + START_TIMEOUT
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if probe.request("GET", "/healthz")[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer /healthz within {START_TIMEOUT:.0f} s:\n{tail(log)}"
    )


def server_cpu_seconds(master: int) -> float:
    """CPU time used so far by gunicorn's master and its workers (Linux /proc; else NaN).

    Unlike latency, CPU time per request hardly moves when other programs load the machine, so
    it is the steadier figure on a shared host. PostgreSQL's and Redis's own CPU is not in it.
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return float("nan")
    for entry in entries:
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(entry) == master or int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def argon2_reference_ms(run_env: dict[str, str]) -> float:
    """One derivation in this process, before the server starts: what the receipt wrap pays."""
    params = KdfParams(
        memory_kib=int(run_env.get("PORTAL_ARGON2_MEMORY_KIB", KdfParams().memory_kib)),
        iterations=int(run_env.get("PORTAL_ARGON2_ITERATIONS", KdfParams().iterations)),
        lanes=1,
    )
    limiter = Argon2Limiter(1)
    limiter.derive(b"0000111122223333", os.urandom(16), params)  # warm
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        limiter.derive(b"0000111122223333", os.urandom(16), params)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


@dataclass
class RunResult:
    name: str
    healthz: Phase
    static: Phase
    submissions: Phase
    argon2_ms: float


def preload_pillow(work_dir: Path) -> dict[str, str]:
    """A sitecustomize that registers Pillow's decoders in gunicorn before any request.

    Works around a portal bug: `clean_image` looks its format up in `Image.OPEN` before anything
    in a fresh worker has made Pillow register its plugins, so every photo is refused as "not a
    photo" until something else in that process has used Pillow.
    """
    folder = work_dir / "preload"
    folder.mkdir(parents=True)
    (folder / "sitecustomize.py").write_text("from PIL import Image\n\nImage.init()\n")
    return {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    }


def measure(
    name: str, env: dict, args: argparse.Namespace, photo: bytes, work_dir: Path
) -> RunResult:
    run_env = {**env, **ARGON2_RUNS[name]}
    argon2_ms = argon2_reference_ms(run_env)
    if args.preload_pillow_plugins:
        run_env.update(preload_pillow(work_dir / name))
    port = free_port()
    with gunicorn(run_env, port, args.workers, args.threads, work_dir / "gunicorn.log") as pid:

        def timed(per_client: int, one: Callable[[Client, int], Outcome]) -> Phase:
            before = server_cpu_seconds(pid)
            phase = run_phase(clients, per_client, args.max_seconds, one)
            phase.server_cpu_seconds = server_cpu_seconds(pid) - before
            return phase

        clients = [Client(port) for _ in range(args.clients)]
        for client in clients:
            client.open_form()

        def get(path: str) -> Callable[[Client, int], Outcome]:
            def one(client: Client, _number: int) -> Outcome:
                return (*client.request("GET", path), False)

            return one

        def submit(client: Client, number: int) -> Outcome:
            with_photo = number % 2 == 0
            status, body, seconds = client.submit(number, photo if with_photo else None)
            if status == 200 and b'class="receipt"' not in body:
                status = 599  # answered, but no receipt: count it as a failure
            return status, body, seconds, with_photo

        half = max(1, args.baseline_requests // 2)
        run_phase(clients, 3, args.max_seconds, get("/healthz"))  # warm-up, not counted
        run_phase(clients, 3, args.max_seconds, get(STATIC_PATH))
        healthz = timed(half, get("/healthz"))
        static = timed(half, get(STATIC_PATH))
        submissions = timed(args.submissions, submit)
        healthz = merge(healthz, timed(half, get("/healthz")))
        static = merge(static, timed(half, get(STATIC_PATH)))
    return RunResult(name, healthz, static, submissions, argon2_ms)


def forget_enqueued_jobs(env: dict, redis_url: str) -> int:
    """Take this run's intake jobs out of Redis again: no worker of this bench will run them."""
    from redis import Redis
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from sqlalchemy import select

    from portal.config import Config
    from portal.database import Database
    from portal.domain.models import OutboxJob, OutboxState
    from portal.jobs.outbox import QUEUES, rq_job_id

    database = Database(Config.from_env(env).database_url)
    try:
        with database.transaction() as session:
            ids = session.scalars(
                select(OutboxJob.id).where(OutboxJob.state == OutboxState.ENQUEUED)
            ).all()
    finally:
        database.dispose()
    connection = Redis.from_url(redis_url)
    removed = 0
    for outbox_id in ids:
        with contextlib.suppress(NoSuchJobError):
            Job.fetch(rq_job_id(outbox_id), connection=connection).delete()
            removed += 1
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        if queue.count == 0:
            # Only the registration: the next enqueue, by anyone, registers the queue again.
            connection.srem(queue.redis_queues_keys, queue.key)
    connection.close()
    return removed


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def cell(value: float, width: int, digits: int = 1) -> str:
    return f"{value:>{width}.{digits}f}" if value == value else " " * width  # blank for NaN


def print_run(result: RunResult, cores: int, preloaded: bool) -> None:
    base50, base95, _ = percentiles(result.healthz.ok_seconds())
    static50, static95, _ = percentiles(result.static.ok_seconds())
    base_cpu = result.healthz.cpu_ms_per_request
    print(ARGON2_LABELS[result.name])
    print(f"  one Argon2id derivation in the bench process, server idle: {result.argon2_ms:.0f} ms")
    header = (
        f"  {'request':<26} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>6} "
        f"{'p50/hz':>6} {'p95/hz':>6} {'p50/st':>6} {'p95/st':>6} {'CPU ms':>6} {'CPU/hz':>6}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    sub = result.submissions
    nan = float("nan")
    rows: list[tuple[str, list[float], float, float]] = [
        ("GET /healthz", result.healthz.ok_seconds(), result.healthz.per_second, base_cpu),
        (
            f"GET {STATIC_PATH}",
            result.static.ok_seconds(),
            result.static.per_second,
            result.static.cpu_ms_per_request,
        ),
        ("POST /report/new (all)", sub.ok_seconds(), sub.per_second, sub.cpu_ms_per_request),
        ("  with one photo", sub.ok_seconds(True), nan, nan),
        ("  text only", sub.ok_seconds(False), nan, nan),
    ]
    for label, seconds, rate, cpu_ms in rows:
        p50, p95, p99 = percentiles(seconds)
        print(
            f"  {label:<26} {len(seconds):>4} {cell(p50 * 1000, 7)} {cell(p95 * 1000, 7)} "
            f"{cell(p99 * 1000, 7)} {cell(rate, 6)} {cell(ratio(p50, base50), 6)} "
            f"{cell(ratio(p95, base95), 6)} {cell(ratio(p50, static50), 6)} "
            f"{cell(ratio(p95, static95), 6)} {cell(cpu_ms, 6)} {cell(ratio(cpu_ms, base_cpu), 6)}"
        )
    print(
        f"  submissions: {len(sub.ok_seconds())} of {sub.planned} planned in "
        f"{sub.wall_seconds:.1f} s = {sub.per_second:.2f}/s ({sub.per_second / cores:.2f}/s per "
        f"core); by server CPU, one core takes {ratio(1000, sub.cpu_ms_per_request):.2f}/s"
        + (" (stopped at --max-seconds)" if sub.cut_short else "")
    )
    for phase_name, phase in (
        ("healthz", result.healthz),
        ("static", result.static),
        ("submit", sub),
    ):
        if phase.errors:
            print(f"  {phase.errors} {phase_name} request(s) failed; first: {phase.first_error}")
    failed = [s for s in sub.samples if not s.ok]
    if failed and all(s.with_photo for s in failed) and not preloaded:
        print("  Only reports with a photo failed: see --preload-pillow-plugins.")
    print()


def print_comparison(results: dict[str, RunResult], cores: int) -> None:
    print("Argon2id's share of a submission (production against light costs, same instance)")
    header = (
        f"  {'':<22} {'p50 ms':>7} {'p95 ms':>7} {'subm/s':>7} {'/s/core':>7} "
        f"{'CPU ms':>7} {'1 core/s':>8}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    figures = {}
    for name, label in (("production", "production 64 MiB x 3"), ("light", "light 8 MiB x 1")):
        sub = results[name].submissions
        p50, p95, _ = percentiles(sub.ok_seconds())
        figures[name] = (p50, sub.per_second, sub.cpu_ms_per_request)
        print(
            f"  {label:<22} {cell(p50 * 1000, 7)} {cell(p95 * 1000, 7)} "
            f"{cell(sub.per_second, 7, 2)} {cell(sub.per_second / cores, 7, 2)} "
            f"{cell(sub.cpu_ms_per_request, 7)} {cell(ratio(1000, sub.cpu_ms_per_request), 8, 2)}"
        )
    (p50, rate, cpu), (l50, light_rate, light_cpu) = figures["production"], figures["light"]
    print(
        f"  production / light: p50 x{ratio(p50, l50):.2f}, "
        f"throughput x{ratio(rate, light_rate):.2f}, server CPU x{ratio(cpu, light_cpu):.2f}"
    )
    print(
        f"  at production costs the difference is {(1 - ratio(l50, p50)) * 100:.0f}% of the p50, "
        f"{(1 - ratio(rate, light_rate)) * 100:.0f}% of 1 / throughput and "
        f"{(1 - ratio(light_cpu, cpu)) * 100:.0f}% of the server CPU of a submission"
    )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent reporters (8)")
    parser.add_argument("--submissions", type=int, default=15, help="reports per client (15)")
    parser.add_argument(
        "--baseline-requests", type=int, default=50, help="baseline GETs per client and route (50)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=30.0, help="time bound of each phase (30)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (4)")
    parser.add_argument("--database-url", help="a PostgreSQL database for this bench alone")
    parser.add_argument("--redis-url", help="enqueue intake jobs there instead of running inline")
    parser.add_argument(
        "--preload-pillow-plugins",
        action="store_true",
        help="work around photos refused by fresh workers (Image.init() before serving)",
    )
    parser.add_argument(
        "--argon2", choices=["both", *ARGON2_RUNS], default="both", help="which costs to run"
    )
    args = parser.parse_args()
    for name in ("clients", "submissions", "baseline_requests", "workers", "threads"):
        if not 1 <= getattr(args, name) <= 64:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 64")
    if not 1 <= args.max_seconds <= 300:
        parser.error("--max-seconds must be between 1 and 300")

    if args.redis_url:
        from redis import Redis

        keys = Redis.from_url(args.redis_url).dbsize()
        if keys:
            # rq job ids are "outbox-<row id>": in a shared database this bench's jobs and someone
            # else's could replace each other, and the clean-up could delete theirs.
            parser.error(f"{args.redis_url} holds {keys} keys: give the bench an empty database")

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    photo = phone_photo()
    text_bytes = len(narrative(0).encode())
    store = "PostgreSQL" if args.database_url else "SQLite"
    jobs = "intake jobs enqueued to Redis" if args.redis_url else "intake jobs run inline"
    load_before = os.getloadavg()

    work_dir = Path(tempfile.mkdtemp(prefix="cw-bench-submit-"))
    results: dict[str, RunResult] = {}
    try:
        env = clean_environment(work_dir / "instance", args.database_url, args.redis_url)
        started = time.perf_counter()
        flask(env, "db", "upgrade")
        flask(env, "portal", "init")
        flask(env, "portal", "demo")
        setup_s = time.perf_counter() - started
        names = list(ARGON2_RUNS) if args.argon2 == "both" else [args.argon2]
        for name in names:
            results[name] = measure(name, env, args, photo, work_dir)
        removed = forget_enqueued_jobs(env, args.redis_url) if args.redis_url else 0
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)

    print(
        f"Compact Watch submission bench: {store}, {jobs}; gunicorn {args.workers} workers x "
        f"{args.threads} threads on {cores} CPU(s); {args.clients} clients, one connection per "
        f"request; clients share the CPUs"
    )
    print(
        f"Report: {text_bytes} B Arabic narrative; every other report adds a "
        f"{len(photo) // 1024} KB "
        f"1600x1200 JPEG with EXIF. Baselines: {args.baseline_requests} GETs per client per route, "
        f"half before and half after the submissions. Setup (migrate + seed): {setup_s:.1f} s"
    )
    print(
        "Load average before: "
        + " ".join(f"{v:.2f}" for v in load_before)
        + "; after: "
        + " ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    if args.preload_pillow_plugins:
        print("WORKAROUND: Pillow's plugins registered in gunicorn before serving (see --help)")
    print("Ratios: /hz = that percentile over GET /healthz's; /st = over the static file's")
    print()
    for result in results.values():
        print_run(result, cores, args.preload_pillow_plugins)
    if len(results) == 2:
        print_comparison(results, cores)
    if args.redis_url:
        print(f"Removed {removed} enqueued intake job(s) from {args.redis_url}.")
    if args.database_url:
        print("The reports stay in the given database: drop it when done.")


if __name__ == "__main__":
    main()
