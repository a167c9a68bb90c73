"""Reading episode files: front matter, dates in every form seen in real blogs, slugs, status."""

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from castpub.build import load_project
from castpub.config import load_show
from castpub.episodes import Episode, find_episode_files, read_episode
from conftest import write_episode


@pytest.fixture
def varied(make_project) -> dict[str, Episode]:
    project = load_project(make_project("varied"))
    return {e.id: e for e in project.episodes}


def at(*args: int, offset: timedelta = timedelta(0)) -> datetime:
    return datetime(*args, tzinfo=timezone(offset))  # type: ignore[misc]


def test_exclude_leaves_out_non_episodes(make_project) -> None:
    root = make_project("varied")
    names = [p.name for p in find_episode_files(load_show(root))]
    assert "index.md" not in names
    assert len(names) == 9


def test_ids_and_slugs(varied: dict[str, Episode]) -> None:
    episode = varied["2017-04-04-cest-interview"]
    assert episode.slug == "cest-interview"
    assert varied["2017-09-12-five-videos"].slug == "five-videos"
    # Repeated slugs are fine: per-episode files are named by the unique id.
    assert varied["2017-07-01-blog-roundup"].slug == varied["2017-08-01-blog-roundup"].slug


@pytest.mark.parametrize(
    ("episode_id", "expected"),
    [
        ("2017-04-04-cest-interview", at(2017, 4, 4, 19, 26, 24, offset=timedelta(hours=2))),
        ("2017-05-10-ist-watch-link", at(2017, 5, 10, 10, offset=timedelta(hours=5, minutes=30))),
        ("2017-09-12-five-videos", at(2017, 9, 12, 17, 30, offset=timedelta(hours=-7))),
        ("2017-12-01-crlf-bom", at(2017, 12, 1, 10, offset=timedelta(hours=-5))),
        ("2017-07-01-blog-roundup", at(2017, 7, 1, 8)),
    ],
)
def test_dates_with_zone_abbreviations(
    varied: dict[str, Episode], episode_id: str, expected: datetime
) -> None:
    assert varied[episode_id].date == expected
    assert varied[episode_id].date.utcoffset() == expected.utcoffset()


def test_date_without_zone_uses_show_timezone(varied: dict[str, Episode]) -> None:
    assert varied["2017-10-03-no-time-zone"].date == datetime(
        2017, 10, 3, 12, tzinfo=ZoneInfo("Europe/Paris")
    )


def test_date_from_file_name(varied: dict[str, Episode]) -> None:
    assert varied["2017-11-20-date-from-name"].date == datetime(
        2017, 11, 20, tzinfo=ZoneInfo("Europe/Paris")
    )


def test_bom_and_crlf(varied: dict[str, Episode]) -> None:
    episode = varied["2017-12-01-crlf-bom"]
    assert episode.title == "Windows line ends and a BOM"
    assert "\r" not in episode.body


def test_tags_list_or_comma_string(varied: dict[str, Episode]) -> None:
    assert varied["2017-04-04-cest-interview"].tags == ("compilers", "history", "summit")
    assert varied["2017-05-10-ist-watch-link"].tags == ("release", "notes")


def test_authors_map_and_unknown_author(varied: dict[str, Episode]) -> None:
    assert varied["2017-04-04-cest-interview"].author == "Ada Lovelace"
    assert varied["2017-05-10-ist-watch-link"].author == "someone-unknown"


def test_unknown_keys_are_kept(varied: dict[str, Episode]) -> None:
    assert varied["2017-04-04-cest-interview"].extra == {"comments": True}


def test_draft_flag(varied: dict[str, Episode]) -> None:
    assert varied["2017-06-01-draft"].published is False
    assert varied["2017-04-04-cest-interview"].published is True


