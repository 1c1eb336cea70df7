"""Start a city's directory repository: data only, upgraded by changing one version.

A directory repository holds what is the city's (``directory.yaml``,
``entries/``) and thin files that install a pinned ``quartier``: the
workflows, Dependabot, the pre-commit hook, a README for maintainers and one
for owners with the entry template. Nothing of the tool is copied, so a new
release is a version bump, never a merge.

Every value is checked with the same models as ``directory.yaml`` itself
before anything is written, and each problem names the flag to fix. The
files are written into a fresh folder beside the target and moved into
place, and existing files are never overwritten.

Example::

    answers = Answers(path="../quartier-lausanne", name="Quartier Lausanne",
                      base_url="https://example.github.io/quartier-lausanne/",
                      area="lausanne", area_name="Lausanne", bbox="6.55,46.49,6.72,46.57",
                      countries=["CH"], timezone="Europe/Zurich", languages=["fr", "de", "en"])
    plan = plan_repository(answers)        # raises InvalidAnswers naming each flag
    write_repository(Path(answers.path), plan)
"""

from __future__ import annotations

import math
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import get_args

from .. import __version__
from ..config import CONFIG_NAME, LICENSES, DirectoryConfig, SiteSettings
from ..explain import validate
from ..intake.texts import LANGUAGES as FORM_LANGUAGES
from ..load import load_bytes
from ..problems import Problem, QuartierError
from . import render as r

UPSTREAM = "https://github.com/quartier-dev/quartier"
SCHEMA_URL = (
    "https://raw.githubusercontent.com/quartier-dev/quartier/v{version}/schema/entry.schema.json"
)
# The readers' copy of the shared categories in a release of the tool (for entries/README.md).
TAXONOMY_IN_UPSTREAM = "schema/taxonomy.yaml"
# The section of the tool's README that describes every setting of directory.yaml.
SETTINGS_ANCHOR = "README.md#the-directorys-settings-directoryyaml"
STALE_AFTER_DAYS = 365
ENTRIES = "entries"

# The site's interface languages are the ones its settings model allows.
SITE_LANGUAGES: tuple[str, ...] = get_args(SiteSettings.model_fields["language"].annotation)

# What each created file is for, in the order they are listed to the user.
FILES = {
    CONFIG_NAME: "the settings: name, address, region, languages, maintainers",
    f"{ENTRIES}/README.md": "for owners: how a business joins, with the template to copy",
    "README.md": "for maintainers: review, preview, publish, upgrade",
    "requirements.txt": "the pinned quartier that the workflows install",
    ".github/workflows/validate.yml": "checks every pull request",
    ".github/workflows/approvals.yml": "checks that an entry's maintainers approve its changes",
    ".github/workflows/pages.yml": "builds the site and deploys it to GitHub Pages",
    ".github/workflows/stale.yml": "weekly: reminds owners whose entry nobody confirmed lately",
    ".github/workflows/intake.yml": "turns an 'add my business' issue into a pull request",
    **{
        f".github/ISSUE_TEMPLATE/add-business-{lang}.yml": f"issue form to add a business ({lang})"
        for lang in FORM_LANGUAGES
    },
    ".github/ISSUE_TEMPLATE/report-problem.yml": "the issue form to report a wrong entry",
    ".github/ISSUE_TEMPLATE/config.yml": "no blank issues: owners land on the forms",
    ".github/dependabot.yml": "proposes upgrades of quartier and of the actions",
    ".github/CODEOWNERS": "the maintainers own the workflows, the pinned tool and the settings",
    ".pre-commit-config.yaml": "the same check before each commit",
    ".gitignore": "keeps _site/ and .quartier-cache out of git",
}
# Template file (package data) of each created file that is copied with placeholders filled.
_PLAIN_TEMPLATES = {
    "README.md": "README.md",
    "requirements.txt": "requirements.txt",
    ".github/workflows/validate.yml": "github/workflows/validate.yml",
    ".github/workflows/approvals.yml": "github/workflows/approvals.yml",
    ".github/workflows/pages.yml": "github/workflows/pages.yml",
    ".github/workflows/stale.yml": "github/workflows/stale.yml",
    ".github/workflows/intake.yml": "github/workflows/intake.yml",
    ".github/dependabot.yml": "github/dependabot.yml",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    ".gitignore": "gitignore",
}


