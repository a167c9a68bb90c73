"""The GUID guard: a build never silently drops or changes a GUID that feeds/ already published.

A changed GUID makes every podcast app download the episode again. The published feed itself is
the record: each item names its episode through its transcript URL, and its video through the
show notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from castpub.errors import Problem, invalid
from castpub.model import Feed

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_VIDEO = re.compile(r"youtube\.com/watch\?v=([A-Za-z0-9_-]{11})")
_EPISODE = re.compile(r"/transcripts/([^/]+)\.html$")


@dataclass(frozen=True)
class PublishedItem:
    guid: str
    episode_id: str | None
    video_id: str | None
    enclosure_url: str | None


def published_items(path: Path) -> list[PublishedItem]:
    """Items of an already published RSS feed.

    A feed that is there but unreadable (merge-conflict markers, a truncated upload) stops the
    build: treating it as empty would switch the GUID and shrink guards off without a word.
    """
    if not path.is_file():
        return []
    found = []
    try:
        for _, item in etree.iterparse(str(path), tag="item", huge_tree=True):
            guid = item.findtext("guid")
            if guid:
                transcript = item.find(f"{{{PODCAST_NS}}}transcript")
                enclosure = item.find("enclosure")
                episode = (
                    _EPISODE.search(transcript.get("url", "")) if transcript is not None else None
                )
                video = _VIDEO.search(item.findtext(f"{{{CONTENT_NS}}}encoded") or "")
                found.append(
                    PublishedItem(
                        guid.strip(),
                        unquote(episode.group(1)) if episode else None,
                        video.group(1) if video else None,
                        enclosure.get("url") if enclosure is not None else None,
                    )
                )
            item.clear()
    except etree.XMLSyntaxError as exc:
        raise invalid(
            path,
            exc.lineno,
            f"the published feed is not well-formed XML ({exc.msg}), so castpub cannot check "
            "that the build keeps its GUIDs",
            f"restore it (git checkout -- {path.name}, or the copy on your host); or delete it to "
            "publish anew without the GUID guard",
        ) from None
    return found


def check_guids(
    published: list[PublishedItem], feed: Feed, paths: dict[str, Path]
) -> list[Problem]:
    """Problems for every published GUID or enclosure URL that an episode still present changes."""
    by_episode = {i.episode_id: i for i in feed.items}
    by_video = {i.video_id: i for i in feed.items if i.video_id}
    guids = {i.guid for i in feed.items}
    problems = []
    for old in published:
        now = by_episode.get(old.episode_id or "") or by_video.get(old.video_id or "")
        if now is None:
            continue
        where = paths.get(now.episode_id)
        if old.guid not in guids:
            problems.append(
                Problem(
                    where,
                    None,
                    f"this episode was published with GUID {old.guid!r}, the build would "
                    f"change it to {now.guid!r} and every podcast app would download it again",
                    f'add the line guid: "{old.guid}" to its front matter',
                )
            )
        elif (
            old.enclosure_url
            and now.enclosure
            and now.guid == old.guid
            and now.enclosure.url != old.enclosure_url
        ):
            problems.append(
                Problem(
                    where,
                    None,
                    f"this episode was published with enclosure {old.enclosure_url}, the "
                    f"build would change it to {now.enclosure.url}",
                    "keep the old media URL in 'media:' (enclosure URLs never change once published)",
                )
            )
    return problems
