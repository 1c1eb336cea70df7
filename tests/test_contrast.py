"""The site's colours reach WCAG 2.2 AA contrast, computed from the CSS the site loads.

The ratios come from Material's installed stylesheets and the package's
``assets/quartier.css`` (quartier.site.contrast resolves the custom
properties as a browser does); the browser's own check is axe-core in
tests/test_a11y_browser.py. A city's colours that fail are a warning at
build, with a name that passes, and the build still publishes.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from quartier.cli import main
from quartier.config import SiteSettings
from quartier.site import contrast
from quartier.site.contrast import PAIRS, check, measure, parse_color, ratio, site_sheets

from .conftest import SAMPLE

pytest.importorskip(
    "material", reason="the site needs the site extra: pip install 'quartier[site]'"
)

CSS = Path(contrast.__file__).parent / "theme" / "assets" / "quartier.css"
WHITE = (1.0, 1.0, 1.0, 1.0)


def test_ratio_is_wcags() -> None:
    assert ratio(parse_color("#000"), parse_color("#fff")) == pytest.approx(21.0)
    assert ratio(parse_color("#fff"), parse_color("#fff")) == pytest.approx(1.0)
    # The figures WebAIM's checker gives.
    assert ratio(parse_color("#777777"), parse_color("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert ratio(parse_color("#009485"), parse_color("white")) == pytest.approx(3.77, abs=0.01)
    # Order does not matter; see-through text is laid over its background.
    assert ratio(parse_color("#fff"), parse_color("#009485")) == pytest.approx(3.77, abs=0.01)
    assert ratio(parse_color("#00000052"), parse_color("#fff")) == pytest.approx(
        2.25, abs=0.01
    )  # #adadad


@pytest.mark.parametrize(
    ("text", "rgba"),
    [
        ("#fa0", (1.0, 2 / 3, 0.0, 1.0)),
        ("#ffffffb3", (1.0, 1.0, 1.0, 0xB3 / 255)),
        ("rgb(255, 0, 0)", (1.0, 0.0, 0.0, 1.0)),
        ("rgba(0 0 0 / 50%)", (0.0, 0.0, 0.0, 0.5)),
        ("hsla(0deg, 100%, 50%, 0.25)", (1.0, 0.0, 0.0, 0.25)),
        ("hsl(120, 100%, 25%)", (0.0, 0.5, 0.0, 1.0)),
    ],
)
def test_css_colours_are_read(text: str, rgba: tuple[float, ...]) -> None:
    assert parse_color(text) == pytest.approx(rgba)


@pytest.mark.parametrize("text", ["", "#12345", "oklch(50% 0.1 200)", "var(--x)", "teal"])
def test_unknown_colours_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_color(text)


@pytest.mark.parametrize("scheme", contrast.SCHEMES)
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.what)
def test_the_default_colours_pass_in_light_and_dark(scheme: str, pair: contrast.Pair) -> None:
    defaults = SiteSettings()
    found = measure(pair, site_sheets(), defaults.primary_color, defaults.accent_color, scheme)
    assert found is not None
    assert found >= pair.minimum, (scheme, pair, found)


def test_materials_own_teal_and_amber_fail_and_ours_replace_them() -> None:
    """The check can fail: Material's stock shades, without quartier.css, are below AA."""
    material = contrast.material_sheets()
    assert len(material) == 2  # main and palette: renamed files must not turn the check off
    failing = {(f.pair.what, round(f.ratio, 2)) for f in check("teal", "amber", material)}
    assert failing == {("header", 3.77), ("links", 3.77), ("focus", 1.91)}
    assert check("teal", "amber", site_sheets()) == []
    values = contrast.variables(site_sheets(), "default", "teal", "amber")
    assert values["--md-primary-fg-color"] == "#00796b"
    assert values["--md-typeset-a-color"] == "#00796b"
    # The dark scheme keeps Material's lighter link colour, which passes on its dark page.
    assert contrast.variables(site_sheets(), "slate", "teal", "amber")["--md-typeset-a-color"] == (
        "#00ccb8"
    )


@pytest.mark.parametrize("scheme", contrast.SCHEMES)
def test_text_and_field_borders_of_the_theme_pass(scheme: str) -> None:
    """Muted text (.q-small), form field borders (3:1) in both schemes."""
    values = contrast.variables(site_sheets(), scheme, "teal", "amber")
    page = parse_color(values["--md-default-bg-color"])
    muted = parse_color(values["--md-default-fg-color--light"])
    text = parse_color(values["--md-default-fg-color"])
    assert ratio(text, page, page) >= 4.5
    assert ratio(muted, page, page) >= 4.5
    css = CSS.read_text("utf-8")
    border = re.search(r"\.q-form textarea \{ border-color: var\((--[\w-]+)\); \}", css)
    assert border, "the form fields' border colour rule moved"
    assert ratio(parse_color(values[border.group(1)]), page, page) >= 3.0


def test_the_fixed_colours_of_quartier_css_pass() -> None:
    """Every rule of quartier.css that sets both a colour and a background passes 4.5:1."""
    css = CSS.read_text("utf-8")
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
    pairs = []
    for selector, body in rules:
        fg = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,8})", body)
        bg = re.search(r"background:\s*(#[0-9a-fA-F]{3,8})", body)
        if fg and bg:
            pairs.append((selector.strip(), fg.group(1), bg.group(1)))
    assert len(pairs) >= 4, pairs  # the three status badges and the form's error box
    for selector, fg, bg in pairs:
        assert ratio(parse_color(fg), parse_color(bg)) >= 4.5, (selector, fg, bg)
    # Text in a fixed colour on the page (open now, closed now, form errors).
    for fixed in re.findall(r"\{ color: (#[0-9a-fA-F]{6}); \}", css):
        assert ratio(parse_color(fixed), WHITE) >= 4.5, fixed