def test_video_and_playlist_found(varied: dict[str, Episode]) -> None:
    episode = varied["2017-04-04-cest-interview"]
    assert episode.video is not None
    assert (episode.video.video_id, episode.video.playlist_id, episode.video.line) == (
        "YE7VzlLtp-4",
        "PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        12,
    )
    five = varied["2017-09-12-five-videos"]
    assert [v.video_id for v in five.videos] == [
        "qVv6vCqciTM",
        "aqz-KE-bpKQ",
        "BaW_jenozKc",
        "YE7VzlLtp-4",
        "M4gD1WSo5mA",
    ]


def test_several_videos_warn(make_project) -> None:
    project = load_project(make_project("varied"))
    warnings = [str(w) for w in project.warnings]
    assert any(
        "2017-09-12-five-videos.markdown:8: warning: 5 videos in one episode; using qVv6vCqciTM"
        in w
        for w in warnings
    )


def test_front_matter_youtube_wins(make_project) -> None:
    root = make_project("varied")
    path = write_episode(
        root,
        "2018-01-01-chosen.md",
        "title: Chosen\nyoutube: https://youtu.be/M4gD1WSo5mA",
        "<iframe src='https://www.youtube.com/embed/YE7VzlLtp-4'></iframe>\n",
    )
    episode = read_episode(path, load_show(root)).episode
    assert episode is not None and episode.video is not None
    assert episode.video.video_id == "M4gD1WSo5mA"


def read_problems(
    root: Path, front: str, body: str = "Text.\n", name: str = "2018-02-02-x.md"
) -> list[str]:
    path = write_episode(root, name, front, body)
    result = read_episode(path, load_show(root))
    assert result.episode is None
    return [str(p) for p in result.problems]


def test_missing_title(make_project) -> None:
    root = make_project("varied")
    found = read_problems(root, "date: 2018-02-02")
    assert found == [
        f"{root}/episodes/2018-02-02-x.md:2: no title; add a 'title:' line to the front matter"
    ]


def test_no_date_anywhere_says_how_to_fix(make_project) -> None:
    root = make_project("varied")
    found = read_problems(root, "title: Undated", name="undated.md")
    assert len(found) == 1
    assert (
        "undated.md:2: no date; add 'date: YYYY-MM-DD HH:MM:SS' to the front matter or start the file name with YYYY-MM-DD-"
        in found[0]
    )


def test_bad_date_names_its_line(make_project) -> None:
    root = make_project("varied")
    found = read_problems(root, "title: T\ntags: a\ndate: next tuesday")
    assert len(found) == 1
    assert "2018-02-02-x.md:4: date 'next tuesday' is not understood" in found[0]


def test_unknown_zone_abbreviation(make_project) -> None:
    root = make_project("varied")
    found = read_problems(root, "title: T\ndate: 2018-02-02 10:00:00 XYZT")
    assert "unknown time-zone abbreviation 'XYZT'" in found[0]


def test_invalid_yaml_reports_line(make_project) -> None:
    root = make_project("varied")
    found = read_problems(root, "title: T\ndate: 2018-02-02\ntags: [unclosed")
    assert len(found) == 1
    assert ":4: front matter is not valid YAML" in found[0]
    assert "(noticed on line 5)" in found[0]


def test_no_front_matter(make_project) -> None:
    root = make_project("varied")
    path = root / "episodes" / "2018-03-03-plain.md"
    path.write_text("# Just markdown\n")
    result = read_episode(path, load_show(root))
    assert [str(p) for p in result.problems] == [
        f"{path}:1: no front matter; start the file with '---', a 'title:' line and '---'"
    ]


def test_overridden_ist_is_not_ambiguous(make_project) -> None:
    root = make_project("varied")
    config = root / "podcast.yaml"
    config.write_text(config.read_text() + "timezones:\n  IST: '+01:00'\n")
    project = load_project(root)
    episode = next(e for e in project.episodes if e.id == "2017-05-10-ist-watch-link")
    assert episode.date.utcoffset() == timedelta(hours=1)
    assert not any("ambiguous" in str(w) for w in project.warnings)
