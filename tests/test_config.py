"""podcast.yaml: every key checked, every mistake named with the file and line."""

from pathlib import Path

import pytest

from castpub.config import Category, load_show
from castpub.errors import InvalidInput
from conftest import run_castpub


def set_key(root: Path, old: str, new: str) -> None:
    path = root / "podcast.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def problems(root: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_show(root)
    return [str(p) for p in caught.value.problems]


def test_seed_show_loads(make_project) -> None:
    show = load_show(make_project("varied"))
    assert show.title == "Varied Show"
    assert show.categories == (
        Category("Technology"),
        Category("Society & Culture", "Documentary"),
    )
    assert show.authors == {"ada": "Ada Lovelace"}
    assert show.playlists["PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"].slug == "season-one"
    assert show.feed_link("podcast.xml") == "https://example.org/feeds/podcast.xml"


def test_unknown_key_is_named_with_its_line(make_project) -> None:
    root = make_project("varied")
    set_key(root, "language: en\n", "language: en\nlanguge: fr\n")
    found = problems(root)
    assert len(found) == 1
    assert found[0].startswith(f"{root / 'podcast.yaml'}:6: unknown key 'languge' in podcast.yaml")


def test_missing_keys_are_all_listed(make_project) -> None:
    root = make_project("varied")
    set_key(root, "title: Varied Show\n", "")
    set_key(root, "explicit: false\n", "")
    found = problems(root)
    assert any("podcast.yaml has no 'title'" in p for p in found)
    assert any("podcast.yaml has no 'explicit'" in p for p in found)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "image: https://example.org/art.jpg",
            "image: https://example.org/art.webp",
            "'image' must be a .jpg or .png URL",
        ),
        ("link: https://example.org/", "link: example.org", "'link' must be an http(s) URL"),
        ("timezone: Europe/Paris", "timezone: Mars/Olympus", "unknown timezone 'Mars/Olympus'"),
        ("explicit: false", "explicit: maybe", "'explicit' must be true or false"),
        (
            '"https://example.org/blog/{year}/{month}/{day}/{slug}/"',
            '"https://example.org/{title}/"',
            "'episode_url' uses unknown fields ['title']",
        ),
        ("  email: crew@example.org\n", "", "'owner' needs both name and email"),
    ],
)
def test_bad_values_are_explained(make_project, old: str, new: str, message: str) -> None:
    root = make_project("varied")
    set_key(root, old, new)
    assert any(message in p for p in problems(root))


def test_cli_reports_config_errors_without_traceback(make_project) -> None:
    root = make_project("varied")
    set_key(root, "language: en\n", "language: en\ncolour: blue\n")
    result = run_castpub(root, "build")
    assert result.exit_code == 1
    assert "unknown key 'colour' in podcast.yaml" in result.stderr
    assert "Traceback" not in result.output
    assert not (root / "feeds").exists()


def test_missing_podcast_yaml(tmp_path: Path) -> None:
    result = run_castpub(tmp_path, "build")
    assert result.exit_code == 1
    assert "no podcast.yaml here" in result.stderr


def test_control_characters_in_show_text_are_removed(make_project) -> None:
    root = make_project("varied")
    set_key(root, "title: Varied Show", 'title: "Varied\\x0b Show\\x00"')
    set_key(root, "  name: Example Crew", '  name: "Example\\x1f Crew"')
    show = load_show(root)
    assert (show.title, show.owner_name) == ("Varied Show", "Example Crew")