def test_a_failing_colour_gets_a_passing_suggestion_of_the_same_setting() -> None:
    sheets = site_sheets()
    found = {f.pair.what: f for f in check("cyan", "amber", sheets)}
    assert set(found) == {"header", "links"}
    assert found["links"].ratio < 4.5
    suggestion = found["links"].suggestion
    assert suggestion is not None
    assert check(suggestion, "amber", sheets) == []
    assert found["links"].suggestion_ratio >= 4.5
    accent = {f.pair.what: f for f in check("teal", "yellow", sheets)}
    assert set(accent) == {"focus"}
    assert accent["focus"].suggestion is not None
    assert check("teal", accent["focus"].suggestion, sheets) == []


def test_a_citys_own_stylesheet_is_what_is_measured(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "site" / "assets").mkdir(parents=True)
    own = "[data-md-color-primary=cyan] { --md-primary-fg-color: #006064; }\n"
    (root / "site" / "assets" / "quartier.css").write_text(CSS.read_text("utf-8") + own, "utf-8")
    assert check("cyan", "amber", site_sheets(root)) == []
    # A link instead of a file is not followed: the package's stylesheet is measured.
    (root / "site" / "assets" / "quartier.css").unlink()
    (root / "site" / "assets" / "quartier.css").symlink_to(tmp_path / "elsewhere.css")
    (tmp_path / "elsewhere.css").write_text(own, "utf-8")
    assert {f.pair.what for f in check("cyan", "amber", site_sheets(root))} == {"header", "links"}


@pytest.mark.parametrize(
    "hostile",
    [
        # A cycle, a colour this reader does not know, a missing variable, broken braces.
        "[data-md-color-primary=cyan] { --md-primary-fg-color: var(--x); "
        "--x: var(--md-primary-fg-color); }",
        "[data-md-color-primary=cyan] { --md-primary-fg-color: color-mix(in srgb, red, blue); }",
        "[data-md-color-primary=cyan] { --md-primary-fg-color: var(--nowhere); }",
        "}}}{{{ [data-md-color-primary=cyan] { --md-primary-fg-color: #",
        "@media screen { @media screen { " * 200,
        "@media screen {" * 5000
        + "[data-md-color-primary=cyan] { --md-primary-fg-color: #000; }"
        + "}" * 5000,
    ],
)
def test_a_stylesheet_it_cannot_read_is_no_crash(hostile: str) -> None:
    sheets = [*contrast.material_sheets(), CSS.read_text("utf-8") + hostile]
    findings = check("cyan", "amber", sheets)
    assert all(f.ratio < f.minimum for f in findings)


def _with_colours(root: Path, primary: str, accent: str) -> None:
    path = root / "directory.yaml"
    text = path.read_text("utf-8")
    assert "  primary_color: teal\n  accent_color: amber\n" in text
    text = text.replace("primary_color: teal", f"primary_color: {primary}")
    path.write_text(text.replace("accent_color: amber", f"accent_color: {accent}"), "utf-8")


def test_a_build_warns_about_a_citys_colours_and_still_publishes(
    make_root: Callable[[dict[str, bytes | str]], Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("mkdocs", reason="the site needs the site extra")
    entry = next((SAMPLE / "entries").rglob("velowerk-lorraine.yaml"))
    root = make_root({})
    shutil.copytree(entry.parent, root / "entries" / "ch" / "bern", dirs_exist_ok=True)
    _with_colours(root, "cyan", "yellow")
    out = tmp_path / "_site"
    assert main(["build", "--quiet", "--root", str(root), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (out / "index.html").is_file()
    lines = [line for line in printed.splitlines() if "contrast" in line]
    settings = (root / "directory.yaml").read_text("utf-8").splitlines()
    primary_line = settings.index("  primary_color: cyan") + 1
    accent_line = settings.index("  accent_color: yellow") + 1
    assert any(
        line.startswith(f"directory.yaml:{primary_line}:")
        and "warning" in line
        and "site.primary_color: 'cyan' has too little contrast" in line
        and re.search(r"links on the page 2\.\d\d:1, needs 4\.5:1", line)
        and re.search(r"the header's title and tabs on the primary colour 2\.\d\d:1", line)
        and re.search(r"write site\.primary_color: [\w-]+ \(\d\.\d\d:1\)", line)
        for line in lines
    ), printed
    assert any(
        line.startswith(f"directory.yaml:{accent_line}:")
        and "focus outlines in the accent colour 1.43:1, needs 3:1" in line
        for line in lines
    ), printed


def test_the_sample_builds_without_a_contrast_warning(tmp_path: Path) -> None:
    root = shutil.copytree(SAMPLE, tmp_path / "repo")
    import yaml

    from quartier.config import DirectoryConfig

    config = DirectoryConfig.model_validate(yaml.safe_load((root / "directory.yaml").read_text()))
    assert contrast.warnings(config, root) == []
    _with_colours(root, "light-green", "amber")
    config = DirectoryConfig.model_validate(yaml.safe_load((root / "directory.yaml").read_text()))
    found = contrast.warnings(config, root)
    assert {p.field for p in found} == {"site.primary_color"}
    assert all(not p.is_error for p in found)
