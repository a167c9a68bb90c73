"""The parse cache, .castpub-cache/episodes.marshal: unchanged episode files are not parsed again.

Parsing an episode file costs a quarter of a millisecond, most of a rebuild's reading time. An
episode is a pure function of its file name, its bytes, podcast.yaml and castpub's code, so an
entry is found by the hash of the file's bytes (which the build computes anyway) under a salt of
the other three: any change to them misses. The file is a record in marshal's format
(output.write_record), as the other records of a build: plain values only, written eight times
faster than JSON (half a second of a cold build at 10 000 episodes). A missing, corrupt or
foreign file is only a miss; files with problems are never cached (they are parsed again, so
their messages stay exact).

The store (data/youtube.json) is kept the same way, in .castpub-cache/store.marshal, under the
hash of its bytes.
"""

from __future__ import annotations

import hashlib
import marshal
import zlib
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from castpub.cache import CACHE_DIR, code_salt
from castpub.episodes import Episode, MediaRef, ReadResult, body_from
from castpub.errors import Problem
from castpub.output import SHARED, read_record, write_record
from castpub.store import Store, load_store
from castpub.text import xml_safe_utf8
from castpub.videos import VideoRef

NAME = "episodes.marshal"
STORE_NAME = "store.marshal"
FORMAT = 3


def encode_date(value: datetime) -> list[Any]:
    """A date that comes back identical: wall time, zone and fold for IANA zones (a time in a
    DST gap must not be normalised), else the ISO text with its fixed offset."""
    if isinstance(value.tzinfo, ZoneInfo):
        return [value.replace(tzinfo=None).isoformat(), value.tzinfo.key, value.fold]
    return [value.isoformat(), None, 0]


def decode_date(raw: list[Any]) -> datetime:
    text, zone, fold = raw
    if zone is None:
        return datetime.fromisoformat(text)
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=int(fold))


def _video(ref: VideoRef | None) -> list[Any] | None:
    return None if ref is None else [ref.video_id, ref.playlist_id, ref.line]


def _unvideo(raw: list[Any] | None) -> VideoRef | None:
    return None if raw is None else VideoRef(str(raw[0]), raw[1], int(raw[2]))


def _round_trips(value: Any) -> bool:
    """Whether a record stores value exactly (dates from YAML, for one, it cannot store)."""
    if value == {}:
        return True  # nearly every episode: no keys beyond castpub's own
    try:
        return bool(marshal.loads(marshal.dumps(value)) == value)
    except ValueError:  # a type marshal cannot write
        return False


def encode(episode: Episode, warnings: list[Problem], body_clean: bool) -> dict[str, Any] | None:
    """An entry for one parsed episode, or None when it cannot be stored exactly."""
    if not _round_trips(episode.extra):
        return None
    media = episode.media
    return {
        "id": episode.id,
        "slug": episode.slug,
        "title": episode.title,
        "date": encode_date(episode.date),
        "body_line": episode.body_line,
        "body_clean": body_clean,
        "author": episode.author,
        "tags": list(episode.tags),
        "published": episode.published,
        "guid": episode.guid,
        "description": episode.description,
        "video": _video(episode.video),
        "videos": [_video(v) for v in episode.videos],
        "media": None if media is None else [media.url, media.length, media.type],
        "episode_type": episode.episode_type,
        "season": episode.season,
        "number": episode.number,
        "explicit": episode.explicit,
        "image": episode.image,
        "extra": episode.extra,
        "lines": episode.lines,
        "warnings": [[w.line, w.what, w.fix] for w in warnings],
    }


