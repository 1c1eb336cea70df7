"""The entry contract: one local business, as written in ``entries/**/<id>.yaml``.

These pydantic models are the one source of truth: the JSON Schema in
``schema/entry.schema.json`` and the field reference in ``docs`` are generated
from them (``python scripts/generate.py``), so every ``description`` here is
what an owner reads in their editor's tooltip.

The contract follows schema.org LocalBusiness, Open Referral HSDS, OSM
tagging and Overture places, and goes further where they are silent (story,
collaboration, evidence for claims). There is deliberately no field for
discounts or coupons: the directory carries stories and reputation.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .fields import (
    CategoryId,
    CountryCode,
    Email,
    GitHubHandle,
    IsoDate,
    LangLine,
    LangText,
    LanguageTag,
    OpeningHoursText,
    PartialDate,
    PastDate,
    RecordId,
    ShortText,
    Tri,
    Url,
    check_text,
    normalize_phone,
)
from .messages import message

CONTRACT_VERSION = "1.3"
"""Version of the entry contract: what an entry YAML file may contain.

It is published in the JSON Schema (``x-quartier-contract-version``, and in
its ``$id``) and in ``api/v1/index.json``, so a reader knows whether it can
read a directory's records before reading them. It is not the package's
version: many releases of ``quartier`` share one contract. MAJOR.MINOR:

- minor (1.0 -> 1.1): only new optional fields or new allowed values; every
  file valid under 1.0 stays valid under 1.1 unchanged (a tool of 1.0 still
  refuses the new fields, so a directory upgrades the tool before using them);
- major (1.x -> 2.0): a breaking change (a field renamed, removed, made
  required or narrowed). It ships with ``quartier migrate`` rewriting entries
  from the old major to the new one; see MIGRATIONS.md.
