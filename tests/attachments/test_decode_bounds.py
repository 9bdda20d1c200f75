"""One decode costs a bounded amount of memory, and only a few run at once.

The pixel limit applies to what a decode will hold: JPEGs decode at a reduced scale, other formats
are refused from their header when they declare more than 4096 x 4096. The gate lets one decode
(by default) run per process; a file that finds no slot in time is refused on its own, with the
report's other files and text untouched.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

import pytest
from PIL import Image

from portal.attachments import (
    AttachmentLimits,
    DecodeGate,
    DecoderBusy,
    ImageTooLarge,
    Upload,
    sanitise_attachment,
    sanitise_report_attachments,
)
from tests.attachments.conftest import scene


def test_a_png_declaring_more_than_a_decode_may_hold_is_refused_from_its_header(
    png_bomb: Callable[..., bytes],
) -> None:
    bomb = png_bomb(7000, 7000, rows=1)  # 49 MP declared: under the 50 MP photo limit
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge) as refused:
        sanitise_attachment(Upload("bomb.png", bomb))
    assert time.perf_counter() - started < 1.0  # nothing was decoded
    assert refused.value.limit_pixels == 4096 * 4096


def test_a_large_phone_jpeg_decodes_at_a_reduced_scale(photo: Callable[..., bytes]) -> None:
    big = photo((6000, 4500))  # 27 MP declared, more than a decode may hold at full scale
    cleaned = sanitise_attachment(Upload("big.jpg", big))
    assert max(Image.open(io.BytesIO(cleaned.data)).size) == 2048


def test_a_palette_image_is_resampled_smoothly_not_by_nearest_neighbour() -> None:
    buffer = io.BytesIO()
    scene((3000, 2000)).convert("P", palette=Image.Palette.ADAPTIVE).save(buffer, "PNG")
    cleaned = sanitise_attachment(Upload("screenshot.png", buffer.getvalue()))
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.size == (2048, 1365) and image.mode == "RGB"
    # Smooth resampling blends neighbouring palette colours: many more colours than the palette.
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 256


def test_a_file_that_finds_no_decode_slot_is_refused_on_its_own(
    photo: Callable[..., bytes],
) -> None:
    gate = DecodeGate(1, wait_seconds=0.05)
    with gate.slot(), pytest.raises(DecoderBusy):
        sanitise_attachment(Upload("a.jpg", photo((64, 48))), gate=gate)
    assert sanitise_attachment(Upload("a.jpg", photo((64, 48))), gate=gate).kind == "image"


def test_the_gate_lets_no_more_decodes_run_than_its_slots(
    photo: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    import portal.attachments.sanitise as sanitise

    real_clean = sanitise.clean_image
    running = most = 0
    lock = threading.Lock()

    def clean_image(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        try:
            return real_clean(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(sanitise, "clean_image", clean_image)
    gate = DecodeGate(2)
    upload = Upload("a.jpg", photo((320, 240)))
    threads = [
        threading.Thread(target=sanitise_attachment, args=(upload,), kwargs={"gate": gate})
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2


def test_every_refused_file_of_a_report_is_named(
    png_bomb: Callable[..., bytes], photo: Callable[..., bytes]
) -> None:
    uploads = [
        Upload("ok.jpg", photo((64, 48))),
        Upload("bomb.png", png_bomb(7000, 7000, rows=1)),
        Upload("notes.txt", b"just some text"),
    ]
    with pytest.raises(ImageTooLarge) as refused:
        sanitise_report_attachments(uploads, AttachmentLimits())
    assert refused.value.index == 1
    assert [(e.index, e.code) for e in refused.value.also] == [(2, "unsupported_type")]