def decode_entry(
    path: Path, entry: dict[str, Any], data: bytes | None, digest: str = ""
) -> ReadResult | None:
    """The episode an entry describes, its body cut again from the file's bytes, or left unread
    (None) when `data` is None."""
    body = None
    if data is not None:
        body = body_from(data, path, clean=bool(entry["body_clean"]))
        if body is None:
            return None
    media = entry["media"]
    episode = Episode(
        path=path,
        id=entry["id"],
        slug=entry["slug"],
        title=entry["title"],
        date=decode_date(entry["date"]),
        body=body,
        body_line=int(entry["body_line"]),
        author=entry["author"],
        tags=tuple(entry["tags"]),
        published=entry["published"],
        guid=entry["guid"],
        description=entry["description"],
        video=_unvideo(entry["video"]),
        videos=tuple(v for v in map(_unvideo, entry["videos"]) if v is not None),
        media=None if media is None else MediaRef(media[0], media[1], media[2]),
        episode_type=entry["episode_type"],
        season=entry["season"],
        number=entry["number"],
        explicit=entry["explicit"],
        image=entry["image"],
        extra=entry["extra"],
        lines={str(k): int(v) for k, v in entry["lines"].items()},
        digest=digest,
    )
    warnings = [
        Problem(path, line, what, fix, warning=True) for line, what, fix in entry["warnings"]
    ]
    return ReadResult(episode, [], warnings)


def entry_for(data: bytes, result: ReadResult, safe: bool | None = None) -> bytes | None:
    """The cache entry for a file just parsed, or None when it must not be cached. A separate
    step, so that worker processes make it beside the parse.

    Marshalled already: a build holds 10 000 of them until it saves the cache, and sending and
    holding bytes costs a fraction of what the dictionaries did (20 MB at the peak of a cold
    build)."""
    if result.episode is None or result.problems:
        return None
    # A file with nothing clean_text removes anywhere has a clean body, and a hit can skip the
    # search; a file with such characters only in its front matter merely runs it again.
    entry = encode(result.episode, result.warnings, xml_safe_utf8(data) if safe is None else safe)
    return None if entry is None else marshal.dumps(entry)


