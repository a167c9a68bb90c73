"""Sanitizing rendered show notes: nh3 (ammonia) with castpub's allow-lists.

Most episodes' HTML was written entirely by cmark-gfm and by castpub itself: their Markdown
holds no raw HTML but the video's embed, which castpub replaces with markup of its own. Such a
fragment is already well formed, and every tag in it is allowed; what nh3 would still change in it
is known exactly (it parses the fragment with html5ever and writes it out again): hrefs and srcs
outside the allowed schemes dropped, rel added to links, a few attributes dropped, void elements
without their slash, and text escaped the HTML5 way. `cmark_only` makes those changes with a
handful of passes in C, about a tenth of nh3's time, and gives up (None) on anything else, which
nh3 then sanitizes. A test holds its output to nh3's, byte for byte, over every post of a real
blog and over generated Markdown.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "cite",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "ol": {"start"},
    "time": {"datetime"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"


def _sanitizer() -> Callable[[str], str]:
    options: dict[str, Any] = {
        "tags": set(ALLOWED_TAGS),
        "attributes": {k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        "url_schemes": set(URL_SCHEMES),
        "link_rel": LINK_REL,
        "strip_comments": True,
    }
    # nh3 >= 0.3 converts the allow-lists once into a reusable Cleaner; nh3.clean converts them on
    # every call, which was a third of its time on a 6 KB episode.
    if hasattr(nh3, "Cleaner"):
        return nh3.Cleaner(**options).clean
    return functools.partial(nh3.clean, **options)


_CLEAN = _sanitizer()


def sanitize(fragment: str) -> str:
    """Any HTML fragment, with only the allowed tags, attributes and URL schemes left."""
    return str(_CLEAN(fragment))


# An embed on a line of its own, and then a blank line: CommonMark makes it an HTML block (iframe
# is one of the tags that start one, even inside a paragraph) that ends there, at the top level (a
# line at its first column cannot continue a list item or a block quote), and rendering replaces it
# whole. Raw HTML anywhere else, or text in the embed's block, goes to nh3.
_EMBED_BLOCK = re.compile(r"<iframe(?=[\s>])[^<>]*>[^<]*</iframe\s*>[ \t]*(?:\n[ \t]*(?:\n|$)|$)")


def markdown_is_plain(body: str) -> bool:
    """Whether a body's only raw HTML is embeds on lines of their own, so that what cmark makes
    of it (once the embeds are replaced) can go through cmark_only."""
    if "\r" in body:  # left in code by cmark, made "\n" by the HTML parser
        return False
    start = body.find("<")
    while start != -1:
        embed = _EMBED_BLOCK.match(body, start)
        if embed is None or (start and body[start - 1] != "\n"):
            return False
        start = body.find("<", embed.end())
    return True


# A URL that ammonia keeps as it is: an allowed scheme and a host the URL standard parses (no
# IP address, no user name; punycode is ruled out apart), or mailto. Anything else goes to nh3. No
# quotation mark in it, even escaped: text's are unescaped below with one replace.
_REST = r'[^"&\s]*(?:&(?:amp|#x27);[^"&\s]*)*'
_URL = (
    r"(?:https?://(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*(?::[0-9]{1,4})?"
    rf'(?:[/?#]{_REST})?|mailto:[^"&\s]{_REST})'
)
# What follows `<a href="` in a plain link: its URL, and the end of the tag.
_LINK_HEADS = re.compile(rf'(?:{_URL}">)*')
# An image: cmark's, with its alt text, or the embed's, with its size. No < or > in the alt text:
# html5ever escapes them in attributes in some versions and not in others.
_IMAGE = re.compile(
    rf'<img src="{_URL}" alt="(?:[^"&]|&amp;|&#x27;)*"(?P<size> width="[0-9]+" height="[0-9]+")?(?: />|>)'
)
_LINK = '<a href="'
_LINK_END = f'" rel="{LINK_REL}">'


def cmark_only(fragment: str) -> str | None:
    """What sanitize(fragment) gives, for HTML that cmark-gfm wrote from a body for which
    markdown_is_plain holds, with the embeds replaced; None for anything it is not sure of."""
    links = fragment.split(_LINK)
    heads = [link[: link.find(">") + 1] for link in links[1:]]
    joined = "".join(heads)
    if joined.count('">') != len(heads) or "xn--" in joined or not _LINK_HEADS.fullmatch(joined):
        return None  # (the count: a link whose tag does not end is no plain link)
    # Every attribute's `="` (text holds &quot;, never a bare quotation mark): one a link, and
    # the images' own. A tag with any other attribute (a link's title, a code block's class, a
    # list's start, a table cell's alignment) leaves some over, and goes to nh3.
    attributes = len(heads)
    if "<img " in fragment:
        images = fragment.count("<img ")
        for image in _IMAGE.finditer(fragment):
            if "xn--" in image[0]:
                return None
            images -= 1
            attributes += 4 if image["size"] else 2
        if images:
            return None
    if fragment.count('="') != attributes:
        return None
    # ammonia adds rel after a link's other attributes: here, after its href.
    html = _LINK.join([links[0]] + [link.replace('">', _LINK_END, 1) for link in links[1:]])
    html = html.replace(" />", ">")  # <br />, <hr />, <img ... />: every " />" is a tag's end
    if "&" in html:
        html = html.replace("&quot;", '"').replace("&#x27;", "'")
    if "\xa0" in html:
        html = html.replace("\xa0", "&nbsp;")
    return html
