"""Show notes: the episode body rendered from Markdown, sanitized, embeds turned into links.

Also the plain summary for <description> and the transcript file in the podcast namespace's HTML
form (speaker in <cite>, turns in <p>).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field

from castpub.cmark import Markdown
from castpub.sanitize import cmark_only, markdown_is_plain, sanitize
from castpub.store import Chapter, VideoInfo
from castpub.text import clean_text
from castpub.videos import parse_video_url

SUMMARY_BYTES = 4000

# Each match stops at the next '<': an unclosed iframe must not make the search scan to the end of
# the body again for every later one (quadratic: 20 000 bare "<iframe>" took a minute).
_IFRAME = re.compile(
    r"<iframe\b([^<>]*)>(?:[^<]*(?:<(?!/?iframe\b)[^<]*)*</iframe\s*>)?", re.IGNORECASE
)
_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
# "Steve: ..." or "Steve Hardy: ..." opening a paragraph: an interview turn, which runs to the
# paragraph's first "</p>". Only the opening is a regex: str.find locates the end far faster than a
# lazy ".*?" that tests for "</p>" at every character of a 6 KB body.
_SPEAKER = re.compile(r"<p>((?:[A-Z][\w.'’-]{0,30})(?: [A-Z][\w.'’-]{0,30}){0,2}):\s+")
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@functools.lru_cache(maxsize=1)
def _markdown() -> Markdown:
    """cmark-gfm (GitHub's C CommonMark, ~6x faster than markdown-it-py here), through an adapter
    that frees what cmarkgfm's wrapper leaks. Made at the first render, not at import: making it
    parses C declarations (a tenth of a second), and most rebuilds render nothing or one episode."""
    return Markdown()


def markdown_html(body: str) -> str:
    """CommonMark + GFM tables and ~~strikethrough~~ to (unsanitized) HTML."""
    return _markdown().html(body)


@dataclass(frozen=True)
class Notes:
    # Show notes (content:encoded and Atom content) and, below, the transcript page's body, both
    # holding only characters XML can carry (render_notes makes no others), both in UTF-8
    # (surrogatepass, as the render cache stores them): held as str, one typographic character
    # (the embed's “title”) makes Python keep a whole text at two bytes a character, and the
    # notes of 10 000 episodes were the largest part of a cold build's memory.
    html: bytes
    summary: str  # plain text: description and Atom summary
    transcript: bytes
    # The render key (cache.render_key) these notes were made or found under, "" when no cache
    # is used: it names the texts above, so whatever is derived from them can be keyed by it.
    key: str = field(default="", compare=False)


def render_notes(
    body: str,
    video: VideoInfo | None,
    chapters: tuple[Chapter, ...] = (),
    description: str | None = None,
) -> Notes:
    """Render an episode body; pure, so it can be cached by content."""
    raw = markdown_html(body)
    raw = _IFRAME.sub(lambda m: _embed_link(m.group(1), video), raw)
    safe = (markdown_is_plain(body) and cmark_only(raw)) or sanitize(raw)
    if "&#" in body:
        # A character reference ("&#1;", in text or in raw HTML) is decoded to its character,
        # which may be one XML cannot hold: removed, as from the rest of the file.
        safe = clean_text(safe)
    summary = summarize(description) if description else summarize(_first_paragraph(safe))
    notes, transcript = _turns(safe)
    if chapters and video is not None:
        notes += chapters_html(video.id, chapters)
    return Notes(utf8(notes), summary, utf8(transcript))


def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _turns(fragment: str) -> tuple[str, str]:
    """The notes (speaker in <strong>) and the transcript (speaker in <cite>) from one search for
    interview turns: the text between turns is the same in both."""
    notes: list[str] = []
    transcript: list[str] = []
    done = 0
    for m in _SPEAKER.finditer(fragment):
        start = m.start()
        if start < done:  # inside the turn just taken, as a left-to-right substitution skips it
            continue
        end = fragment.find("</p>", m.end())
        if end == -1:  # no turn can close after this one either
            break
        between = fragment[done:start]
        speaker, said = m.group(1), fragment[m.end() : end]
        notes += (between, "<p><strong>", speaker, ":</strong> ", said, "</p>")
        transcript += (between, "<cite>", speaker, ":</cite>\n<p>", said, "</p>")
        done = end + 4
    if not done:
        return fragment, fragment
    rest = fragment[done:]
    notes.append(rest)
    transcript.append(rest)
    return "".join(notes), "".join(transcript)


def _embed_link(attributes: str, video: VideoInfo | None) -> str:
    """An iframe becomes a link: feed readers drop iframes, and sanitized notes allow none."""
    m = _SRC.search(attributes)
    src = html.unescape(next((g for g in m.groups() if g), "")) if m else ""
    ref = parse_video_url(src) if src else None
    if ref is None:
        if src.startswith(("http://", "https://")):
            return f'<p><a href="{html.escape(src)}">{html.escape(src)}</a></p>'
        return ""
    url = ref.watch_url + (f"&list={ref.playlist_id}" if ref.playlist_id else "")
    known = video if video is not None and video.id == ref.video_id else None
    label = html.escape(
        f"Watch “{known.title}” on YouTube"
        if known and known.title
        else "Watch the video on YouTube"
    )
    href = html.escape(url)
    if known is None:
        return f'<p><a href="{href}">{label}</a></p>'
    thumb = html.escape(known.square_safe_thumbnail)
    return (
        f'<p><a href="{href}"><img src="{thumb}" alt="{label}" width="480" height="360">'
        f'</a><br><a href="{href}">{label}</a></p>'
    )


def chapters_html(video_id: str, chapters: tuple[Chapter, ...]) -> str:
    items = "".join(
        f'<li><a href="https://www.youtube.com/watch?v={video_id}&amp;t={int(c.start)}s">'
        f"{timestamp(c.start)}</a> {html.escape(c.title)}</li>"
        for c in chapters
    )
    return f"<h3>Chapters</h3><ul>{items}</ul>"


def timestamp(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _first_paragraph(fragment: str) -> str:
    for m in _PARAGRAPH.finditer(fragment):
        text = plain_text(m.group(1))
        if text and not (text.startswith("Watch") and text.endswith("on YouTube")):
            return text
    return ""


def plain_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def summarize(text: str, limit: int = SUMMARY_BYTES) -> str:
    """At most `limit` UTF-8 bytes, cut on a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text.encode()) <= limit:
        return text
    room = limit - len("…".encode())
    cut = text.encode()[:room].decode("utf-8", errors="ignore")
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"
