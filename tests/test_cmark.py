"""The Markdown adapter renders what cmarkgfm's own wrapper renders, without keeping the memory
that wrapper leaks on every call."""

from __future__ import annotations

from pathlib import Path

import cmarkgfm
from hypothesis import given, settings
from hypothesis import strategies as st

from castpub.cmark import EXTENSIONS, OPTIONS, Markdown

PROJECTS = Path(__file__).parent / "projects"
MARKDOWN = Markdown()


def wrapper(body: str) -> str:
    return str(
        cmarkgfm.markdown_to_html_with_extensions(
            body, options=OPTIONS, extensions=[e.decode() for e in EXTENSIONS]
        )
    )


def test_same_html_as_the_wrapper_for_every_fixture_episode() -> None:
    bodies = [p.read_text(encoding="utf-8-sig") for p in sorted(PROJECTS.rglob("*.md"))]
    assert len(bodies) > 10
    for body in bodies:
        assert MARKDOWN.html(body) == wrapper(body)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Steve: ",
                "*a*",
                "**b**",
                "~~c~~",
                "~d~",
                "| x | y |\n|---|---|\n| 1 | 2 |\n",
                "\n\n",
                "<iframe src='x'>",
                "[l](http://e.org)",
                "# h\n",
                "> q\n",
                "- i\n",
                "`c`",
                "&amp;",
                "é",
                "😀",
                "\x00",
                "\r\n",
            ]
        )
        | st.text(max_size=20)
    )
)
def test_same_html_as_the_wrapper_for_generated_text(parts: list[str]) -> None:
    body = "".join(parts)
    assert MARKDOWN.html(body) == wrapper(body)


def test_references_to_u_fffe_and_u_ffff_are_dropped_not_a_crash() -> None:
    """cmark writes those two characters as bytes that are not UTF-8 (its own wrapper fails
    on them): they go, as castpub drops them from any text."""
    for reference in ("&#xFFFE;", "&#xffff;", "&#65534;", "&#65535;"):
        assert MARKDOWN.html(f"a {reference} b") == "<p>a  b</p>\n"
    assert MARKDOWN.html("a &#xFFFD; &#x10FFFF; b") == "<p>a \ufffd \U0010ffff b</p>\n"


def _resident_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0])


def test_rendering_does_not_keep_memory() -> None:
    body = "Steve: a *long* answer with [a link](https://e.org). " * 100  # ~5 KB, like a turn
    for _ in range(200):  # let the allocator reach its working size first
        MARKDOWN.html(body)
    before = _resident_kib()
    for _ in range(3000):
        MARKDOWN.html(body)
    # The wrapper keeps ~30 KB per call of this size (90 MB here); freed memory is reused.
    assert _resident_kib() - before < 15_000
