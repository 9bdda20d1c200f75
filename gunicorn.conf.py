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
