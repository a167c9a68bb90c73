"""Finding the video: every form of YouTube reference that authors paste."""

import pytest

from castpub.videos import find_videos, parse_playlist_id, parse_video_url


@pytest.mark.parametrize(
    ("url", "video", "playlist"),
    [
        (
            "https://www.youtube.com/embed/ban0Z7Cojfg?list=PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S",
            "ban0Z7Cojfg",
            "PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S",
        ),
        ("https://www.youtube.com/embed/ot50Hdq--Do", "ot50Hdq--Do", None),
        ("//www.youtube-nocookie.com/embed/XAWLm3jP7Mg", "XAWLm3jP7Mg", None),
        (
            "https://www.youtube.com/watch?v=DwuZHMkFzFs&list=UUQ74G2gKXdpwZkXEsclzcrA#t=1343",
            "DwuZHMkFzFs",
            "UUQ74G2gKXdpwZkXEsclzcrA",
        ),
        ("https://www.youtube.com/watch?v=5kT-Sv3rkTw&t=42s", "5kT-Sv3rkTw", None),
        ("https://youtu.be/vvQbhelqAYw", "vvQbhelqAYw", None),
        ("https://youtube.com/shorts/aqz-KE-bpKQ", "aqz-KE-bpKQ", None),
        ("https://www.youtube.com/live/qVv6vCqciTM?si=abc", "qVv6vCqciTM", None),
        ("https://m.youtube.com/watch?v=M4gD1WSo5mA", "M4gD1WSo5mA", None),
        ("M4gD1WSo5mA", "M4gD1WSo5mA", None),
    ],
)
def test_video_url_forms(url: str, video: str, playlist: str | None) -> None:
    ref = parse_video_url(url)
    assert ref is not None
    assert (ref.video_id, ref.playlist_id) == (video, playlist)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/channel/UCWYIPZ4lm4P3_pzZ9Hx9awg",
        "https://www.youtube.com/RDOCommunity",
        "https://www.youtube.com/playlist?list=PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S",
        "https://www.youtube.com/watch?v=ji-WqEXZRT",  # one character short, seen in a real post
    ],
)
def test_not_a_video(url: str) -> None:
    assert parse_video_url(url) is None


def test_find_videos_in_body_with_lines_and_dedup() -> None:
    body = (
        "Intro\n\n"
        '<iframe src="https://www.youtube.com/embed/ban0Z7Cojfg?list=PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S"></iframe>\n\n'
        "See [the talk](https://www.youtube.com/watch?v=OZPPI7yju54) and again "
        "https://www.youtube.com/watch?v=OZPPI7yju54.\n"
    )
    found = find_videos(body, first_line=10)
    assert [(v.video_id, v.line) for v in found] == [("ban0Z7Cojfg", 12), ("OZPPI7yju54", 14)]


def test_playlist_ids() -> None:
    assert (
        parse_playlist_id("PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S")
        == "PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S"
    )
    assert (
        parse_playlist_id(
            "https://www.youtube.com/playlist?list=PL27cQhFqK1QzaZL1XrX_CzT7uCOWQ64xM"
        )
        == "PL27cQhFqK1QzaZL1XrX_CzT7uCOWQ64xM"
    )
    assert parse_playlist_id("ban0Z7Cojfg") is None