"""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Address(_Model):
    """Postal address, as printed on a letter (schema.org PostalAddress)."""

    street: ShortText | None = Field(
        None, description="Street and house number, e.g. 'Lorrainestrasse 23'."
    )
    postal_code: (
        Annotated[str, Field(max_length=12, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")] | None
    ) = Field(
        None,
        description="Postal code as written locally, e.g. '3013' or '95060'. "
        "Leading zeros are kept.",
    )
    locality: ShortText = Field(description="City, town or village, e.g. 'Bern' or 'Santa Cruz'.")
    region: ShortText | None = Field(
        None, description="Canton, state or province, e.g. 'BE' or 'CA'."
    )
    country: CountryCode = Field(
        description="ISO 3166-1 alpha-2 country code in capitals, e.g. 'CH' or 'US'."
    )


class Geo(_Model):
    """A WGS84 point, the way a map app shows it (latitude first)."""

    lat: float = Field(
        ge=-90, le=90, description="Latitude in decimal degrees, e.g. 46.9591 (north is positive)."
    )
    lon: float = Field(
        ge=-180, le=180, description="Longitude in decimal degrees, e.g. 7.4452 (east is positive)."
    )


class ServiceArea(_Model):
    """Where a business that travels to its customers works."""

    radius_km: float | None = Field(
        None, gt=0, le=500, description="Distance from `geo` the business travels, in km."
    )
    localities: list[ShortText] = Field(
        default_factory=list, description="Named places served, e.g. ['Bern', 'Köniz']."
    )


class Location(_Model):
    """Where the business is, and where it serves."""

    address: Address = Field(
        description="Postal address. Locality and country are always required."
    )
    hide_address: Annotated[
        bool, WithJsonSchema({"anyOf": [{"type": "boolean"}, {"enum": ["yes", "no"]}]})
    ] = Field(
        False,
        description="yes for home-based trades: street and postal code are then never published, "
        "only the locality, and the point is rounded to about 1 km.",
    )
    geo: Geo = Field(description="The entrance, as a WGS84 point.")
    service_area: ServiceArea | None = Field(
        None, description="Where the business travels to work, if it does."
    )


class Contact(_Model):
    """How customers reach the business. At least one way is expected."""

    website: Url | None = Field(None, description="Own website, e.g. https://velowerk.ch.")
    email: Email | None = Field(None, description="Public e-mail address.")
    phone: Annotated[str, Field(max_length=40)] | None = Field(
        None,
        description="Public phone number as written locally, e.g. '031 332 11 22'; "
        "published in E.164 form (+41313321122).",
    )
    booking_url: Url | None = Field(None, description="Where to book an appointment or a table.")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The country comes from the entry's address, passed in as validation context.
        country = (info.context or {}).get("country")
        known = isinstance(country, str) and len(country) == 2
        if value is not None:
            value = check_text(value)  # libphonenumber skips control characters
        if value is not None and known and normalize_phone(value, str(country)) is None:
            raise ValueError(
                message("model.phone", value=value, country=country), message("model.phone.fix")
            )
        return value


class SocialLink(_Model):
    """A profile on a social network."""

    network: Literal[
        "instagram",
        "facebook",
        "mastodon",
        "bluesky",
        "tiktok",
        "youtube",
        "linkedin",
        "pinterest",
        "threads",
        "x",
        "other",
    ] = Field(description="Which network.")
    url: Url = Field(description="Full address of the profile.")


class Person(_Model):
    """Someone behind the business (schema.org founder)."""

    name: ShortText = Field(description="Name as the person wants it shown.")
    role: LangLine | None = Field(
        None, description="Role in their words, e.g. {en: bike mechanic, de: Velomech}."
    )


class Story(_Model):
    """Who makes it, how, where the materials come from, and why it exists."""

    text: LangText | None = Field(None, description="The story in a few sentences per language.")
    founders: list[Person] = Field(
        default_factory=list, description="Founders (schema.org founder)."
    )
    founding_date: PartialDate | None = Field(
        None, description="Year, year-month or date founded, e.g. '2014'."
    )
    craft: LangText | None = Field(
        None, description="How the work is done: techniques, tools, hands."
    )
    sourcing: LangText | None = Field(
        None, description="Where materials and ingredients come from."
    )
    purpose: LangText | None = Field(None, description="Why the business exists.")


class Offering(_Model):
    """A product or service (schema.org Offer of a Product or Service)."""

    name: LangLine = Field(
        description="Name per language, e.g. {de: Veloservice, en: Bike service}."
    )
    kind: Literal["product", "service"] = Field(description="product or service.")
    description: LangText | None = Field(None, description="What it is, per language.")
    materials: list[ShortText] = Field(
        default_factory=list,
        description="Materials (schema.org material), e.g. ['oak', 'linseed oil'].",
    )
    origin: CountryCode | None = Field(
        None, description="Country where it is made (schema.org countryOfOrigin)."
    )
    made_locally: Tri = Field(
        "unknown", description="yes when made in the directory's region, no, or unknown."
    )


class Need(_Model):
    """One thing a business seeks from partners or provides to them."""

    text: LangLine = Field(
        description="In words, e.g. {en: wholesale pastries for a café counter}."
    )
    categories: list[CategoryId] = Field(
        default_factory=list,
        description="Taxonomy categories this is about, so partners can be matched, e.g. [bakery].",
    )


class Collaboration(_Model):
    """What the business seeks from partners and provides to them, in one vocabulary."""

    seeks: list[Need] = Field(
        default_factory=list, description="What it looks for (schema.org seeks)."
    )
    provides: list[Need] = Field(
        default_factory=list,
        description="What it offers to other businesses (schema.org makesOffer).",
    )


class Accessibility(_Model):
    """Step-free access, in the OSM wheelchair scale."""

    wheelchair: Literal["yes", "limited", "no", "unknown"] = Field(
        description="yes: step-free everywhere; limited: entrance step-free, not all of it; "
        "no; unknown."
    )
    note: LangText | None = Field(None, description="Details, e.g. the ramp is at the back door.")


class Attributes(_Model):
    """Facts that are yes, no or unknown. Leave out what you do not know: it is never guessed."""

    independent: Tri = Field(
        "unknown", description="Owned and run locally, not part of a chain or franchise."
    )
    family_owned: Tri = Field("unknown", description="Owned by a family.")
    women_owned: Tri = Field("unknown", description="Majority owned by women.")
    cooperative: Tri = Field("unknown", description="Run as a cooperative.")
    social_enterprise: Tri = Field("unknown", description="Primarily serves a social purpose.")
    locally_made: Tri = Field("unknown", description="Most of what it sells is made in the region.")
    organic: Tri = Field("unknown", description="Certified or predominantly organic goods.")
    vegetarian_options: Tri = Field("unknown", description="Offers vegetarian food.")
    vegan_options: Tri = Field("unknown", description="Offers vegan food.")
    second_hand: Tri = Field("unknown", description="Sells used or refurbished goods.")
    repairs: Tri = Field("unknown", description="Repairs what it sells or what customers bring.")
    rental: Tri = Field("unknown", description="Rents out goods.")
    workshops: Tri = Field("unknown", description="Offers courses or workshops.")
    delivery: Tri = Field("unknown", description="Delivers to customers.")
    takeaway: Tri = Field("unknown", description="Food or drink to take away.")
    outdoor_seating: Tri = Field("unknown", description="Seats outside.")
    wifi: Tri = Field("unknown", description="Free Wi-Fi for customers.")
    dogs_welcome: Tri = Field("unknown", description="Dogs may come in.")


class Certification(_Model):
    """A claim with evidence: who issued it and where it can be checked."""

    name: ShortText = Field(
        description="Name of the certificate or label, e.g. 'Bio Suisse Knospe'."
    )
    issuer: ShortText = Field(description="Who grants it, e.g. 'Bio Suisse'.")
    evidence_url: Url = Field(description="A page of the issuer where the claim can be checked.")
    valid_until: IsoDate | None = Field(None, description="Expiry date, if any, as YYYY-MM-DD.")


# A photo file's name, beside the entry: lowercase, no folder, a format the site can show.
PHOTO_NAME_RE = r"^[a-z0-9][a-z0-9_-]{0,99}\.(jpg|jpeg|png|webp)$"
MAX_PHOTOS = 8


def check_photo_name(name: str) -> str:
    """A plain file name in the entry's own folder: no ``../``, no folder, no odd characters."""
    import re

    if not re.fullmatch(PHOTO_NAME_RE, name):
        raise ValueError(message("model.photo_name", name=name), message("model.photo_name.fix"))
    return name