@dataclass
class Answers:
    """The values ``quartier init`` needs, as typed (flags or answers to questions)."""

    path: str | None = None
    name: str | None = None
    base_url: str | None = None
    area: str | None = None
    area_name: str | None = None
    bbox: str | None = None
    countries: list[str] = field(default_factory=list)
    timezone: str | None = None
    languages: list[str] = field(default_factory=list)
    repository: str | None = None
    license: str | None = "CC0-1.0"
    maintainers: list[str] = field(default_factory=list)
    contact_email: str | None = None


@dataclass(frozen=True)
class Question:
    """One value: its attribute of :class:`Answers`, flag, question and example."""

    attr: str
    flag: str
    prompt: str
    example: str
    required: bool = True
    many: bool = False


# In the order they are asked on a terminal.
QUESTIONS = (
    Question("path", "PATH", "Folder to create", "../quartier-lausanne"),
    Question("name", "--name", "Name of the directory", "Quartier Lausanne"),
    Question(
        "base_url",
        "--base-url",
        "Public address of the site, ending in /",
        "https://example.github.io/quartier-lausanne/",
    ),
    Question("area_name", "--area-name", "Name of the area (city or region)", "Lausanne"),
    Question("area", "--area", "Short id of the area (lowercase, hyphens)", "lausanne"),
    Question(
        "bbox",
        "--bbox",
        "Bounding box west,south,east,north in degrees",
        "6.55,46.49,6.72,46.57",
    ),
    Question("countries", "--country", "Country codes in the area", "CH", many=True),
    Question("timezone", "--timezone", "IANA timezone", "Europe/Zurich"),
    Question("languages", "--language", "Languages, the site's first", "fr de en", many=True),
    Question(
        "repository",
        "--repository",
        "Git repository (optional)",
        "https://github.com/example/quartier-lausanne",
        required=False,
    ),
    Question("license", "--license", "License of the data", ", ".join(LICENSES), required=False),
    Question(
        "maintainers",
        "--maintainer",
        "GitHub logins of the maintainers (optional)",
        "octocat",
        required=False,
        many=True,
    ),
    Question(
        "contact_email",
        "--contact-email",
        "E-mail address where owners without a GitHub account send their entry (optional)",
        "annuaire@lausanne.example.org",
        required=False,
    ),
)
QUESTION_BY_FLAG = {q.flag: q for q in QUESTIONS}

# Settings fields (as explain.field_path names them) -> the flag that sets them.
_FLAG_OF_FIELD = (
    ("areas[0].bbox", "--bbox"),
    ("areas[0].id", "--area"),
    ("areas[0].name", "--area-name"),
    ("areas[0].countries", "--country"),
    ("areas[0].timezone", "--timezone"),
    ("areas[0].languages", "--language"),
    ("languages", "--language"),
    ("base_url", "--base-url"),
    ("repository", "--repository"),
    ("maintainers", "--maintainer"),
    ("license", "--license"),
    ("contact_email", "--contact-email"),
    ("name", "--name"),
    ("description", "--area-name"),
    ("location.address.locality", "--area-name"),
    ("location.address.country", "--country"),
)
# The model's hints speak of directory.yaml's syntax; on the command line it is another.
_FLAG_HINTS = {"--bbox": "write west,south,east,north, e.g. 6.55,46.49,6.72,46.57"}


class InvalidAnswers(QuartierError):
    """Values given to ``quartier init`` that the directory's settings refuse, by flag."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{flag}: {text}" for flag, text in problems))
        self.problems = problems

    @property
    def flags(self) -> list[str]:
        return list(dict.fromkeys(flag for flag, _ in self.problems))


@dataclass
class Plan:
    """What ``quartier init`` writes: each file's text by path, and notes for the user."""

    files: dict[str, str]
    config: DirectoryConfig
    example_path: str
    owner_language: str
    notes: list[str] = field(default_factory=list)


