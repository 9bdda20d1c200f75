"""gunicorn settings. The access log is off: a client address or user agent next to a reporter's
request path is exactly what a watching security service would want (DESIGN §2). The portal's own
request log (method, route, status, duration) goes to the error log stream instead."""

import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
threads = int(os.environ.get("PORTAL_THREADS", "4"))
worker_class = "gthread"
# Slow phones on 2G upload photos for minutes; keep the connection while bytes still arrive.
timeout = 120
graceful_timeout = 30
accesslog = None
errorlog = "-"
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "compact-watch"

logger_class = "portal.web.gunicorn_logging.RedactingLogger"


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """The worker has loaded the app: keep the garbage collector off what it loaded
    (portal/web/worker.py)."""
    from portal.web.worker import settle

    settle()


def when_ready(server):  # type: ignore[no-untyped-def]
    """With PORTAL_SAY_ADDRESS=1 (`make run`), say where the portal really listens.

    Read from the bound sockets, not from the setting: `:0`, a host name or a second `--bind`
    show as they are. Only on request, to standard output: a deployment's logs keep no
    addresses at all (portal/web/gunicorn_logging.py redacts them).
    """
    if os.environ.get("PORTAL_SAY_ADDRESS") != "1":
        return
    for listener in server.LISTENERS:
        print(f"Compact Watch is listening on {listener} (Ctrl-C stops it)", flush=True)
