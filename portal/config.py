"""Typed, frozen configuration read from the environment.

`create_app(config)` takes one of these; nothing else in the portal reads `os.environ`, so a test,
a worker and a CLI command can each build the exact configuration they need.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from portal.attachments.limits import AttachmentLimits
from portal.auth.passwords import PasswordHashParams
from portal.crypto.kdf import KdfParams
from portal.limits.abuse import SubmissionLimits

DEFAULT_EXIT_URL = "https://www.wikipedia.org/"
NEUTRAL_TITLE_MAX = 40
LOCALES: tuple[str, ...] = ("en", "fr", "ar", "ckb", "so", "ha", "fil")
RTL_LOCALES: frozenset[str] = frozenset({"ar", "ckb"})


class ConfigError(Exception):
    """The environment describes a configuration the portal refuses to run with."""


@dataclass(frozen=True)
class LoginThrottle:
    # Ten failures then a 15-minute wait, counted per account on each device the person signed in
    # from before and per account and address bucket elsewhere: it stops online guessing, slows a
    # forgetful verifier, and a stranger's failures never lock the owner out (docs/security.md).
    max_failures: int = 10
    window_seconds: int = 900
    # Failures from every unknown device together: a botnet with many addresses gets this many
    # guesses a window; past it only the person's known devices (or an admin unlock) get in.
    account_max_failures: int = 100


@dataclass(frozen=True)
class Config:
    database_url: str
    secret_key: str
    instance_path: Path
    redis_url: str | None = None
    default_locale: str = "en"
    demo_mode: bool = False
    demo_password: str = "demo-password-change-me"  # noqa: S105 - demo only, printed on start
    # Behind a TLS proxy: cookies get `Secure`, responses get HSTS.
    behind_tls: bool = False
    # Proxies in front of the portal whose X-Forwarded-For/-Proto are believed (0: none). Behind
    # the reference nginx (docs/deployment.md) it is 1: without it every reporter would share
    # the proxy's address, and so one per-network submission allowance.
    proxy_hops: int = 0
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    log_level: str = "INFO"
    testing: bool = False
    # Argon2id cost for personal keys and receipts: what an attacker with a stolen database pays
    # per guess. 64 MiB × 3 passes ≈ 0.3 s here; see docs/security.md.
    kdf: KdfParams = field(default_factory=KdfParams)
    # At most this many Argon2id derivations at once per process: 4 × 64 MiB bounds the memory a
    # burst of sign-ins or receipt look-ups can take, whatever the number of threads.
    argon2_concurrency: int = 4
    # At most this many attachments decoded at once per process, each bounded by the pixel and
    # object limits to about 180 MiB: with 2 workers, 8 worst-case uploads at once stay under
    # 1 GiB in all (docs/deployment.md, bench/decode_memory.py).
    decode_concurrency: int = 1
    attachments: AttachmentLimits = field(default_factory=AttachmentLimits)
    # A receipt pepper given by the environment (hex) wins over the instance file; several
    # machines must share it, or receipts issued on one machine open nowhere else.
    receipt_pepper_hex: str | None = None
    submission_limits: SubmissionLimits = field(default_factory=SubmissionLimits)
    # A finished export stays downloadable this long, then is purged (docs/exports.md).
    export_ttl_hours: int = 72
    # An invitation or password-reset link works once, for this long (docs/security.md).
    setup_link_hours: int = 24
    # Where the quick exit on every reporter page leads (docs/security.md, "A seized phone"): a
    # public site so common that a visit to it says nothing about the person holding the phone.
    exit_url: str = DEFAULT_EXIT_URL
    # When set, reporter pages carry this as their whole <title>, a neutral icon and neutral
    # paths, so the phone's history does not say "report" or the portal's name.
    neutral_title: str | None = None
    # `/healthz` answers 503 when the oldest pending outbox row, or the scheduler's last tick, is
    # older than this many seconds (docs/operations.md).
    health_max_pending_age: int = 300
    health_max_tick_age: int = 300

    @property
    def jobs_inline(self) -> bool:
        """Without Redis the same job functions run in-process right after commit."""
        return self.redis_url is None

    @property
    def password_hash(self) -> PasswordHashParams:
        """Sign-in hashes cost the same as key wraps: either is what a thief would attack."""
        return PasswordHashParams(
            memory_kib=self.kdf.memory_kib, iterations=self.kdf.iterations, lanes=1
        )

    @property
    def blob_path(self) -> Path:
        return self.instance_path / "blobs"

    @property
    def keys_path(self) -> Path:
        return self.instance_path / "keys"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        instance = Path(env.get("PORTAL_INSTANCE_PATH", "instance")).resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.sqlite3'}"
        if database_url.startswith("postgres://"):
            database_url = "postgresql://" + database_url.removeprefix("postgres://")
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
        demo = _flag(env.get("PORTAL_DEMO", "0"))
        secret_key = env.get("SECRET_KEY") or _instance_secret(instance)
        locale = env.get("PORTAL_DEFAULT_LOCALE", "en")
        if locale not in LOCALES:
            raise ConfigError(f"PORTAL_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
        return cls(
            database_url=database_url,
            secret_key=secret_key,
            instance_path=instance,
            redis_url=env.get("REDIS_URL") or None,
            default_locale=locale,
            demo_mode=demo,
            demo_password=env.get("PORTAL_DEMO_PASSWORD", cls.demo_password),
            behind_tls=_flag(env.get("PORTAL_BEHIND_TLS", "0")),
            proxy_hops=int(env.get("PORTAL_PROXY_HOPS", "0")),
            login_throttle=LoginThrottle(
                max_failures=int(env.get("PORTAL_LOGIN_MAX_FAILURES", "10")),
                window_seconds=int(env.get("PORTAL_LOGIN_WINDOW_SECONDS", "900")),
                account_max_failures=int(env.get("PORTAL_LOGIN_ACCOUNT_MAX_FAILURES", "100")),
            ),
            log_level=env.get("PORTAL_LOG_LEVEL", "INFO").upper(),
            kdf=KdfParams(
                memory_kib=int(env.get("PORTAL_ARGON2_MEMORY_KIB", "65536")),
                iterations=int(env.get("PORTAL_ARGON2_ITERATIONS", "3")),
                lanes=1,
            ),
            argon2_concurrency=int(env.get("PORTAL_ARGON2_CONCURRENCY", "4")),
            decode_concurrency=int(env.get("PORTAL_DECODE_CONCURRENCY", "1")),
            attachments=AttachmentLimits(
                max_file_bytes=int(env.get("PORTAL_MAX_FILE_MB", "10")) * 1024 * 1024,
                max_report_bytes=int(env.get("PORTAL_MAX_REPORT_MB", "25")) * 1024 * 1024,
                max_files=int(env.get("PORTAL_MAX_FILES", "5")),
            ),
            receipt_pepper_hex=env.get("PORTAL_RECEIPT_PEPPER") or None,
            submission_limits=SubmissionLimits(
                per_session=int(env.get("PORTAL_SUBMIT_PER_SESSION", "10")),
                per_network=int(env.get("PORTAL_SUBMIT_PER_NETWORK", "120")),
                network_window_seconds=int(env.get("PORTAL_SUBMIT_NETWORK_WINDOW", "600")),
                bucket_bits=_bucket_bits(env),
            ),
            export_ttl_hours=int(env.get("PORTAL_EXPORT_TTL_HOURS", "72")),
            setup_link_hours=_setup_link_hours(env),
            exit_url=_exit_url(env),
            neutral_title=_neutral_title(env),
            health_max_pending_age=_positive(env, "PORTAL_HEALTH_MAX_PENDING_AGE", 300),
            health_max_tick_age=_positive(env, "PORTAL_HEALTH_MAX_TICK_AGE", 300),
        )


def jobs_tick_seconds(environ: Mapping[str, str] | None = None) -> int:
    """`PORTAL_JOBS_TICK_SECONDS`: how often reporters' jobs are handed over (docs/jobs.md).

    Read on its own, not through `Config.from_env()`: `rq cron` needs no other setting. Intake
    waits up to one tick; what rq keeps of those jobs carries tick times, never a submit time.
    """
    env = os.environ if environ is None else environ
    tick = int(env.get("PORTAL_JOBS_TICK_SECONDS", "60"))
    if not 5 <= tick <= 3600:
        raise ConfigError("PORTAL_JOBS_TICK_SECONDS must be between 5 and 3600")
    return tick


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        value = int(env.get(name, str(default)))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of seconds") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1")
    return value


def _setup_link_hours(env: Mapping[str, str]) -> int:
    hours = int(env.get("PORTAL_SETUP_LINK_HOURS", "24"))
    if not 1 <= hours <= 14 * 24:
        raise ConfigError("PORTAL_SETUP_LINK_HOURS must be between 1 and 336 (two weeks)")
    return hours


def _exit_url(env: Mapping[str, str]) -> str:
    url = env.get("PORTAL_EXIT_URL", "").strip() or DEFAULT_EXIT_URL
    parts = urlsplit(url)
    # An absolute web address only: the link is followed by someone in a hurry, and a
    # relative or script address would keep them on the portal or run in its origin.
    if parts.scheme not in {"https", "http"} or not parts.netloc or any(c in url for c in "\"<> "):
        raise ConfigError("PORTAL_EXIT_URL must be an absolute https:// (or http://) address")
    return url


def _neutral_title(env: Mapping[str, str]) -> str | None:
    title = " ".join(env.get("PORTAL_NEUTRAL_TITLE", "").split())
    if len(title) > NEUTRAL_TITLE_MAX:
        raise ConfigError(f"PORTAL_NEUTRAL_TITLE must be at most {NEUTRAL_TITLE_MAX} characters")
    return title or None


def _bucket_bits(env: Mapping[str, str]) -> int:
    bits = int(env.get("PORTAL_SUBMIT_BUCKET_BITS", "16"))
    if not 8 <= bits <= 32:
        raise ConfigError("PORTAL_SUBMIT_BUCKET_BITS must be between 8 and 32")
    return bits


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance: Path) -> str:
    """A key kept in the instance folder when SECRET_KEY is not set.

    Created once with O_EXCL so that several gunicorn workers starting together all end up with the
    same key instead of each inventing one (which would sign a session in one worker and reject it
    in the next). Several machines must share SECRET_KEY through the environment instead.
    """
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
