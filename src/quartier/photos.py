"""Photo files beside an entry: where they live, their limits, and their check.

An owner puts photos next to the entry file and names them in ``images``::

    entries/ch/bern/erdwerk-keramik.yaml
    entries/ch/bern/erdwerk-keramik-cups.jpg     # images: [{file: erdwerk-keramik-cups.jpg, ...}]

A photo's name starts with the entry's id, so a reviewer sees whose it is and
two businesses of one folder never claim the same file. It must be a plain
file of the repository (no link), at most :data:`MAX_BYTES`, a JPEG, PNG or
WebP by its content (not only its name), and decode in full with at most
:data:`MAX_PIXELS` pixels: a zip named ``.jpg``, a PNG header claiming
50,000 x 50,000 pixels or a truncated file is a problem at the ``file:``
line, never a traceback. Decoding needs Pillow (the ``site`` extra); without
it the checks stop at the file's size and signature.

The site's copies (:mod:`quartier.site.photos`) are published under
``photos/<id>/<stem>-<width>.jpg`` and ``.webp`` for each of :data:`WIDTHS`:
names that do not depend on the photo's size, so the data (GeoJSON, JSON-LD)
can name them without opening the file. Example::

    variant("erdwerk-keramik", "erdwerk-keramik-cups.jpg", 480, "webp")
    # 'photos/erdwerk-keramik/erdwerk-keramik-cups-480.webp'
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .load import Document
from .messages import message
from .model import Entry, Image
from .problems import Problem

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
WIDTHS = (480, 960, 1600)
THUMB, LARGE = WIDTHS[0], WIDTHS[-1]
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# First bytes of each format the site shows: JPEG SOI, PNG signature, RIFF....WEBP.
_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


def variant(entry_id: str, name: str, width: int, fmt: str) -> str:
    """Site path of one published copy of a photo (see the module docstring)."""
    stem = name.rsplit(".", 1)[0]
    return f"photos/{entry_id}/{stem}-{width}.{fmt}"


def published_url(base_url: str, entry_id: str, image: Image) -> str | None:
    """Where readers of the data find an image: its ``url``, or its largest copy on the site."""
    if image.url:
        return image.url
    return base_url + variant(entry_id, image.file, LARGE, "jpg") if image.file else None


def thumbnail(entry: Entry) -> str | None:
    """Site path of the entry's first photo file's smallest JPEG (lists and map popups), or None.

    Only photo files have one: an outside ``url`` is never loaded by visitors' browsers.
    """
    first = next((i.file for i in entry.images if i.file), None)
    return variant(entry.id, first, THUMB, "jpg") if first else None


def entry_of_photo(path: Path) -> Path | None:
    """The entry file a photo file belongs to (``x-shop.jpg`` -> ``x.yaml`` beside it), or None.

    So ``quartier validate entries/ch/bern/velowerk-lorraine-shop.jpg`` (a
    hook or CI naming the changed files) checks the entry that shows it. The
    longest id wins: ``a-b-c.jpg`` belongs to ``a-b.yaml`` before ``a.yaml``.
    """
    name = path.name
    if not name.lower().endswith(PHOTO_SUFFIXES):
        return None
    stem = name.rsplit(".", 1)[0]
    parts = stem.split("-")
    for n in range(len(parts), 0, -1):
        for suffix in (".yaml", ".yml"):
            candidate = path.with_name("-".join(parts[:n]) + suffix)
            if candidate.is_file():
                return candidate
    return None


def sniff(head: bytes) -> str | None:
    """The format the first bytes announce: ``'jpeg'``, ``'png'``, ``'webp'``, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


class PhotoProblem(Exception):
    """A photo file that must not be published; ``args`` are the message and its fix."""


def read_photo(folder: Path, entry_id: str, name: str) -> bytes:
    """The bytes of a photo beside an entry, checked; raises :class:`PhotoProblem`.

    Nothing outside ``folder`` is read: the name has no folder part (the
    model's check), the file is opened without following a link, and its
    size is read from the open file before its content.
    """
    if not (name.startswith(entry_id + "-") or name.startswith(entry_id + ".")):
        raise PhotoProblem(
            message("photos.prefix", name=name, id=entry_id),
            message("photos.prefix.fix", id=entry_id, ext=name.rsplit(".", 1)[-1]),
        )
    path = folder / name
    try:
        st = os.lstat(path)
    except OSError:
        raise PhotoProblem(
            message("photos.missing", name=name), message("photos.missing.fix", name=name)
        ) from None
    if stat.S_ISLNK(st.st_mode):
        raise PhotoProblem(message("photos.link", name=name), message("photos.link.fix"))
    if not stat.S_ISREG(st.st_mode):
        raise PhotoProblem(
            message("photos.missing", name=name), message("photos.missing.fix", name=name)
        )
    if st.st_nlink > 1:
        raise PhotoProblem(
            message("photos.hard_link", name=name, links=st.st_nlink), message("photos.link.fix")
        )
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        raise PhotoProblem(message("photos.link", name=name), message("photos.link.fix")) from None
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_BYTES:
            raise PhotoProblem(
                message("photos.too_big", name=name, size=f"{size / 1024 / 1024:.1f}"),
                message("photos.too_big.fix"),
            )
        data = f.read(MAX_BYTES + 1)
    kind = sniff(data[:16])
    ext = name.rsplit(".", 1)[-1].replace("jpg", "jpeg")
    if kind != ext:
        raise PhotoProblem(
            message(
                "photos.format",
                name=name,
                kind=_FORMATS.get(kind or "") or message("photos.format.unknown"),
            ),
            message("photos.format.fix"),
        )
    return data


def decode(data: bytes, name: str, at_least: int | None = None) -> Any:
    """The fully decoded Pillow image of checked bytes; raises :class:`PhotoProblem`.

    The pixel count is read from the header and refused before any pixel is
    decoded, so a small file claiming a huge picture costs nothing; Pillow's
    own decompression-bomb guard is set to the same limit. ``at_least`` (a
    width) lets a JPEG decode at a reduced scale no narrower than that (the
    site's copies need no more: a 4000-pixel-wide photo decodes at half size).
    """
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow's own guard raises without the size at open; ours says it, then
            # stays on for any other opening in this process.
            Image.MAX_IMAGE_PIXELS = None
            try:
                img = Image.open(io.BytesIO(data), formats=list(_FORMATS.values()))
            finally:
                Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise PhotoProblem(
                    message("photos.pixels", name=name, width=width, height=height),
                    message("photos.pixels.fix"),
                )
            if at_least is not None and img.format == "JPEG" and width > at_least:
                img.draft("RGB", (at_least, -(-height * at_least // width)))
            img.load()
    except PhotoProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoProblem(
            message("photos.pixels", name=name, width="?", height="?"),
            message("photos.pixels.fix"),
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoProblem(
            message("photos.broken", name=name, reason=str(exc) or type(exc).__name__),
            message("photos.broken.fix"),
        ) from None
    return img


def check_photos(entry: Entry, doc: Document, path: str | os.PathLike[str]) -> list[Problem]:
    """The problems of an entry's photo files, each at its ``file:`` line."""
    folder = Path(path).resolve().parent
    out: list[Problem] = []
    for i, image in enumerate(entry.images):
        if image.file is None:
            continue
        try:
            data = read_photo(folder, entry.id, image.file)
            if _pillow():
                decode(data, image.file).close()
        except PhotoProblem as problem:
            text, fix = problem.args
            line, column = doc.locate(("images", i, "file"))
            out.append(Problem(doc.path, line, column, f"images.{i}.file", text, fix))
    return out


def _pillow() -> bool:
    try:
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True
