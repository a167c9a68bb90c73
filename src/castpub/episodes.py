"""Reading episodes: one Markdown file with YAML front matter becomes one Episode.

Precedence (the only place it is decided): front matter wins over what YouTube knows, which wins
over podcast.yaml defaults. This module handles the first; assemble.py merges the rest.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from castpub.config import Show
from castpub.dates import DateError, date_from_filename, parse_date
from castpub.errors import InvalidInput, Problem
from castpub.text import clean_text, xml_safe_utf8
from castpub.videos import VideoRef, find_videos, parse_video_url
from castpub.yamlio import Mapping, load_mapping

EXTENSIONS = (".html.md", ".markdown", ".md")
MAX_BYTES = 2 * 1024 * 1024
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$")
EPISODE_TYPES = ("full", "trailer", "bonus")
EARLIEST_YEAR = 1900
# Year 9999 overflows datetime when moved to another time zone (for the URL, the feed dates).
LATEST_YEAR = 9998


@dataclass(frozen=True)
class MediaRef:
    """Front matter `media:`, an enclosure the author hosts; missing length/type are learnt later."""

    url: str
    length: int | None = None
    type: str | None = None


@dataclass(frozen=True)
class Episode:
    path: Path
    id: str  # file name without extensions: unique, names every per-episode file
    slug: str
    title: str
    date: datetime
    # None once parsed for a build (the render job reads the file again, build.read_body) or
    # when the parse cache gave the episode without reading its file.
    body: str | None
    body_line: int
    author: str | None = None
    tags: tuple[str, ...] = ()
    published: bool = True
    guid: str | None = None
    description: str | None = None
    video: VideoRef | None = None
    videos: tuple[VideoRef, ...] = ()
    media: MediaRef | None = None
    episode_type: str = "full"
    season: int | None = None
    number: int | None = None
    explicit: bool | None = None
    image: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line, for messages
    # The hash of the file's bytes it was parsed from (unchanged.content_hash), "" when unknown.
    digest: str = field(default="", compare=False)


@dataclass(frozen=True)
class ReadResult:
    episode: Episode | None
    problems: list[Problem]
    warnings: list[Problem]


def episode_id(path: Path) -> str:
    name = path.name
    for ext in EXTENSIONS:
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return path.stem


def find_episode_files(show: Show) -> list[Path]:
    """Episode files in episodes/, sorted by name, without those podcast.yaml `exclude:` names."""
    return [show.episodes_dir / name for name, _ in scan_episode_names(show)]


def scan_episode_names(show: Show) -> list[tuple[str, os.stat_result | None]]:
    """The names of find_episode_files, each with the file's stat (None when it cannot be had):
    from the folder's entries, without making each file's path again (10 000 of them)."""
    directory = show.episodes_dir
    if not directory.is_dir():
        return []
    found = []
    # By name: the order of Paths in one folder, without comparing 10 000 Path objects; scandir's
    # is_file (following symlinks, as Path.is_file) mostly needs no stat.
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            name = entry.name
            if name.startswith(".") or not name.lower().endswith(EXTENSIONS):
                continue
            if not entry.is_file():
                continue
            if any(fnmatch.fnmatch(name, pattern) for pattern in show.exclude):
                continue
            try:
                stat: os.stat_result | None = entry.stat()
            except OSError:
                stat = None
            found.append((name, stat))
    return found


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts) or None when the file has none."""
    if not text.startswith("---"):
        return None
    first_end = text.find("\n")
    if first_end == -1 or text[:first_end].strip() != "---":
        return None
    m = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M).search(text, first_end + 1)
    if not m:
        return None
    front = text[first_end + 1 : m.start()]
    body_start = m.end() + 1
    return front, text[body_start:], text.count("\n", 0, min(body_start, len(text))) + 1


def decode(data: bytes, path: Path) -> tuple[str | None, Problem | None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(
            path, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})", "save the file as UTF-8"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def body_from(data: bytes, path: Path, clean: bool = False) -> str | None:
    """The body read_episode gives a file with these bytes, cut again without parsing the front
    matter; None when the file has none (or is not UTF-8). `clean`: the bytes are known to hold
    nothing clean_text removes, so the search is skipped."""
    text, _ = decode(data, path)
    parts = split_front_matter(text) if text is not None else None
    if parts is None:
        return None
    return parts[1] if clean else clean_text(parts[1])