def missing(answers: Answers) -> list[Question]:
    """The required values not given yet."""
    return [q for q in QUESTIONS if q.required and not getattr(answers, q.attr)]


def slug(text: str) -> str:
    """A suggested area id for a name: ``slug("Genève Nord") == "geneve-nord"``."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def parse_bbox(text: str) -> list[float]:
    """Four finite numbers from ``6.55,46.49,6.72,46.57`` (or spaces, or in brackets)."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip().strip("[]()")) if p]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise InvalidAnswers(
            [("--bbox", f"'{text}' is not four numbers (fix: {_FLAG_HINTS['--bbox']})")]
        )
    return numbers


def plan_repository(answers: Answers, today: date | None = None) -> Plan:
    """Render every file and check them with the models; raise :class:`InvalidAnswers`.

    ``directory.yaml`` is validated as it will be written, with the loader
    and model that ``quartier validate`` uses, so what passes here loads
    there. The entry template is validated too, against the same contract.
    """
    absent = [q.flag for q in missing(answers)]
    if absent:
        raise QuartierError(f"missing {', '.join(absent)}")
    problems: list[tuple[str, str]] = []
    try:
        bbox = parse_bbox(answers.bbox or "")
    except InvalidAnswers as exc:
        problems += exc.problems
        bbox = []
    languages = list(dict.fromkeys(answers.languages))
    countries = list(dict.fromkeys(c.upper() for c in answers.countries))
    maintainers = [m.removeprefix("@") for m in answers.maintainers]
    site_language = languages[0] if languages[0] in SITE_LANGUAGES else "en"
    text = r.render(
        r.template("directory.yaml"),
        {
            "settings_reference": f"{UPSTREAM}/blob/v{__version__}/{SETTINGS_ANCHOR}",
            "name": r.scalar(answers.name or ""),
            "description": r.scalar(r.description(languages, answers.area_name or "")),
            "base_url": r.scalar(answers.base_url or ""),
            "repository_line": (
                f"repository: {r.scalar(answers.repository)}"
                if answers.repository
                else f"# repository: {_guess_repository(answers.base_url or '')}"
            ),
            "contact_email_line": (
                f"contact_email: {r.scalar(answers.contact_email)}"
                if answers.contact_email
                else "# contact_email: directory@example.org"
            ),
            "languages": r.flow_list(languages),
            "licenses": ", ".join(LICENSES),
            "license": r.scalar(answers.license or "CC0-1.0"),
            "area": r.scalar(answers.area or ""),
            "area_name": r.scalar(answers.area_name or ""),
            "bbox": "[" + ", ".join(map(repr, bbox)) + "]",
            "countries": r.flow_list(countries),
            "timezone": r.scalar(answers.timezone or ""),
            "maintainers": r.flow_list(maintainers),
            "site_languages": ", ".join(SITE_LANGUAGES),
            "site_language": site_language,
        },
    )
    doc = load_bytes(text.encode("utf-8"), CONFIG_NAME)
    config = validate(doc, DirectoryConfig)
    problems += _by_flag(doc.problems, skip={flag for flag, _ in problems})
    if problems or config is None:
        raise InvalidAnswers(problems or [("(settings)", "directory.yaml does not validate")])

    area = config.areas[0]
    owner_language = r.owner_language(languages)
    template = r.entry_template(
        language=owner_language,
        languages=languages,
        schema_url=SCHEMA_URL.format(version=__version__),
        locality=area.name,
        country=area.countries[0],
        bbox=area.bbox,
        today=today or date.today(),
    )
    entry_id = _check_template(template, area.countries[0])
    folder = f"{ENTRIES}/{area.countries[0].lower()}/{area.id}"
    example_path = f"{folder}/{entry_id}.yaml"
    values = {
        "name": config.name,
        "description": config.description or "",
        "area_name": area.name,
        "base_url": config.base_url,
        "base_url_yaml": r.scalar(config.base_url),
        "folder": folder,
        "example_path": example_path,
        "reference_url": f"{config.base_url}reference/entry/",
        "taxonomy_url": f"{UPSTREAM}/blob/v{__version__}/{TAXONOMY_IN_UPSTREAM}",
        "stale_after_days": str(config.stale_after_days),
        "template": template,
        "version": __version__,
        "license": config.license,
    }
    files = {
        CONFIG_NAME: text,
        f"{ENTRIES}/README.md": r.render(r.template(f"entries/README.{owner_language}.md"), values),
    }
    for dest, source in _PLAIN_TEMPLATES.items():
        files[dest] = r.render(r.template(source), values)
    notes = []
    if site_language != languages[0]:
        notes.append(
            f"the site's interface is not available in '{languages[0]}'; site.language is "
            f"'en' (available: {', '.join(SITE_LANGUAGES)})"
        )
    if owner_language != languages[0]:
        notes.append(
            f"entries/README.md is in English: its text is not available in '{languages[0]}' "
            "yet; translate it for the owners"
        )
    if not re.fullmatch(r"\d+(\.\d+)*", __version__):
        notes.append(
            f"quartier {__version__} is not a release: until one is on PyPI, follow "
            "'Before the first release on PyPI' in README.md"
        )
    files.update(_issue_forms(config, notes))
    if config.maintainers:  # without any, README.md says to add both later
        files[".github/CODEOWNERS"] = codeowners(config.maintainers)
    planned = {p: files[p] for p in FILES if p in files}
    return Plan(planned, config, example_path, owner_language, notes)


