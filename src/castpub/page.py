"""feeds/index.html: the show's page for people who open the feed URL in a browser.

Plain HTML and a little CSS: no JavaScript, readable on a phone. Every text comes from the author
or from YouTube, so everything is escaped, and only http(s) and podcast-app URLs become links.
The markup is also well-formed XML, so tests can read it with any parser.
"""

from __future__ import annotations

from datetime import tzinfo
from html import escape
from urllib.parse import quote

from castpub.config import Show
from castpub.model import Feed, FeedLink, Item

PAGE_PATH = "index.html"
SAFE_SCHEMES = ("https://", "http://", "podcast://", "pcast://", "pktc://", "overcast://")

STYLE = """
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:42rem;margin:0 auto;padding:1rem;
color:#222;background:#fff;overflow-wrap:anywhere}
header img{width:10rem;height:10rem;border-radius:.5rem;float:right;margin:0 0 1rem 1rem}
h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.2rem;margin-top:2rem;clear:both}
ul.subscribe{padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:.4rem}
ul.subscribe a{display:inline-block;padding:.3rem .7rem;border:1px solid #888;border-radius:1rem;
text-decoration:none}
ol.episodes{padding:0;list-style:none}
li.episode{border-top:1px solid #ddd;padding:.8rem 0}
li.episode h3{font-size:1.05rem;margin:0}
.meta{color:#555;font-size:.9rem}
a{color:#0b5cad;overflow-wrap:anywhere}
@media (max-width:30rem){header img{float:none;display:block;margin:0 0 1rem}}
""".strip()


def _text(value: str) -> str:
    return escape(value, quote=True)


def _link(url: str, label: str) -> str:
    """An <a>, or just the label when the URL is not one a browser should follow from here."""
    if not url.lower().startswith(SAFE_SCHEMES):
        return _text(label)
    return f'<a href="{_text(url)}">{_text(label)}</a>'


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def app_links(feed_url: str) -> list[tuple[str, str]]:
    """(label, URL) of subscribe links for podcast apps, each built from the RSS feed's URL."""
    bare = feed_url.split("://", 1)[-1]
    encoded = quote(feed_url, safe="")
    return [
        ("Apple Podcasts", f"podcast://{bare}"),
        ("Overcast", f"overcast://x-callback-url/add?url={encoded}"),
        ("Pocket Casts", f"pktc://subscribe/{bare}"),
        ("AntennaPod", f"https://antennapod.org/deeplink/subscribe?url={encoded}"),
        ("Other apps", f"pcast://{bare}"),
    ]


def _subscribe(feed: Feed) -> str:
    links = [("RSS", feed.rss_url), ("Atom", feed.atom_url), *app_links(feed.rss_url)]
    entries = "".join(f"<li>{_link(url, label)}</li>" for label, url in links)
    return f'<ul class="subscribe">{entries}</ul>'


def _playlists(feeds: list[Feed]) -> str:
    if not feeds:
        return ""
    rows = "".join(
        f"<li>{_text(feed.title)}: {_link(feed.rss_url, 'RSS')} · {_link(feed.atom_url, 'Atom')}"
        "</li>"
        for feed in feeds
    )
    return f"<h2>Playlists</h2><ul>{rows}</ul>"


def episode_entry(item: Item, zone: tzinfo) -> str:
    """One episode's <li> in the page: a function of the item and the show's zone alone, so a
    rebuild can copy the entries of unchanged items from the page an earlier build wrote."""
    local = item.date.astimezone(zone)
    iso = local.isoformat()
    # The date as strftime's %Y-%m-%d, which isoformat() starts with from the year 1000 on.
    day = iso[:10] if local.year >= 1000 else f"{local:%Y-%m-%d}"
    meta = f'<time datetime="{iso}">{day}</time>'
    if item.duration is not None:
        meta += f" · {duration_text(item.duration)}"
    links = [_link(item.link, "Episode page")]
    if item.video_id:
        links.append(_link(f"https://www.youtube.com/watch?v={quote(item.video_id)}", "Video"))
    links.append(_link(item.transcript_url, "Transcript"))
    if item.enclosure:
        links.append(_link(item.enclosure.url, "Audio"))
    summary = f"<p>{_text(item.summary)}</p>" if item.summary else ""
    return (
        f"{ENTRY_OPENING}<h3>{_link(item.link, item.title)}</h3>"
        f'<p class="meta">{meta}</p>{summary}<p>{" · ".join(links)}</p>{ENTRY_CLOSING}'
    )


ENTRY_OPENING = '<li class="episode">'
ENTRY_CLOSING = "</li>\n"
PAGE_TAIL = "</ol>\n</body>\n</html>\n"


def page_head(show: Show, feed: Feed, playlists: list[Feed], count: int) -> str:
    """The page up to its first episode entry, for the main feed of `count` items."""
    artwork = f'<img src="{_text(show.image)}" alt="" />' if show.image else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_text(show.language)}">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{_text(show.title)}</title>\n"
        f'<link rel="alternate" type="application/rss+xml" title="{_text(feed.title)} (RSS)" '
        f'href="{_text(feed.rss_url)}" />\n'
        f'<link rel="alternate" type="application/atom+xml" title="{_text(feed.title)} (Atom)" '
        f'href="{_text(feed.atom_url)}" />\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header>{artwork}<h1>{_text(show.title)}</h1>"
        f"<p>{_text(show.description)}</p><p>{_link(show.link, show.link)}</p></header>\n"
        f"<h2>Subscribe</h2>{_subscribe(feed)}{_playlists(playlists)}\n"
        f"<h2>Episodes ({count})</h2>\n"
        '<ol class="episodes">\n'
    )


def show_page(show: Show, feed: Feed, playlists: list[Feed]) -> bytes:
    """index.html for the main feed (every published item, newest first) and its playlists."""
    episodes = "".join(episode_entry(item, show.timezone) for item in feed.items)
    html = page_head(show, feed, playlists, len(feed.items)) + episodes + PAGE_TAIL
    return html.encode("utf-8")


def page_link(show: Show) -> FeedLink:
    """How each feed links this page. rel="related", not "alternate": the channel's alternate stays
    the show's web site (or the YouTube playlist), and Atom allows one alternate per type."""
    return FeedLink("related", show.feed_link(PAGE_PATH), type="text/html")
