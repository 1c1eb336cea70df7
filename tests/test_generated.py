"""Generated files must match the models, and the JSON Schema must agree with the model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CASES, ROOT, SAMPLE

sys.path.insert(0, str(ROOT / "scripts"))
import generate


def test_no_generated_file_drifted() -> None:
    for path, text in generate.generated().items():
        assert path.read_text("utf-8") == text, (
            f"{path.relative_to(ROOT)} drifted from the models: run python scripts/generate.py"
        )


def test_field_reference_names_every_field() -> None:
    from quartier.model import Entry

    reference = (ROOT / "schema" / "entry.md").read_text("utf-8")
    for name, info in Entry.model_fields.items():
        assert f"| `{name}` |" in reference
        assert info.description, f"{name} has no description"


def _check_jsonschema(files: list[Path]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(exe), "--schemafile", str(ROOT / "schema" / "entry.schema.json"), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_sample_entries_pass_the_exported_schema() -> None:
    files = sorted((SAMPLE / "entries").rglob("*.yaml"))
    result = _check_jsonschema(files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["unknown-keys", "categories", "bad-id", "missing-fields"])
def test_the_exported_schema_rejects_invalid_cases(name: str) -> None:
    result = _check_jsonschema([CASES / "invalid" / f"{name}.yaml"])
    assert result.returncode == 1, result.stdout


def test_schema_has_category_enum_and_examples() -> None:
    schema = json.loads((ROOT / "schema" / "entry.schema.json").read_text("utf-8"))
    ids = schema["$defs"]["CategoryId"]["enum"]
    assert "bicycle_repair" in ids and len(ids) >= 60
    assert schema["properties"]["category"]["$ref"] == "#/$defs/CategoryId"


def test_entries_point_editors_at_the_schema() -> None:
    for path in sorted((SAMPLE / "entries").rglob("*.yaml")):
        first = path.read_text("utf-8").splitlines()[0]
        depth = len(path.relative_to(SAMPLE).parts) - 1
        assert first == (
            "# yaml-language-server: $schema=" + "../" * depth + "schema/entry.schema.json"
        ), path
