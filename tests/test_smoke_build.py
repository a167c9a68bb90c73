from pathlib import Path

import feedparser

from conftest import run_castpub


def test_seed_show_builds_one_item_with_transcript(make_project) -> None:
    root: Path = make_project()
    result = run_castpub(root, "build")
    assert result.exit_code == 0, result.output
    parsed = feedparser.parse((root / "feeds" / "podcast.xml").read_bytes())
    assert not parsed.bozo
    assert [e.title for e in parsed.entries] == [
        "Steve Hardy: OpenStack TripleO in Ocata, from the OpenStack PTG in Atlanta"
    ]
    transcripts = list((root / "feeds" / "transcripts").iterdir())
    assert [p.name for p in transcripts] == [
        "2017-04-04-steve-hardy-openstack-tripido-in-ocata-from-the-openstack-ptg-in-atlanta.html"
    ]
