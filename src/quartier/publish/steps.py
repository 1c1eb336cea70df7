"""What a build is doing once every business is written: said to whoever listens.

The progress bar of ``quartier build`` counts businesses; the files of the
whole directory (feeds, data files, lists, the site's search index) come
after the last one and can take a while at 10,000 businesses. Each of those
steps calls :func:`announce` as it starts, and the command shows it beside
the bar instead of sitting at 100% without a word. Nothing listens in
tests or when the bar is off, and then an announcement costs nothing.

Example::

    with listening(lambda what: print("now:", what)):
        build(...)          # "now: the feeds (feed.json, feed.atom)" ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

_listeners: list[Callable[[str], None]] = []


def announce(what: str) -> None:
    """Say that the build now works on ``what`` (a few words: "the data package")."""
    for listener in _listeners:
        listener(what)


@contextmanager
def listening(listener: Callable[[str], None]) -> Iterator[None]:
    """Call ``listener`` with every announcement made inside the block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
