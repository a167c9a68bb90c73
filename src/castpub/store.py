"""The store, data/youtube.json: what YouTube told us, so builds never need YouTube.

Records keep yt-dlp's own field names. The file is versioned, sorted and written atomically; it is
merged, never truncated: a failed fetch never erases what the store knew.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, MutableMapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from castpub.errors import invalid
from castpub.output import remove_leftovers, write_atomic
from castpub.text import clean_text

STORE_VERSION = 1
VIDEO_FIELDS = (
    "id",
    "title",
    "duration",
    "upload_date",
    "timestamp",
    "release_timestamp",
    "thumbnail",
    "chapters",
    "channel",
    "channel_id",
    "uploader",
    "webpage_url",
    "availability",
    "live_status",
    "description",
    "tags",
    "media_type",
)
PLAYLIST_FIELDS = (
    "id",
    "title",
    "description",
    "channel",
    "availability",
    "modified_date",
    "webpage_url",
)
ENTRY_FIELDS = ("id", "title", "duration")


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str
    end: float | None = None


@dataclass(frozen=True)
class VideoInfo:
    """What the build needs of one video record."""

    id: str
    title: str | None = None
    duration: int | None = None
    upload_date: str | None = None
    timestamp: int | None = None
    thumbnail: str | None = None
    chapters: tuple[Chapter, ...] = ()
    availability: str | None = None
    live_status: str | None = None
    fetched_at: str | None = None

    @property
    def square_safe_thumbnail(self) -> str:
        """A jpg thumbnail URL that always exists and that feed validators accept."""
        return f"https://i.ytimg.com/vi/{self.id}/hqdefault.jpg"


@dataclass(frozen=True)
class PlaylistEntry:
    id: str
    title: str | None = None
    duration: int | None = None


@dataclass(frozen=True)
class PlaylistInfo:
    id: str
    title: str | None = None
    entries: tuple[PlaylistEntry, ...] = ()
    fetched_at: str | None = None


@dataclass
class Store:
    """data/youtube.json in memory: raw records by id, plus typed views for the build."""

    videos: MutableMapping[str, dict[str, Any]] = field(default_factory=dict)
    playlists: MutableMapping[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Typed views already made, with the record each was made from: a build asks for every video
    # several times (render, assemble, write), and the merges replace records rather than edit
    # them, so a view is current while its record is still the one in `videos`.
    _views: dict[str, tuple[dict[str, Any], VideoInfo]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def video(self, video_id: str) -> VideoInfo | None:
        record = self.videos.get(video_id)
        if not record:
            return None
        made = self._views.get(video_id)
        if made is None or made[0] is not record:
            made = self._views[video_id] = (record, video_info(record))
        return made[1]

    def playlist(self, playlist_id: str) -> PlaylistInfo | None:
        record = self.playlists.get(playlist_id)
        return playlist_info(record) if record else None

    def playlist_members(self, playlist_id: str, video_ids: AbstractSet[str]) -> list[str]:
        """The ids among video_ids that the playlist's entries name, as playlist() reads them,
        without making the whole PlaylistInfo: for a rebuild of one episode, the playlists of
        10 000 videos were most of its assembling."""
        record = self.playlists.get(playlist_id)
        entries = (record.get("entries") if record else None) or []
        return [
            str(e["id"])
            for e in entries
            if isinstance(e, Mapping) and e.get("id") and str(e["id"]) in video_ids
        ]

    def merge_video(self, record: Mapping[str, Any], fetched_at: str) -> None:
        """Add what a fetch returned; fields it lacks keep their last known values."""
        video_id = str(record["id"])
        merged = dict(self.videos.get(video_id, {}))
        merged.update({k: record[k] for k in VIDEO_FIELDS if record.get(k) is not None})
        merged["fetched_at"] = fetched_at
        self.videos[video_id] = merged

    def merge_playlist(self, record: Mapping[str, Any], fetched_at: str) -> None:
        playlist_id = str(record["id"])
        merged = dict(self.playlists.get(playlist_id, {}))
        merged.update({k: record[k] for k in PLAYLIST_FIELDS if record.get(k) is not None})
        entries = [
            {k: e[k] for k in ENTRY_FIELDS if e.get(k) is not None}
            for e in record.get("entries") or []
            if isinstance(e, Mapping) and e.get("id")
        ]
        merged["entries"] = entries
        merged["fetched_at"] = fetched_at
        self.playlists[playlist_id] = merged

    def to_json(self) -> bytes:
        data = {
            "version": STORE_VERSION,
            "videos": dict(self.videos),
            "playlists": dict(self.playlists),
            "media": self.media,
        }
        return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(value)


def _text(value: Any) -> str | None:
    """A store string as the feeds can carry it: the store is input too (edited, imported)."""
    return clean_text(str(value)) if value is not None else None


def video_info(record: Mapping[str, Any]) -> VideoInfo:
    chapters = tuple(
        Chapter(
            float(c["start_time"]),
            clean_text(str(c.get("title") or "")),
            float(c["end_time"]) if isinstance(c.get("end_time"), int | float) else None,
        )
        for c in record.get("chapters") or []
        if isinstance(c, Mapping) and isinstance(c.get("start_time"), int | float)
    )
    return VideoInfo(
        id=str(record.get("id")),
        title=_text(record.get("title")),
        duration=_int(record.get("duration")),
        upload_date=record.get("upload_date"),
        timestamp=_int(record.get("timestamp")),
        thumbnail=record.get("thumbnail"),
        chapters=chapters,
        availability=record.get("availability"),
        live_status=record.get("live_status"),
        fetched_at=record.get("fetched_at"),
    )


def playlist_info(record: Mapping[str, Any]) -> PlaylistInfo:
    entries = tuple(
        PlaylistEntry(str(e["id"]), _text(e.get("title")), _int(e.get("duration")))
        for e in record.get("entries") or []
        if isinstance(e, Mapping) and e.get("id")
    )
    return PlaylistInfo(
        str(record.get("id")), _text(record.get("title")), entries, record.get("fetched_at")
    )


def load_store(path: Path, raw: bytes | None = None) -> Store:
    """Read the store (or parse `raw`, its bytes already read); a missing file is an empty store,
    a broken one an error (never overwritten)."""
    try:
        raw = path.read_bytes() if raw is None else raw
    except FileNotFoundError:
        return Store()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise invalid(
            path,
            line,
            f"the store is not valid JSON ({exc})",
            "restore it from git (git checkout data/youtube.json) or delete it and refresh",
        ) from None
    if not isinstance(data, dict) or data.get("version") != STORE_VERSION:
        raise invalid(
            path,
            None,
            f"the store is not a version {STORE_VERSION} castpub store",
            "restore it from git, or delete it and run castpub refresh",
        )
    return Store(
        videos=_records(data.get("videos")),
        playlists=_records(data.get("playlists")),
        media=_records(data.get("media")),
    )


def _records(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, dict)}


def save_store(path: Path, store: Store) -> bool:
    """Write the store atomically; returns whether the bytes changed."""
    remove_leftovers(path.parent)  # temporary files of a run killed mid-write
    return write_atomic(path, store.to_json())


def import_info_files(store: Store, paths: Iterable[Path], fetched_at: str) -> list[str]:
    """Merge yt-dlp .info.json files (videos or playlists) into the store; returns what was added."""
    added = []
    for path in paths:
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise invalid(
                path,
                None,
                f"cannot read yt-dlp info: {exc}",
                "pass files written by yt-dlp --write-info-json",
            ) from None
        if not isinstance(info, dict) or not info.get("id"):
            raise invalid(
                path,
                None,
                "this is not a yt-dlp info file (no 'id')",
                "pass files written by yt-dlp --write-info-json",
            )
        if info.get("_type") == "playlist":
            store.merge_playlist(info, fetched_at)
            added.append(f"playlist {info['id']}")
        else:
            store.merge_video(info, fetched_at)
            added.append(f"video {info['id']}")
    return added