def read_episode(
    path: Path, show: Show, data: bytes | None = None, safe: bool | None = None
) -> ReadResult:
    """Read one episode file (or parse `data`, its bytes already read, and `safe`, whether
    xml_safe_utf8 holds for them, if known); every problem found is returned, nothing is
    raised."""
    try:
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        return ReadResult(None, [Problem(path, None, f"cannot read: {exc.strerror}")], [])
    if len(data) > MAX_BYTES:
        return ReadResult(
            None,
            [
                Problem(
                    path,
                    None,
                    f"file is {len(data) // 1024} KiB, more than the {MAX_BYTES // 1024} KiB "
                    "an episode may have",
                    "split the transcript or remove embedded data",
                )
            ],
            [],
        )
    text, problem = decode(data, path)
    if text is None:
        return ReadResult(None, [problem] if problem else [], [])
    parts = split_front_matter(text)
    if parts is None:
        return ReadResult(
            None,
            [
                Problem(
                    path,
                    1,
                    "no front matter",
                    "start the file with '---', a 'title:' line and '---'",
                )
            ],
            [],
        )
    front, body, body_line = parts
    try:
        mapping = load_mapping(front, path, first_line=2, what="front matter")
    except InvalidInput as exc:
        return ReadResult(None, exc.problems, [])
    # Checking the bytes is a fifth of the cost of searching the text, and most files are clean.
    if safe is None:
        safe = xml_safe_utf8(data)
    clean = body if safe else clean_text(body)
    return _FrontMatter(path, mapping, show).episode(clean, body_line)