PhotoName = Annotated[
    str,
    AfterValidator(check_photo_name),
    WithJsonSchema({"type": "string", "pattern": PHOTO_NAME_RE}),
]


class Image(_Model):
    """A photo, with alternative text for people who cannot see it.

    ``file`` names a photo beside the entry (``erdwerk-keramik-cups.jpg`` next
    to ``erdwerk-keramik.yaml``): the site shows it, resized and without its
    metadata. A ``url`` alone is published in the data but never shown on the
    site, so visitors' browsers load nothing from other hosts. The build fills
    ``url`` of a ``file`` with the address of its published copy.
    """

    # The editor's schema says it too: an image needs one of the two.
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
        json_schema_extra={"anyOf": [{"required": ["file"]}, {"required": ["url"]}]},
    )

    file: PhotoName | None = Field(
        None,
        description="A photo file in the entry's own folder, its name starting with the entry's "
        "id, e.g. erdwerk-keramik-cups.jpg beside erdwerk-keramik.yaml. JPEG, PNG or WebP, at "
        "most 8 MB and 40 megapixels; shown on the site, resized and stripped of metadata.",
    )
    url: Url | None = Field(
        None,
        description="Full https address of the image. Without 'file' it is published in the data "
        "only: the site never makes visitors' browsers load images from other hosts.",
    )
    alt: LangLine = Field(description="What the image shows, per language.")
    credit: ShortText | None = Field(None, description="Photographer or owner.")
    license: ShortText | None = Field(None, description="License of the image, e.g. CC-BY-4.0.")

    @model_validator(mode="after")
    def _file_or_url(self) -> Image:
        if self.file is None and self.url is None:
            raise ValueError(message("model.image_source"), message("model.image_source.fix"))
        return self


Payment = Literal[
    "cash",
    "debit_card",
    "credit_card",
    "contactless",
    "mobile_payment",
    "twint",
    "invoice",
    "bank_transfer",
    "cryptocurrency",
    "local_currency",
]


