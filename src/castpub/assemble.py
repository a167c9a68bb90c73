"""Assembling feeds: episodes + the store + the show become Feeds of Items. Pure: no I/O."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from castpub.config import Show
from castpub.episodes import Episode
from castpub.model import Enclosure, Feed, Item
from castpub.notes import Notes
from castpub.store import Store, VideoInfo
from castpub.videos import PLAYLIST_ID

PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIME_BY_EXT = {
    "m4a": "audio/x-m4a",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
    "m4v": "video/x-m4v",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/opus",
    "webm": "audio/webm",
    "wav": "audio/wav",
    "aac": "audio/aac",
    "flac": "audio/flac",
}


def podcast_guid(feed_url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without scheme and trailing slashes (namespace spec)."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def episode_link(show: Show, episode: Episode) -> str:
    local = episode.date.astimezone(show.timezone)
    return show.episode_url.format(
        year=f"{local.year:04d}",
        month=f"{local.month:02d}",
        day=f"{local.day:02d}",
        slug=quote(episode.slug),
        id=quote(episode.id),
    )


def episode_guid(show: Show, episode: Episode) -> str:
    return episode.guid or episode_link(show, episode)


def mime_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return MIME_BY_EXT.get(ext, "application/octet-stream")


def enclosure_for(show: Show, episode: Episode, store: Store) -> Enclosure | None:
    """Front matter media wins; else what `castpub media` downloaded for the video."""
    if episode.media is not None:
        learnt = store.media.get(episode.media.url, {})
        length = episode.media.length if episode.media.length is not None else learnt.get("length")
        kind = (
            episode.media.type or learnt.get("type") or mime_type(episode.media.url.split("?")[0])
        )
        return Enclosure(episode.media.url, int(length or 0), str(kind))
    if episode.video is None or show.media.url is None:
        return None
    record = store.media.get(episode.video.video_id)
    if not record or not record.get("file"):
        return None
    name = str(record["file"])
    url = show.media.url.rstrip("/") + "/" + quote(name)
    return Enclosure(
        url, int(record.get("length") or 0), str(record.get("type") or mime_type(name))
    )


def item_image(show: Show, episode: Episode, video: VideoInfo | None) -> str:
    """The episode's artwork, else the video's jpg/png thumbnail, else the show's square artwork
    (a webp thumbnail or none at all: Apple Podcasts accepts only jpg and png)."""
    if episode.image:
        return episode.image
    thumb = (video.thumbnail or "").split("?", 1)[0] if video else ""
    if thumb.lower().endswith((".jpg", ".png")):
        return thumb
    return show.image


def make_item(
    show: Show, episode: Episode, notes: Notes, store: Store, link: str | None = None
) -> Item:
    video = store.video(episode.video.video_id) if episode.video else None
    link = link or episode_link(show, episode)
    enclosure = enclosure_for(show, episode, store)
    duration = video.duration if video else None
    if duration is None and episode.video is not None:
        duration = store.media.get(episode.video.video_id, {}).get("duration")
    return Item(
        episode_id=episode.id,
        guid=episode.guid or link,
        guid_is_link=episode.guid is None,
        title=episode.title,
        link=link,
        date=episode.date,
        summary=notes.summary,
        notes=notes.html,
        transcript_url=show.feed_link(f"transcripts/{quote(episode.id)}.html"),
        author=episode.author or show.author,
        tags=episode.tags,
        video_id=episode.video.video_id if episode.video else None,
        duration=int(duration) if duration is not None else None,
        image=item_image(show, episode, video),
        chapters_url=(
            show.feed_link(f"chapters/{quote(episode.id)}.json")
            if video and video.chapters
            else None
        ),
        enclosure=enclosure,
        episode_type=episode.episode_type,
        season=episode.season,
        number=episode.number,
        # PSP-1 wants itunes:explicit on every item; the show's value unless the episode says.
        explicit=episode.explicit if episode.explicit is not None else show.explicit,
    )


def newest_first(items: Iterable[Item]) -> tuple[Item, ...]:
    # The guid breaks ties so the order never depends on file system order.
    return tuple(sorted(items, key=lambda i: (i.date, i.guid), reverse=True))


def make_feed(
    show: Show,
    rss_path: str,
    atom_path: str,
    title: str,
    description: str,
    items: tuple[Item, ...],
    playlist_id: str | None = None,
) -> Feed:
    """A feed of these items (newest first): its URLs, podcast:guid and date from the show."""
    rss_url = show.feed_link(rss_path)
    return Feed(
        rss_path=rss_path,
        atom_path=atom_path,
        rss_url=rss_url,
        atom_url=show.feed_link(atom_path),
        title=title,
        description=description,
        items=items,
        updated=max((i.date for i in items), default=EPOCH),
        podcast_guid=podcast_guid(rss_url),
        playlist_id=playlist_id,
        page_url=(f"https://www.youtube.com/playlist?list={playlist_id}" if playlist_id else None),
    )


@dataclass(frozen=True)
class Playlist:
    id: str
    slug: str
    title: str
    order: dict[str, int]  # video id -> 1-based position in the playlist


def playlists_of(
    show: Show, episodes: Iterable[Episode], store: Store
) -> dict[str, list[Playlist]]:
    """Video id -> playlists it belongs to: by the embed's list= or by the store's entries."""
    membership: dict[str, dict[str, Playlist]] = defaultdict(dict)
    known: dict[str, Playlist] = {}

    def playlist(playlist_id: str) -> Playlist:
        if playlist_id not in known:
            settings = show.playlists.get(playlist_id)
            info = store.playlist(playlist_id)
            title = (
                settings.title
                if settings and settings.title
                else info.title
                if info and info.title
                else f"Playlist {playlist_id}"
            )
            order = {e.id: n for n, e in enumerate(info.entries, 1)} if info else {}
            known[playlist_id] = Playlist(
                playlist_id, settings.slug if settings else playlist_id, title, order
            )
        return known[playlist_id]

    video_ids = {e.video.video_id for e in episodes if e.video}
    for record_id in sorted(store.playlists):
        # An id names a feed folder: one that is not a YouTube playlist id ("../..") is ignored.
        if not PLAYLIST_ID.match(record_id):
            continue
        for video_id in store.playlist_members(record_id, video_ids):
            membership[video_id][record_id] = playlist(record_id)
    for episode in episodes:
        if episode.video and episode.video.playlist_id:
            pid = episode.video.playlist_id
            membership[episode.video.video_id][pid] = playlist(pid)
    return {vid: sorted(found.values(), key=lambda p: p.slug) for vid, found in membership.items()}


def assemble(
    show: Show,
    episodes: list[Episode],
    notes: dict[str, Notes],
    store: Store,
    links: dict[str, str] | None = None,
) -> list[Feed]:
    """The main feed and one feed per playlist, from the episodes that are published and due
    (`links`: each episode's link by id, when already made)."""
    links = links or {}
    items = {e.id: make_item(show, e, notes[e.id], store, links.get(e.id)) for e in episodes}
    if show.media.require:
        items = {k: v for k, v in items.items() if v.enclosure is not None}
    feeds = [
        make_feed(
            show,
            "podcast.xml",
            "atom.xml",
            show.title,
            show.description,
            newest_first(items.values()),
        )
    ]
    membership = playlists_of(show, episodes, store)
    grouped: dict[str, list[Item]] = defaultdict(list)
    playlists: dict[str, Playlist] = {}
    for episode in episodes:
        if episode.id not in items or episode.video is None:
            continue
        for playlist in membership.get(episode.video.video_id, []):
            playlists[playlist.id] = playlist
            item = items[episode.id]
            position = playlist.order.get(episode.video.video_id)
            if show.playlist_episode_numbers and position and episode.number is None:
                item = item.numbered(position)
            grouped[playlist.id].append(item)
    for playlist_id in sorted(grouped, key=lambda p: playlists[p].slug):
        playlist = playlists[playlist_id]
        base = f"playlists/{playlist.slug}"
        feeds.append(
            make_feed(
                show,
                f"{base}/podcast.xml",
                f"{base}/atom.xml",
                f"{show.title}: {playlist.title}",
                show.description,
                newest_first(grouped[playlist_id]),
                playlist_id,
            )
        )
    return feeds
