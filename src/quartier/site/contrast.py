"""Contrast of the site's colours (WCAG 2.2 AA), read from the stylesheets the site loads.

A city chooses its colours by Material's names (``site.primary_color``,
``site.accent_color`` in ``directory.yaml``); what a visitor sees is what
Material's stylesheets and the site's ``assets/quartier.css`` make of them.
So the colours are not kept in a table here: they are read from those CSS
files (the custom properties ``--md-primary-fg-color`` and so on, with
CSS's rules of which declaration wins), and the pairs a visitor reads are
measured with WCAG's contrast ratio:

- header text on the primary colour, and links on the page (4.5:1, text);
- text on the accent colour (buttons under the pointer, 4.5:1), and the
  accent on the page, where it draws focus outlines (3:1, WCAG 1.4.11).

A pair below its minimum is a build warning naming the setting, the ratio
and a colour name that passes (:func:`warnings`); the build still publishes.

Example::

    sheets = site_sheets(root)
    for finding in check("teal", "amber", sheets):
        print(finding.setting, f"{finding.ratio:.2f}", finding.minimum)
"""

from __future__ import annotations

import colorsys
import importlib.util
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import get_args

from ..config import CONFIG_NAME, Color, DirectoryConfig
from ..load import load_path
from ..messages import message
from ..problems import Problem, Severity

HERE = Path(__file__).parent
SITE_CSS = "assets/quartier.css"
SCHEMES = ("default", "slate")  # Material's light and dark schemes

RGBA = tuple[float, float, float, float]


@dataclass(frozen=True)
class Pair:
    """Text (or a mark) in colour ``fg`` on colour ``bg``, both custom properties."""

    setting: str  # the directory.yaml setting that chooses them, under site:
    what: str  # what a visitor sees: a key of WHAT
    fg: str
    bg: str
    minimum: float


PAIRS = (
    Pair("primary_color", "header", "--md-primary-bg-color", "--md-primary-fg-color", 4.5),
    Pair("primary_color", "links", "--md-typeset-a-color", "--md-default-bg-color", 4.5),
    Pair("accent_color", "buttons", "--md-accent-bg-color", "--md-accent-fg-color", 4.5),
    Pair("accent_color", "focus", "--md-accent-fg-color", "--md-default-bg-color", 3.0),
)
WHAT = {
    "header": "contrast.header",
    "links": "contrast.links",
    "buttons": "contrast.buttons",
    "focus": "contrast.focus",
}


@dataclass(frozen=True)
class Finding:
    """A pair whose contrast is below its minimum with the chosen colours."""

    pair: Pair
    value: str  # the colour name chosen
    ratio: float
    suggestion: str | None  # a colour name of the same setting that passes every pair
    suggestion_ratio: float

    @property
    def setting(self) -> str:
        return self.pair.setting

    @property
    def minimum(self) -> float:
        return self.pair.minimum


# --- Colours and WCAG's ratio ---------------------------------------------------------------

_HEX = re.compile(r"#([0-9a-fA-F]{3,8})")
_FUNC = re.compile(r"(rgba?|hsla?)\(([^()]*)\)")


def parse_color(text: str) -> RGBA:
    """A CSS colour (hex, rgb(), rgba(), hsl(), hsla(), white, black) as 0..1 channels.

    Example: ``parse_color("#ffffffb3") == (1.0, 1.0, 1.0, 0.7019...)``.
    """
    text = text.strip()
    named = {"white": "#fff", "black": "#000", "transparent": "#0000"}
    text = named.get(text.lower(), text)
    if m := _HEX.fullmatch(text):
        digits = m.group(1)
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        if len(digits) not in (6, 8):
            raise ValueError(text)
        channels = [int(digits[i : i + 2], 16) / 255 for i in range(0, len(digits), 2)]
        return (channels[0], channels[1], channels[2], channels[3] if len(channels) == 4 else 1.0)
    if m := _FUNC.fullmatch(text):
        parts = [p for p in re.split(r"[\s,/]+", m.group(2).strip()) if p]
        alpha = _number(parts[3], 1.0) if len(parts) > 3 else 1.0
        if m.group(1).startswith("rgb"):
            r, g, b = (_number(p, 255.0) for p in parts[:3])
            return (r, g, b, alpha)
        hue = float(parts[0].removesuffix("deg")) / 360 % 1.0
        sat, light = _number(parts[1], 100.0), _number(parts[2], 100.0)
        r, g, b = colorsys.hls_to_rgb(hue, light, sat)
        return (r, g, b, alpha)
    raise ValueError(text)


