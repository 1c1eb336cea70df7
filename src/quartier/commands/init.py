"""``quartier init``: create a city's directory repository, asking for what is missing."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic loads only when the command runs
    from ..init import Answers, Plan, Question

HELP = """\
Create a directory repository for a city: directory.yaml, entries/ with a
README and the template owners copy (in the directory's first language),
workflows that validate pull requests and publish to GitHub Pages, Dependabot,
the pre-commit hook and a README for maintainers. It holds only the city's
data: the tool is the quartier version pinned in requirements.txt, so
upgrading is changing that version, never merging from upstream.

Every value is checked as directory.yaml will be, before anything is written.
An existing directory.yaml, entries/ or any file it would write is never
overwritten. On a terminal, missing values are asked for; in scripts and CI,
give them all as flags.

example:
  quartier init ../quartier-lausanne --name "Quartier Lausanne" \\
      --base-url https://example.github.io/quartier-lausanne/ \\
      --area lausanne --area-name Lausanne --bbox 6.55,46.49,6.72,46.57 \\
      --country CH --timezone Europe/Zurich --language fr --language de --language en
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="create a directory repository for a city",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="folder to create, or an existing one (a fresh clone) without the files init writes",
    )
    p.add_argument("--name", help="name of the directory, e.g. 'Quartier Lausanne'")
    p.add_argument(
        "--base-url",
        help="public address of the site, ending in '/', "
        "e.g. https://example.github.io/quartier-lausanne/",
    )
    p.add_argument("--area", help="short id of the area, e.g. lausanne (entries/ch/lausanne/)")
    p.add_argument("--area-name", help="name of the area shown to people, e.g. Lausanne")
    p.add_argument(
        "--bbox",
        metavar="W,S,E,N",
        help="the area's bounding box west,south,east,north in degrees, e.g. "
        "6.55,46.49,6.72,46.57; with '=' when it starts with a minus: "
        "--bbox=-122.10,36.93,-121.93,37.05",
    )
    p.add_argument(
        "--country",
        dest="countries",
        action="append",
        default=[],
        metavar="CODE",
        help="ISO country code of the area, e.g. CH (repeat for a border region)",
    )
    p.add_argument("--timezone", help="IANA timezone of the area, e.g. Europe/Zurich")
    p.add_argument(
        "--language",
        dest="languages",
        action="append",
        default=[],
        metavar="TAG",
        help="a language the directory expects, e.g. fr (repeat; the first is the site's)",
    )
    p.add_argument("--repository", metavar="URL", help="the git repository, for edit links")
    p.add_argument(
        "--license",
        default="CC0-1.0",
        metavar="SPDX",
        help="license of the data: CC0-1.0 (the default), CC-BY-4.0 or ODbL-1.0",
    )
    p.add_argument(
        "--maintainer",
        dest="maintainers",
        action="append",
        default=[],
        metavar="LOGIN",
        help="GitHub login of a maintainer of the directory (repeat for more)",
    )
    p.add_argument(
        "--contact-email",
        metavar="ADDRESS",
        help="where owners without a GitHub account send their entry and customers report "
        "problems, e.g. annuaire@lausanne.example.org (optional)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..init import (
        QUESTION_BY_FLAG,
        Answers,
        InvalidAnswers,
        check_target,
        missing,
        plan_repository,
        write_repository,
    )
    from ..problems import QuartierError, printable

    answers = Answers(
        path=args.path,
        name=args.name,
        base_url=args.base_url,
        area=args.area,
        area_name=args.area_name,
        bbox=args.bbox,
        countries=list(args.countries),
        timezone=args.timezone,
        languages=list(args.languages),
        repository=args.repository,
        license=args.license,
        maintainers=list(args.maintainers),
        contact_email=args.contact_email,
    )
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if answers.path:
        check_target(Path(answers.path))  # before any question, not after the last
    absent = missing(answers)
    if absent and not interactive:
        raise QuartierError(
            f"missing {', '.join(q.flag for q in absent)}: give them as flags (questions "
            "are asked only on a terminal); see quartier init --help for an example"
        )
    for question in absent:
        _ask(answers, question)
        if question.attr == "path":
            check_target(Path(str(answers.path)))
    while True:
        try:
            plan = plan_repository(answers)
            break
        except InvalidAnswers as exc:
            if not interactive:
                raise
            for flag, text in exc.problems:
                print(f"quartier: {flag}: {printable(text)}", file=sys.stderr)
            for flag in exc.flags:
                if flag in QUESTION_BY_FLAG:
                    _ask(answers, QUESTION_BY_FLAG[flag])
                else:
                    raise
    path = Path(str(answers.path))
    write_repository(path, plan)
    _report(str(answers.path), plan)
    return 0


def _ask(answers: Answers, question: Question) -> None:
    """Ask for one value with ``input()`` until an answer is given (required) or skipped."""
    from ..init import slug
    from ..problems import QuartierError

    default = slug(answers.area_name) if question.attr == "area" and answers.area_name else ""
    shown = f" [{default}]" if default else ""
    while True:
        try:
            text = input(f"{question.prompt} (e.g. {question.example}){shown}: ").strip()
        except EOFError:
            raise QuartierError(
                f"no answer for {question.flag}; give it as a flag (see quartier init --help)"
            ) from None
        text = text or default
        if text or not question.required:
            break
    if question.many:
        setattr(answers, question.attr, [t for t in text.replace(",", " ").split() if t])
    else:
        setattr(answers, question.attr, text or None)


def _report(shown_path: str, plan: Plan) -> None:
    from ..init import FILES
    from ..problems import printable

    config = plan.config
    width = max(map(len, plan.files))
    lines = [f"Created {printable(config.name)} in {printable(shown_path)}:"]
    lines += [f"  {rel:<{width}}  {FILES[rel]}" for rel in plan.files]
    lines += [f"note: {note}" for note in plan.notes]
    lines += [
        "",
        "Next steps:",
        f"  cd {printable(shlex.quote(shown_path))}",
        "  python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt",
        f"  add a business: copy the template of entries/README.md to {plan.example_path}",
        "  quartier validate   # check every entry",
        "  quartier build      # the site and every feed, into _site/",
        "  quartier serve      # preview at http://127.0.0.1:8000/",
        "  git init && git add . && git commit -m 'Start the directory', push it to GitHub,",
        "  and turn on Pages (Settings > Pages > Source: GitHub Actions); see README.md",
    ]
    print("\n".join(lines))