class ParseCache:
    """Parsed episodes by file name and hash of bytes; `None` as path turns it off."""

    def __init__(self, path: Path | None, config_hash: str) -> None:
        self.path = path
        self.salt = hashlib.blake2b(
            f"{FORMAT}\0{code_salt()}\0{config_hash}".encode(), digest_size=16
        ).hexdigest()
        # By file name: (the hash of its bytes, its entry as entry_for makes it)
        self.entries: dict[str, tuple[str, bytes]] = self._load()
        self.kept: dict[str, tuple[str, bytes]] = {}

    @classmethod
    def for_show(cls, root: Path, config_hash: str, enabled: bool = True) -> ParseCache:
        return cls(root / CACHE_DIR / NAME if enabled else None, config_hash)

    def _load(self) -> dict[str, tuple[str, bytes]]:
        if self.path is None:
            return {}
        try:
            data = read_record(self.path)
            if data.get("salt") != self.salt:
                return {}
            return {
                str(name): (str(digest), _blob(entry)) for name, digest, entry in data["episodes"]
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def get(self, path: Path, digest: str, data: bytes | None) -> ReadResult | None:
        """The entry of the file whose bytes hash to digest; data, those bytes, may be None
        (not read: the episode comes without its body)."""
        found = self.entries.get(path.name)
        if found is None or found[0] != digest or not digest:
            return None
        try:
            result = decode_entry(path, marshal.loads(found[1]), data, digest)
        except (KeyError, TypeError, ValueError, IndexError, EOFError):
            return None
        if result is not None:
            self.kept[path.name] = found
        return result

    @property
    def changed(self) -> bool:
        return self.kept.keys() != self.entries.keys() or any(
            self.entries[name][0] != digest for name, (digest, _) in self.kept.items()
        )

    def keep(self, name: str, digest: str, entry: bytes | None) -> None:
        """Store the entry made for the file `name` just parsed (see entry_for)."""
        if self.path is not None and entry is not None and digest:
            self.kept[name] = (digest, entry)

    def save(self) -> None:
        """Keep the entries of the files this build read; a failure only costs a re-parse."""
        if self.path is None or not self.changed:
            return
        rows = [[name, digest, entry] for name, (digest, entry) in sorted(self.kept.items())]
        # Shared: its entries are made once and read by every build that parses (half the time).
        write_record(self.path, {"salt": self.salt, "episodes": rows}, shared=True)


def _blob(entry: object) -> bytes:
    if not isinstance(entry, bytes):
        raise TypeError("an entry is not marshalled")
    return entry


def load_store_cached(
    root: Path,
    path: Path,
    raw: bytes | None,
    digest: str | None,
    enabled: bool = True,
    lazy: bool = False,
) -> Store:
    """load_store(path, raw) for the store whose bytes hash to `digest`: from the record an
    earlier build made of the same bytes with the same castpub, else parsed and recorded.
    Reading 4 MB of JSON was 0.07 s of every one-episode rebuild at 10 000 episodes, the
    record is half that. The records of videos and playlists are kept in STORE_BUCKETS parts:
    `lazy`, a part is read when one of its records is first asked for (a rebuild of one episode
    needs its own video's and its playlists', not 10 000 of them); else all of them at once."""
    record = root / CACHE_DIR / STORE_NAME
    if not enabled or digest is None:
        return load_store(path, raw)
    try:
        data = read_record(record)
        if data.get("salt") == code_salt() and data.get("hash") == digest:
            (video_ids, videos), (playlist_ids, playlists) = data["videos"], data["playlists"]
            if _parts_crc(videos, playlists) != data["crc"]:
                raise ValueError("the store's record is damaged")
            if lazy:
                return Store(
                    EncodedRecords(video_ids, videos),
                    EncodedRecords(playlist_ids, playlists),
                    data["media"],
                )
            return Store(
                _decoded(video_ids, videos), _decoded(playlist_ids, playlists), data["media"]
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError):
        pass
    store = load_store(path, raw)
    videos, playlists = _encoded(store.videos), _encoded(store.playlists)
    crc = _parts_crc(videos, playlists)
    fields = {
        "videos": [list(store.videos), videos],
        "playlists": [list(store.playlists), playlists],
        "media": store.media,
    }
    write_record(record, {"salt": code_salt(), "hash": digest, "crc": crc, **fields})
    return store


# The store's records go into this many parts, by a hash of their id. The records in one part
# share the strings of their keys, as in one record of the whole store: marshalled one by one,
# 10 000 videos each with their own "title" and "duration" were 1.7 times slower to read from.
STORE_BUCKETS = 64


def _bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % STORE_BUCKETS


def _encoded(records: Mapping[str, dict[str, Any]]) -> list[bytes]:
    parts: list[dict[str, dict[str, Any]]] = [{} for _ in range(STORE_BUCKETS)]
    for key, value in records.items():
        parts[_bucket(key)][key] = value
    return [marshal.dumps(part, SHARED) for part in parts]


def _decoded(ids: list[str], parts: list[bytes]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for part in parts:
        found.update(marshal.loads(part))
    return {key: found[key] for key in ids}  # in the store's order


class EncodedRecords(MutableMapping[str, dict[str, Any]]):
    """Store records by id, each part of them (_encoded) read when one of its records is first
    asked for."""

    def __init__(self, ids: list[str], parts: list[bytes]) -> None:
        if len(parts) != STORE_BUCKETS:
            raise ValueError("a store record of another shape")
        self._ids = dict.fromkeys(ids)
        self._parts = parts
        self._read: set[int] = set()
        self._records: dict[str, dict[str, Any]] = {}

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key not in self._ids:
            raise KeyError(key)
        found = self._records.get(key)
        if found is None:
            bucket = _bucket(key)
            if bucket not in self._read:
                self._read.add(bucket)
                for other, record in marshal.loads(self._parts[bucket]).items():
                    self._records.setdefault(other, record)  # a record set since stays
            found = self._records[key]
        return found

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        self._ids[key] = None
        self._records[key] = value

    def __delitem__(self, key: str) -> None:
        del self._ids[key]
        self._records.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def _parts_crc(*columns: list[bytes]) -> int:
    """A checksum of the parts' bytes, read only when asked for: a damaged one is found when
    the record is read, not in the middle of a build."""
    crc = 0
    for column in columns:
        for data in column:
            crc = zlib.crc32(data, crc)
    return crc
