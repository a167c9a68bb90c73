"""The record of the last build's items, .castpub-cache/items.marshal, for castpub.incremental.

A build writes it after it commits, beside the last build's record (unchanged.py), and pairs it
with that record by the time the build started reading: every episode's id, link, GUID, video id
and render key by file name; each item of the main feed's date, video id, enclosure URL and what
the guards read of it; each feed's paths, title, playlist and its items (episode ids and item
keys) in order. Nothing in it is trusted but with a last-build record of the same build.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from castpub.cache import CACHE_DIR
from castpub.episodes import Episode
from castpub.guard import PublishedItem, as_published
from castpub.model import Feed, Item
from castpub.output import LaterRecords, keep_record, read_record
from castpub.parsecache import encode_date
from castpub.unchanged import build_salt

RECORD_NAME = "items.marshal"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def save_record(
    root: Path,
    read_at: int,
    episodes: list[Episode],
    links: dict[str, str],
    render_keys: dict[str, str],
    feeds: list[Feed],
    keys: dict[int, str],
    published: Mapping[str, PublishedItem | None] | None = None,
    later: LaterRecords | None = None,
) -> None:
    """Write the record after a full build committed, or have `later` do it once it has
    (`keys`: each item's key by id(item); `published`: as_published of the items by episode
    id, those made already)."""
    known = published or {}
    rows = {
        e.path.name: [
            e.id,
            links[e.id],
            e.guid,
            e.video.video_id if e.video else None,
            render_keys.get(e.id, ""),
        ]
        for e in episodes
    }
    items = {
        i.episode_id: item_row(i, known[i.episode_id] if i.episode_id in known else as_published(i))
        for i in feeds[0].items
    }
    order = [
        feed_row(f, [i.episode_id for i in f.items], [keys[id(i)] for i in f.items]) for f in feeds
    ]
    save(root, read_at, rows, items, order, later)


def item_row(item: Item, published: PublishedItem | None) -> list[Any]:
    return [
        encode_date(item.date),
        item.video_id,
        item.enclosure.url if item.enclosure else None,
        None if published is None else [published.guid, published.episode_id, published.video_id],
        instant(item.date),
        plain(item.date),
    ]


def instant(date: datetime) -> int:
    """The date as microseconds since 1970 (UTC): exact, and sorted as the instants are."""
    return (date - EPOCH) // MICROSECOND


def plain(date: datetime) -> bool:
    """Whether the date is outside its zone's DST folds and gaps. Python compares two dates of
    one zone by their wall times, so only such dates are sure to sort as their instants do."""
    return date.replace(fold=1 - date.fold).utcoffset() == date.utcoffset()


def feed_row(feed: Feed, ids: list[str], keys: list[str]) -> list[Any]:
    return [feed.rss_path, feed.atom_path, feed.title, feed.playlist_id, ids, keys]


def save(
    root: Path,
    read_at: int,
    episodes: dict[str, list[Any]],
    items: dict[str, list[Any]],
    feeds: list[list[Any]],
    later: LaterRecords | None = None,
) -> None:
    record = {
        "salt": build_salt(),
        "read_at": read_at,
        "episodes": episodes,
        "items": items,
        "feeds": feeds,
    }
    keep_record(root / CACHE_DIR / RECORD_NAME, record, later)


def forget(root: Path) -> None:
    (root / CACHE_DIR / RECORD_NAME).unlink(missing_ok=True)


def load(root: Path, read_at: Any) -> dict[str, Any] | None:
    """The record, when it belongs to the last build's (same read_at) and to this castpub."""
    try:
        record = read_record(root / CACHE_DIR / RECORD_NAME)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("salt") != build_salt():
        return None
    return record if record.get("read_at") == read_at else None
