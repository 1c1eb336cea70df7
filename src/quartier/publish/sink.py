"""Put what workers published per business in place, then write the whole-directory files.

A :class:`Sink` receives :class:`~quartier.publish.entry.Published` records
in id order, from whichever process computed them (validation workers in
:func:`quartier.publish.stream.build_tree`, the site's page workers, or
:func:`write_entries`). For each it writes the two API files and appends to
the data files and ``llms-full.txt`` at once, spills the feed item to disk
and keeps only a compact :class:`~quartier.publish.listing.Listing`. When
the block ends, the feed pages, lists, sitemap, ``llms.txt``, OpenAPI file
and data package are written from those. So a build holds no model and no
finished output for every business, only a listing of a few hundred bytes.

Example::

    with collect(ctx, output) as sink:
        for published in records:
            sink.add(published)
    api.write_index(ctx, output, sink.listings)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from ..directory import PARALLEL_MIN
from ..model import Entry
from ..parallel import fork_imap
from . import api, data, feed, llms, openapi, sitemap
from .context import BuildContext
from .entry import Published, publish_entry
from .listing import Listings
from .writer import Output, Stream


class Sink:
    """Where published businesses go, in id order (see :func:`collect`)."""

    def __init__(self, out: Output, files: data.DataFiles, full: Stream, items: feed.Items) -> None:
        self._out, self._data, self._full, self._items = out, files, full, items
        self.listings = Listings()
        self.notes: list[str] = []

    def __len__(self) -> int:
        return len(self.listings.rows)

    def in_order(self, published: Published) -> bool:
        """Whether ``published`` may come next: its id sorts after the last one added."""
        rows = self.listings.rows
        return not rows or published.listing.id > rows[-1].id

    def add(self, published: Published) -> None:
        p = published
        if not self.in_order(p):
            # The data files, lists and sitemap are written in this order as they come.
            last = self.listings.rows[-1].id
            raise ValueError(f"businesses out of id order: {p.listing.id} after {last}")
        for file in p.files:
            self._out.put(file)
        self._data.add(p.ndjson, p.feature, p.row)
        if p.llms:
            self._full.write(p.llms.encode("utf-8"))
        self._items.add(p.feed_order, p.listing.id, p.feed_item)
        self.listings.rows.append(p.listing)

    def add_all(self, work: Iterable[Sequence[Published]], tick: Callable[[], None] | None) -> None:
        """Add chunks of records as workers deliver them, ticking once per business."""
        for chunk in work:
            for published in chunk:
                self.add(published)
                if tick:
                    tick()


@contextmanager
def collect(ctx: BuildContext, out: Output) -> Iterator[Sink]:
    """A :class:`Sink` writing into ``out``; the whole-directory files follow the block.

    On an error inside the block nothing more is written and the partial
    files stay for ``out`` to discard.
    """
    notes: list[str] = []
    with (
        data.streaming(out, notes) as files,
        out.stream(llms.FULL_PATH) as full,
        feed.Items(out.root) as items,
    ):
        full.write(llms.full_header(ctx).encode("utf-8"))
        sink = Sink(out, files, full, items)
        yield sink
        feed.write(ctx, out, items)
    sink.notes = notes
    data.write_package(ctx, out)
    api.write_lists(ctx, out, sink.listings)
    llms.write(ctx, out, sink.listings)
    sitemap.write(ctx, out, sink.listings)
    openapi.write(ctx, out)


def write_entries(ctx: BuildContext, sink: Sink, tick: Callable[[], None] | None = None) -> None:
    """Publish every business of ``ctx`` (validated models in memory) into ``sink``.

    Each business is independent: forked workers compute its files and
    records (see :mod:`quartier.parallel`) and this process writes them.
    """

    def publish(entries: Sequence[Entry]) -> list[Published]:
        return [publish_entry(ctx, entry) for entry in entries]

    ctx.site  # noqa: B018 - computed once, before forking
    sink.add_all(fork_imap(publish, ctx.entries(), minimum=PARALLEL_MIN), tick)
