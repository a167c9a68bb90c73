"""Property-based builds over generated episode sets: outputs are always well-formed, parse in
feedparser, hold exactly the published and due episodes, and keep the GUIDs already published."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import yaml
from hostile_support import build, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import PROJECTS

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NASTY = [
    "\x00",
    "\x01",
    "\x0b",
    "\x1f",
    "\x7f",
    "\r",
    "\r\n",
    "\u202e",
    "\u200f",
    "\ufeff",
    "\u2028",
    "\ufffe",
    "]]>",
    "<script>",
    "&amp;",
    "---",
    "\t",
    "é",
    "😀",
    "'",
    '"',
    ": ",
]
TEXT = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(st.characters(codec="utf-8"), max_size=8)),
    max_size=6,
).map("".join)


@dataclass(frozen=True)
class Spec:
    title: str
    body: str
    date: datetime
    published: bool | None
    tags: list[str]


SPECS = st.builds(
    Spec,
    title=TEXT,
    body=TEXT,
    date=st.datetimes(datetime(2015, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)),
    published=st.one_of(st.none(), st.booleans()),
    tags=st.lists(TEXT, max_size=3),
)


def _write(root: Path, n: int, spec: Spec) -> None:
    front: dict[str, object] = {
        # A visible prefix: a title made only of characters XML cannot carry is an error.
        "title": f"Episode {n} {spec.title}",
        "date": spec.date.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "tags": spec.tags,
    }
    if spec.published is not None:
        front["published"] = spec.published
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n\n" + spec.body + "\n"
    (root / "episodes" / f"ep-{n}.md").write_bytes(text.encode("utf-8", "surrogatepass"))


def _due(specs: list[Spec]) -> set[int]:
    return {n for n, s in enumerate(specs) if s.published is not False and s.date <= NOW}


def _check_outputs(root: Path) -> list[str]:
    """Every feed well-formed and clean in feedparser; returns the main feed's GUIDs."""
    for feed in (root / "feeds").rglob("*.xml"):
        etree.parse(str(feed))
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.bozo_exception)
    tree = etree.parse(str(root / "feeds" / "podcast.xml"))
    return [g.text or "" for g in tree.iter("guid")]


def _slugs(guids: list[str]) -> set[int]:
    return {int(g.rstrip("/").rsplit("/", 1)[-1].removeprefix("ep-")) for g in guids}


@settings(
    # Bounded so make test stays quick; CASTPUB_EXAMPLES=500 searches longer.
    max_examples=int(os.environ.get("CASTPUB_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    specs=st.lists(SPECS, min_size=1, max_size=6),
    edits=st.lists(st.tuples(TEXT, TEXT), min_size=6, max_size=6),
    added=st.lists(SPECS, max_size=3),
)
def test_builds_hold_exactly_the_due_episodes_and_keep_guids(
    specs: list[Spec], edits: list[tuple[str, str]], added: list[Spec]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "show"
        (root / "episodes").mkdir(parents=True)
        shutil.copy(PROJECTS / "seed" / "podcast.yaml", root)
        for n, spec in enumerate(specs):
            _write(root, n, spec)
        first = build(root)
        assert first.exit_code == 0, first.output
        guids = _check_outputs(root)
        assert len(guids) == len(set(guids))
        assert _slugs(guids) == _due(specs)

        # Retitle and rewrite every episode and add new ones: published GUIDs stay.
        edited = [replace(s, title=t, body=b) for s, (t, b) in zip(specs, edits, strict=False)]
        edited += added
        for n, spec in enumerate(edited):
            _write(root, n, spec)
        second = build(root)
        assert second.exit_code == 0, second.output
        again = _check_outputs(root)
        assert set(guids) <= set(again)
        assert _slugs(again) == _due(edited)

        # Moving a published episode to another year would change its GUID: refused, untouched.
        due = sorted(_due(edited))
        if due:
            moved = replace(edited[due[0]], date=edited[due[0]].date.replace(year=2014))
            _write(root, due[0], moved)
            before = snapshot(root / "feeds")
            third = build(root)
            assert third.exit_code == 1, third.output
            assert "was published with GUID" in third.stderr
            assert snapshot(root / "feeds") == before
