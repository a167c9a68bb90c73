"""A feedgen extension for what feedgen lacks: the Podcasting 2.0 namespace, and itunes:explicit
written as true/false (feedgen's podcast extension only knows the retired yes/no/clean)."""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _flag(value: bool) -> str:
    return "true" if value else "false"


class Podcast20Extension(BaseExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.guid: str | None = None
        self.locked: tuple[bool, str | None] | None = None
        self.explicit: bool | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "itunes": ITUNES_NS}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        if self.explicit is not None:
            xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = _flag(self.explicit)
        if self.locked is not None:
            locked, owner = self.locked
            elem = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
            elem.text = "yes" if locked else "no"
            if owner:
                elem.set("owner", owner)
        if self.guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self.guid
        return feed


class Podcast20EntryExtension(BaseEntryExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.explicit: bool | None = None
        self.transcripts: list[dict[str, str]] = []
        self.chapters: str | None = None
        self.season: int | None = None
        self.episode: int | None = None

    def extend_rss(self, entry: Any) -> Any:
        if self.explicit is not None:
            xml_elem(f"{{{ITUNES_NS}}}explicit", entry).text = _flag(self.explicit)
        for attrs in self.transcripts:
            elem = xml_elem(f"{{{PODCAST_NS}}}transcript", entry)
            for key, value in attrs.items():
                elem.set(key, value)
        if self.chapters:
            elem = xml_elem(f"{{{PODCAST_NS}}}chapters", entry)
            elem.set("url", self.chapters)
            elem.set("type", "application/json+chapters")
        if self.season is not None:
            xml_elem(f"{{{PODCAST_NS}}}season", entry).text = str(self.season)
        if self.episode is not None:
            xml_elem(f"{{{PODCAST_NS}}}episode", entry).text = str(self.episode)
        return entry
