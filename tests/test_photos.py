"""Photo files beside entries: validated like any field, hostile files refused, copies clean.

Each attack is a file made here (a zip named .jpg, a PNG header claiming
50,000 x 50,000 pixels, a symlink to a real photo, ``../`` in the name, a
JPEG whose EXIF is mostly junk, a truncated JPEG) and must give one problem
at the ``file:`` line of the entry, never a traceback. The site's copies are
read back: no EXIF, no GPS, no ICC profile, no comment, and the same bytes
from the same photo.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from quartier.directory import read_directory
from quartier.photos import MAX_BYTES, variant
from quartier.site.photos import render

from .conftest import SAMPLE, TODAY

ENTRY = (SAMPLE / "entries/ch/bern/velowerk-lorraine.yaml").read_text("utf-8")
REL = "entries/ch/bern/velowerk-lorraine.yaml"


def _with_file(name: str) -> str:
    """The sample entry with its first image a file of that name."""
    return ENTRY.replace("file: velowerk-lorraine-bicycle.jpg", f"file: {name}", 1)


def _jpeg(size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 100)).save(buf, "JPEG", **save)
    return buf.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, with one tiny data chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )


def _problems(make_root, files: dict[str, bytes | str]) -> list:
    root = make_root({REL: files.pop("entry", ENTRY), **files})
    directory = read_directory(root, today=TODAY, use_cache=False)
    return directory.errors


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_photo_beside_its_entry_is_valid(make_root) -> None:
    photo = (SAMPLE / "entries/ch/bern/velowerk-lorraine-bicycle.jpg").read_bytes()
    assert _problems(make_root, {"entries/ch/bern/velowerk-lorraine-bicycle.jpg": photo}) == []


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("velowerk-lorraine-gone.jpg", None, "is not a file beside the entry"),
        ("velowerk-lorraine-a.jpg", "zip", "does not hold the image its name says"),
        ("velowerk-lorraine-a.png", "bomb", "50000 x 50000 pixels, more than 40 megapixels"),
        ("velowerk-lorraine-a.jpg", "truncated", "cannot be read as an image"),
        (
            "velowerk-lorraine-a.jpg",
            "png",
            "does not hold the image its name says (its content is PNG)",
        ),
        ("velowerk-lorraine-a.jpg", "huge", "a photo may be at most 8 MB"),
        ("someone-else.jpg", "jpeg", "does not start with the entry's id 'velowerk-lorraine'"),
    ],
)
def test_hostile_or_broken_files_are_problems_at_their_line(
    make_root, name: str, content: str | None, words: str
) -> None:
    data = {
        None: None,
        "zip": _zip(),
        "bomb": _png_header(50_000, 50_000),
        "truncated": _jpeg((400, 300))[:600],
        "png": _png_header(10, 10),
        "huge": b"\xff\xd8\xff" + b"\0" * MAX_BYTES,
        "jpeg": _jpeg(),
    }[content]
    entry = _with_file(name)
    files: dict[str, bytes | str] = {"entry": entry}
    if data is not None:
        files[f"entries/ch/bern/{name}"] = data
    problems = _problems(make_root, files)
    assert len(problems) == 1, problems
    (p,) = problems
    assert words in p.message
    assert p.path == REL
    assert p.line == _line_of(entry, f"file: {name}")
    assert p.field == "images.0.file"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "not a photo")
    return buf.getvalue()


def test_a_symlink_is_refused_and_not_followed(make_root, tmp_path: Path) -> None:
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(_jpeg())
    root = make_root({REL: ENTRY})
    (root / "entries/ch/bern/velowerk-lorraine-bicycle.jpg").unlink()  # the sample's own
    (root / "entries/ch/bern/velowerk-lorraine-bicycle.jpg").symlink_to(outside)
    problems = read_directory(root, today=TODAY, use_cache=False).errors
    assert [p.message for p in problems] == [
        "'velowerk-lorraine-bicycle.jpg' is a link: photos must be plain files of the "
        "repository, and a link is not followed"
    ]


@pytest.mark.parametrize(
    "name", ["../velowerk-lorraine-a.jpg", "sub/velowerk-lorraine-a.jpg", "/etc/passwd", "A.JPG"]
)
def test_a_name_with_a_folder_is_refused_by_the_model(make_root, name: str) -> None:
    problems = _problems(make_root, {"entry": _with_file(f"'{name}'")})
    assert len(problems) == 1
    assert "is not a photo file name beside the entry" in problems[0].message
    assert problems[0].line == _line_of(_with_file(name), "file: ")


def test_an_image_needs_a_file_or_a_url(make_root) -> None:
    entry = ENTRY.replace("  - file: velowerk-lorraine-bicycle.jpg\n    alt:", "  - alt:", 1)
    problems = _problems(make_root, {"entry": entry})
    assert ["an image needs 'file'" in p.message for p in problems] == [True]


def test_more_than_eight_photos_is_a_problem(make_root) -> None:
    one = "  - file: velowerk-lorraine-bicycle.jpg\n    alt: {en: A bike}\n"
    entry = ENTRY.replace("images:\n", "images:\n" + one * 8, 1)
    photo = (SAMPLE / "entries/ch/bern/velowerk-lorraine-bicycle.jpg").read_bytes()
    problems = _problems(
        make_root, {"entry": entry, "entries/ch/bern/velowerk-lorraine-bicycle.jpg": photo}
    )
    assert len(problems) == 1
    assert problems[0].field == "images"


def _exif_bomb() -> bytes:
    """A JPEG with GPS and camera EXIF, an EXIF IFD that claims 65,535 entries, and comments."""
    img = Image.new("RGB", (320, 200), (200, 50, 50))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0112] = 6  # rotate
    exif[0x8825] = {1: "N", 2: (46.0, 57.0, 30.0), 3: "E", 4: (7.0, 26.0, 40.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, comment=b"secret comment", icc_profile=b"\0" * 4000)
    data = buf.getvalue()
    # Twenty more APP1 segments: a TIFF header whose first IFD claims 65,535 entries.
    junk = b"Exif\0\0MM\0*\0\0\0\x08" + b"\xff\xff" + b"\xab" * 60_000
    app1 = b"\xff\xe1" + struct.pack(">H", len(junk) + 2) + junk
    at = data.index(b"\xff\xdb")  # after the real EXIF, before the image's tables
    return data[:at] + app1 * 20 + data[at:]


def test_copies_carry_no_metadata_and_are_deterministic() -> None:
    data = _exif_bomb()
    files, sizes = render(data, "x-a.jpg")
    again, _ = render(data, "x-a.jpg")
    assert files == again
    assert sorted(files) == [
        "1600.jpg", "1600.webp", "480.jpg", "480.webp", "960.jpg", "960.webp"
    ]  # fmt: skip
    # The EXIF orientation (6: 90 degrees) was applied, never upscaled.
    assert sizes == {480: (200, 320), 960: (200, 320), 1600: (200, 320)}
    for name, content in files.items():
        img = Image.open(io.BytesIO(content))
        assert img.size == (200, 320)
        assert not img.getexif(), name
        assert not {"exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp"} & set(img.info)
        assert b"Camera maker" not in content and b"secret comment" not in content


def test_a_large_photo_is_resized_to_each_width() -> None:
    files, sizes = render(_jpeg((2400, 1200)), "x-a.jpg")
    assert sizes == {480: (480, 240), 960: (960, 480), 1600: (1600, 800)}
    assert Image.open(io.BytesIO(files["960.webp"])).format == "WEBP"


def test_transparent_png_lands_on_white() -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buf, "PNG")
    files, _ = render(buf.getvalue(), "x-a.png")
    assert Image.open(io.BytesIO(files["480.jpg"])).getpixel((5, 5)) >= (250, 250, 250)


def test_variant_names_do_not_depend_on_the_photo() -> None:
    assert variant("a-b", "a-b-shop.png", 480, "webp") == "photos/a-b/a-b-shop-480.webp"


def test_validating_a_photo_checks_its_entry(make_root) -> None:
    broken = _jpeg((400, 300))[:600]
    root = make_root({REL: ENTRY, "entries/ch/bern/velowerk-lorraine-bicycle.jpg": broken})
    photo = root / "entries/ch/bern/velowerk-lorraine-bicycle.jpg"
    directory = read_directory(root, only=[photo], today=TODAY, use_cache=False)
    assert [(p.path, p.field) for p in directory.errors] == [(REL, "images.0.file")]
    assert "cannot be read as an image" in directory.errors[0].message


def test_an_exif_bomb_is_valid_and_validates_without_a_traceback(make_root) -> None:
    # The rotation tag and twenty 64 KB junk EXIF segments: the pixels are fine.
    photo = {"entries/ch/bern/velowerk-lorraine-bicycle.jpg": _exif_bomb()}
    assert _problems(make_root, photo) == []


def test_owner_text_in_a_picture_is_escaped(tmp_path: Path) -> None:
    from quartier.model import Image as ImageModel
    from quartier.site.photos import Photo, picture

    alt = '"><img src=x onerror=alert(1)>'
    image = ImageModel(file="x-a.jpg", alt={"en": alt})
    photo = Photo("x", image, {480: (480, 320), 960: (960, 640), 1600: (1200, 800)}, tmp_path)
    html = picture(photo, "../../", alt, "en", "100vw")
    assert "<img src=x" not in html and "onerror=alert(1)&gt;" in html
    assert html.count("<img ") == 1
    assert 'srcset="../../photos/x/x-a-480.jpg 480w, ../../photos/x/x-a-960.jpg 960w, ' in html
    assert 'width="1200" height="800"' in html
