"""The site's copies of owners' photos: resized, stripped of metadata, cached.

Every photo file an entry names (see :mod:`quartier.photos`) becomes six
files: JPEG and WebP at the widths of :data:`quartier.photos.WIDTHS` (never
wider than the original; a small photo's copies are all its own size). The
copies are new images made from the decoded pixels alone, so no EXIF, GPS,
XMP, ICC profile or comment of the original survives (colours in another
profile are converted to sRGB first; the EXIF orientation is applied). The
bytes depend only on the original's bytes and Pillow's encoders, so two
builds are byte-identical, and they are cached by the original's sha256 in
``.quartier-cache/photos/`` so a rebuild does not resize again.

Pages ask :func:`catalogue` for a photo's sizes (``srcset``, ``width``,
``height``) and :func:`picture` for its HTML. Example::

    picture(ctx, photo, "../../", sizes="(min-width: 60em) 40em, 100vw", lazy=False)
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ..model import Entry, Image
from ..parallel import fork_map
from ..photos import WIDTHS, PhotoProblem, decode, read_photo, variant
from ..publish.context import BuildContext
from ..publish.writer import Output

# Changes whenever the copies' bytes would (encoder settings, widths): old cache entries are unused.
RENDER_VERSION = "3"
CACHE = Path(".quartier-cache") / "photos"
FORMATS = ("webp", "jpeg")
_EXT = {"webp": "webp", "jpeg": "jpg"}


@dataclass(frozen=True)
class Photo:
    """One published photo: the entry's image and the sizes of its copies by width."""

    entry_id: str
    image: Image
    sizes: dict[int, tuple[int, int]]  # WIDTHS target -> (width, height)
    folder: Path  # the cached copies, named <target>.<ext>

    def path(self, width: int, fmt: str) -> str:
        assert self.image.file is not None
        return variant(self.entry_id, self.image.file, width, _EXT[fmt])


def catalogue(ctx: BuildContext) -> dict[tuple[str, str], Photo]:
    """Every local entry's photo files, made (or taken from the cache) once per build.

    Keyed by ``(entry id, file name)``. A member's business in an aggregate
    has no files here: its photos keep their published ``url`` and are not shown.
    """
    done: dict[tuple[str, str], Photo] | None = getattr(ctx, "_quartier_photos", None)
    if done is not None:
        return done
    root = ctx.directory.root
    cache_root = _cache_root(root)
    jobs: list[tuple[str, Image, Path]] = []
    seen: set[tuple[str, str]] = set()
    for entry in ctx.entries():
        rel = ctx.directory.paths.get(entry.id)
        merged = ctx.directory.federated.get(entry.id)
        if rel is None or (merged is not None and not merged.local):
            continue
        for image in entry.images:
            if image.file is not None and (entry.id, image.file) not in seen:
                seen.add((entry.id, image.file))
                jobs.append((entry.id, image, (root / rel).parent))

    def make(chunk: Sequence[tuple[str, Image, Path]]) -> list[Photo | None]:
        out: list[Photo | None] = []
        for entry_id, image, folder in chunk:
            assert image.file is not None
            try:
                data = read_photo(folder, entry_id, image.file)
                cached, sizes = _made(data, image.file, cache_root)
            except PhotoProblem:
                out.append(None)  # quartier validate reports it; a valid tree never gets here
                continue
            out.append(Photo(entry_id, image, sizes, cached))
        return out

    # Resizing is independent per photo: a first build of many photos uses every core.
    made = fork_map(make, jobs, minimum=64)
    done = {(p.entry_id, p.image.file or ""): p for p in made if p is not None}
    ctx._quartier_photos = done  # type: ignore[attr-defined]  # one per build, not a field
    return done


def photos_of(ctx: BuildContext, entry: Entry) -> list[Photo]:
    """The photos the site shows for ``entry``, in its order (the first is the lead)."""
    known = catalogue(ctx)
    return [
        known[(entry.id, i.file)] for i in entry.images if i.file and (entry.id, i.file) in known
    ]


def write_photos(ctx: BuildContext, out: Output) -> None:
    """Copy every photo's copies into the build, in a fixed order."""
    for key in sorted(catalogue(ctx)):
        photo = catalogue(ctx)[key]
        for width in WIDTHS:
            for fmt in FORMATS:
                data = (photo.folder / f"{width}.{_EXT[fmt]}").read_bytes()
                out.write_bytes(photo.path(width, fmt), data)


def srcset(photo: Photo, prefix: str, fmt: str) -> str:
    """``a-480.webp 480w, a-960.webp 960w``: one candidate per distinct width."""
    seen: dict[int, str] = {}
    for target in WIDTHS:
        width = photo.sizes[target][0]
        seen.setdefault(width, f"{prefix}{photo.path(target, fmt)} {width}w")
    return ", ".join(seen.values())


def picture(photo: Photo, prefix: str, alt: str, lang: str, sizes: str, lazy: bool = True) -> str:
    """A ``<picture>``: WebP with a JPEG fallback, its size given (no layout shift).

    ``lazy=False`` is for the lead photo near the top, which the browser
    should fetch at once.
    """
    width, height = photo.sizes[WIDTHS[-1]]
    loading = ' loading="lazy"' if lazy else ' fetchpriority="high"'
    return (
        f'<picture><source type="image/webp" srcset="{escape(srcset(photo, prefix, "webp"))}" '
        f'sizes="{escape(sizes)}">'
        f'<img src="{escape(prefix + photo.path(WIDTHS[-1], "jpeg"))}" '
        f'srcset="{escape(srcset(photo, prefix, "jpeg"))}" sizes="{escape(sizes)}" '
        f'width="{width}" height="{height}" alt="{escape(alt)}"'
        + (f' lang="{escape(lang)}"' if lang else "")
        + f'{loading} decoding="async"></picture>'
    )


