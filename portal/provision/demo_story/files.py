"""The demo's attachments: photos and a scanned letter drawn with Pillow, as a phone would send
them (a camera's EXIF block with a GPS position included), so that the real cleaning path has
something to remove before sealing."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from portal.attachments import Upload

# EXIF tags a phone camera writes: make, model, date taken, and the GPS block (34853).
_MAKE, _MODEL, _DATE, _GPS = 271, 272, 306, 34853


def photo(rng: random.Random, name: str) -> Upload:
    """A small landscape: sky, ground, a few shapes; carries EXIF with a made-up position."""
    width, height = 640, 480
    image = Image.new("RGB", (width, height), (rng.randrange(120, 190), 170, 215))
    draw = ImageDraw.Draw(image)
    horizon = rng.randrange(200, 300)
    draw.rectangle((0, horizon, width, height), fill=(150 + rng.randrange(40), 130, 90))
    for _ in range(rng.randrange(3, 7)):
        x, y = rng.randrange(width), rng.randrange(horizon, height)
        size = rng.randrange(20, 80)
        shade = rng.randrange(40, 120)
        draw.rectangle((x, y - size, x + size * 2, y), fill=(shade, shade, shade + 10))
    exif = Image.Exif()
    exif[_MAKE] = "DemoPhone"
    exif[_MODEL] = "DP-2"
    exif[_DATE] = "2026:01:01 12:00:00"
    exif[_GPS] = {1: "N", 2: (33.0, 18.0, 0.0), 3: "E", 4: (44.0, 22.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, exif=exif.tobytes())
    return Upload(name, out.getvalue())


def letter(rng: random.Random, name: str) -> Upload:
    """A scanned page: ruled lines standing for a typed complaint and a stamp."""
    page = Image.new("L", (620, 877), 245)
    draw = ImageDraw.Draw(page)
    y = 90
    while y < 760:
        draw.line((60, y, 60 + rng.randrange(380, 500), y), fill=70, width=3)
        y += rng.choice((22, 22, 22, 40))
    draw.ellipse((420, 700, 540, 820), outline=90, width=4)
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=75.0, author="Demo Scanner", title="complaint")
    return Upload(name, out.getvalue())
