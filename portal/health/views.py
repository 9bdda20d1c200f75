"""`/healthz`: is the database reachable, and Redis when one is configured."""

from __future__ import annotations

import logging

from flask import Blueprint
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.config import Config
from portal.web.services import services

log = logging.getLogger("portal.health")


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.route("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        checks = {"database": _database(), "redis": _redis(config.redis_url)}
        healthy = all(v in {"ok", "not configured"} for v in checks.values())
        return {"status": "ok" if healthy else "failing", **checks}, 200 if healthy else 503

    return bp


def _database() -> str:
    try:
        with services().database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("health: database unreachable (%s)", type(error).__name__)
        return "unreachable"
    return "ok"


def _redis(url: str | None) -> str:
    if not url:
        return "not configured"
    try:
        Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except RedisError as error:
        log.warning("health: redis unreachable (%s)", type(error).__name__)
        return "unreachable"
    return "ok"
