"""Hostile and broken episode files: each is refused with file:line, what and how to fix, or built
safely; nothing is ever written outside feeds/ and nothing raises a traceback."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from hostile_support import SHOW, assert_built, assert_refused, build, snapshot
from lxml import etree

from castpub.episodes import MAX_BYTES
from conftest import run_castpub

NAME = "2020-01-01-hostile.md"


@pytest.fixture
def show(make_project: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path]:
    """(the whole temporary tree, a show in it already built once so feeds/ has content)."""
    root = make_project(name=SHOW)
    assert build(root).exit_code == 0
    return tmp_path, root


def front(text: str, body: str = "Intro.\n") -> bytes:
    return f"---\n{text}\n---\n\n{body}".encode()


def put(root: Path, data: bytes, name: str = NAME) -> Path:
    path = root / "episodes" / name
    path.write_bytes(data)
    return path


BOMB = "\n".join(
    [
        "title: bomb",
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
        "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
    ]
)
GARBAGE = bytes(random.Random(7).randrange(128, 256) for _ in range(4096))

# (case, file bytes, line the message must name (None: no line), texts the message must hold)
REFUSED: list[tuple[str, bytes, int | None, tuple[str, ...]]] = [
    ("tab indentation", front("title: x\ntags:\n\t- a"), 4, ("not valid YAML", "tabs")),
    # Reported where the quote opens, the parser's own stop line in parentheses.
    (
        "unclosed quote",
        front('title: "x\ndate: 2020-01-01'),
        2,
        ("not valid YAML", "(noticed on line 4)"),
    ),
    ("list front matter", front("- a\n- b"), 2, ("must be a mapping", "not a list")),
    ("scalar front matter", front("just text"), 2, ("not a single value", "key: value")),
    (
        "python object tag",
        front('title: !!python/object/apply:os.system ["touch pwned"]'),
        2,
        ("YAML tag", "python/object/apply"),
    ),
    ("python name tag", front("title: x\nauthor: !!python/name:os.system ''"), 3, ("YAML tag",)),
    ("local tag", front("title: !shell x"), 2, ("YAML tag",)),
    ("alias bomb", front(BOMB), 3, ("anchors or aliases", "write the value out")),
    ("too big", front("title: x", "a" * (MAX_BYTES + 1)), None, ("KiB, more than",)),
    ("binary garbage", GARBAGE, 1, ("not UTF-8", "save the file as UTF-8")),
    ("binary after front matter", front("title: x") + GARBAGE, 6, ("not UTF-8",)),
    ("invalid UTF-8 on line 8", front("title: x", "a\nb\nc\n") + b"\xff\xfe\n", 8, ("not UTF-8",)),
    ("raw NUL in front matter", front("title: a\x00b"), 2, ("U+0000", "delete it")),
    ("raw control on line 4", front("title: a\nauthor: b\ntags: c\x07d"), 4, ("U+0007",)),
    ("lone surrogate escape", front('title: "a\\ud800b"'), 2, ("not valid YAML",)),
    ("slug path traversal", front("title: x\nslug: ../../etc/passwd"), 3, ("slug", "not usable")),
    ("absolute slug", front("title: x\nslug: /tmp/evil"), 3, ("not usable in a URL",)),
    ("slug with slashes", front("title: x\nslug: a/../../b"), 3, ("not usable in a URL",)),
    ("file image URL", front("title: x\nimage: file:///etc/passwd"), 3, ("http(s) URL",)),
    ("file media URL", front("title: x\nmedia: /etc/passwd"), 3, ("not an http(s) URL",)),
    ("youtube traversal", front("title: x\nyoutube: ../../etc/passwd"), 3, ("not a YouTube",)),
    ("impossible day", front("title: x\ndate: 2020-02-30"), 3, ("does not exist", "day")),
    ("month 13", front("title: x\ndate: 2020-13-01"), 3, ("does not exist",)),
    ("year 9999", front("title: x\ndate: 9999-12-31 23:59:59 -12:00"), 3, ("out of range",)),
    ("year 1", front("title: x\ndate: 0001-01-01"), 3, ("out of range", "check the year")),
    ("year 99999999", front("title: x\ndate: '99999999-01-01'"), 3, ("not understood",)),
    ("hour 25", front("title: x\ndate: '2020-01-01 25:00'"), 3, ("not understood",)),
    ("key written twice", front("title: a\ndate: 2020-01-01\ntitle: b"), 4, ("twice",)),
    ("no front matter", b"just some text\n", 1, ("no front matter",)),
    ("title that is a list", front("title: [a, b]"), 2, ("single value",)),
    ("empty title", front('title: "\\x01 "'), 2, ("no title",)),
]


@pytest.mark.parametrize(
    ("data", "line", "expected"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_broken_episode_is_refused_with_its_line(
    show: tuple[Path, Path], data: bytes, line: int | None, expected: tuple[str, ...]
) -> None:
    tree, root = show
    path = put(root, data)
    where = f"error: {path}:{line}: " if line else f"error: {path}: "
    result = assert_refused(tree, root, where, *expected)
    assert result.stderr.count("error: ") == 1, result.stderr
    assert "; " in result.stderr.splitlines()[0], "every message says how to fix it"


def test_duplicate_slugs_and_guids_name_both_files(show: tuple[Path, Path]) -> None:
    tree, root = show
    put(root, front("title: a\nslug: same"), "2020-01-01-a.md")
    put(root, front("title: b\nslug: same"), "2020-01-01-b.md")
    put(root, front("title: c\nguid: g-1"), "2020-01-02-c.md")
    put(root, front("title: d\nguid: g-1"), "2020-01-03-d.md")
    result = assert_refused(
        tree, root, "same URL as 2020-01-01-a.md", "same GUID as 2020-01-02-c.md"
    )
    assert f"{root / 'episodes' / '2020-01-01-b.md'}:3:" in result.stderr
    assert f"{root / 'episodes' / '2020-01-03-d.md'}:3:" in result.stderr


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("  ../../evil:\n    slug: ../../evil\n", "playlist slug '../../evil'"),
        ("  ../../evil: {}\n", "playlist slug '../../evil'"),
        ("  PLx: /tmp/evil\n", "playlist slug '/tmp/evil'"),
        ("  PLy: ..\n", "playlist slug '..'"),
    ],
)
def test_playlist_slug_traversal_in_podcast_yaml_is_refused(
    show: tuple[Path, Path], extra: str, expected: str
) -> None:
    tree, root = show
    with (root / "podcast.yaml").open("a") as f:
        f.write(extra)  # the seed's podcast.yaml ends inside its playlists: mapping
    assert_refused(tree, root, f"{root / 'podcast.yaml'}:", expected)


def test_store_playlist_id_cannot_lead_out_of_feeds(show: tuple[Path, Path]) -> None:
    """The store is input too (import-info of any .info.json): an id is never a path."""
    tree, root = show
    store = {
        "version": 1,
        "videos": {},
        "media": {},
        "playlists": {
            bad: {"id": bad, "title": "x\x0b", "entries": [{"id": "ban0Z7Cojfg"}]}
            for bad in ("../../../evil", "/tmp/evil", "..", "PL/../../../x")
        },
    }
    (root / "data").mkdir()
    (root / "data" / "youtube.json").write_text(json.dumps(store))
    assert_built(tree, root)
    assert sorted(p.name for p in (root / "feeds" / "playlists").iterdir()) == ["ptg-atlanta-2017"]


def _items(root: Path) -> list[etree._Element]:
    parsed = etree.parse(str(root / "feeds" / "podcast.xml"))
    return list(parsed.iter("item"))


def _title_of(root: Path, name: str) -> str:
    for item in _items(root):
        if name.removesuffix(".md") in (item.findtext("guid") or "") or name in etree.tostring(
            item, encoding="unicode"
        ):
            return item.findtext("title") or ""
    raise AssertionError(f"{name} not in the feed")


# (case, file bytes, the title the feed must show)
SAFE: list[tuple[str, bytes, str]] = [
    ("byte order mark", b"\xef\xbb\xbf" + front("title: BOM"), "BOM"),
    ("escaped control characters", front('title: "a\\x01b\\0c\\x1f"\nauthor: "\\x07x"'), "abc"),
    (
        "escaped NUL in every field",
        front(
            'title: t\nguid: "g\\0"\ntags: ["\\x0b", u]\ndescription: "d\\x02"\nmedia: "https://x.org/a\\x01.mp3"'
        ),
        "t",
    ),
    ("NUL and controls in the body", front("title: body", "x\x00y\x01z\x0bw\x1b[31m\n"), "body"),
    (
        "character references to controls in the body",
        front("title: refs", "Rich: a&#1;b &#x0B;c &#xFFFE;\n\n<p>&#12;d &#31;e &#xFFFF;</p>\n"),
        "refs",
    ),
    ("right-to-left marks", front('title: "\u202eevil\u200f \u202b"'), "\u202eevil\u200f \u202b"),
    ("10 000-character title", front("title: " + "T" * 10_000), "T" * 10_000),
    ("GUID that looks like a path", front("title: g\nguid: ../../etc/passwd"), "g"),
    ("binary tag", front("title: !!binary aGVsbG8="), "b'hello'"),
    ("set tag", front("title: s\ntags: !!set {a, b}"), "s"),
    ("markup-like title", front('title: "]]><x/>&amp; <!-- "'), "]]><x/>&amp; <!--"),
    ("unclosed iframes", front("title: i", "<iframe>" * 100_000), "i"),
    ("unclosed iframe src", front("title: j", '<iframe src="x' * 50_000), "j"),
    ("deeply nested markup", front("title: n", "<b>" * 10_000 + ">" * 10_000), "n"),
]


@pytest.mark.parametrize(
    ("data", "title"), [case[1:] for case in SAFE], ids=[case[0] for case in SAFE]
)
def test_odd_episode_builds_safely(show: tuple[Path, Path], data: bytes, title: str) -> None:
    tree, root = show
    put(root, data)
    assert_built(tree, root)
    for feed in (root / "feeds").rglob("*.xml"):
        etree.parse(str(feed))  # well-formed, or this raises
        assert not feedparser.parse(feed.read_bytes()).bozo, feed
    assert title in [item.findtext("title") for item in _items(root)]


def test_crlf_file_builds_the_same_bytes_as_lf(make_project: Callable[..., Path]) -> None:
    data = front("title: line ends\ndate: 2020-01-01 10:00:00", "a\n\nSteve: b\nc\n")
    lf, crlf = make_project(name="lf"), make_project(name="crlf")
    put(lf, data)
    put(crlf, data.replace(b"\n", b"\r\n"))
    assert build(lf).exit_code == 0 and build(crlf).exit_code == 0
    assert snapshot(lf / "feeds") == snapshot(crlf / "feeds")


def test_every_problem_is_listed_in_one_run(show: tuple[Path, Path]) -> None:
    tree, root = show
    for n, (_, data, _, _) in enumerate(REFUSED[:12]):
        put(root, data, f"2020-01-{n + 1:02d}-bad.md")
    result = assert_refused(tree, root)
    assert result.stderr.count("error: ") == 12, result.stderr
    assert "12 problems found; nothing was written" in result.stderr


def test_symlinked_folder_in_feeds_is_not_written_through(show: tuple[Path, Path]) -> None:
    """A committed symlink feeds/transcripts -> elsewhere must not carry writes out of feeds/."""
    tree, root = show
    elsewhere = tree / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep me")
    shutil.rmtree(root / "feeds" / "transcripts")
    (root / "feeds" / "transcripts").symlink_to(elsewhere)
    put(root, front("title: new"))
    assert_refused(tree, root, "refusing to write outside feeds/")


def test_check_lists_every_problem_without_a_traceback(show: tuple[Path, Path]) -> None:
    tree, root = show
    for n, (_, data, _, _) in enumerate(REFUSED):
        put(root, data, f"2020-02-{n % 28 + 1:02d}-bad-{n}.md")
    before = snapshot(tree)
    result = run_castpub(root, "check")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.count("error: ") >= len(REFUSED)
    assert snapshot(tree) == before
