"""The directory's settings: the one file a city edits to make Quartier its own.

``directory.yaml`` at the repository root names the directory, its public
address, the region it covers (one or more areas, each a bounding box with
its countries, timezone and expected languages), the data license and how
old ``last_verified`` may get before an entry counts as stale. It is loaded
with the same strict loader as entries, so its mistakes get the same
file:line errors.

Example::

    name: Quartier Bern & Santa Cruz
    base_url: https://quartier.example.org/
    languages: [en, de, fr]
    license: CC0-1.0
    stale_after_days: 365
    areas:
      - id: bern
        name: Bern
        bbox: [7.29, 46.90, 7.52, 47.01]   # west, south, east, north
        countries: [CH]
        timezone: Europe/Zurich
        languages: [de, fr, en]
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from .fields import (
    SLUG_RE,
    CategoryId,
    CountryCode,
    Email,
    LanguageTag,
    ShortText,
    Slug,
    Url,
    check_plain_line,
    check_slug,
    check_url,
)
from .messages import message
from .taxonomy import LocalCategory

CONFIG_NAME = "directory.yaml"

LICENSES = {
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
}
License = Literal["CC0-1.0", "CC-BY-4.0", "ODbL-1.0"]
# Which members' licenses a directory's own license can include: a CC0 directory
# only public-domain data; CC BY adds attribution; ODbL (share-alike) takes all.
ACCEPTS: dict[str, tuple[str, ...]] = {
    "CC0-1.0": ("CC0-1.0",),
    "CC-BY-4.0": ("CC0-1.0", "CC-BY-4.0"),
    "ODbL-1.0": ("CC0-1.0", "CC-BY-4.0", "ODbL-1.0"),
}


# A person's GitHub login, or a team of an organisation as org/team-slug (whose
# members quartier approvals reads from GitHub); one pattern, so one clear error.
GitHubLoginOrTeam = Annotated[
    str,
    StringConstraints(
        pattern=r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}(?:/[A-Za-z0-9][A-Za-z0-9_-]{0,99})?$"
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Area(_Model):
    """One part of the region, e.g. a city and its surroundings."""

    id: Slug = Field(description="Short id of the area, e.g. 'bern'.")
    name: ShortText = Field(description="Name shown to people, e.g. 'Bern'.")
    bbox: Annotated[list[float], Field(min_length=4, max_length=4)] = Field(
        description="Bounding box [west, south, east, north] in WGS84 degrees (lon, lat, lon, lat)."
    )
    countries: list[CountryCode] = Field(
        min_length=1, description="Countries in the area, ISO codes, e.g. [CH]."
    )
    timezone: str = Field(description="IANA timezone, e.g. Europe/Zurich or America/Los_Angeles.")
    languages: list[LanguageTag] = Field(
        default_factory=list,
        description="Languages expected in this area; defaults to the directory's.",
    )

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, v: list[float]) -> list[float]:
        west, south, east, north = v
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError(message("config.bbox"))  # the hint is explain.bbox.fix
        return v

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                message("config.timezone", value=v), message("config.timezone.fix")
            ) from None
        return v

    def contains(self, lat: float, lon: float) -> bool:
        west, south, east, north = self.bbox
        return west <= lon <= east and south <= lat <= north


def check_member_url(text: str) -> str:
    """An http(s) base URL ending in '/', or a folder path (kept as written)."""
    if text.startswith(("http://", "https://")):
        check_url(text)
        if not text.endswith("/"):
            raise ValueError(
                message("config.member_url.slash", url=text),
                message("config.member_url.slash.fix", url=text),
            )
        return text
    if not text or (":" in text.split("/", 1)[0] and len(text.split(":", 1)[0]) > 1):
        # 'ftp://x', 'https:x', 'mailto:x' (a Windows drive 'C:' has one letter)
        raise ValueError(message("config.member_url", value=text), message("config.member_url.fix"))
    check_plain_line(text)
    return text


# A member's id is the prefix of its businesses' ids ('thun--x'): a slug, so it
# never holds '--', and short, so the ids it makes stay readable.
MemberId = Annotated[
    str,
    StringConstraints(pattern=SLUG_RE, min_length=2, max_length=32),
    AfterValidator(check_slug),
    Field(examples=["thun"]),
]


class Member(_Model):
    """Another Quartier directory whose published businesses this one includes."""

    id: MemberId = Field(
        description="Short stable id of the member, 2-32 characters, e.g. 'thun'; its "
        "businesses get the ids '<member id>--<their id>' (thun--baeckerei-mueller), so never "
        "change it."
    )
    url: Annotated[str, StringConstraints(max_length=2000), AfterValidator(check_member_url)] = (
        Field(
            description="Base URL of the member's published build, ending in '/', e.g. "
            "https://thun.example.org/; or a folder holding one (quartier build's output), "
            "relative to directory.yaml or absolute, e.g. ../thun/_site/."
        )
    )
    license: License = Field(
        description="The member's data license as this directory expects it (SPDX id); "
        "it must be one this directory's license can include, and a member that publishes "
        "another is not updated (its last good copy stays in use)."
    )
    name: ShortText | None = Field(
        None, description="Name shown for the member; default: the name it publishes."
    )
    areas: list[Slug] = Field(
        default_factory=list,
        description="Only businesses inside these areas of the member (the member's area ids); "
        "default: all.",
    )
    categories: list[CategoryId] = Field(
        default_factory=list,
        description="Only businesses with one of these categories or a child of one; default: all.",
    )

    @property
    def is_remote(self) -> bool:
        return self.url.startswith(("http://", "https://"))

    def folder(self, root: Path) -> Path:
        """A local member's folder: ``url`` relative to the directory's root, or absolute."""
        return (root / self.url).resolve()


Color = Literal[
    "red",
    "pink",
    "purple",
    "deep-purple",
    "indigo",
    "blue",
    "light-blue",
    "cyan",
    "teal",
    "green",
    "light-green",
    "lime",
    "yellow",
    "amber",
    "orange",
    "deep-orange",
    "brown",
    "grey",
    "blue-grey",
    "black",
    "white",
]


class Tiles(_Model):
    """The map's background tiles; markers and lists work without them."""

    url: Url = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Tile URL template with {z}, {x} and {y}.",
    )
    attribution: ShortText = Field(
        "© OpenStreetMap contributors", description="Attribution the tile server requires."
    )
    attribution_url: Url = Field(
        "https://www.openstreetmap.org/copyright", description="Where the attribution links."
    )


