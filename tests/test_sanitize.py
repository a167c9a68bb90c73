"""The shortcut for notes cmark-gfm wrote itself (sanitize.cmark_only) gives exactly what nh3
gives, on the real RDO blog, on the seed episode and on generated Markdown; anything it is not
sure of goes to nh3."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from castpub.episodes import split_front_matter
from castpub.notes import _IFRAME, _embed_link, markdown_html, render_notes
from castpub.sanitize import ALLOWED_TAGS, cmark_only, markdown_is_plain, sanitize
from castpub.store import VideoInfo

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "rdo-blog"
EMBED = '<iframe width="560" height="315" src="https://www.youtube.com/embed/T8xLm1c9rHf" frameborder="0" allowfullscreen></iframe>'
VIDEO = VideoInfo(id="T8xLm1c9rHf", title="Steve’s talk: TripleO & Ocata, isn't it", duration=60)


def raw_html(body: str, video: VideoInfo | None = None) -> str:
    """What render_notes sanitizes: cmark's HTML with the embeds replaced."""
    return _IFRAME.sub(lambda m: _embed_link(m.group(1), video), markdown_html(body))


def shortcut(body: str, video: VideoInfo | None = None) -> str | None:
    """cmark_only's result when render_notes would use it, else None; asserts it is nh3's."""
    raw = raw_html(body, video)
    fast = cmark_only(raw) if markdown_is_plain(body) else None
    if fast is not None:
        assert fast == sanitize(raw)
        assert set(re.findall(r"</?([a-z][a-z0-9]*)", fast)) <= ALLOWED_TAGS
    return fast


def body_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    parts = split_front_matter(text)
    return parts[1] if parts else text


def test_seed_episode_takes_the_shortcut_and_gets_nh3s_bytes() -> None:
    [seed] = (ROOT / "episodes").glob("*.md")
    body = body_of(seed)
    assert markdown_is_plain(body)
    assert shortcut(body) is not None
    assert shortcut(body, VideoInfo(id="x", title="unrelated")) is not None


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the RDO corpus is not beside this checkout")
def test_every_corpus_post_gets_nh3s_bytes() -> None:
    posts = sorted(CORPUS.glob("*.md"))
    taken = sum(shortcut(body_of(post)) is not None for post in posts)
    assert len(posts) == 306
    # Posts with raw HTML, link titles, code blocks' languages: nh3's.
    assert 200 <= taken < len(posts)


@pytest.mark.parametrize(
    "body",
    [
        f"{EMBED}\nSteve: text in the embed's HTML block\n",
        f"Text {EMBED}\n",  # inline
        f"  {EMBED}\n",  # indented
        "<script>alert(1)</script>\n",
        "Go to <https://example.com>.\n",  # an autolink is written with brackets
        "`<b>` in code\n",
        "<!-- a comment -->\n",
        "Line\r\nends\r\n",
    ],
)
def test_bodies_with_other_raw_html_go_to_nh3(body: str) -> None:
    assert not markdown_is_plain(body)


@pytest.mark.parametrize(
    "markdown",
    [
        "[a](javascript:alert(1))",
        "[a](ftp://example.com/x)",
        "[a](/relative/path)",
        "[a](#anchor)",
        "[a]()",
        "[a](http://127.0.0.1/)",
        "[a](http://999.1.1.1/)",
        "[a](http://user:secret@example.com/)",
        "[a](http://xn--nxasmq6b.com/)",
        "[a](http://example.com:99999/)",
        "![a &lt; b](https://example.com/x.png)",  # html5ever versions escape it or not
        '[a](https://example.com "a title")',
        "![x](data:image/png;base64,AAAA)",
        '![x](https://example.com/x.png "title")',
        "```python\ncode\n```",
        "3. third\n4. fourth",
        "| a | b |\n|:-|-:|\n| 1 | 2 |",
    ],
)
def test_what_nh3_would_change_otherwise_goes_to_nh3(markdown: str) -> None:
    body = f"Intro.\n\n{EMBED}\n\n{markdown}\n"
    assert markdown_is_plain(body)
    assert cmark_only(raw_html(body)) is None


@pytest.mark.parametrize("title", ['The "TripleO" talk', "TripleO <Ocata>"])
def test_a_quotation_mark_or_bracket_in_an_attribute_goes_to_nh3(title: str) -> None:
    # A quotation mark: escaped in the attribute, unescaped in text, more than one replace.
    # A bracket: html5ever escapes it in attributes in some versions and not in others.
    raw = raw_html(f"{EMBED}\n", VideoInfo(id="T8xLm1c9rHf", title=title, duration=60))
    assert "&quot;" in raw or "&lt;" in raw
    assert cmark_only(raw) is None


