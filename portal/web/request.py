"""The request class: uploads stay in memory, never in a temporary file.

Werkzeug spools a file part over 500 KB to a TemporaryFile in $TMPDIR before any view runs: an
unsealed photo, GPS and all, would touch the disk (DESIGN §4: nothing unsealed is ever written).
MAX_CONTENT_LENGTH bounds how much memory one request can take.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Request


class InMemoryUploadRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()