def codeowners(maintainers: list[str]) -> str:
    """``.github/CODEOWNERS``: the directory's maintainers own what decides the checks.

    A pull request runs the workflow files it changes, so one that edits
    ``.github/`` could make its own approvals check pass; with "require
    review from Code Owners" in the branch protection, such a change needs a
    maintainer's review. ``codeowners(["lea", "org/team"])`` gives each of
    ``/.github/``, ``/requirements.txt`` and ``/directory.yaml`` to
    ``@lea @org/team``.
    """
    owners = " ".join(f"@{m}" for m in maintainers)
    lines = [
        "# The workflows, the pinned quartier and the settings decide what the checks",
        "# accept: only the directory's maintainers may change them. Turn on",
        '# "Require review from Code Owners" in the branch protection of main.',
        *(f"{path} {owners}" for path in ("/.github/", "/requirements.txt", "/directory.yaml")),
    ]
    return "\n".join(lines) + "\n"


def _issue_forms(config: DirectoryConfig, notes: list[str]) -> dict[str, str]:
    """The issue forms in the directory's languages (:mod:`quartier.intake.forms`)."""
    from ..intake.forms import issue_forms
    from ..taxonomy import load_taxonomy, with_local

    shared, _ = load_taxonomy()
    assert shared is not None  # the package's own data; load_context refused a broken one
    taxonomy, _ = with_local(shared, config.categories)
    try:
        return issue_forms(config, taxonomy)
    except QuartierError as exc:  # Babel missing: the forms can be written later
        notes.append(f"no issue forms written ({exc}); then run: quartier forms")
        return {}


def _guess_repository(base_url: str) -> str:
    """``https://github.com/<owner>/<repo>`` for a GitHub Pages address, else a placeholder."""
    match = re.fullmatch(r"https://([A-Za-z0-9-]+)\.github\.io/([A-Za-z0-9._-]+)/?", base_url)
    if match:
        return f"https://github.com/{match.group(1)}/{match.group(2)}"
    return "https://github.com/<owner>/<repository>"


