"""`castpub new`: a draft episode file for a video, from the store or YouTube or the author's words.

The file is a draft (`published: false`) that `castpub check` accepts as it is: the author writes
the intro and pastes the transcript, then flips `published: true`. It never overwrites a file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from castpub.config import Show
from castpub.errors import invalid
from castpub.refresh import Fetcher, fetched_at_text, read_episodes
from castpub.store import Store, save_store

SLUG_WORDS = 8
TRANSCRIPT_PLACEHOLDER = (
    "<!-- Transcript: paste the conversation here, one paragraph per turn, each opening with the "
    "speaker's name, e.g. 'Rich: Welcome to the show.' -->"
)


@dataclass(frozen=True)
class NewEpisode:
    video_id: str
    playlist_id: str | None
    title: str
    date: str  # as written in the front matter: 'YYYY-MM-DD HH:MM:SS UTC' or 'YYYY-MM-DD'
    tags: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        # A title with no ASCII letters (say, Japanese) still gives a unique, case-kept name.
        return f"{self.date[:10]}-{slugify(self.title) or 'video-' + self.video_id}.md"


def slugify(title: str) -> str:
    """At most SLUG_WORDS lowercase ASCII words joined by '-': stable, readable file names."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words[:SLUG_WORDS])


def _scalar(value: Any) -> str:
    """One YAML scalar on one line, quoted when it must be (titles hold ':', '#', quotes...)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6)
    return dumped.removesuffix("\n...\n").strip()


def episode_text(show: Show, new: NewEpisode) -> str:
    embed = f"https://www.youtube.com/embed/{new.video_id}" + (
        f"?list={new.playlist_id}" if new.playlist_id else ""
    )
    front = "\n".join(
        [
            f"title: {_scalar(new.title)}",
            f"author: {_scalar(show.author)}",
            f"date: {new.date}",
            f"tags: {_scalar(list(new.tags))}",
            "published: false",
        ]
    )
    return (
        f"---\n{front}\n---\n\n"
        # Not "Name: ..." at the start: that would read as a speaker turn.
        f"In this episode: {new.title}\n\n"
        f'<iframe width="560" height="315" src="{embed}" frameborder="0" allowfullscreen>'
        "</iframe>\n\n"
        f"{TRANSCRIPT_PLACEHOLDER}\n"
    )


def upload_date_text(record: Mapping[str, Any]) -> str | None:
    """The upload moment in UTC when yt-dlp gave a timestamp, else its UTC upload day."""
    timestamp = record.get("timestamp")
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    upload = record.get("upload_date")
    if isinstance(upload, str) and re.fullmatch(r"\d{8}", upload):
        return f"{upload[:4]}-{upload[4:6]}-{upload[6:]}"
    return None


def episodes_by_video(show: Show) -> dict[str, Path]:
    """Video id -> the episode file about it, so no video gets two files."""
    return {e.video.video_id: e.path for e in read_episodes(show) if e.video is not None}


@dataclass
class Writer:
    """Writes new episode files, asking YouTube (and remembering the answer) only when needed."""

    show: Show
    store: Store
    fetcher: Fetcher
    now: datetime

    def known(self, video_id: str, playlist_id: str | None) -> dict[str, Any]:
        """What the store knows of a video: its record, else its entry in a playlist."""
        record = self.store.videos.get(video_id)
        if record:
            return dict(record)
        for pid in [playlist_id, *sorted(self.store.playlists)]:
            for entry in self.store.playlists.get(pid or "", {}).get("entries", []):
                if isinstance(entry, Mapping) and entry.get("id") == video_id:
                    return dict(entry)
        return {"id": video_id}

    def fetch(self, video_id: str) -> dict[str, Any]:
        """The video from YouTube, merged into the store and saved (raises FetchFailed)."""
        info = self.fetcher.video(video_id)
        self.store.merge_video({**info, "id": video_id}, fetched_at_text(self.now))
        save_store(self.show.store_path, self.store)
        return self.store.videos[video_id]

    def fetch_playlist(self, playlist_id: str) -> None:
        """The playlist from YouTube (flat), merged into the store and saved."""
        info = self.fetcher.playlist(playlist_id)
        self.store.merge_playlist({**info, "id": playlist_id}, fetched_at_text(self.now))
        save_store(self.show.store_path, self.store)

    def describe(
        self,
        video_id: str,
        playlist_id: str | None,
        title: str | None,
        day: date | None,
        tags: tuple[str, ...],
    ) -> NewEpisode:
        record = self.known(video_id, playlist_id)
        if (title or record.get("title")) is None or (day or upload_date_text(record)) is None:
            record = self.fetch(video_id)  # FetchFailed: the caller says what to do offline
        return NewEpisode(
            video_id,
            playlist_id or self.playlist_of(video_id),
            " ".join((title or str(record.get("title") or video_id)).split()),
            day.isoformat() if day else upload_date_text(record) or self.now.date().isoformat(),
            tags,
        )

    def playlist_of(self, video_id: str) -> str | None:
        """A followed playlist the store says holds the video, for the embed's list=."""
        for pid in self.show.followed_playlists:
            entries = self.store.playlists.get(pid, {}).get("entries", [])
            if any(isinstance(e, Mapping) and e.get("id") == video_id for e in entries):
                return pid
        return None

    def write(self, new: NewEpisode) -> Path:
        path = self.show.episodes_dir / new.file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(episode_text(self.show, new))
        except FileExistsError:
            raise invalid(
                path,
                None,
                "already exists; castpub new never overwrites a file",
                "rename or remove it, or pass another --title",
            ) from None
        return path
