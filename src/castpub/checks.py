"""`castpub check`: the build's validation without writing, plus what deserves a person's look."""

from __future__ import annotations

from datetime import datetime

from castpub.build import Project, split_by_status
from castpub.errors import Problem
from castpub.media import media_warnings

# "unavailable" is castpub's own mark for a video YouTube says is deleted or gone.
UNAVAILABLE = {"private", "needs_auth", "subscriber_only", "premium_only", "unavailable"}


def warnings_for(project: Project, now: datetime) -> list[Problem]:
    found = list(project.warnings)
    published, drafts, scheduled = split_by_status(project.episodes, now)
    for episode in drafts:
        found.append(
            Problem(
                episode.path,
                None,
                "draft (published: false): in no feed",
                "set 'published: true' to publish it",
                warning=True,
            )
        )
    for episode in scheduled:
        found.append(
            Problem(
                episode.path,
                None,
                f"scheduled for {episode.date.isoformat()}: in no feed until then",
                warning=True,
            )
        )
    found.extend(media_warnings(project, published))
    for episode in published:
        if episode.video is None:
            if episode.media is None:
                found.append(
                    Problem(
                        episode.path,
                        None,
                        "no YouTube video and no media",
                        "embed the video or set 'youtube:' in the front matter",
                        warning=True,
                    )
                )
            continue
        video_id = episode.video.video_id
        info = project.store.video(video_id)
        if info is None:
            found.append(
                Problem(
                    episode.path,
                    episode.video.line or None,
                    f"video {video_id} is not in the store: its item has no duration",
                    "run castpub refresh (or castpub import-info FILE.info.json)",
                    warning=True,
                )
            )
        elif info.availability in UNAVAILABLE:
            found.append(
                Problem(
                    episode.path,
                    episode.video.line or None,
                    f"video {video_id} is {info.availability} on YouTube",
                    "make it public or unlisted, or point the episode at another video",
                    warning=True,
                )
            )
    found.extend(videos_without_episode(project))
    return found


def videos_without_episode(project: Project) -> list[Problem]:
    """Videos of followed playlists (per the store) that no episode file is about yet."""
    have = {e.video.video_id for e in project.episodes if e.video is not None}
    found = []
    for playlist_id in project.show.followed_playlists:
        info = project.store.playlist(playlist_id)
        for entry in info.entries if info else ():
            if entry.id not in have:
                title = f" ({entry.title})" if entry.title else ""
                found.append(
                    Problem(
                        None,
                        None,
                        f"video {entry.id}{title} of playlist {playlist_id} has no episode file",
                        f"castpub new --playlist {playlist_id} writes a draft for each",
                        warning=True,
                    )
                )
                have.add(entry.id)
    return found
