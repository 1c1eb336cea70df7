"""Every text ``quartier validate`` shows an owner or a maintainer, named by id, in one catalogue.

Problems, validators and reporters never spell out a message; they name it
and pass what the file said as named placeholders::

    message("fields.date", value="1.10.2026")
    # "'1.10.2026' is not a date", from messages/en.yaml:
    #   fields.date: "'{value}' is not a date"

so the wording of every message is in ``en.yaml`` next to this module, and
translating it is a data change: a ``fr.yaml`` with the same ids. The
messages stay in English for now (``LANGUAGE``); tests/test_messages.py
fails when a message is written inline again, when the code names an id
the catalogue lacks (or the catalogue holds one nobody uses), and when a
template's placeholders differ from the values the code passes.

Why this mechanism, and not gettext or Babel's ``.po`` files:

- The catalogue is flat YAML, id to template: the format this project's
  people already write, with comments for translators, and one that
  translation platforms (Weblate, Crowdin) read as it is. A count picks one
  of the CLDR plural forms (``one``, ``other``), as in Rails' and i18next's
  YAML catalogues. gettext keys its catalogues by the English text, so a
  fixed typo would orphan every translation, and it reads only compiled
  ``.mo`` files, a build step the package does not need.
- Templates are Python's own ``str.format`` syntax with named fields,
  ``"'{value}' is not a date"``, and may format numbers
  (``"{metres:,.0f} m away"``). A value is inserted as it is, never read as
  a template: braces or a ``{0}`` in a file's text stay text. What a file
  says reaches the screen only through :func:`quartier.problems.printable`,
  as before.
- Validating a file stays instant: importing this module reads nothing
  (under a millisecond), and the catalogue is parsed once per process (by
  libyaml, which the loader imports anyway: about 2 ms) the first time a
  message is needed, for a problem or the report's summary line. A lookup
  then costs a dictionary access and ``str.format_map`` (a few
  microseconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yaml.nodes import MappingNode

LANGUAGE = "en"
FOLDER = Path(__file__).parent
# CLDR's plural categories: a plural entry maps some of them to templates, always "other".
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})

# A template, or plural forms by CLDR category ({"one": "{count} file", "other": ...}).
CatalogueEntry = str | Mapping[str, str]


class CatalogueError(Exception):
    """The catalogue file itself is broken: a bug in the package, never in a user's file."""


def message(id: str, /, **values: object) -> str:
    """The text of message ``id`` with ``values`` in its placeholders.

    A plural entry chooses its form by the ``count`` value, which it then
    also receives as ``{count}``::

        message("report.files", count=1)   # '1 file'
        message("report.files", count=14)  # '14 files'
    """
    entry = catalogue()[id]
    if not isinstance(entry, str):
        entry = entry[plural_form(values["count"], entry)]
    return entry.format_map(values)


def plural_form(count: object, forms: Mapping[str, str]) -> str:
    """The CLDR category of ``count`` among ``forms``: English has ``one`` and ``other``.

    Example: ``plural_form(1, {"one": ..., "other": ...}) == "one"``. A
    language with more forms (Polish: one, few, many) brings its rule with
    its catalogue.
    """
    return "one" if count == 1 and "one" in forms else "other"


@cache
def catalogue(language: str = LANGUAGE) -> Mapping[str, CatalogueEntry]:
    """Every message of ``language`` by id, read from ``<language>.yaml`` on first use.

    Example: ``catalogue()["load.empty"] == "the file is empty"``. The file
    is composed, not constructed: every value is the text as written (no
    YAML 1.1 ``yes`` -> ``True``), and an id given twice is refused rather
    than one of its texts silently lost.
    """
    import yaml
    from yaml.nodes import MappingNode, ScalarNode

    path = FOLDER / f"{language}.yaml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(path.read_text("utf-8"), Loader=loader)
    if not isinstance(root, MappingNode):
        raise CatalogueError(f"{path}: not a mapping of message ids to templates")
    out: dict[str, CatalogueEntry] = {}
    for key, value in root.value:
        where = f"{path}:{key.start_mark.line + 1}"
        if not isinstance(key, ScalarNode) or key.value in out:
            raise CatalogueError(f"{where}: a message id that is not text, or given twice")
        if isinstance(value, ScalarNode) and value.value:
            out[key.value] = value.value
        elif isinstance(value, MappingNode) and _plural(value):
            out[key.value] = {k.value: v.value for k, v in value.value}
        else:
            raise CatalogueError(f"{where}: {key.value} is neither a template nor plural forms")
    return out


def _plural(node: MappingNode) -> bool:
    """Whether ``node`` maps distinct CLDR categories, ``other`` among them, to templates."""
    from yaml.nodes import ScalarNode

    forms = [
        k.value
        for k, v in node.value
        if isinstance(k, ScalarNode) and isinstance(v, ScalarNode) and v.value
    ]
    return (
        len(forms) == len(node.value) == len(set(forms))
        and "other" in forms
        and PLURAL_FORMS.issuperset(forms)
    )
