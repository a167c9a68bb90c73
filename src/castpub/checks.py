"""`castpub check`: the build's validation without writing, plus what deserves a person's look."""

from __future__ import annotations

from datetime import datetime

from castpub.build import Project, split_by_status
from castpub.errors import Problem
from castpub.media import media_warnings

UNAVAILABLE = {"private", "needs_auth", "subscriber_only", "premium_only"}


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
    return found
