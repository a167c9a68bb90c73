"""Finding the video: every form of YouTube reference that authors paste."""

import pytest

from castpub.videos import find_videos, parse_playlist_id, parse_video_url, video_ids_in


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


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/embed/ban0Z7Cojfg?list=PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S",
        "//www.youtube-nocookie.com/embed/XAWLm3jP7Mg",
        "https://www.youtube.com/watch?v=DwuZHMkFzFs&list=UUQ74G2gKXdpwZkXEsclzcrA#t=1343",
        "https://youtu.be/vvQbhelqAYw",
        "https://youtube.com/shorts/aqz-KE-bpKQ",
        "https://www.youtube.com/live/qVv6vCqciTM?si=abc",
        "https://m.youtube.com/watch?v=M4gD1WSo5mA",
    ],
)
def test_the_scan_of_a_files_bytes_finds_the_video_parsing_finds(url: str) -> None:
    """video_ids_in, which decides whether an episode can be rendered as soon as it is parsed,
    finds the video of every common form of link, in a body and in the front matter."""
    (ref,) = find_videos(f'Intro.\n\n<iframe src="{url}"></iframe>\n')
    body = f'---\ntitle: A\n---\n\nIntro.\n\n<iframe src="{url}"></iframe>\n'.encode()
    assert ref.video_id in video_ids_in(body)
    front = f"---\ntitle: A\nyoutube: {ref.video_id}\n---\n\nIntro.\n".encode()
    assert video_ids_in(front) == {ref.video_id}


def test_the_scan_looks_only_near_each_youtube_host() -> None:
    """A video id further than the scan looks is not found (the episode is then rendered after
    parsing, not during), nor is an 11-character word elsewhere in the text."""
    far = "https://www.youtube.com/watch?feature=" + "x" * 130 + "&v=M4gD1WSo5mA"
    assert find_videos(far)[0].video_id == "M4gD1WSo5mA"
    assert "M4gD1WSo5mA" not in video_ids_in(far.encode())
    assert video_ids_in(b"Contributors and maintainers of OpenStack") == set()