def social_meta(ctx: BuildContext, entry: Entry) -> str:
    """A business page's social preview: Open Graph and Twitter card tags, absolute URLs.

    The image is the lead photo's largest JPEG on this site (chat apps and
    networks fetch it from here, not from the owner's host); a business
    without a photo file gets a text-only card.
    """
    from ..publish import urls
    from .business import description_of

    title, description = escape(entry.name), escape(description_of(ctx, entry))
    tags = [
        '<meta property="og:type" content="website">',
        f'<meta property="og:title" content="{title}">',
        f'<meta property="og:description" content="{description}">',
        f'<meta property="og:url" content="{escape(ctx.url(urls.business_page(entry.id)))}">',
        f'<meta property="og:site_name" content="{escape(ctx.config.name)}">',
    ]
    lead = next(iter(photos_of(ctx, entry)), None)
    if lead is None:
        tags.append('<meta name="twitter:card" content="summary">')
        return "\n".join(tags)
    image = escape(ctx.url(lead.path(WIDTHS[-1], "jpeg")))
    alt = escape(ctx.text(lead.image.alt))
    width, height = lead.sizes[WIDTHS[-1]]
    tags += [
        f'<meta property="og:image" content="{image}">',
        '<meta property="og:image:type" content="image/jpeg">',
        f'<meta property="og:image:width" content="{width}">',
        f'<meta property="og:image:height" content="{height}">',
        f'<meta property="og:image:alt" content="{alt}">',
        '<meta name="twitter:card" content="summary_large_image">',
        f'<meta name="twitter:image" content="{image}">',
        f'<meta name="twitter:image:alt" content="{alt}">',
    ]
    return "\n".join(tags)


def _cache_root(root: Path) -> Path:
    """The cache folder, or a fresh temporary one if the repository's is a link."""
    folder = root / CACHE
    if any(p.is_symlink() for p in (root / CACHE.parent, folder)):
        return Path(tempfile.mkdtemp(prefix="quartier-photos-"))
    return folder


def _made(data: bytes, name: str, cache_root: Path) -> tuple[Path, dict[int, tuple[int, int]]]:
    """The folder of a photo's copies and their sizes, made now unless cached."""
    from PIL import __version__ as pillow

    key = hashlib.sha256(data + f"|{RENDER_VERSION}|{pillow}".encode()).hexdigest()
    folder = cache_root / key
    meta = folder / "sizes.json"
    try:
        sizes = {int(k): (v[0], v[1]) for k, v in json.loads(meta.read_text("utf-8")).items()}
        if all((folder / f"{w}.{_EXT[f]}").is_file() for w in WIDTHS for f in FORMATS):
            return folder, sizes
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        pass
    files, sizes = render(data, name)
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_root))
    for rel, content in files.items():
        (tmp / rel).write_bytes(content)
    (tmp / "sizes.json").write_text(json.dumps(sizes, sort_keys=True), "utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    try:
        tmp.rename(folder)
    except OSError:  # another build made it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    return folder, {int(k): (v[0], v[1]) for k, v in sizes.items()}


def render(data: bytes, name: str) -> tuple[dict[str, bytes], dict[int, tuple[int, int]]]:
    """The copies of one photo (``{"480.webp": b"...", ...}``) and their sizes by width."""
    from PIL import Image as Pil

    img = _upright(decode(data, name, at_least=WIDTHS[-1]))
    img = _srgb(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Pil.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Pil.alpha_composite(white, rgba)
    if img.mode != "RGB":
        img = img.convert("RGB")
    full_w, full_h = img.size
    files: dict[str, bytes] = {}
    sizes: dict[int, tuple[int, int]] = {}
    # Largest first, each smaller copy from the one before (a reducing gap keeps it sharp
    # and fast: a 12-megapixel photo resizes in a tenth of the time).
    source = img
    for target in sorted(WIDTHS, reverse=True):
        width = min(target, full_w)
        height = max(1, round(full_h * width / full_w))
        if (width, height) != source.size:
            source = source.resize((width, height), Pil.Resampling.LANCZOS, reducing_gap=3.0)
        scaled = source
        # Only the pixels go on: a fresh image has no info, EXIF, ICC or comment.
        clean = Pil.frombytes("RGB", scaled.size, scaled.tobytes())
        sizes[target] = clean.size
        files[f"{target}.jpg"] = _encode(clean, "JPEG", quality=82, optimize=True, progressive=True)
        files[f"{target}.webp"] = _encode(clean, "WEBP", quality=80, method=2)
    return files, sizes


def _encode(img: Any, fmt: str, **options: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, exif=b"", **options)
    return buf.getvalue()


def _upright(img: Any) -> Any:
    """The photo as it was taken: the EXIF orientation applied (a broken EXIF is ignored)."""
    import warnings

    from PIL import ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's notes on damaged tags
            return ImageOps.exif_transpose(img)
    except Exception:  # any damage in EXIF only loses the rotation
        return img


def _srgb(img: Any) -> Any:
    """Pixels of a photo with an ICC profile, converted to sRGB (browsers' default)."""
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return img
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if img.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(img, source, target, outputMode=mode) or img
    except Exception:  # a broken profile: keep the pixels as they are
        return img