def test_links_images_breaks_and_text_as_nh3_writes_them() -> None:
    body = (
        f'Before.\n\n{EMBED}\n\nSteve: "Quoted" & &lt;escaped> it\'s\u00a0here  \nnext ***line***\n\n'
        "[link](https://docs.example.org/a_b?x=1&y='2'#f) [mail](mailto:a@example.org)\n\n"
        "![alt 'quoted' & more](https://example.com/i.png)\n\n---\n\n"
        "> quote\n\n- one\n  - two\n\n## Head ~~struck~~\n\n    indented code x > y\n"
    )
    fast = shortcut(body, VIDEO)
    assert fast is not None
    assert (
        '<a href="https://docs.example.org/a_b?x=1&amp;y=\'2\'#f" rel="noopener noreferrer">'
        in fast
    )
    assert "<br>" in fast and "<hr>" in fast and "&nbsp;" in fast
    assert 'Steve: "Quoted" &amp; &lt;escaped&gt; it\'s' in fast


def test_an_embed_interrupting_a_paragraph_is_a_block_of_its_own() -> None:
    body = "Hello\n<iframe src='https://www.youtube.com/embed/T8xLm1c9rHf'></iframe>\n\nBye\n"
    assert shortcut(body, VIDEO) is not None


def test_render_notes_takes_the_shortcut_with_the_same_result() -> None:
    body = f"Intro *here*.\n\n{EMBED}\n\nSteve: Hello [there](https://example.com/).\n"
    raw = raw_html(body, VIDEO)
    notes = render_notes(body, VIDEO)
    assert notes.html.decode() == sanitize(raw).replace(
        "<p>Steve: Hello", "<p><strong>Steve:</strong> Hello"
    )


WORDS = st.sampled_from(
    [
        "Steve",
        "cloud",
        "é",
        "“quoted”",
        '"q"',
        "it's",
        "a&b",
        "<tag>",
        "x>y",
        "&amp;",
        "&copy;",
        "&#39;",
        "&nbsp;",
        "\u00a0",
        "*",
        "_",
        "**",
        "~~",
        "`",
        "\\",
        "[",
        "]",
        "(",
        ")",
        "!",
        "#",
    ]
)
URLS = st.sampled_from(
    [
        "https://example.com",
        "http://docs.example.org/a/b?c=d&e=f#g",
        "https://EXAMPLE.com:8080/x",
        "mailto:rich@example.org",
        "/relative",
        "javascript:alert(1)",
        "ftp://x.org",
        "http://1.2.3.4/",
        "https://a-b.example.co.uk/x(y)",
        "<https://example.com/ space>",
        "https://example.com/'q'",
        "https://xn--bcher-kva.example/",
        "http://localhost/",
        "https://example.com/é",
    ]
)


@st.composite
def inline(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=6))
    kind = draw(st.sampled_from(["text", "em", "strong", "code", "link", "image", "del", "break"]))
    text = " ".join(words)
    if kind == "em":
        return f"*{text}*"
    if kind == "strong":
        return f"**{text}**"
    if kind == "code":
        return f"`{text}`"
    if kind == "link":
        return f"[{text}]({draw(URLS)})"
    if kind == "image":
        return f"![{text}]({draw(URLS)})"
    if kind == "del":
        return f"~~{text}~~"
    if kind == "break":
        return f"{text}  \nmore"
    return text


@st.composite
def block(draw: st.DrawFn) -> str:
    line = " ".join(draw(st.lists(inline(), min_size=1, max_size=4)))
    kind = draw(
        st.sampled_from(
            [
                "para",
                "turn",
                "heading",
                "list",
                "nested",
                "ordered",
                "quote",
                "code",
                "fence",
                "rule",
                "table",
                "embed",
            ]
        )
    )
    if kind == "turn":
        return f"Rich Bowen: {line}"
    if kind == "heading":
        return f"{'#' * draw(st.integers(1, 6))} {line}"
    if kind == "list":
        return f"- {line}\n- {line}"
    if kind == "nested":
        return f"- {line}\n\n  - {line}\n\n  > {line}"
    if kind == "ordered":
        return f"{draw(st.integers(1, 3))}. {line}"
    if kind == "quote":
        return f"> {line}\n>\n> - {line}"
    if kind == "code":
        return f"    {line}"
    if kind == "fence":
        return f"```{draw(st.sampled_from(['', 'sh']))}\n{line}\n```"
    if kind == "rule":
        return "***"
    if kind == "table":
        return f"| a | b |\n|---|---|\n| {line} | x |"
    if kind == "embed":
        return EMBED
    return line


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(block(), min_size=1, max_size=8), st.booleans())
@example([EMBED, "Steve: *hi* [x](https://example.com)"], True)
def test_generated_markdown_gets_nh3s_bytes(blocks: list[str], known: bool) -> None:
    body = "\n\n".join(blocks) + "\n"
    event("shortcut" if shortcut(body, VIDEO if known else None) is not None else "nh3")