def _by_flag(problems: list[Problem], skip: set[str]) -> list[tuple[str, str]]:
    out: dict[tuple[str, str], None] = {}
    for p in problems:
        flag = next(
            (
                flag
                for prefix, flag in _FLAG_OF_FIELD
                if p.field == prefix or p.field.startswith((prefix + "[", prefix + "."))
            ),
            "(settings)",
        )
        if flag in skip:
            continue
        hint = _FLAG_HINTS.get(flag, p.hint)
        out[(flag, p.message + (f" (fix: {hint})" if hint else ""))] = None
    return list(out)


def _check_template(text: str, country: str) -> str:
    """The template entry's id, once it validates against the entry contract.

    The template is made from the area's values (locality, country, point),
    so an unusual one shows here, named by its flag, instead of in the first
    owner's pull request.
    """
    from ..model import Entry

    doc = load_bytes(text.encode("utf-8"), "entries/README.md")
    entry = validate(doc, Entry, context={"country": country})
    if entry is None:
        flagged = _by_flag(doc.problems, skip=set())
        if all(flag != "(settings)" for flag, _ in flagged):
            raise InvalidAnswers(flagged)
        raise RuntimeError(f"the entry template does not validate: {doc.problems}")
    return entry.id


def check_target(path: Path, files: list[str] | None = None) -> None:
    """Refuse a target that is a directory already, or where a file would be overwritten."""
    if os.path.lexists(path) and not (path.is_dir() and not path.is_symlink()):
        raise QuartierError(f"{path} exists and is not a folder: give a new folder's path")
    if not path.is_dir():
        return
    for marker in (CONFIG_NAME, ENTRIES):
        if os.path.lexists(path / marker):
            raise QuartierError(
                f"{path} already holds a directory ({marker}); quartier init never "
                "overwrites: give a new folder's path"
            )
    taken = []
    for rel in files if files is not None else list(FILES):
        parts = Path(rel).parts
        for depth in range(1, len(parts) + 1):
            here = path.joinpath(*parts[:depth])
            last = depth == len(parts)
            if os.path.lexists(here) and (last or here.is_symlink() or not here.is_dir()):
                taken.append(Path(*parts[:depth]).as_posix())
                break
    if taken:
        raise QuartierError(
            f"{path} already has {', '.join(sorted(set(taken)))}; quartier init never "
            "overwrites: move them away, or give a new folder's path"
        )


def write_repository(path: Path, plan: Plan) -> list[str]:
    """Write the planned files into ``path`` (created if missing); return their paths.

    Everything is written into a new folder first, beside ``path`` (or inside
    it when it exists), then renamed into place: a failure leaves nothing
    half-written, and a file that appeared meanwhile is still not overwritten.
    """
    check_target(path, list(plan.files))
    exists = path.is_dir()
    parent = path if exists else path.parent
    staging = parent / f".quartier-init-{secrets.token_hex(6)}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        for rel, text in plan.files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("x", encoding="utf-8", newline="\n") as out:
                out.write(text)
        if exists:
            _move_into(staging, path)
        else:
            # One rename: the folder appears complete or not at all.
            staging.rename(path)
    except OSError as exc:
        raise QuartierError(
            f"cannot write {path}: {exc.strerror or exc}; nothing was written "
            "(check the path and its permissions)"
        ) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return list(plan.files)


def _move_into(source: Path, dest: Path) -> None:
    """Rename each item of ``source`` into ``dest``, merging folders; undo all on failure."""
    moved: list[tuple[Path, Path]] = []
    try:
        _merge(source, dest, moved)
    except OSError:
        for src, dst in reversed(moved):
            dst.rename(src)
        raise


def _merge(source: Path, dest: Path, moved: list[tuple[Path, Path]]) -> None:
    # directory.yaml last: a folder without it is no directory yet if anything fails.
    for item in sorted(source.iterdir(), key=lambda p: p.name == CONFIG_NAME):
        target = dest / item.name
        if not os.path.lexists(target):
            item.rename(target)
            moved.append((item, target))
        elif item.is_dir() and target.is_dir() and not target.is_symlink():
            _merge(item, target, moved)
        else:
            raise FileExistsError(f"{target} appeared while quartier init was writing")
