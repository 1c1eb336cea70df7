"""Write every file generated from the models, or check that none has drifted.

The pydantic models in ``src/quartier`` are the one source of the entry
JSON Schema, the field reference and the pre-commit hook definition. Run
this after changing a model; CI runs it with ``--check``.

usage:
  python scripts/generate.py           # rewrite the generated files
  python scripts/generate.py --check   # exit 1 and name the files that drifted
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from quartier.schema import dumps, entry_json_schema, field_reference, precommit_hooks
from quartier.taxonomy import TAXONOMY_PATH, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]


def generated() -> dict[Path, str]:
    taxonomy, problems = load_taxonomy(ROOT / TAXONOMY_PATH)
    if taxonomy is None:
        for p in problems:
            print(f"{p.path}:{p.line}:{p.column}: {p.message}", file=sys.stderr)
        raise SystemExit(1)
    return {
        ROOT / "schema" / "entry.schema.json": dumps(entry_json_schema(taxonomy)),
        ROOT / "site" / "reference" / "entry.md": field_reference(),
        ROOT / ".pre-commit-hooks.yaml": precommit_hooks(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only report drift")
    args = parser.parse_args(argv)
    drifted = []
    for path, text in generated().items():
        current = path.read_text("utf-8") if path.is_file() else None
        if current == text:
            continue
        drifted.append(path.relative_to(ROOT).as_posix())
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
    if args.check and drifted:
        print(
            "generated files drifted from the models: "
            + ", ".join(drifted)
            + "\nrun: python scripts/generate.py",
            file=sys.stderr,
        )
        return 1
    for name in drifted:
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