class _FrontMatter:
    def __init__(self, path: Path, mapping: Mapping, show: Show) -> None:
        self.path = path
        self.m = mapping
        self.show = show
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def fail(self, key: str, what: str, fix: str = "") -> None:
        self.problems.append(Problem(self.path, self.m.line_of(key), what, fix))

    def warn(self, line: int, what: str, fix: str = "") -> None:
        self.warnings.append(Problem(self.path, line, what, fix, warning=True))

    def text(self, key: str) -> str | None:
        value = self.m.values.get(key)
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            self.fail(
                key,
                f"'{key}' must be a single value, not a {type(value).__name__}",
                f"write it as {key}: VALUE on one line",
            )
            return None
        return clean_text(str(value)).strip() or None

    def episode(self, body: str, body_line: int) -> ReadResult:
        title = self.text("title")
        if not title and not self.problems:
            self.problems.append(
                Problem(
                    self.path, self.m.line, "no title", "add a 'title:' line to the front matter"
                )
            )
        date = self._date()
        videos = find_videos(body, body_line)
        video = self._video(videos)
        slug = self._slug()
        if self.problems or title is None or date is None:
            return ReadResult(None, self.problems, self.warnings)
        known = {
            "title",
            "date",
            "author",
            "tags",
            "published",
            "guid",
            "description",
            "excerpt",
            "youtube",
            "slug",
            "media",
            "episode_type",
            "season",
            "episode",
            "explicit",
            "image",
        }
        episode = Episode(
            path=self.path,
            id=episode_id(self.path),
            slug=slug,
            title=title,
            date=date,
            body=body,
            body_line=body_line,
            author=self._author(),
            tags=self._tags(),
            published=self._bool("published", True),
            guid=self.text("guid"),
            description=self.text("description") or self.text("excerpt"),
            video=video,
            videos=tuple(videos),
            media=self._media(),
            episode_type=self._episode_type(),
            season=self._number("season"),
            number=self._number("episode"),
            explicit=self._bool("explicit", None),
            image=self._url("image"),
            extra={k: v for k, v in self.m.values.items() if k not in known},
            lines=dict(self.m.lines),
        )
        return ReadResult(episode if not self.problems else None, self.problems, self.warnings)

    def _date(self) -> datetime | None:
        raw = self.m.values.get("date")
        if raw is None:
            value = date_from_filename(self.path.name, self.show.timezone)
            if value is None:
                self.problems.append(
                    Problem(
                        self.path,
                        self.m.line,
                        "no date",
                        "add 'date: YYYY-MM-DD HH:MM:SS' to the front matter or start the file name "
                        "with YYYY-MM-DD-",
                    )
                )
            return value
        try:
            parsed = parse_date(raw, self.show.timezone, self.show.timezones)
        except DateError as exc:
            self.fail(
                "date",
                str(exc),
                "write it as 'YYYY-MM-DD HH:MM:SS' with an optional zone "
                "such as UTC, CEST or +02:00",
            )
            return None
        except OverflowError:
            self.fail("date", f"date {raw!r} is out of range", "check the year")
            return None
        if not EARLIEST_YEAR <= parsed.value.year <= LATEST_YEAR:
            self.fail(
                "date",
                f"date {raw} is out of range ({EARLIEST_YEAR} to {LATEST_YEAR})",
                "check the year",
            )
            return None
        if parsed.ambiguous_zone:
            self.warn(
                self.m.line_of("date"),
                f"time-zone abbreviation {parsed.ambiguous_zone} is ambiguous; read as "
                f"{_offset(parsed.value)}",
                f"set it in podcast.yaml timezones: {{{parsed.ambiguous_zone}: '+HH:MM'}} "
                "or write the offset in the date",
            )
        return parsed.value

    def _slug(self) -> str:
        slug = self.text("slug")
        if slug is None:
            slug = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", episode_id(self.path)) or episode_id(
                self.path
            )
        elif not SLUG.match(slug):
            self.fail(
                "slug",
                f"slug {slug!r} is not usable in a URL",
                "use letters, digits, '-', '_', '.' and '~' only",
            )
        return slug

    def _author(self) -> str | None:
        raw = self.m.values.get("author")
        names = raw if isinstance(raw, list) else [raw] if raw is not None else []
        shown = [self.show.authors.get(str(n), clean_text(str(n)).strip()) for n in names]
        return ", ".join(n for n in shown if n) or None

    def _tags(self) -> tuple[str, ...]:
        raw = self.m.values.get("tags")
        if raw is None:
            return ()
        items = raw if isinstance(raw, list) else str(raw).split(",")
        tags = []
        for item in items:
            tag = clean_text(str(item)).strip()
            if tag and tag not in tags:
                tags.append(tag)
        return tuple(tags)

    def _bool(self, key: str, default: bool | None) -> Any:
        value = self.m.values.get(key, default)
        if value is None or isinstance(value, bool):
            return value
        self.fail(
            key, f"'{key}' must be true or false, not {value!r}", f"write {key}: true or false"
        )
        return default

    def _number(self, key: str) -> int | None:
        value = self.m.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(
                key, f"'{key}' must be a whole number from 1, not {value!r}", f"write {key}: 1"
            )
            return None
        return value

    def _url(self, key: str) -> str | None:
        value = self.text(key)
        if value and not re.match(r"^https?://\S+$", value):
            self.fail(key, f"'{key}' must be an http(s) URL, not {value!r}", "write https://...")
            return None
        return value

    def _episode_type(self) -> str:
        value = self.text("episode_type") or "full"
        if value not in EPISODE_TYPES:
            self.fail(
                "episode_type",
                f"'episode_type' {value!r} is not known",
                f"use one of {', '.join(EPISODE_TYPES)}",
            )
            return "full"
        return value

    def _media(self) -> MediaRef | None:
        raw = self.m.values.get("media")
        if raw is None:
            return None
        spec = raw if isinstance(raw, dict) else {"url": raw}
        url = str(spec.get("url") or "")
        length, kind = spec.get("length"), spec.get("type")
        if not re.match(r"^https?://\S+$", url):
            self.fail(
                "media",
                f"media url {url!r} is not an http(s) URL",
                "write media: https://... or media: {url: ..., length: BYTES, type: audio/mpeg}",
            )
            return None
        if length is not None and (
            isinstance(length, bool) or not isinstance(length, int) or length < 0
        ):
            self.fail(
                "media",
                f"media length {length!r} must be a number of bytes",
                "write length: 12345678 or leave it out",
            )
            return None
        if kind is not None and not re.match(r"^[\w.+-]+/[\w.+-]+$", str(kind)):
            self.fail("media", f"media type {kind!r} is not a MIME type", "e.g. audio/mpeg")
            return None
        return MediaRef(url, length, str(kind) if kind else None)

    def _video(self, videos: list[VideoRef]) -> VideoRef | None:
        if self.m.values.get("youtube") is not None:
            raw = self.text("youtube")
            if raw is None:  # not a single value: text() said so
                return None
            ref = parse_video_url(raw, self.m.line_of("youtube"))
            if ref is None:
                self.fail(
                    "youtube",
                    f"'youtube' {raw!r} is not a YouTube video id or URL",
                    "use the 11-character id or a watch/embed/youtu.be URL",
                )
            return ref
        if len(videos) > 1:
            others = ", ".join(f"{v.video_id} (line {v.line})" for v in videos[1:])
            self.warn(
                videos[0].line,
                f"{len(videos)} videos in one episode; using {videos[0].video_id}, not {others}",
                "set 'youtube:' in the front matter to choose another",
            )
        return videos[0] if videos else None


def _offset(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
