"""Checking and cleaning photos that residents upload (with proposals, later as progress photos).

:func:`clean_photo` takes the uploaded bytes and returns a :class:`CleanPhoto` that is safe to
store and serve: upright, at most ``max_side`` pixels on its longest side, in sRGB and without any
metadata (EXIF incl. GPS position, XMP, ICC profile, comments). What cannot be accepted raises
:class:`PhotoError`, whose ``code`` and ``params`` let the web layer word the refusal in the
user's language.

Decisions the callers rely on:

* The type comes from the content (magic bytes), never from a file name or a claimed content
  type; Pillow is only ever asked to open the one format that was sniffed, so the dozens of other
  decoders it ships never see resident input.
* Accepted: JPEG, PNG, WebP. Everything Pillow 13 cannot decode without extra packages (HEIC/
  HEIF) and formats we do not want (GIF, SVG, AVIF, TIFF, BMP, ...) give ``unsupported_format``
  with ``params["format"]`` naming what was found; anything else is ``not_an_image``.
* Output: JPEG stays JPEG (quality 85, progressive); WebP stays WebP (quality 85, alpha kept);
  PNG stays PNG when it has real transparency or encodes small (a screenshot, a plan), and
  becomes JPEG when it has no transparency and its PNG encoding exceeds
  :data:`PNG_AS_JPEG_ABOVE` bytes (a photo saved as PNG). So ``extension`` is one of ``"jpg"``,
  ``"png"``, ``"webp"``.
* Animated images (APNG, animated WebP, MPO) keep their first frame only.

Kept photos are also served narrower, at the size a page shows them: :func:`kept_variant` makes
a variant (:data:`VARIANT_WIDTHS`, never wider than the photo) on its first request and keeps it
beside the original, under a name derived from the original's (:func:`variant_name`), so that
nothing in the database records it.

Nothing here imports Flask, SQLAlchemy or any other part of the project; the functions work on
bytes and paths so they are tested without an app.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from PIL import ExifTags, Image, ImageCms

MIN_SIDE: Final = 100
JPEG_QUALITY: Final = 85
WEBP_QUALITY: Final = 85
PNG_AS_JPEG_ABOVE: Final = 512 * 1024
"""An opaque PNG whose cleaned encoding is larger than this is stored as JPEG instead: at that
size it is a photo, for which JPEG is several times smaller and looks the same."""

ERROR_CODES: Final = frozenset(
    {"not_an_image", "unsupported_format", "too_large", "too_many_pixels", "too_small", "corrupt"}
)

_MIMES: Final = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

# Exceptions Pillow's decoders are known to raise on malformed input. Anything else propagates:
# it would be a bug on our side, not a bad upload.
_DECODE_ERRORS: Final = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)

# How to undo each EXIF orientation (the same table as PIL.ImageOps.exif_transpose); applied by
# hand because exif_transpose would also rewrite the metadata we are about to drop anyway.
_ORIENTATION: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)


class PhotoError(Exception):
    """An upload that cannot be accepted. ``code`` is one of :data:`ERROR_CODES`; ``params`` holds
    the numbers a message needs (``max_mb``, ``max_megapixels``, ``min_side``, ``format``)."""

    def __init__(self, code: str, params: dict[str, Any] | None = None) -> None:
        assert code in ERROR_CODES, code
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(code, self.params)


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes = field(repr=False)
    extension: str  # "jpg" | "png" | "webp"
    mime: str
    width: int
    height: int


def clean_photo(
    data: bytes,
    *,
    max_bytes: int = 8 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    max_side: int = 1600,
    min_side: int = MIN_SIDE,
) -> CleanPhoto:
    """Check an uploaded photo and return it upright, downscaled, in sRGB, without metadata.

    ``max_pixels`` is checked from the header, before any pixel is decoded. Pillow's own
    decompression-bomb limit (``Image.MAX_IMAGE_PIXELS``, about 89 million) also applies, so a
    larger ``max_pixels`` has no effect beyond it. ``min_side`` applies to the upload, not to the
    downscaled result (an extreme panorama may come out narrower).
    """
    if len(data) > max_bytes:
        raise PhotoError("too_large", {"max_mb": _megabytes(max_bytes)})
    pil_format = _sniff(data)

    too_many_pixels = PhotoError("too_many_pixels", {"max_megapixels": _megapixels(max_pixels)})
    with _pillow_warnings(), _open(data, pil_format, too_many_pixels) as im:
        width, height = im.size
        if width * height > max_pixels:
            raise too_many_pixels
        if min(width, height) < min_side:
            raise PhotoError("too_small", {"min_side": min_side})
        target = _fit(im.size, max_side)
        if pil_format == "JPEG" and target != im.size:
            # Lets libjpeg decode at 1/2, 1/4 or 1/8 scale: a 12 MP phone photo is never held in
            # memory at full size. draft() only picks scales that stay at or above ``target``.
            im.draft(None, target)
        try:
            im.load()
            orientation = _orientation(im)
            icc_profile = im.info.get("icc_profile")
            photo = _normalize_mode(im)
        except _DECODE_ERRORS as exc:
            raise PhotoError("corrupt") from exc

    if photo.size != target:
        photo = photo.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if icc_profile and photo.mode in ("RGB", "RGBA", "CMYK"):
        photo = _to_srgb(photo, icc_profile)
    if photo.mode == "CMYK":
        photo = photo.convert("RGB")
    if orientation in _ORIENTATION:
        photo = photo.transpose(_ORIENTATION[orientation])
    if photo.mode == "RGBA" and _is_opaque(photo):
        photo = photo.convert("RGB")
    # Everything the encoders could copy from the source (PNG copies the ICC profile, JPEG the
    # comment) lives in ``info``; emptying it is what guarantees nothing of the upload leaks.
    photo.info.clear()
    return _encode(photo, pil_format)


def _megabytes(n: int) -> int | float:
    mb = n / (1024 * 1024)
    return int(mb) if mb.is_integer() else round(mb, 1)


def _megapixels(n: int) -> int | float:
    mp = n / 1_000_000
    return int(mp) if mp.is_integer() else round(mp, 1)


def _sniff(data: bytes) -> str:
    """The Pillow format name of an accepted image, judged from its first bytes; raises
    :class:`PhotoError` for everything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    other = _other_image_format(data)
    if other is not None:
        raise PhotoError("unsupported_format", {"format": other})
    raise PhotoError("not_an_image")


