"""microprojects.services.photos: every test image is made here with Pillow, none is committed."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from microprojects.services.photos import PNG_AS_JPEG_ABOVE, CleanPhoto, PhotoError, clean_photo

RED = (220, 30, 30)
BLUE = (30, 30, 220)
GPS_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="31,14.1N" exif:GPSLongitude="121,29.2E"/></rdf:RDF></x:xmpmeta>'
)


def encode(im: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def two_halves(
    width: int, height: int, top: tuple[int, ...], bottom: tuple[int, ...]
) -> Image.Image:
    mode = "RGBA" if len(top) == 4 else "RGB"
    im = Image.new(mode, (width, height), top)
    im.paste(bottom, (0, height // 2, width, height))
    return im


def gradient(width: int, height: int) -> Image.Image:
    """Smooth content, so a big JPEG of it stays small."""
    small = Image.new("RGB", (2, 2))
    small.putdata([(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255)])
    return small.resize((width, height), Image.Resampling.BILINEAR)


def reopen(photo: CleanPhoto) -> Image.Image:
    im = Image.open(io.BytesIO(photo.content))
    im.load()
    return im


def close_to(actual: Any, expected: tuple[int, ...], tolerance: int = 24) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def assert_no_metadata(photo: CleanPhoto) -> None:
    im = reopen(photo)
    assert len(im.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & im.info.keys()
    assert not any(isinstance(v, str) for v in im.info.values())  # no PNG text chunks
    for marker in (b"Exif\x00\x00", b"http://ns.adobe.com/", b"GPS", b"iCCP", b"ICC_PROFILE"):
        assert marker not in photo.content


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size that is never allocated: a few bytes of pixel data."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def p3_profile() -> bytes:
    """A minimal ICC v2 matrix/TRC profile with Display P3 primaries (as on recent iPhones)."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = (
        struct.pack(">I4sI", offset + len(body), b"\0\0\0\0", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 28
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
    )
    return header.ljust(128, b"\0") + struct.pack(">I", len(tags)) + table + body


def refusal(data: bytes, **limits: int) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        clean_photo(data, **limits)
    return caught.value


# --- phone photos: orientation and metadata -------------------------------------------------


