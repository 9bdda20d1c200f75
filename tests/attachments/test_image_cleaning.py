"""Photos and screenshots come back as fresh encodings of their pixels and nothing else."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from portal.attachments import (
    AttachmentLimits,
    DamagedFile,
    ImageTooLarge,
    UnsupportedType,
    Upload,
    sanitise_attachment,
)


def clean(data: bytes, name: str = "IMG_2041.jpg", **limits: int) -> tuple[str, bytes]:
    result = sanitise_attachment(Upload(name, data), AttachmentLimits(**limits))
    assert result.kind == "image"
    return result.media_type, result.data


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_phone_photo_loses_gps_exif_xmp_icc_iptc_and_comment(
    photo: Callable[..., bytes], leaks: Callable[[bytes], list[bytes]]
) -> None:
    original = photo(trailer=b"Amina motion-photo trailer")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test has teeth
    assert len(leaks(original)) >= 7

    media_type, data = clean(original)

    assert media_type == "image/jpeg"
    assert leaks(data) == []
    image = reopen(data)
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(0x8825) == {}
    assert not {"exif", "xmp", "icc_profile", "comment", "photoshop", "adobe"} & set(image.info)
    # No APPn segment other than the bare JFIF header.
    assert [marker for marker, _ in getattr(image, "applist", [])] == ["APP0"]


def test_photo_is_downscaled_so_the_longest_side_fits(photo: Callable[..., bytes]) -> None:
    _, data = clean(photo((3000, 2000)))
    assert reopen(data).size == (2048, 1365)

    _, data = clean(photo((1200, 4000)), max_side_px=800)
    assert reopen(data).size == (240, 800)


def test_small_photo_keeps_its_size(photo: Callable[..., bytes]) -> None:
    _, data = clean(photo((800, 600)))
    assert reopen(data).size == (800, 600)


def test_orientation_is_applied_before_exif_is_dropped(encode: Callable[..., bytes]) -> None:
    # Left half red, right half blue; orientation 6 means "rotate 90° clockwise to view".
    image = Image.new("RGB", (300, 200), "blue")
    image.paste("red", (0, 0, 150, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    _, data = clean(encode(image, "JPEG", exif=exif))

    upright = reopen(data).convert("RGB")
    assert upright.size == (200, 300)
    top_r, _, top_b = upright.getpixel((100, 20))  # type: ignore[misc]
    bottom_r, _, bottom_b = upright.getpixel((100, 280))  # type: ignore[misc]
    assert top_r > 200 > top_b
    assert bottom_b > 200 > bottom_r


def test_png_text_chunks_exif_and_icc_are_removed(
    texty_png: bytes,
    chunk_types: Callable[[bytes], list[bytes]],
    leaks: Callable[[bytes], list[bytes]],
) -> None:
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"} <= set(chunk_types(texty_png))

    media_type, data = clean(texty_png, "screenshot.png")

    # A screenshot stays lossless so small text stays legible.
    assert media_type == "image/png"
    assert set(chunk_types(data)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert leaks(data) == []
    assert reopen(data).size == (640, 480)


def test_transparent_png_keeps_its_alpha(encode: Callable[..., bytes]) -> None:
    image = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (16, 16, 48, 48))
    media_type, data = clean(encode(image, "PNG"))

    assert media_type == "image/png"
    result = reopen(data)
    assert result.mode == "RGBA"
    assert result.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert result.getpixel((32, 32)) == (0, 0, 255, 255)


def test_opaque_alpha_channel_is_dropped(encode: Callable[..., bytes]) -> None:
    _, data = clean(encode(Image.new("RGBA", (64, 64), (9, 9, 9, 255)), "PNG"))
    assert reopen(data).mode == "RGB"


def test_palette_gif_gives_its_first_frame_without_comment(
    encode: Callable[..., bytes], leaks: Callable[[bytes], list[bytes]]
) -> None:
    frames = [Image.new("P", (40, 30), 0), Image.new("P", (40, 30), 1)]
    for frame in frames:
        frame.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], comment=b"Amina")
    assert b"Amina" in gif

    media_type, data = clean(gif, "clip.gif")

    assert media_type == "image/png"
    assert leaks(data) == []
    result = reopen(data)
    assert getattr(result, "n_frames", 1) == 1
    assert result.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_webp_photo_becomes_jpeg_without_metadata(
    webp_photo: bytes, leaks: Callable[[bytes], list[bytes]]
) -> None:
    assert {b"SecretMake", b"xmpmeta", b"acsp"} <= set(leaks(webp_photo))

    media_type, data = clean(webp_photo, "IMG_2041.webp")

    assert media_type == "image/jpeg"
    assert leaks(data) == []
    assert reopen(data).size == (1600, 1200)


def test_cmyk_jpeg_comes_back_as_rgb(encode: Callable[..., bytes]) -> None:
    _, data = clean(encode(Image.new("CMYK", (50, 50), (0, 255, 255, 0)), "JPEG"))
    result = reopen(data)
    assert result.mode == "RGB"
    red, green, blue = result.getpixel((25, 25))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_greyscale_is_scaled_not_clipped(encode: Callable[..., bytes]) -> None:
    image = Image.new("I;16", (8, 8), 32768)
    _, data = clean(encode(image, "PNG"))
    result = reopen(data)
    assert result.mode == "L"
    assert result.getpixel((4, 4)) == 128


def test_truncated_photo_is_damaged(photo: Callable[..., bytes]) -> None:
    data = photo((1000, 800))
    with pytest.raises(DamagedFile) as raised:
        clean(data[: len(data) // 2])
    assert raised.value.code == "damaged_file"


def test_jpeg_signature_followed_by_garbage_is_damaged() -> None:
    with pytest.raises(DamagedFile):
        clean(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50)


def test_truncated_png_is_damaged(encode: Callable[..., bytes]) -> None:
    data = encode(Image.effect_noise((300, 300), 60).convert("RGB"), "PNG")
    with pytest.raises(DamagedFile):
        clean(data[: len(data) // 2], "scan.png")


def test_decompression_bomb_is_refused_before_decoding(png_bomb: Callable[..., bytes]) -> None:
    bomb = png_bomb(9000, 9000)  # 81 megapixels from a few hundred kilobytes
    assert len(bomb) < 1_000_000
    with pytest.raises(ImageTooLarge) as raised:
        clean(bomb, "bomb.png")
    assert raised.value.limit_pixels == AttachmentLimits().max_pixels
    assert raised.value.code == "image_too_large"


def test_absurd_declared_dimensions_are_refused(png_bomb: Callable[..., bytes]) -> None:
    # Ten gigapixels, far past Pillow's own ceiling: refused while reading the header, even when
    # our limit is set (unwisely) above Pillow's.
    header_only = png_bomb(100_000, 100_000, rows=1)
    with pytest.raises(ImageTooLarge):
        clean(header_only, "bomb.png", max_pixels=500_000_000)


def test_pixel_limit_is_configurable(photo: Callable[..., bytes]) -> None:
    with pytest.raises(ImageTooLarge) as raised:
        clean(photo((1200, 1000)), max_pixels=1_000_000)
    assert raised.value.limit_pixels == 1_000_000


def test_heic_is_refused_unless_a_decoder_is_installed() -> None:
    if "HEIF" in Image.OPEN:
        pytest.skip("a HEIF plugin is registered here")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(UnsupportedType) as raised:
        clean(heic, "IMG_0001.HEIC")
    assert raised.value.detected == "heic"
