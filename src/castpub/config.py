"""The show: podcast.yaml read into a Show, every key checked, every mistake named with its line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from castpub.errors import InvalidInput, Problem, invalid
from castpub.text import clean_text
from castpub.yamlio import Mapping, load_mapping

CONFIG_NAME = "podcast.yaml"

REQUIRED = (
    "title",
    "description",
    "link",
    "feed_url",
    "language",
    "author",
    "owner",
    "image",
    "categories",
    "explicit",
    "episode_url",
)
EPISODE_URL_FIELDS = frozenset({"year", "month", "day", "slug", "id"})


@dataclass(frozen=True)
class Category:
    name: str
    subcategory: str | None = None


@dataclass(frozen=True)
class PlaylistSettings:
    """podcast.yaml `playlists:` entry: a stable slug (the feed's file name) and an optional title."""

    slug: str
    title: str | None = None


@dataclass(frozen=True)
class YouTubeSettings:
    """The only settings that reach yt-dlp: nothing in podcast.yaml can make it run a command."""

    cookies: Path | None = None
    proxy: str | None = None
    concurrency: int = 2
    sleep: float = 1.0
    socket_timeout: float = 15.0
    video_max_age: timedelta = timedelta(days=30)
    playlist_max_age: timedelta = timedelta(days=1)
    playlists: tuple[str, ...] = ()


@dataclass(frozen=True)
class MediaSettings:
    dir: Path = Path("media")
    url: str | None = None
    format: str = "bestaudio[ext=m4a]/bestaudio/best"
    keep_last: int | None = None
    require: bool = False


@dataclass(frozen=True)
class Show:
    """The whole podcast, as podcast.yaml describes it."""

    root: Path
    title: str
    description: str
    link: str
    feed_url: str
    language: str
    author: str
    owner_name: str
    owner_email: str
    image: str
    categories: tuple[Category, ...]
    explicit: bool
    episode_url: str
    timezone: tzinfo = UTC
    authors: dict[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    timezones: dict[str, timedelta] = field(default_factory=dict)
    copyright: str | None = None
    show_type: str = "episodic"
    playlists: dict[str, PlaylistSettings] = field(default_factory=dict)
    playlist_episode_numbers: bool = True
    youtube: YouTubeSettings = field(default_factory=YouTubeSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    limit: int | None = None
    websub_hub: str | None = None
    max_shrink: float = 0.5

    @property
    def episodes_dir(self) -> Path:
        return self.root / "episodes"

    @property
    def feeds_dir(self) -> Path:
        return self.root / "feeds"

    @property
    def store_path(self) -> Path:
        return self.root / "data" / "youtube.json"

    def feed_link(self, relpath: str) -> str:
        """Public URL of a file written under feeds/."""
        return self.feed_url.rstrip("/") + "/" + relpath

    @property
    def followed_playlists(self) -> list[str]:
        """Playlists podcast.yaml names (`playlists:` and `youtube.playlists`), in order."""
        return list(dict.fromkeys([*self.playlists, *self.youtube.playlists]))


class _Reader:
    """Collects every problem in podcast.yaml before failing, so one run lists them all."""

    def __init__(self, mapping: Mapping, path: Path) -> None:
        self.mapping = mapping
        self.path = path
        self.problems: list[Problem] = []

    def fail(self, key: str, what: str, fix: str = "") -> None:
        self.problems.append(Problem(self.path, self.mapping.line_of(key), what, fix))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.mapping.values.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            self.fail(key, f"'{key}' must be a number, not {value!r}")
            return default
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.fail(key, f"'{key}' must be {_article(names)}, not {type(value).__name__}")
            return default
        return value

    def text(self, key: str, default: str | None = None) -> Any:
        value = self.get(key, (str, int, float), default)
        return None if value is None else clean_text(str(value)).strip()


def _article(name: str) -> str:
    words = {
        "str": "a text",
        "int": "a whole number",
        "bool": "true or false",
        "dict": "a mapping",
        "list": "a list",
        "int/float": "a number",
        "str/int/float": "a text",
    }
    return words.get(name, name)


KNOWN_KEYS = frozenset(REQUIRED) | {
    "timezone",
    "authors",
    "exclude",
    "timezones",
    "copyright",
    "type",
    "playlists",
    "playlist_episode_numbers",
    "youtube",
    "media_dir",
    "media_url",
    "media_format",
    "keep_last",
    "require_media",
    "limit",
    "websub_hub",
    "max_shrink",
}


def load_show(root: Path, data: bytes | None = None) -> Show:
    """Read podcast.yaml (or parse `data`, its bytes already read)."""
    path = root / CONFIG_NAME
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8-sig")
    except FileNotFoundError:
        raise invalid(
            path,
            None,
            "no podcast.yaml here",
            f"run castpub in the show's directory or pass -C DIR ({root.resolve()} has none)",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise invalid(path, None, f"cannot read podcast.yaml: {exc}") from None
    mapping = load_mapping(text.replace("\r\n", "\n"), path, what="podcast.yaml")
    return _show_from(mapping, path, root)


def _show_from(mapping: Mapping, path: Path, root: Path) -> Show:
    r = _Reader(mapping, path)
    for key in sorted(set(mapping.values) - KNOWN_KEYS):
        r.fail(
            key,
            f"unknown key '{key}' in podcast.yaml",
            f"remove it or check its spelling (known keys: {', '.join(sorted(KNOWN_KEYS))})",
        )
    for key in REQUIRED:
        if mapping.values.get(key) in (None, ""):
            r.problems.append(
                Problem(
                    path,
                    None,
                    f"podcast.yaml has no '{key}'",
                    f"add a '{key}:' line (see README, podcast.yaml)",
                )
            )
    explicit = r.get("explicit", bool, False)
    owner = _owner(r)
    show = Show(
        root=root,
        title=r.text("title", ""),
        description=r.text("description", ""),
        link=_url(r, "link"),
        feed_url=_url(r, "feed_url"),
        language=r.text("language", "en"),
        author=r.text("author", ""),
        owner_name=owner[0],
        owner_email=owner[1],
        image=_artwork(r),
        categories=_categories(r),
        explicit=explicit,
        episode_url=_episode_url(r),
        timezone=_timezone(r),
        authors={str(k): clean_text(str(v)) for k, v in r.get("authors", dict, {}).items()},
        exclude=tuple(str(p) for p in _list(r, "exclude")),
        timezones=_abbreviations(r),
        copyright=r.text("copyright"),
        show_type=_choice(r, "type", ("episodic", "serial"), "episodic"),
        playlists=_playlists(r),
        playlist_episode_numbers=r.get("playlist_episode_numbers", bool, True),
        youtube=_youtube(r),
        media=_media(r),
        limit=_positive(r, "limit"),
        websub_hub=_url(r, "websub_hub") or None,
        max_shrink=_share(r, "max_shrink", 0.5),
    )
    if r.problems:
        raise InvalidInput(r.problems)
    return show


def _url(r: _Reader, key: str) -> str:
    value = r.text(key, "")
    if value and not re.match(r"^https?://[^\s/]+", value):
        r.fail(key, f"'{key}' must be an http(s) URL, not {value!r}", "write it as https://...")
    return str(value or "")


def _artwork(r: _Reader) -> str:
    image = _url(r, "image")
    if image and not image.split("?", 1)[0].lower().endswith((".jpg", ".png")):
        r.fail(
            "image",
            "'image' must be a .jpg or .png URL (Apple Podcasts accepts no other)",
            "point it at square artwork of 1400 to 3000 pixels, JPEG or PNG",
        )
    return image


def _owner(r: _Reader) -> tuple[str, str]:
    owner = r.get("owner", dict, {})
    name = clean_text(str(owner.get("name", "") or "")).strip()
    email = clean_text(str(owner.get("email", "") or "")).strip()
    if "owner" in r.mapping.values and not (name and email):
        r.fail("owner", "'owner' needs both name and email", "write owner: {name: ..., email: ...}")
    return name, email


def _categories(r: _Reader) -> tuple[Category, ...]:
    found = []
    for item in _list(r, "categories"):
        if isinstance(item, str) and item.strip():
            name, _, sub = item.partition(">")
            found.append(Category(name.strip(), sub.strip() or None))
        elif isinstance(item, dict) and len(item) == 1:
            ((name, sub),) = item.items()
            found.append(Category(str(name), str(sub) if sub else None))
        else:
            r.fail(
                "categories",
                f"category {item!r} is not understood",
                "write each as 'Technology' or 'Society & Culture > Documentary'",
            )
    return tuple(found)


def _episode_url(r: _Reader) -> str:
    template = _url(r, "episode_url")
    names = set(re.findall(r"{(\w*)[^}]*}", template))
    if names - EPISODE_URL_FIELDS:
        r.fail(
            "episode_url",
            f"'episode_url' uses unknown fields {sorted(names - EPISODE_URL_FIELDS)}",
            "use {year}, {month}, {day}, {slug} and {id}",
        )
        return template
    try:
        template.format(year="2000", month="01", day="01", slug="s", id="i")
    except (IndexError, ValueError) as exc:
        r.fail(
            "episode_url",
            f"'episode_url' is not a valid template: {exc}",
            "use {year}, {month}, {day}, {slug} and {id}; write {{ for a literal brace",
        )
    return template


def _timezone(r: _Reader) -> tzinfo:
    name = r.text("timezone", "UTC")
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        r.fail(
            "timezone", f"unknown timezone {name!r}", "use an IANA name such as Europe/Paris or UTC"
        )
        return UTC


def _abbreviations(r: _Reader) -> dict[str, timedelta]:
    found = {}
    for abbr, offset in r.get("timezones", dict, {}).items():
        m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", str(offset).strip())
        if not m:
            r.fail(
                "timezones",
                f"offset {offset!r} for {abbr} is not understood",
                "write it as +05:30 or -0700 (quoted)",
            )
            continue
        sign = -1 if m.group(1) == "-" else 1
        found[str(abbr).upper()] = sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
    return found


def _list(r: _Reader, key: str) -> list[Any]:
    value = r.mapping.values.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        r.fail(key, f"'{key}' must be a list")
        return []
    return value


def _choice(r: _Reader, key: str, options: tuple[str, ...], default: str) -> str:
    value = r.text(key, default)
    if value not in options:
        r.fail(key, f"'{key}' must be one of {', '.join(options)}, not {value!r}")
        return default
    return str(value)


def _positive(r: _Reader, key: str, default: int | None = None) -> Any:
    value = r.get(key, int, default)
    if value is not None and value < 1:
        r.fail(key, f"'{key}' must be at least 1, not {value}")
        return default
    return value


def _share(r: _Reader, key: str, default: float) -> float:
    value = r.get(key, (int, float), default)
    if not 0 <= value <= 1:
        r.fail(key, f"'{key}' must be between 0 and 1, not {value}")
        return default
    return float(value)


SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def _playlists(r: _Reader) -> dict[str, PlaylistSettings]:
    found: dict[str, PlaylistSettings] = {}
    slugs: set[str] = set()
    for playlist_id, value in r.get("playlists", dict, {}).items():
        settings = value if isinstance(value, dict) else {"slug": value}
        slug = str(settings.get("slug") or playlist_id)
        if not SLUG.match(slug) or slug in slugs:
            r.fail(
                "playlists",
                f"playlist slug {slug!r} is not a unique file name",
                "use letters, digits, '.', '_' and '-' only, one slug per playlist",
            )
            continue
        slugs.add(slug)
        title = settings.get("title")
        found[str(playlist_id)] = PlaylistSettings(slug, str(title) if title else None)
    return found


def _sub(r: _Reader, key: str, known: set[str]) -> tuple[_Reader, dict[str, Any]]:
    section = r.get(key, dict, {})
    for name in sorted(set(section) - known):
        r.fail(
            key,
            f"unknown key '{key}.{name}' in podcast.yaml",
            f"known keys: {', '.join(sorted(known))}",
        )
    sub = _Reader(
        Mapping({k: v for k, v in section.items() if k in known}, {}, r.mapping.line_of(key)),
        r.path,
    )
    sub.problems = r.problems
    return sub, section


def _youtube(r: _Reader) -> YouTubeSettings:
    known = {
        "cookies",
        "proxy",
        "concurrency",
        "sleep",
        "socket_timeout",
        "video_max_age_days",
        "playlist_max_age_days",
        "playlists",
    }
    y, _ = _sub(r, "youtube", known)
    cookies = y.text("cookies")

    def days(key: str, default: float) -> timedelta:
        return timedelta(days=y.get(key, (int, float), default))

    return YouTubeSettings(
        cookies=(r.path.parent / cookies) if cookies else None,
        proxy=y.text("proxy"),
        concurrency=_positive(y, "concurrency", 2),
        sleep=float(y.get("sleep", (int, float), 1.0)),
        socket_timeout=float(y.get("socket_timeout", (int, float), 15.0)),
        video_max_age=days("video_max_age_days", 30),
        playlist_max_age=days("playlist_max_age_days", 1),
        playlists=tuple(str(p) for p in _list(y, "playlists")),
    )


def _media(r: _Reader) -> MediaSettings:
    media_url = _url(r, "media_url") or None
    return MediaSettings(
        dir=Path(r.text("media_dir", "media")),
        url=media_url,
        format=r.text("media_format", MediaSettings.format),
        keep_last=_positive(r, "keep_last"),
        require=r.get("require_media", bool, False),
    )