def phone_jpeg(width: int = 400, height: int = 300, orientation: int = 6) -> bytes:
    """Stored sideways (red top half) as phones do, with position, camera and an address."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.Base.DateTime] = "2025:05:01 09:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 6.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 29.0, 12.0)
    im = two_halves(width, height, RED, BLUE)
    return encode(im, "JPEG", quality=95, exif=exif, xmp=GPS_XMP, comment="幸福路8号".encode())


def test_the_test_photo_really_carries_gps_and_orientation() -> None:
    im = Image.open(io.BytesIO(phone_jpeg()))
    assert im.getexif()[ExifTags.Base.Orientation] == 6
    assert im.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert "xmp" in im.info and "comment" in im.info


def test_phone_photo_comes_out_upright_without_any_metadata() -> None:
    photo = clean_photo(phone_jpeg())

    assert (photo.extension, photo.mime) == ("jpg", "image/jpeg")
    assert (photo.width, photo.height) == (300, 400)
    im = reopen(photo)
    assert im.format == "JPEG" and im.size == (300, 400)
    # Orientation 6 means "turn 90° clockwise to view": the stored top (red) ends up on the right.
    assert close_to(im.getpixel((270, 200)), RED)
    assert close_to(im.getpixel((30, 200)), BLUE)
    assert_no_metadata(photo)
    assert "幸福路".encode() not in photo.content


@pytest.mark.parametrize(
    ("orientation", "size", "red_at"),
    [
        (1, (400, 300), (200, 30)),  # as stored: red on top
        (3, (400, 300), (200, 270)),  # upside down
        (8, (300, 400), (30, 200)),  # turned the other way: red on the left
    ],
)
def test_other_orientations_are_applied(
    orientation: int, size: tuple[int, int], red_at: tuple[int, int]
) -> None:
    photo = clean_photo(phone_jpeg(orientation=orientation))
    im = reopen(photo)
    assert im.size == size
    assert close_to(im.getpixel(red_at), RED)


def test_unreadable_exif_is_dropped_without_a_warning_escaping() -> None:
    data = encode(two_halves(300, 200, RED, BLUE), "JPEG", exif=b"Exif\x00\x00MM\x00*garbage")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        photo = clean_photo(data)
    assert caught == []
    assert (photo.width, photo.height) == (300, 200)
    assert_no_metadata(photo)


def test_png_text_and_colour_profile_are_dropped() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "王小明")
    text.add_itxt("Location", "幸福路8号")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(two_halves(300, 200, RED, BLUE), "PNG", pnginfo=text, icc_profile=srgb)
    assert Image.open(io.BytesIO(data)).info["Author"] == "王小明"

    photo = clean_photo(data)

    assert photo.extension == "png"
    assert_no_metadata(photo)
    # Converting from an sRGB profile to sRGB must not shift the colours.
    assert close_to(reopen(photo).getpixel((150, 10)), RED, tolerance=3)


def test_a_colour_profile_lcms_cannot_read_is_ignored() -> None:
    data = encode(two_halves(300, 200, RED, BLUE), "PNG", icc_profile=b"not a profile at all")
    photo = clean_photo(data)
    assert_no_metadata(photo)
    assert reopen(photo).getpixel((150, 10)) == RED


P3_RED = (180, 60, 60)
P3_RED_IN_SRGB = (197, 43, 51)  # what littlecms makes of it: more saturated in sRGB numbers


@pytest.mark.parametrize(
    ("fmt", "mode", "options"),
    [
        ("JPEG", "RGB", {"quality": 100}),
        ("PNG", "RGB", {}),
        ("PNG", "RGBA", {}),
        ("WEBP", "RGB", {"lossless": True}),
    ],
)
def test_wide_gamut_colours_are_converted_to_srgb_before_the_profile_is_dropped(
    fmt: str, mode: str, options: dict[str, Any]
) -> None:
    im = Image.new(mode, (300, 200), P3_RED if mode == "RGB" else (*P3_RED, 255))
    if mode == "RGBA":
        im.paste((0, 0, 0, 0), (0, 0, 300, 100))
    data = encode(im, fmt, icc_profile=p3_profile(), **options)

    photo = clean_photo(data)

    assert_no_metadata(photo)
    out = reopen(photo)
    assert close_to(out.getpixel((150, 150))[:3], P3_RED_IN_SRGB, tolerance=4)
    if mode == "RGBA":
        assert out.getpixel((150, 50))[3] == 0
        assert out.getpixel((150, 150))[3] == 255


# --- formats ----------------------------------------------------------------------------------


def test_png_with_transparency_stays_png_with_its_alpha() -> None:
    data = encode(two_halves(300, 200, (0, 0, 0, 0), (0, 200, 0, 255)), "PNG")
    photo = clean_photo(data)
    assert (photo.extension, photo.mime) == ("png", "image/png")
    im = reopen(photo)
    assert im.mode == "RGBA"
    assert im.getpixel((150, 10))[3] == 0
    assert im.getpixel((150, 190)) == (0, 200, 0, 255)


def test_palette_png_with_a_transparent_colour_keeps_it() -> None:
    im = two_halves(300, 200, RED, BLUE).convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
    transparent = im.getpixel((0, 0))
    photo = clean_photo(encode(im, "PNG", transparency=transparent))
    out = reopen(photo)
    assert photo.extension == "png" and out.mode == "RGBA"
    assert out.getpixel((150, 10))[3] == 0
    assert out.getpixel((150, 190)) == (*BLUE, 255)


def test_an_alpha_channel_that_is_fully_opaque_is_dropped() -> None:
    photo = clean_photo(encode(two_halves(300, 200, (*RED, 255), (*BLUE, 255)), "PNG"))
    assert photo.extension == "png"
    assert reopen(photo).mode == "RGB"


def test_a_photo_saved_as_png_becomes_jpeg() -> None:
    noise = Image.frombytes("RGB", (800, 600), os.urandom(800 * 600 * 3))
    data = encode(noise, "PNG")
    assert len(data) > PNG_AS_JPEG_ABOVE
    photo = clean_photo(data)
    assert (photo.extension, photo.mime) == ("jpg", "image/jpeg")
    assert reopen(photo).format == "JPEG"
    assert (photo.width, photo.height) == (800, 600)


def test_a_noisy_png_with_transparency_stays_png() -> None:
    noise = Image.frombytes("RGBA", (800, 600), os.urandom(800 * 600 * 4))
    photo = clean_photo(encode(noise, "PNG"))
    assert photo.extension == "png"
    assert reopen(photo).mode == "RGBA"


def test_sixteen_bit_grey_png_is_scaled_not_clipped() -> None:
    grey = Image.new("I;16", (200, 200), 30000)  # about 46% grey
    photo = clean_photo(encode(grey, "PNG"))
    assert photo.extension == "png"
    value = reopen(photo).getpixel((100, 100))
    assert isinstance(value, int) and 110 <= value <= 122


def test_webp_stays_webp_without_metadata() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Phone 15"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    data = encode(two_halves(300, 200, RED, BLUE), "WEBP", exif=exif, xmp=GPS_XMP)
    assert "exif" in Image.open(io.BytesIO(data)).info

    photo = clean_photo(data)

    assert (photo.extension, photo.mime) == ("webp", "image/webp")
    im = reopen(photo)
    assert im.format == "WEBP" and im.size == (300, 200)
    assert close_to(im.getpixel((150, 10)), RED)
    assert_no_metadata(photo)


def test_webp_with_alpha_keeps_it() -> None:
    data = encode(two_halves(300, 200, (0, 0, 0, 0), (0, 200, 0, 255)), "WEBP", lossless=True)
    im = reopen(clean_photo(data))
    assert im.mode == "RGBA"
    assert im.getpixel((150, 10))[3] == 0
    assert im.getpixel((150, 190))[3] == 255


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_animations_keep_their_first_frame_only(fmt: str) -> None:
    first, second = Image.new("RGB", (300, 200), RED), Image.new("RGB", (300, 200), BLUE)
    data = encode(first, fmt, save_all=True, append_images=[second], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2

    im = reopen(clean_photo(data))

    assert getattr(im, "n_frames", 1) == 1
    assert close_to(im.getpixel((150, 100)), RED)


def test_cmyk_jpeg_becomes_rgb() -> None:
    data = encode(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG")
    photo = clean_photo(data)
    im = reopen(photo)
    assert photo.extension == "jpg" and im.mode == "RGB"
    assert close_to(im.getpixel((150, 100)), (255, 0, 0))


def test_greyscale_jpeg_stays_greyscale() -> None:
    im = reopen(clean_photo(encode(Image.new("L", (300, 200), 90), "JPEG")))
    assert im.mode == "L"
    value = im.getpixel((150, 100))
    assert isinstance(value, int) and abs(value - 90) <= 3


# --- size -------------------------------------------------------------------------------------


def test_big_photo_is_downscaled_to_1600_on_the_longest_side() -> None:
    data = encode(gradient(4000, 3000), "JPEG", quality=90)
    photo = clean_photo(data)
    assert (photo.width, photo.height) == (1600, 1200)
    assert reopen(photo).size == (1600, 1200)


def test_downscaling_keeps_the_aspect_ratio_of_a_portrait_png() -> None:
    photo = clean_photo(encode(gradient(1000, 2400), "PNG"))
    assert (photo.width, photo.height) == (667, 1600)


def test_a_downscaled_phone_photo_is_upright_too() -> None:
    photo = clean_photo(phone_jpeg(4000, 3000, orientation=6))
    assert (photo.width, photo.height) == (1200, 1600)
    assert close_to(reopen(photo).getpixel((1100, 800)), RED)


def test_max_side_is_the_callers_and_small_photos_are_not_enlarged() -> None:
    data = encode(gradient(900, 600), "JPEG")
    small = clean_photo(data, max_side=300)
    assert (small.width, small.height) == (300, 200)
    assert reopen(small).size == (300, 200)
    same = clean_photo(data)
    assert (same.width, same.height) == (900, 600)


# --- refusals ---------------------------------------------------------------------------------


def test_too_many_bytes_is_refused_before_looking_at_the_content() -> None:
    # Junk that would otherwise be "not_an_image" / "corrupt": the size check comes first.
    assert refusal(b"x" * (8 * 1024 * 1024 + 1)).code == "too_large"
    error = refusal(b"\xff\xd8\xff" + b"\x00" * 2_000_000, max_bytes=1536 * 1024)
    assert (error.code, error.params) == ("too_large", {"max_mb": 1.5})
    assert refusal(b"x" * (8 * 1024 * 1024 + 1)).params == {"max_mb": 8}


def test_a_photo_of_exactly_max_bytes_is_accepted() -> None:
    data = encode(gradient(300, 200), "JPEG")
    assert clean_photo(data, max_bytes=len(data)).width == 300
    assert refusal(data, max_bytes=len(data) - 1).code == "too_large"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (50_000, 50_000),  # beyond twice Pillow's own limit: DecompressionBombError
        (10_000, 10_000),  # between Pillow's limit and twice it: only a warning from Pillow
        (8_000, 6_000),  # below Pillow's limit, above ours
    ],
)
def test_decompression_bombs_are_refused_from_the_header(width: int, height: int) -> None:
    # The file holds 16 bytes of pixel data: decoding it would be "corrupt", so the refusal
    # proves the check happens before decoding. Warnings are recorded as production sees them.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        error = refusal(png_claiming(width, height))
    assert error.code == "too_many_pixels"
    assert error.params == {"max_megapixels": 40}
    assert caught == []


def test_max_pixels_is_the_callers() -> None:
    data = encode(gradient(1000, 800), "JPEG")
    error = refusal(data, max_pixels=500_000)
    assert (error.code, error.params) == ("too_many_pixels", {"max_megapixels": 0.5})
    assert clean_photo(data, max_pixels=800_000).width == 1000


@pytest.mark.parametrize(("width", "height"), [(50, 50), (99, 400), (400, 99)])
def test_tiny_images_are_refused(width: int, height: int) -> None:
    error = refusal(encode(Image.new("RGB", (width, height), RED), "PNG"))
    assert (error.code, error.params) == ("too_small", {"min_side": 100})


def test_100_by_100_is_big_enough() -> None:
    assert clean_photo(encode(Image.new("RGB", (100, 100), RED), "PNG")).width == 100


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (encode(Image.new("RGB", (300, 200), RED), "GIF"), "gif"),
        (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="300" '
            b'height="200"><script>alert(1)</script></svg>',
            "svg",
        ),
        (b'\xef\xbb\xbf  <svg xmlns="http://www.w3.org/2000/svg"></svg>', "svg"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "heic"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 64, "avif"),
        (encode(Image.new("RGB", (300, 200), RED), "TIFF"), "tiff"),
        (encode(Image.new("RGB", (300, 200), RED), "BMP"), "bmp"),
    ],
)
def test_other_image_formats_are_unsupported(data: bytes, fmt: str) -> None:
    error = refusal(data)
    assert (error.code, error.params) == ("unsupported_format", {"format": fmt})


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "这不是图片，是一段文字。".encode(),
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"<html><body>not an svg</body></html>",
        b"PK\x03\x04" + b"\x00" * 100,
    ],
)
def test_non_images_are_refused(data: bytes) -> None:
    assert refusal(data).code == "not_an_image"


def test_truncated_jpeg_is_corrupt() -> None:
    data = encode(gradient(600, 400), "JPEG")
    error = refusal(data[: len(data) // 2])
    assert (error.code, error.params) == ("corrupt", {})


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 20,
        b"\xff\xd8\xff\xe0" + b"\x00" * 40,
        b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 24,
    ],
)
def test_a_right_signature_with_a_broken_body_is_corrupt(data: bytes) -> None:
    assert refusal(data).code == "corrupt"