def _number(text: str, scale: float) -> float:
    """``50%`` -> 0.5, ``128`` -> 128/scale (rgb channels), ``0.5`` alpha -> 0.5."""
    if text.endswith("%"):
        return float(text[:-1]) / 100
    value = float(text)
    return value if scale == 1.0 else value / scale


def over(fg: RGBA, bg: RGBA) -> RGBA:
    """``fg`` drawn over ``bg`` (alpha compositing); an opaque result if ``bg`` is opaque."""
    a = fg[3]
    r, g, b = (fg[i] * a + bg[i] * (1 - a) for i in range(3))
    return (r, g, b, a + bg[3] * (1 - a))


def luminance(color: RGBA) -> float:
    """WCAG 2 relative luminance of an opaque colour."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(fg: RGBA, bg: RGBA, page: RGBA = (1.0, 1.0, 1.0, 1.0)) -> float:
    """WCAG contrast of ``fg`` on ``bg``; see-through colours are laid over ``page`` first.

    Example: ``ratio(parse_color("#009485"), parse_color("#fff"))`` is 3.76.
    """
    back = over(bg, page)
    front = over(fg, back)
    hi, lo = sorted((luminance(front), luminance(back)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# --- Custom properties, as CSS resolves them --------------------------------------------------

_ATTR = re.compile(r"\[data-md-color-(scheme|primary|accent)=[\"']?([\w-]+)[\"']?\]")
_NOT = re.compile(r":not\((\[data-md-color-[^()]*\])\)")
_DECL = re.compile(r"(--[\w-]+)\s*:\s*([^;]+)")
_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)")


@dataclass(frozen=True)
class _Rule:
    on_root: bool  # the selector is :root (the html element)
    needs: tuple[tuple[str, str], ...]  # attributes of body it needs: (name, value)
    refuses: tuple[tuple[str, str], ...]  # attributes inside :not(...)
    specificity: int
    order: int
    declarations: tuple[tuple[str, str], ...]


def _blocks(css: str, depth_left: int = 4) -> Iterable[tuple[str, str]]:
    """``selector { declarations }`` of a stylesheet, in order.

    Rules inside ``@media screen`` (how Material wraps its palette) count:
    they apply on every screen; other at-rules (print, a width) are left out,
    and so are blocks nested deeper than ``depth_left``.
    """
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@(?:charset|import|namespace)[^;{]*;", "", css)
    depth, start, selector = 0, 0, ""
    for i, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                selector, start = css[start:i].strip(), i + 1
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                if not selector.startswith("@"):
                    yield selector, css[start:i]
                elif depth_left and re.fullmatch(r"@media\s+(?:only\s+)?(?:screen|all)", selector):
                    yield from _blocks(css[start:i], depth_left - 1)
                start = i + 1


def _rules(sheets: Sequence[str]) -> list[_Rule]:
    """The rules that declare custom properties on html (``:root``) or on body (the palette)."""
    rules: list[_Rule] = []
    for sheet in sheets:
        for selectors, body in _blocks(sheet):
            declarations = tuple((k, v.strip()) for k, v in _DECL.findall(body))
            if not declarations:
                continue
            for selector in selectors.split(","):
                rule = _rule(selector.strip(), len(rules), declarations)
                if rule is not None:
                    rules.append(rule)
    return rules


def _rule(selector: str, order: int, declarations: tuple[tuple[str, str], ...]) -> _Rule | None:
    if selector == ":root":
        return _Rule(True, (), (), 1, order, declarations)
    negated = " ".join(_NOT.findall(selector))
    refuses = tuple((m.group(1), m.group(2)) for m in _ATTR.finditer(negated))
    rest = _NOT.sub("", selector)
    needs = tuple((m.group(1), m.group(2)) for m in _ATTR.finditer(rest))
    if not needs or _ATTR.sub("", rest).strip():
        return None  # a rule about elements (".md-header ..."), not about the palette
    return _Rule(False, needs, refuses, len(needs) + len(refuses), order, declarations)


@cache
def _parsed(sheets: tuple[str, ...]) -> list[_Rule]:
    return _rules(sheets)


def variables(sheets: Sequence[str], scheme: str, primary: str, accent: str) -> dict[str, str]:
    """The custom properties of body (which carries the palette's attributes), resolved.

    html takes the ``:root`` rules; body the rules whose attributes it has,
    the most specific and then the last winning; what body does not declare
    it inherits from html. ``var()`` is replaced in each element's own scope.
    """
    attrs = {"scheme": scheme, "primary": primary, "accent": accent}
    html: dict[str, tuple[tuple[int, int], str]] = {}
    body: dict[str, tuple[tuple[int, int], str]] = {}
    for rule in _parsed(tuple(sheets)):
        if rule.on_root:
            target = html
        elif all(attrs[k] == v for k, v in rule.needs) and not any(
            attrs[k] == v for k, v in rule.refuses
        ):
            target = body
        else:
            continue
        rank = (rule.specificity, rule.order)
        for name, value in rule.declarations:
            if name not in target or target[name][0] <= rank:
                target[name] = (rank, value)
    root = _resolve({k: v for k, (_, v) in html.items()}, {})
    return _resolve({k: v for k, (_, v) in body.items()}, root)


def _resolve(own: dict[str, str], inherited: dict[str, str]) -> dict[str, str]:
    scope = {**inherited, **own}

    def value(name: str, seen: frozenset[str]) -> str:
        if name in seen:
            return ""  # a cycle: invalid at computed-value time
        text = scope.get(name, "")

        def replace(m: re.Match[str]) -> str:
            found = value(m.group(1), seen | {name}) if m.group(1) in scope else ""
            return found or (m.group(2) or "").strip()

        for _ in range(10):
            text, n = _VAR.subn(replace, text)
            if not n:
                break
        return text

    resolved = dict(inherited)
    for name in own:
        resolved[name] = value(name, frozenset())
    return resolved


# --- The site's stylesheets and the check -------------------------------------------------------


def material_sheets() -> list[str]:
    """Material for MkDocs' main and palette stylesheets, as installed (none without it).

    tests/test_contrast.py checks that both are found, so that a Material
    that renamed them cannot silently turn the check off.
    """
    spec = importlib.util.find_spec("material")
    if spec is None or spec.origin is None:
        return []  # no site extra, no site: nothing to measure
    folder = Path(spec.origin).parent / "templates" / "assets" / "stylesheets"
    found = sorted(folder.glob("main.*.min.css")) + sorted(folder.glob("palette.*.min.css"))
    return [p.read_text("utf-8") for p in found]


def site_sheets(root: Path | None = None) -> list[str]:
    """Material's stylesheets, then the site's ``assets/quartier.css`` (a city's own replaces it).

    A city's file is read as the site would serve it, up to :data:`MAX_CSS`
    bytes; a link is not followed (the build refuses links in ``site/``).
    """
    own = root / "site" / SITE_CSS if root is not None else None
    path = own if own is not None and own.is_file() and not own.is_symlink() else None
    with (path or HERE / "theme" / SITE_CSS).open("rb") as f:
        css = f.read(MAX_CSS).decode("utf-8", errors="replace")
    return [*material_sheets(), css]


MAX_CSS = 4_000_000


def measure(
    pair: Pair, sheets: Sequence[str], primary: str, accent: str, scheme: str
) -> float | None:
    """The contrast of ``pair`` with these colours in ``scheme``, or None if it cannot be read.

    None when a colour is written in a way this reader does not know
    (``color-mix()``, ``oklch()``), is missing or refers to itself: the
    browser may still draw it well, so nothing is claimed about it.
    """
    found = variables(sheets, scheme, primary, accent)
    try:
        page = parse_color(found.get("--md-default-bg-color", "#fff"))
        return ratio(parse_color(found[pair.fg]), parse_color(found[pair.bg]), page)
    except (KeyError, ValueError, IndexError):
        return None


def check(
    primary: str, accent: str, sheets: Sequence[str], scheme: str = "default"
) -> list[Finding]:
    """The pairs below their minimum with these colours, each with a passing suggestion."""
    findings = []
    for pair in PAIRS:
        found = measure(pair, sheets, primary, accent, scheme)
        if found is not None and found < pair.minimum:
            value = primary if pair.setting == "primary_color" else accent
            name, best = _suggest(pair.setting, value, sheets, primary, accent, scheme)
            findings.append(Finding(pair, value, found, name, best))
    return findings


def _suggest(
    setting: str, value: str, sheets: Sequence[str], primary: str, accent: str, scheme: str
) -> tuple[str | None, float]:
    """The colour name nearest to ``value`` whose every pair of ``setting`` passes.

    Nearest by the colour itself (the primary or accent colour in RGB), so
    the suggestion keeps the city's look: cyan suggests teal, amber brown.
    """
    mine = [p for p in PAIRS if p.setting == setting]
    own = "--md-primary-fg-color" if setting == "primary_color" else "--md-accent-fg-color"

    def colour(name: str) -> RGBA | None:
        p_name, a_name = (name, accent) if setting == "primary_color" else (primary, name)
        try:
            return parse_color(variables(sheets, scheme, p_name, a_name)[own])
        except (KeyError, ValueError, IndexError):
            return None

    target = colour(value) or (0.5, 0.5, 0.5, 1.0)
    best: tuple[float, str, float] | None = None
    for name in get_args(Color):
        p_name, a_name = (name, accent) if setting == "primary_color" else (primary, name)
        ratios = [measure(p, sheets, p_name, a_name, scheme) for p in mine]
        known = [r for r in ratios if r is not None]
        shade = colour(name)
        if name == value or shade is None or len(known) < len(mine):
            continue
        if any(r < p.minimum for r, p in zip(known, mine, strict=True)):
            continue
        distance = sum((a - b) ** 2 for a, b in zip(shade[:3], target[:3], strict=True))
        if best is None or distance < best[0]:
            best = (distance, name, min(known))
    return (best[1], best[2]) if best else (None, 0.0)


def warnings(config: DirectoryConfig, root: Path) -> list[Problem]:
    """Build warnings for the city's colours that fail contrast, at their lines in directory.yaml.

    The site is drawn in Material's light scheme; a city's own
    ``site/assets/quartier.css`` is what is measured when it has one.
    """
    site = config.site
    findings = check(site.primary_color, site.accent_color, site_sheets(root))
    if not findings:
        return []
    doc = load_path(root / CONFIG_NAME, display=CONFIG_NAME)
    problems = []
    for setting in dict.fromkeys(f.setting for f in findings):
        mine = [f for f in findings if f.setting == setting]
        pairs = "; ".join(
            message(
                "contrast.pair",
                what=message(WHAT[f.pair.what]),
                ratio=f"{f.ratio:.2f}",
                minimum=f"{f.minimum:g}",
            )
            for f in mine
        )
        text = message("contrast.low", value=mine[0].value, pairs=pairs)
        worst = min(mine, key=lambda f: f.ratio / f.minimum)
        if worst.suggestion is None:
            hint = message("contrast.low.own", minimum=f"{worst.minimum:g}")
        else:
            hint = message(
                "contrast.low.fix",
                setting=setting,
                suggestion=worst.suggestion,
                ratio=f"{worst.suggestion_ratio:.2f}",
            )
        line, column = doc.locate(("site", setting))
        field = f"site.{setting}"
        problems.append(Problem(CONFIG_NAME, line, column, field, text, hint, Severity.WARNING))
    return problems
