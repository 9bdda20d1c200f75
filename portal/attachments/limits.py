"""How much a report may carry, and the coarse size label kept in clear."""

from __future__ import annotations

from dataclasses import dataclass, fields

_KB = 1024
_MB = 1024 * _KB


@dataclass(frozen=True)
class AttachmentLimits:
    # Sized for 2G/3G phones: 10 MB is a few minutes of upload at 3G speeds and holds any phone
    # photo or a scanned document; 25 MB per report keeps one submission from tying up a shared
    # connection for an hour. Five files is enough evidence for one incident; more belong in a
    # follow-up.
    max_file_bytes: int = 10 * _MB
    max_report_bytes: int = 25 * _MB
    max_files: int = 5
    # 50 megapixels covers the largest common phone sensors (8160 x 6120) while refusing
    # decompression bombs: a tiny PNG can declare a billion pixels and take gigabytes to decode.
    # JPEG photos decode at a reduced scale (draft) and stay under the next limit.
    max_pixels: int = 50_000_000
    # What one decode may hold in memory, as pixels after JPEG's draft scaling: 4096 x 4096 (64 MiB
    # as RGBA). Screenshots and phone PNG/WebP/GIF images are a few megapixels; a PNG bomb that
    # declares 7000 x 7000 is refused from its header.
    max_decoded_pixels: int = 4096 * 4096
    # Objects in a PDF, counted before it is parsed (each costs about 1 KB to load): a phone's
    # scan or a long report has hundreds to a few thousand; 370,000 took 333 MiB.
    max_pdf_objects: int = 20_000
    # Verifiers need legibility, not print resolution; smaller images also make smaller blobs.
    max_side_px: int = 2048

    def __post_init__(self) -> None:
        for field in fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"AttachmentLimits.{field.name} must be positive")


SIZE_BUCKETS: tuple[tuple[int, str], ...] = (
    (100 * _KB, "<100KB"),
    (1 * _MB, "100KB-1MB"),
    (5 * _MB, "1-5MB"),
)
LARGEST_BUCKET = ">5MB"


def size_bucket(size: int) -> str:
    """A coarse size label, kept in clear.

    Exact byte counts would fingerprint a file: matched against the copy on a seized phone, they
    tie a report to its reporter.
    """
    for upper, label in SIZE_BUCKETS:
        if size < upper:
            return label
    return LARGEST_BUCKET