class Entry(_Model):
    """One independent local business. The file name is ``<id>.yaml``."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
        json_schema_extra={"$comment": "Generated from quartier.model; do not edit by hand."},
    )

    id: RecordId = Field(
        description="Permanent lowercase id, equal to the file name without .yaml. Never changes. "
        "Not a name Windows reserves for a device (con, prn, aux, nul, com0-com9, lpt0-lpt9). "
        "'--' is kept for businesses an aggregate takes from its members: there the id is "
        "'<member id>--<id at the member>', e.g. thun--baeckerei-mueller."
    )
    name: ShortText = Field(description="The name as the business itself uses it.")
    names: LangLine | None = Field(
        None, description="Translations or other spellings of the name, per language."
    )
    status: Literal["open", "temporarily_closed", "permanently_closed"] = Field(
        description="Lifecycle: open, temporarily_closed or permanently_closed. "
        "Closed entries are kept, not deleted."
    )
    superseded_by: RecordId | None = Field(
        None,
        description="Id of the entry that replaces this one after a move or merger "
        "(closed entries only).",
    )
    category: CategoryId = Field(
        description="Primary category id from schema/taxonomy.yaml, e.g. bicycle_repair."
    )
    categories: list[CategoryId] = Field(
        default_factory=list, description="Secondary category ids."
    )
    summary: LangLine = Field(
        description="One plain-text line per language: what an assistant quotes."
    )
    description: LangText | None = Field(
        None,
        description="Longer description per language; simple Markdown (emphasis, links, lists).",
    )
    story: Story | None = Field(None, description="Who makes it, how, from what and why.")
    offerings: list[Offering] = Field(default_factory=list, description="Products and services.")
    collaboration: Collaboration | None = Field(
        None, description="What it seeks from and provides to partners."
    )
    location: Location = Field(description="Address, point and service area.")
    opening_hours: OpeningHoursText | None = Field(
        None,
        description="OpenStreetMap opening_hours syntax, "
        "e.g. 'Tu-Fr 09:00-18:30; Sa 09:00-16:00; PH off'.",
    )
    contact: Contact | None = Field(None, description="Website, e-mail, phone.")
    social: list[SocialLink] = Field(
        default_factory=list, description="Profiles on social networks."
    )
    languages: list[LanguageTag] = Field(
        default_factory=list, description="Languages spoken with customers, e.g. [de, fr, en]."
    )
    accessibility: Accessibility | None = Field(
        None, description="Wheelchair access; leave out if unknown."
    )
    payment: list[Payment] = Field(default_factory=list, description="Accepted ways to pay.")
    attributes: Attributes | None = Field(
        None, description="Yes/no/unknown facts such as independent or family_owned."
    )
    certifications: list[Certification] = Field(
        default_factory=list, description="Certificates and labels, each with evidence."
    )
    images: list[Image] = Field(
        default_factory=list,
        max_length=MAX_PHOTOS,
        description="Photos with alternative text, at most 8; the first is the lead photo.",
    )
    maintainers: list[GitHubHandle] = Field(
        description="GitHub logins of the people who may change this entry or approve changes "
        "to it. Write [] for an owner without a GitHub account: then only the directory's "
        "maintainers may change it, acting for them.",
    )
    last_verified: PastDate = Field(
        description="The day a person last checked this entry is true, YYYY-MM-DD."
    )

    @property
    def all_categories(self) -> tuple[str, ...]:
        return (self.category, *self.categories)

    def category_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every category id the entry names, with where: ``(("categories", 0), "cafe")``."""
        refs: list[tuple[tuple[str | int, ...], str]] = [(("category",), self.category)]
        refs += [(("categories", i), c) for i, c in enumerate(self.categories)]
        if self.collaboration:
            for side in ("seeks", "provides"):
                for i, need in enumerate(getattr(self.collaboration, side)):
                    refs += [
                        (("collaboration", side, i, "categories", j), c)
                        for j, c in enumerate(need.categories)
                    ]
        return refs


def address_country(data: object) -> object:
    """The raw address country of unvalidated entry data, or None.

    Passed as validation context (``{"country": ...}``) so that a phone number
    is checked for that country in the same pass as the rest.
    """
    try:
        return data["location"]["address"]["country"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None


__all__ = ["CONTRACT_VERSION", "Entry", "LanguageTag", "address_country"]
