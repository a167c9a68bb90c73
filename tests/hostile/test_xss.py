"""Show notes are safe for readers: no XSS payload survives into any output. Every output is parsed
as HTML (the way a feed reader renders it) and checked element by element, not searched as text."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import lxml.html
from hostile_support import SHOW, build
from lxml import etree

from conftest import write_episode

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=javascript:alert('XSS')>",
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://ok.example/" onclick="alert(1)" style="x:expression(alert(1))">ok</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="https://evil.example/x" onload="alert(1)"></iframe>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<body onload=alert(1)>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>alert(1);//<</script>",
    '<img """><script>alert(1)</script>">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "]]><script>alert(1)</script>",
    '<a href="https://x.example/" title=\'"><script>alert(1)</script>\'>t</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
MARKDOWN = [
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    '![x](https://x.example/a.png "onerror=alert(1)")',
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "Steve: <script>alert(1)</script> speaking",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
]
TITLE = '<script>alert(1)</script><img src=x onerror=alert(1)> & "q"'

BAD_TAGS = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "meta",
    "link",
    "form",
    "input",
    "button",
    "svg",
    "math",
    "noscript",
    "template",
}
BAD_SCHEME = re.compile(r"^(javascript|data|vbscript|livescript):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u200b-\u200f\u2028\u2029\ufeff]")


def dangers(root: lxml.html.HtmlElement, page: bool = False) -> Iterator[str]:
    """Every executable vector in a parsed tree. On a page, <meta>, <style> and alternate <link>
    directly in <head> are the page's own; they are counted, not refused."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower().rsplit("}", 1)[-1]
        parent = el.getparent()
        in_head = page and parent is not None and parent.tag == "head"
        # The page's own head: charset, viewport, layout, and feed discovery links.
        own = in_head and (
            tag in ("meta", "style") or (tag == "link" and el.get("rel") == "alternate")
        )
        if tag in BAD_TAGS and not own:
            yield f"<{tag}>"
        for name, value in el.attrib.items():
            if name.lower().startswith("on") or name.lower() in ("style", "srcdoc", "formaction"):
                yield f"<{tag} {name}>"
            # Browsers ignore whitespace and control characters inside a scheme.
            bare = _INVISIBLE.sub("", html.unescape(value)).lower()
            if BAD_SCHEME.match(bare):
                yield f"<{tag} {name}={value!r}>"


def fragment_dangers(fragment: str) -> list[str]:
    if not fragment.strip():
        return []
    return list(dangers(lxml.html.fragment_fromstring(fragment, create_parent="div")))


def page_dangers(page: bytes) -> list[str]:
    doc = lxml.html.document_fromstring(page)
    head = doc.find("head")
    assert head is not None
    # Exactly the template's own head elements: two <meta>, one <style>.
    assert [el.tag for el in head if el.tag in ("meta", "style")] == ["meta", "meta", "style"]
    return list(dangers(doc, page=True))


def _show(make_project: Callable[..., Path]) -> Path:
    root = make_project(name=SHOW)
    for n, payload in enumerate(PAYLOADS + MARKDOWN):
        write_episode(
            root,
            f"2020-01-{n % 28 + 1:02d}-xss-{n}.md",
            "\n".join(
                [
                    f"title: {json.dumps(TITLE + ' ' + str(n))}",
                    f"author: {json.dumps(payload)}",
                    f"tags: {json.dumps([payload, 'javascript:alert(1)'])}",
                    "youtube: ban0Z7Cojfg" if n % 3 == 0 else "",
                ]
            ),
            f"Intro {payload}\n\n{payload}\n\nSteve: {payload}\n\n<p>{payload}</p>\n",
        )
    store = {
        "version": 1,
        "media": {},
        "playlists": {},
        "videos": {
            "ban0Z7Cojfg": {
                "id": "ban0Z7Cojfg",
                "title": '"><script>alert(1)</script>',
                "duration": 60,
                "chapters": [
                    {"start_time": 0, "title": "<script>alert(1)</script>"},
                    {"start_time": 5, "title": '<img src=x onerror="alert(1)">'},
                ],
            }
        },
    }
    (root / "data").mkdir()
    (root / "data" / "youtube.json").write_text(json.dumps(store))
    result = build(root)
    assert result.exit_code == 0, result.output
    return root


def test_no_payload_survives_in_any_output(make_project: Callable[..., Path]) -> None:
    root = _show(make_project)
    feeds = root / "feeds"
    found: list[str] = []
    checked = 0
    for rss in feeds.rglob("podcast.xml"):
        for item in etree.parse(str(rss)).iter("item"):
            for tag in ("description", "{http://purl.org/rss/1.0/modules/content/}encoded"):
                # RSS description and content:encoded are HTML to every reader.
                found += [f"{rss}: {tag}: {d}" for d in fragment_dangers(item.findtext(tag) or "")]
                checked += 1
    atom_ns = "{http://www.w3.org/2005/Atom}"
    for atom in feeds.rglob("atom.xml"):
        for entry in etree.parse(str(atom)).iter(f"{atom_ns}entry"):
            for tag in ("content", "summary"):
                el = entry.find(atom_ns + tag)
                if el is not None and el.get("type") in ("html", "xhtml"):
                    found += [f"{atom}: {tag}: {d}" for d in fragment_dangers(el.text or "")]
                    checked += 1
    pages = [*feeds.glob("transcripts/*.html"), *feeds.glob("*.html")]
    for page in pages:
        found += [f"{page}: {d}" for d in page_dangers(page.read_bytes())]
    assert checked >= 4 * len(PAYLOADS + MARKDOWN)
    assert len(pages) >= len(PAYLOADS + MARKDOWN)
    assert found == []


def test_titles_are_text_everywhere(make_project: Callable[..., Path]) -> None:
    root = _show(make_project)
    page = root / "feeds" / "transcripts" / "2020-01-01-xss-0.html"
    doc = lxml.html.document_fromstring(page.read_bytes())
    assert doc.findtext(".//h1") == TITLE + " 0"
    assert doc.findtext(".//title") == "Transcript: " + TITLE + " 0"
    titles = {
        i.findtext("title") for i in etree.parse(str(root / "feeds" / "podcast.xml")).iter("item")
    }
    assert TITLE + " 0" in titles
    parsed = feedparser.parse((root / "feeds" / "podcast.xml").read_bytes())
    assert not parsed.bozo
    for entry in parsed.entries:
        assert fragment_dangers(entry.get("summary", "")) == []
        for content in entry.get("content", []):
            assert fragment_dangers(content.value) == []


def test_the_checker_sees_the_raw_payloads() -> None:
    """The check above is only worth something if it flags the payloads it is given unsanitized."""
    # Inert as written (comment, CDATA, entities, quoted attribute), or read differently by
    # libxml2 than by a browser (a fragment has no <body>; nested "<scr<script>"); the outputs are
    # serialized by nh3 (html5ever), which libxml2 reads the way a browser does.
    inert = {
        "<body onload=alert(1)>",
        "<scr<script>ipt>alert(1)</script>",
        "<!--<script>alert(1)</script>-->",
        "<![CDATA[<script>alert(1)</script>]]>",
        '<a href="https://x.example/" title=\'"><script>alert(1)</script>\'>t</a>',
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    }
    missed = [p for p in PAYLOADS if p not in inert and not fragment_dangers(p)]
    assert missed == []