class SiteSettings(_Model):
    """How the human site looks: a city sets its colors, logo and interface language here."""

    language: Literal["en", "de", "fr", "it", "es"] = Field(
        "en", description="Language of the interface and of the pages Quartier provides."
    )
    primary_color: Color = Field("teal", description="Main color (a Material for MkDocs name).")
    accent_color: Color = Field("amber", description="Accent color for links and buttons.")
    logo: str | None = Field(
        None, description="Logo file inside site/, e.g. assets/logo.svg (default: an icon)."
    )
    tiles: Tiles = Field(default_factory=Tiles, description="Map tiles.")

    @field_validator("logo")
    @classmethod
    def _inside_site(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(
            r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*", v
        ):
            raise ValueError(message("config.logo", value=v), message("config.logo.fix"))
        return v


class DirectoryConfig(_Model):
    """Settings of one regional directory (``directory.yaml``)."""

    name: ShortText = Field(description="Name of the directory, shown on the site and in feeds.")
    description: ShortText | None = Field(
        None, description="One line saying what the directory covers."
    )
    base_url: Url = Field(description="Public address of the published site, ending in '/'.")
    repository: Url | None = Field(None, description="Git repository, for 'edit this entry' links.")
    contact_email: Email | None = Field(
        None,
        description="Where owners without a GitHub account send their entry and customers "
        "report problems, e.g. hallo@quartier.example.org (the 'Add your business' form and "
        "every business page offer it when set).",
    )
    languages: list[LanguageTag] = Field(
        min_length=1, description="Languages the directory expects, first is the default."
    )
    license: License = Field(description="License of the data (SPDX id).")
    stale_after_days: int = Field(
        365, ge=30, le=3650, description="Entries verified longer ago than this are warned about."
    )
    stale_grace_days: int = Field(
        90,
        ge=7,
        le=3650,
        description="Days a reminder issue for a stale entry waits for an answer before it is "
        "labelled needs-decision for the directory's maintainers (quartier stale); the entry "
        "itself is never changed or deleted.",
    )
    areas: list[Area] = Field(min_length=1, description="The region: one or more areas.")
    site: SiteSettings = Field(default_factory=SiteSettings, description="The human site's look.")
    maintainers: list[GitHubLoginOrTeam] = Field(
        default_factory=list,
        description="GitHub logins of the people who run the directory, or teams as "
        "org/team-slug: they may change any entry and approve for owners without a GitHub "
        "account (docs/maintainers.md). Read from the base version of a pull request, "
        "so a pull request cannot add its author here and use it at once.",
    )
    categories: list[LocalCategory] = Field(
        default_factory=list,
        description="The directory's own categories, each under a parent of the shared "
        "taxonomy; they validate and publish like shared ones (marked local).",
    )

    members: list[Member] = Field(
        default_factory=list,
        description="Other Quartier directories whose published businesses this one includes "
        "(quartier federate mirrors them; docs/federation.md).",
    )

    @field_validator("members")
    @classmethod
    def _members(cls, members: list[Member], info: ValidationInfo) -> list[Member]:
        ids = [m.id for m in members]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(
                message("config.member_ids", ids=", ".join(dupes)),
                message("config.member_ids.fix"),
            )
        own = info.data.get("license")
        if own is None:
            return members  # the license itself is wrong: reported at its own line
        errors = [
            {
                "type": "value_error",
                "loc": (i, "license"),
                "input": m.license,
                "ctx": {"error": ValueError(*_license_problem(own, m))},
            }
            for i, m in enumerate(members)
            if m.license not in ACCEPTS[own]
        ]
        if errors:
            # Raised with the member's own path, so the error is at its license: line.
            raise ValidationError.from_exception_data("members", errors)  # type: ignore[arg-type]
        return members

    @field_validator("areas")
    @classmethod
    def _unique_areas(cls, areas: list[Area]) -> list[Area]:
        ids = [a.id for a in areas]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(
                message("config.area_ids", ids=", ".join(dupes)), message("config.area_ids.fix")
            )
        return areas

    @field_validator("base_url")
    @classmethod
    def _trailing_slash(cls, url: str) -> str:
        if not url.endswith("/"):
            raise ValueError(
                message("config.base_url", url=url), message("config.base_url.fix", url=url)
            )
        return url

    def area_for(self, lat: float, lon: float) -> Area | None:
        return next((a for a in self.areas if a.contains(lat, lon)), None)

    def expected_languages(self, area: Area | None) -> list[str]:
        return list(area.languages) if area and area.languages else list(self.languages)

    @property
    def license_url(self) -> str:
        return LICENSES[self.license]


def _license_problem(own: str, member: Member) -> tuple[str, str]:
    needed = next(lic for lic, accepted in ACCEPTS.items() if member.license in accepted)
    return (
        message("config.member_license", member=member.id, license=member.license, aggregate=own),
        message(
            "config.member_license.fix",
            aggregate=own,
            accepted=", ".join(ACCEPTS[own]),
            needed=needed,
            member=member.id,
        ),
    )


def find_config(start: Path) -> Path | None:
    """The nearest ``directory.yaml`` in ``start`` or a parent folder, like git finds .git."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None