def _other_image_format(data: bytes) -> str | None:
    """Recognizes the images we refuse, so residents hear "use JPEG/PNG" rather than "this is not
    a picture" (an iPhone HEIC photo is a picture)."""
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[4:8] == b"ftyp":
        box = data[8:64]
        if b"avif" in box or b"avis" in box:
            return "avif"
        if data[8:12] in _HEIF_BRANDS:
            return "heic"
        if data[8:12] in (b"jxl ", b"jp2 "):
            return "jpeg2000" if data[8:12] == b"jp2 " else "jxl"
    if data.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "jpeg2000"
    if data.startswith((b"\x00\x00\x00\x0cJXL \r\n\x87\n", b"\xff\x0a")):
        return "jxl"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if data.startswith(b"BM") and data[6:10] == b"\x00\x00\x00\x00":
        return "bmp"
    if data.startswith(b"8BPS"):
        return "psd"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and b"<svg" in head:
        return "svg"
    return None


@contextmanager
def _pillow_warnings() -> Iterator[None]:
    """Pillow's bomb check only *warns* between its limit and twice that; make it an error so it
    is refused like any other bomb, and keep Pillow's complaints about odd input (corrupt EXIF,
    malformed MPO, ...) from escaping: they concern metadata we drop or files we refuse anyway.

    ``catch_warnings`` swaps the process-wide filter list (Python 3.11 has no per-thread
    filters), so two uploads cleaned at once in threads can leave these two filters installed
    for the whole process: UserWarnings silenced, bomb warnings raised. Neither changes what the
    app does; it only hides warnings from the log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


@contextmanager
def _open(data: bytes, pil_format: str, too_many_pixels: PhotoError) -> Iterator[Image.Image]:
    """Opens (reads the header of, decodes nothing) with only the sniffed format's plugin."""
    try:
        im = Image.open(io.BytesIO(data), formats=[pil_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Reported with the caller's limit: that is the one the resident has to meet.
        raise too_many_pixels from exc
    except _DECODE_ERRORS as exc:
        raise PhotoError("corrupt") from exc
    with im:
        yield im


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        # Unreadable EXIF is dropped along with the rest; the photo is kept as stored.
        return 1
    return value if isinstance(value, int) else 1


def _normalize_mode(im: Image.Image) -> Image.Image:
    """RGB, RGBA, L or CMYK (left for the ICC step, which turns it into RGB); always a new image
    detached from the file, which is closed when :func:`_open`'s ``with`` ends."""
    mode = im.mode
    if mode in ("RGB", "RGBA", "L", "CMYK"):
        return im.copy()
    if mode.startswith("I"):
        # 16-bit greyscale PNG: a plain convert("L") would clip every value above 255 to white.
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode in ("LA", "La", "PA", "RGBa"):
        return im.convert("RGBA")
    if mode == "1":
        return im.convert("L")
    return im.convert("RGB")


def _to_srgb(im: Image.Image, icc_profile: bytes) -> Image.Image:
    """Converts through the embedded profile so colours survive dropping it (a Display P3
    iPhone photo would look dull if its profile were simply discarded). A profile lcms cannot
    use is ignored: the pixels are kept as they are."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            im,
            source,
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGBA" if im.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
    assert converted is not None  # only None with inPlace=True
    return converted


def _is_opaque(im: Image.Image) -> bool:
    low, _high = im.getchannel("A").getextrema()
    assert isinstance(low, int | float)
    return low >= 255


def _encode(im: Image.Image, source_format: str) -> CleanPhoto:
    if source_format == "WEBP":
        content = _save(im, "WEBP", quality=WEBP_QUALITY, method=4)
        return _result(content, "webp", im)
    if source_format == "PNG":
        content = _save(im, "PNG", optimize=False, compress_level=6)
        if im.mode == "RGBA" or len(content) <= PNG_AS_JPEG_ABOVE:
            return _result(content, "png", im)
    content = _save(im, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return _result(content, "jpg", im)


def _save(im: Image.Image, pil_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format=pil_format, **options)
    return buffer.getvalue()


def _result(content: bytes, extension: str, im: Image.Image) -> CleanPhoto:
    return CleanPhoto(
        content=content,
        extension=extension,
        mime=_MIMES[extension],
        width=im.width,
        height=im.height,
    )


# --- variants: a kept photo at the size a page shows it -----------------------------------

VARIANT_WIDTHS: Final = (480, 960)
"""The widths a kept photo is also served at: a thumbnail or a phone's column (480), a photo
across a phone's screen at device scale 2 or a desktop column (960). Never wider than the
photo itself."""

_VARIANT_NAME: Final = re.compile(
    r"^(?P<stem>[0-9a-z]+)\.w(?P<width>[1-9][0-9]*)\.(?P<ext>jpg|png|webp)$"
)


def variant_name(filename: str, width: int) -> str:
    """The file name of a kept photo's variant ``width`` pixels wide, beside the original:
    ``ab12.jpg`` -> ``ab12.w480.jpg``. Kept photos are named by a random hex token, so no
    original has a name of this shape."""
    stem, _, extension = filename.rpartition(".")
    return f"{stem}.w{width}.{extension}"


def variant_of(name: str) -> tuple[str, int] | None:
    """The original's file name and the width of a variant's file name, or None when ``name`` is
    not the name of a variant of one of :data:`VARIANT_WIDTHS`."""
    found = _VARIANT_NAME.match(name)
    if found is None or int(found["width"]) not in VARIANT_WIDTHS:
        return None
    return f"{found['stem']}.{found['ext']}", int(found["width"])


def variant_widths(width: int) -> list[int]:
    """The variants worth serving of a photo ``width`` pixels wide: the narrower ones."""
    return [w for w in VARIANT_WIDTHS if w < width]


def resize_photo(data: bytes, width: int) -> bytes:
    """A kept photo (as :func:`clean_photo` stored it) scaled down to ``width`` pixels wide, in
    the same format, encoded as :func:`clean_photo` encodes, without any metadata. A photo
    that is not wider comes back unchanged: never upscaled."""
    pil_format = _sniff(data)
    with _pillow_warnings(), Image.open(io.BytesIO(data), formats=[pil_format]) as im:
        if im.width <= width:
            return data
        height = max(1, round(im.height * width / im.width))
        if pil_format == "JPEG":
            im.draft(None, (width, height))
        photo = _normalize_mode(im)
    photo = photo.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    photo.info.clear()
    if pil_format == "WEBP":
        return _save(photo, "WEBP", quality=WEBP_QUALITY, method=4)
    if pil_format == "PNG":
        return _save(photo, "PNG", optimize=False, compress_level=6)
    return _save(photo, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)


def kept_variant(folder: Path, filename: str, width: int) -> str:
    """The name of the file in ``folder`` to serve for kept photo ``filename`` at ``width``: its
    variant, made now if it is not on disk yet, or the original itself when the photo is not
    wider (or is missing: serving it then answers 404). Written to a temporary name and
    renamed, so that two processes making the same variant at once never serve half a file."""
    original = folder / filename
    target = folder / variant_name(filename, width)
    if target.exists():
        return target.name
    try:
        data = original.read_bytes()
    except FileNotFoundError:
        return filename
    resized = resize_photo(data, width)
    if resized is data:
        return filename
    partial = folder / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}"
    partial.write_bytes(resized)
    os.replace(partial, target)
    return target.name


def forget_variants(folder: Path, filename: str) -> None:
    """Delete the variants of a kept photo that is deleted."""
    for width in VARIANT_WIDTHS:
        (folder / variant_name(filename, width)).unlink(missing_ok=True)
