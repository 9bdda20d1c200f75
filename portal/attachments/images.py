"""Re-encode a photo or screenshot so that only its pixels survive.

Phone photos carry the reporter's GPS position, the phone's make, model and serial number, capture
time, editing software, embedded thumbnails (which can show the picture before it was cropped) and
ICC profiles naming the device. Deleting known fields is a losing game, so the image is decoded to
pixels and a brand-new image is encoded from them; nothing from the original container is copied.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageCms, ImageOps

from portal.attachments.errors import DamagedFile, ImageTooLarge, UnsupportedType
from portal.attachments.limits import AttachmentLimits
from portal.attachments.sniff import ContentType

# Pillow registers its format plugins lazily, on the first open or save; without this, the first
# photo a freshly started worker sees would look like an unsupported format.
Image.init()

# Each accepted kind is decoded by exactly one Pillow plugin. Without `formats=`, Pillow tries every
# plugin it knows, including ones that run external programs (EPS through Ghostscript).
_PILLOW_FORMAT: Final[dict[ContentType, str]] = {
    ContentType.JPEG: "JPEG",
    ContentType.PNG: "PNG",
    ContentType.GIF: "GIF",
    ContentType.WEBP: "WEBP",
    # Registered only when a HEIF plugin (pillow-heif) is installed; otherwise HEIC is refused.
    ContentType.HEIC: "HEIF",
}
# Lossless sources are usually screenshots or scans of text, which JPEG artefacts make harder to
# read; they stay lossless. Camera photos become JPEG.
_LOSSLESS_SOURCES: Final = frozenset({ContentType.PNG, ContentType.GIF})
JPEG_QUALITY: Final = 85
_SRGB: Final = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# Pillow reports truncated and malformed files through this assortment.
_PILLOW_DECODE_ERRORS: Final = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
)


@dataclass(frozen=True)
class EncodedImage:
    media_type: str
    data: bytes


def clean_image(data: bytes, kind: ContentType, limits: AttachmentLimits) -> EncodedImage:
    """Decode `data` as `kind` and return a fresh encoding of its (first frame's) pixels."""
    pillow_format = _PILLOW_FORMAT.get(kind)
    if pillow_format is None or pillow_format not in Image.OPEN:
        raise UnsupportedType(kind.value)
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as source:
            width, height = source.size
            if width <= 0 or height <= 0:
                raise DamagedFile()
            # Checked on the declared size, before any pixel is decoded.
            if width * height > limits.max_pixels:
                raise ImageTooLarge(limit_pixels=limits.max_pixels)
            # JPEG can decode straight at 1/2, 1/4 or 1/8 scale: a 50 MP photo then needs a
            # fraction of the memory, and the result is still at least the target size.
            source.draft(source.mode, (limits.max_side_px, limits.max_side_px))
            # What the decode will hold: other formats have no reduced decode, so a PNG that
            # declares 7000 x 7000 is refused here, from its header, at no cost.
            if source.size[0] * source.size[1] > limits.max_decoded_pixels:
                raise ImageTooLarge(limit_pixels=limits.max_decoded_pixels)
            source.load()
            # Shrunk first, then turned, converted and re-encoded: every later copy is small.
            pixels = _upright_srgb_pixels(_reduced(source, limits.max_side_px))
    except Image.DecompressionBombError as error:
        # Pillow's own ceiling, hit before ours only when our limit is configured above it.
        raise ImageTooLarge(limit_pixels=limits.max_pixels) from error
    except _PILLOW_DECODE_ERRORS as error:
        raise DamagedFile() from error
    return _encode(_without_metadata(pixels), lossless=kind in _LOSSLESS_SOURCES)


def _reduced(image: Image.Image, max_side: int) -> Image.Image:
    """The decoded image scaled to fit `max_side`, keeping `info` (EXIF orientation, ICC).

    `thumbnail` first reduces by an integer factor (box filter, cheap) and resamples the rest
    with Lanczos, so no full-size copy is made beside the decoded pixels. Palette and 16-bit
    images are converted first: resampling them directly would use nearest-neighbour.
    """
    if max(image.size) <= max_side:
        return image
    info = dict(image.info)
    if image.mode.startswith("I"):
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    elif image.mode in ("1", "P", "PA", "LA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    image.info.update(info)
    return image


def _upright_srgb_pixels(source: Image.Image) -> Image.Image:
    # The orientation tag is about to be dropped with the rest of EXIF, so it is applied first or a
    # portrait photo would arrive on its side.
    try:
        image = ImageOps.exif_transpose(source)
    except (*_PILLOW_DECODE_ERRORS, KeyError, TypeError):
        # Broken EXIF is common on cheap phones; the pixels are still evidence, just unrotated.
        image = source.copy()
    icc_profile = image.info.get("icc_profile")
    if _has_alpha(image):
        target = "RGBA"
    elif image.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N") and not icc_profile:
        target = "L"
    else:
        target = "RGB"
    if image.mode.startswith("I"):
        # 16-bit greyscale would otherwise be clipped to white instead of scaled.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if icc_profile:
        return _to_srgb(image, icc_profile, target)
    return image if image.mode == target else image.convert(target)


def _has_alpha(image: Image.Image) -> bool:
    if not image.has_transparency_data:
        return False
    # Many apps save opaque screenshots with an alpha channel; those encode as opaque images.
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    below_opaque = rgba.getchannel("A").histogram()[:255]
    return any(below_opaque)


def _to_srgb(image: Image.Image, icc_profile: bytes, target: str) -> Image.Image:
    """Colours made device-neutral, so dropping the profile (which names the device) keeps them."""
    if image.mode not in ("RGB", "RGBA", "L", "CMYK"):
        image = image.convert("RGBA" if target == "RGBA" else "RGB")
    output_mode = "RGBA" if target == "RGBA" and image.mode == "RGBA" else "RGB"
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(image, source_profile, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile costs colour accuracy, not the evidence.
        return image.convert(target)
    assert converted is not None  # not in place
    return converted if converted.mode == target else converted.convert(target)


def _without_metadata(image: Image.Image) -> Image.Image:
    """A new image holding only pixels: `info` (EXIF, XMP, comments, text chunks, ICC) starts empty.

    Pillow's encoders copy some entries of `info` unasked (PNG keeps the ICC profile, JPEG the
    comment), so stripping keys one by one would leak whatever a future Pillow adds.
    """
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _encode(image: Image.Image, *, lossless: bool) -> EncodedImage:
    buffer = io.BytesIO()
    if lossless or image.mode == "RGBA":
        image.save(buffer, format="PNG")
        return EncodedImage(media_type="image/png", data=buffer.getvalue())
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return EncodedImage(media_type="image/jpeg", data=buffer.getvalue())
