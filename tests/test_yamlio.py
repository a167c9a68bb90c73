"""Front matter read line by line (simple_mapping) is exactly what libyaml reads, or not read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from castpub.episodes import split_front_matter
from castpub.errors import InvalidInput
from castpub.yamlio import libyaml_mapping, load_mapping, simple_mapping
from conftest import PROJECTS

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "rdo-blog"
HERE = Path("episode.md")


def front_matters(folder: Path) -> list[tuple[Path, str]]:
    found = []
    for path in sorted(folder.glob("*.md")):
        parts = split_front_matter(path.read_text(encoding="utf-8"))
        if parts is not None:
            found.append((path, parts[0]))
    return found


def test_the_seed_episode_is_read_line_by_line_as_libyaml_reads_it() -> None:
    (path, front), *_ = front_matters(PROJECTS / "seed" / "episodes")
    simple = simple_mapping(front, 2)
    assert simple is not None
    assert simple == libyaml_mapping(front, path, 2)
    assert simple.lines["title"] == 2


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the RDO corpus is not beside this checkout")
def test_every_corpus_front_matter_read_line_by_line_is_what_libyaml_reads() -> None:
    read = 0
    for path, front in front_matters(CORPUS):
        simple = simple_mapping(front, 2)
        if simple is not None:
            read += 1
            assert simple == libyaml_mapping(front, path, 2), path
    assert read >= 300  # nearly all of the 306 posts: the line-by-line path is the common one


SCALARS = [
    "",
    "~",
    "null",
    "true",
    "Yes",
    "off",
    "12",
    "-7",
    "+3",
    "0x1F",
    "0o17",
    "017",
    "1_000",
    "190:20:30",
    "1.5",
    "-.inf",
    ".NaN",
    "6.8523015e+5",
    "2017-04-04",
    "2017-04-04 09:00:00 +00:00",
    "2017-04-04T09:00:00Z",
    "2017-04-04 09:00:00.5 -05:30",
    "2017-04-04 09:00:00 CEST",
    "2017-04-04 09:00",
    "2020-02-30",
    "2017-13-01 10:00:00",
    "'it''s'",
    "'a: b # c'",
    "''",
    '"plain double"',
    '"with \\"escape"',
    "http://example.org/a?b=c",
    "containers,network,release",
    "a: b",
    "ends:",
    "- item",
    "[a, b]",
    "{a: 1}",
    "&anchor x",
    "*alias",
    "!!str 12",
    "|",
    ">",
    "@at",
    "`tick",
    "%percent",
    "=",
    "<<",
    "Steve Hardy: TripleO",
    "café – “quoted” ☕",
    "x\u2028y",
    "a\u00a0b",
    "trailing   ",
    "...",
    "---",
    "-",
    "-- x",
    ".",
    "+",
    "?x",
    ":x",
    "(part 0)",
    "/path/to",
    "_under",
    "0",
    "0.",
    "1e3",
    "1:2",
]


def _same_or_not_simple(text: str) -> None:
    simple = simple_mapping(text, 2)
    if simple is None:
        return
    assert simple == libyaml_mapping(text, HERE, 2)
    assert load_mapping(text, HERE, 2) == simple


@pytest.mark.parametrize("value", SCALARS)
def test_each_kind_of_value_reads_as_libyaml_reads_it(value: str) -> None:
    _same_or_not_simple(f"title: {value}\nauthor: rbowen\n")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["title", "date", "tags", "published", "yes", "null", "a_b", "Key9"]),
            st.one_of(st.sampled_from(SCALARS), st.text(max_size=30)),
            st.sampled_from(["", " ", "  "]),
        ),
        max_size=6,
    )
)
@example([("title", "'a''b'", ""), ("date", "2017-04-04 09:00:00 +02:00", " ")])
def test_any_key_value_lines_read_as_libyaml_reads_them(
    lines: list[tuple[str, str, str]],
) -> None:
    text = "".join(f"{key}:{gap}{value}\n" for key, value, gap in lines)
    try:
        libyaml_mapping(text, HERE, 2)
    except InvalidInput:
        # libyaml refuses it: the line-by-line reading must not accept it.
        assert simple_mapping(text, 2) is None
        return
    _same_or_not_simple(text)


@pytest.mark.parametrize(
    "text",
    [
        "# a comment\ntitle: x\n",
        "title: x\ntitle: y\n",
        "title: x\n  continued\n",
        "tags:\n- a\n- b\n",
        "date: 2020-02-30\n",
        "title:\tx\n",
        "title: |\n  block\n",
        "",
        "\n\n",
    ],
)
def test_what_is_not_plain_lines_is_left_to_libyaml(text: str) -> None:
    assert simple_mapping(text, 2) is None


def test_errors_in_lines_left_to_libyaml_keep_their_messages() -> None:
    with pytest.raises(InvalidInput) as raised:
        load_mapping("title: x\nauthor: a\ntitle: y\n", HERE, 2, "front matter")
    assert "front matter sets 'title' twice (first on line 2)" in str(raised.value)
    with pytest.raises(InvalidInput) as raised:
        load_mapping("title: x\ndate: 2020-02-30\n", HERE, 2, "front matter")
    assert "front matter has a date that does not exist" in str(raised.value)
    assert "episode.md:3" in str(raised.value)
