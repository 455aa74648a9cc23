"""A kept photo at the size a page shows it (microprojects.services.photos' variants): made
narrower, smaller in bytes, without metadata, never wider than the photo, named after it."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from microprojects.services.photos import (
    VARIANT_WIDTHS,
    clean_photo,
    forget_variants,
    kept_variant,
    resize_photo,
    variant_name,
    variant_of,
    variant_widths,
)

NAME = "0123456789abcdef0123456789abcdef.jpg"


def photo(width: int, height: int, fmt: str = "JPEG") -> bytes:
    """A kept photo: detailed content (noise), as clean_photo stores it."""
    im = Image.effect_noise((width, height), 60).convert("RGB")
    buffer = io.BytesIO()
    im.save(buffer, format=fmt)
    return clean_photo(buffer.getvalue()).content


def test_a_variants_name_is_derived_from_the_originals_and_read_back() -> None:
    assert variant_name(NAME, 480) == NAME.replace(".jpg", ".w480.jpg")
    for width in VARIANT_WIDTHS:
        assert variant_of(variant_name(NAME, width)) == (NAME, width)
        assert variant_of(variant_name("ab12.webp", width)) == ("ab12.webp", width)


@pytest.mark.parametrize(
    "name",
    [
        NAME,  # the original itself
        NAME.replace(".jpg", ".w500.jpg"),  # a width that is not served
        NAME.replace(".jpg", ".w0480.jpg"),
        NAME.replace(".jpg", ".w480.gif"),
        NAME.replace(".jpg", ".W480.jpg"),
        "../" + NAME.replace(".jpg", ".w480.jpg"),
        NAME.replace(".jpg", ".w480.w480.jpg"),
        ".w480.jpg",
    ],
)
def test_what_is_not_a_variants_name(name: str) -> None:
    assert variant_of(name) is None


def test_only_narrower_variants_are_offered() -> None:
    assert variant_widths(1600) == [480, 960]
    assert variant_widths(960) == [480]
    assert variant_widths(480) == []


def test_a_variant_is_the_width_asked_smaller_and_kept_beside_the_original(tmp_path) -> None:
    original = photo(1600, 1200)
    (tmp_path / NAME).write_bytes(original)
    for width, height in ((480, 360), (960, 720)):
        served = kept_variant(tmp_path, NAME, width)
        assert served == variant_name(NAME, width)
        data = (tmp_path / served).read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG" and im.size == (width, height)
        assert len(data) < len(original)
    smaller = (tmp_path / variant_name(NAME, 480)).stat().st_size
    assert smaller < (tmp_path / variant_name(NAME, 960)).stat().st_size
    # Made once: a second request serves the file on disk.
    (tmp_path / variant_name(NAME, 480)).write_bytes(b"kept")
    assert kept_variant(tmp_path, NAME, 480) == variant_name(NAME, 480)
    assert (tmp_path / variant_name(NAME, 480)).read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [NAME, variant_name(NAME, 480), variant_name(NAME, 960)]
    )  # no temporary file left behind
    forget_variants(tmp_path, NAME)
    assert [p.name for p in tmp_path.iterdir()] == [NAME]


def test_a_photo_is_never_upscaled(tmp_path) -> None:
    (tmp_path / NAME).write_bytes(photo(640, 480))
    assert kept_variant(tmp_path, NAME, 960) == NAME
    assert kept_variant(tmp_path, NAME, 480) == variant_name(NAME, 480)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([NAME, variant_name(NAME, 480)])


def test_a_missing_original_makes_no_variant(tmp_path) -> None:
    assert kept_variant(tmp_path, NAME, 480) == NAME
    assert list(tmp_path.iterdir()) == []


def test_a_variant_carries_no_metadata() -> None:
    """Even of a file that had some: what the encoders could copy is never passed on."""
    im = Image.effect_noise((1200, 900), 60).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "SECRETCAM"  # Make
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"SECRETCOMMENT")
    data = resize_photo(buffer.getvalue(), 480)
    assert b"SECRETCAM" not in data and b"SECRETCOMMENT" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as small:
        assert small.width == 480
        assert dict(small.getexif()) == {}
        assert "icc_profile" not in small.info and "comment" not in small.info

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SECRETTEXT")
    buffer = io.BytesIO()
    Image.new("RGBA", (1200, 900), (10, 20, 30, 128)).save(buffer, "PNG", pnginfo=info)
    data = resize_photo(buffer.getvalue(), 960)
    assert b"SECRETTEXT" not in data
    with Image.open(io.BytesIO(data)) as small:
        assert small.format == "PNG" and small.size == (960, 720) and small.mode == "RGBA"


def test_webp_stays_webp() -> None:
    data = resize_photo(photo(1200, 800, "WEBP"), 480)
    with Image.open(io.BytesIO(data)) as small:
        assert small.format == "WEBP" and small.size == (480, 320)
