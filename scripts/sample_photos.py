"""Draw the sample entries' photos (made for Quartier, CC0): simple illustrations, not noise.

The sample directory shows photos across the site, so a few of its entries
carry some. They are drawn here with Pillow rather than taken from the web,
so their origin and license are certain (CC0, see entries/README.md). Writes
each photo beside its entry in entries/ and in tests/fixtures/sample/entries/
(identical copies). Run from the repository's root::

    .venv/bin/python scripts/sample_photos.py
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
W, H = 1200, 800
Draw = ImageDraw.ImageDraw


def _sky(d: Draw, top: tuple[int, int, int], bottom: tuple[int, int, int], y1: int = H) -> None:
    for y in range(y1):
        f = y / max(1, y1 - 1)
        d.line(
            [(0, y), (W, y)],
            fill=tuple(round(a + (b - a) * f) for a, b in zip(top, bottom, strict=True)),
        )


def cups(d: Draw) -> None:
    """A row of green-glazed cups on a wooden board."""
    _sky(d, (236, 228, 214), (214, 200, 180))
    d.rectangle([0, 560, W, 640], fill=(150, 104, 62))
    d.rectangle([0, 640, W, H], fill=(120, 82, 48))
    for i in range(5):
        x = 110 + i * 210
        green = (60 + i * 12, 120 + i * 8, 90)
        d.rounded_rectangle([x, 330, x + 150, 560], radius=28, fill=green)
        d.ellipse([x, 310, x + 150, 350], fill=(40, 90, 66))
        d.arc([x + 130, 380, x + 200, 480], 270, 90, fill=green, width=18)


def bicycle(d: Draw) -> None:
    """A bicycle in front of a workshop wall."""
    _sky(d, (250, 244, 230), (225, 215, 196))
    d.rectangle([0, 620, W, H], fill=(96, 96, 104))
    back, front = (340, 480), (860, 480)
    for cx, cy in (back, front):
        d.ellipse([cx - 170, cy - 170, cx + 170, cy + 170], outline=(30, 30, 30), width=16)
        for k in range(12):
            a = k * math.pi / 6
            d.line(
                [(cx, cy), (cx + 160 * math.cos(a), cy + 160 * math.sin(a))],
                fill=(150, 150, 150),
                width=3,
            )
    seat, head, crank = (470, 260), (780, 250), (560, 480)
    frame = (0, 121, 107)
    for a, b in ((back, seat), (seat, crank), (crank, back), (seat, head), (crank, head)):
        d.line([a, b], fill=frame, width=18)
    d.line([head, front], fill=frame, width=18)
    d.line([(430, 250), (520, 250)], fill=(20, 20, 20), width=20)
    d.line([(760, 220), (840, 200)], fill=(20, 20, 20), width=14)


def coffee(d: Draw) -> None:
    """A cup of coffee on a saucer, steam rising."""
    _sky(d, (244, 236, 226), (210, 190, 170))
    d.ellipse([330, 520, 870, 660], fill=(250, 250, 248), outline=(200, 196, 190), width=4)
    d.rounded_rectangle([430, 330, 770, 590], radius=60, fill=(255, 255, 255))
    d.ellipse([430, 300, 770, 370], fill=(110, 66, 36))
    d.ellipse([455, 312, 745, 358], fill=(190, 140, 96))
    d.arc([730, 380, 860, 520], 270, 90, fill=(255, 255, 255), width=26)
    for k in range(3):
        x = 520 + k * 80
        pts = [(x + 20 * math.sin(y / 25), y) for y in range(120, 290, 4)]
        d.line(pts, fill=(255, 255, 255), width=8)


def bread(d: Draw) -> None:
    """Three loaves from a wood-fired oven on a floured table."""
    _sky(d, (70, 48, 34), (150, 96, 60), 520)
    d.rectangle([0, 520, W, H], fill=(232, 222, 204))
    for i, (x, y) in enumerate(((180, 420), (480, 390), (780, 430))):
        d.ellipse([x, y, x + 280, y + 200], fill=(176 - i * 10, 110, 52))
        for k in range(3):
            cx = x + 70 + k * 60
            d.arc([cx - 20, y + 40, cx + 40, y + 150], 300, 60, fill=(235, 200, 140), width=8)


def records(d: Draw) -> None:
    """Vinyl records in a crate, one pulled out."""
    _sky(d, (40, 70, 100), (20, 36, 56))
    d.rectangle([150, 430, 1050, 760], fill=(170, 120, 70))
    colours = [(200, 60, 50), (240, 190, 60), (60, 140, 180), (120, 180, 90), (230, 120, 160)]
    for i, c in enumerate(colours):
        x = 190 + i * 170
        d.rectangle([x, 300 + (i % 2) * 30, x + 150, 470], fill=c)
    d.ellipse([560, 120, 900, 460], fill=(18, 18, 18))
    for r in range(40, 170, 14):
        d.ellipse([730 - r, 290 - r, 730 + r, 290 + r], outline=(45, 45, 45), width=2)
    d.ellipse([690, 250, 770, 330], fill=(230, 80, 60))


def bench(d: Draw) -> None:
    """A redwood bench under trees."""
    _sky(d, (170, 210, 235), (230, 240, 240), 560)
    d.rectangle([0, 560, W, H], fill=(110, 150, 80))
    for x in (60, 1010):
        d.rectangle([x + 50, 120, x + 110, 600], fill=(110, 60, 40))
        d.ellipse([x - 40, 0, x + 200, 300], fill=(50, 100, 60))
    wood = (168, 76, 52)
    d.rectangle([280, 430, 920, 470], fill=wood)
    d.rectangle([280, 330, 920, 360], fill=wood)
    d.rectangle([280, 380, 920, 410], fill=wood)
    for x in (320, 860):
        d.rectangle([x, 330, x + 30, 620], fill=(130, 58, 40))


# (entry path under entries/, file name, drawing, format)
PHOTOS: list[tuple[str, str, Callable[[Draw], None], str]] = [
    ("ch/bern/erdwerk-keramik.yaml", "erdwerk-keramik-cups.jpg", cups, "JPEG"),
    ("ch/bern/velowerk-lorraine.yaml", "velowerk-lorraine-bicycle.jpg", bicycle, "JPEG"),
    ("ch/bern/kafi-zwischenhalt.yaml", "kafi-zwischenhalt-coffee.png", coffee, "PNG"),
    ("ch/bern/holzofebeck-breitsch.yaml", "holzofebeck-breitsch-loaves.jpg", bread, "JPEG"),
    ("us/santa-cruz/tidepool-records.yaml", "tidepool-records-crate.jpg", records, "JPEG"),
    ("us/santa-cruz/redwood-bench-joinery.yaml", "redwood-bench-joinery-bench.png", bench, "PNG"),
]


def main() -> None:
    for entry, name, draw, fmt in PHOTOS:
        img = Image.new("RGB", (W, H))
        draw(ImageDraw.Draw(img))
        for base in (ROOT / "entries", ROOT / "tests/fixtures/sample/entries"):
            target = (base / entry).parent / name
            options = {"quality": 88} if fmt == "JPEG" else {"optimize": True}
            img.save(target, fmt, **options)
            print(target.relative_to(ROOT))


if __name__ == "__main__":
    main()
