"""gunicorn's logger with every handler redacting client addresses.

gunicorn writes the peer address in some error lines (an invalid request line, a timeout) and
prints its bind address in its startup dump; with this logger class none of them reaches a file.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from portal.web.access_log import RedactAddresses


class RedactingLogger(Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RedactAddresses())
            log.addFilter(RedactAddresses())
