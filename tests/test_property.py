"""Random front matter and bodies never crash the build, and what it writes is well-formed XML."""

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import PROJECTS, run_castpub

scalars = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=5), scalars, max_size=2),
)
keys = st.sampled_from(
    [
        "title",
        "date",
        "author",
        "tags",
        "published",
        "slug",
        "guid",
        "description",
        "youtube",
        "media",
        "season",
        "episode",
        "explicit",
        "image",
        "extra",
    ]
)
front_matter = st.dictionaries(keys, values, max_size=8)
pieces = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "\n\n",
            "Steve: ",
            "<iframe src='https://www.youtube.com/embed/YE7VzlLtp-4'></iframe>",
            "*",
            "[x](",
            "<script>",
            "---\n",
        ]
    ),
)
bodies = st.lists(pieces, max_size=12).map("".join)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(episodes=[({"youtube": []}, "")])  # once crashed urlsplit with "[]"
@example(episodes=[({"youtube": "https://[::1"}, "")])
@given(episodes=st.lists(st.tuples(front_matter, bodies), min_size=1, max_size=4))
def test_random_episodes_never_crash_and_give_well_formed_xml(
    episodes: list[tuple[dict, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "show"
        shutil.copytree(PROJECTS / "seed", root)
        for n, (front, body) in enumerate(episodes):
            text = yaml.safe_dump(front, allow_unicode=True) if front else ""
            (root / "episodes" / f"2020-01-0{n + 1}-random.md").write_text(
                f"---\n{text}---\n{body}", encoding="utf-8", errors="surrogatepass"
            )
        result = run_castpub(root, "build", "--now", "2026-01-01T00:00:00Z")
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert "nothing was written" in result.stderr
        for feed in (root / "feeds").rglob("*.xml"):
            etree.parse(str(feed))  # raises if not well-formed
