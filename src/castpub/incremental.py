"""The changed-episodes rebuild: only the episode files that changed are built again.

When podcast.yaml, the store, castpub and feeds/ are all as the last build left them, and only
some episode files changed (added, edited, removed, or come due or gone from the feeds for
another --now), only those episodes are parsed, rendered and serialized. Every other item goes
into the new feeds, and its entry into the page, as the bytes the last build wrote for it, copied
from the old files by the spans FragmentPool recorded (an item is a function of its episode file,
the config, the store and castpub's code, none of which changed). The order of the items, each
feed's head and the guards are worked out again from .castpub-cache/items.marshal, which a build
writes after it commits: every episode's id, link, GUID and video id, and every item's date and
place in each feed.

Anything this rebuild would not do exactly as a full build does sends the build down the full
path, which then reports or does it: a problem or warning in a changed file, a duplicate link or
GUID, a video shared by two episodes (it ties their playlists), a playlist feed that appears or
disappears, archive pages, a guard that objects, a record that does not match feeds/. The tests
compare what it writes with a full build's output, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from castpub.assemble import EPOCH, assemble, episode_link, make_feed
from castpub.build import (
    BuildResult,
    Project,
    Stopwatch,
    chapters_file,
    episode_files,
    render_all,
    transcript_file,
)
from castpub.cache import FragmentPool, RenderCache, Spans, feed_salt
from castpub.config import Show
from castpub.episodes import Episode, read_episode
from castpub.feeds import ATOM_TAIL, RSS_TAIL, heads, item_key
from castpub.guard import PublishedIndex, PublishedItem, as_published, guard_problems
from castpub.items import item_fragments
from castpub.itemsrecord import feed_row, forget, instant, item_row, load, plain, save
from castpub.model import Enclosure, Feed, Item
from castpub.notes import Notes
from castpub.opml import OPML_PATH, feeds_opml
from castpub.output import ByteSink, Confined, LaterRecords, Staging
from castpub.page import PAGE_PATH, PAGE_TAIL, episode_entry, page_head, page_link
from castpub.parsecache import decode_date, load_store_cached
from castpub.store import Store
from castpub.survey import FeedsSurvey
from castpub.unchanged import Inputs, LastBuild, Summary, split_counts, summarize
from castpub.websub import announce, hub_links

# Beyond this many changed files (or a twentieth of the show), a full build, which parses and
# renders on every core, costs about as much.
MAX_CHANGES = 200


class _Fallback(Exception):
    """This build must take the full path."""


class _Known(NamedTuple):
    """An episode of the last build, as the record has it."""

    id: str
    link: str
    guid: str | None
    video_id: str | None
    render_key: str


class _Old(NamedTuple):
    """An item of the last build's main feed, as the guards and the ordering need it."""

    episode_id: str
    guid: str
    video_id: str | None
    enclosure: Enclosure | None
    published: PublishedItem | None
    row: list[Any]  # as items.marshal has it: [date, video id, enclosure, guarded, instant, plain]


class _Slot(NamedTuple):
    """One item of a feed being spliced: copied from the old file, or `item` written anew."""

    episode_id: str
    key: str
    guid: str
    instant: int
    plain: bool
    item: Item | None = None
    row: list[Any] | None = None

    def date(self) -> datetime:
        """The item's date as the full build has it (decoded only where needed)."""
        return self.item.date if self.item else decode_date(self.row[0] if self.row else [])


@dataclass
class _Plan:
    """A changed-episodes rebuild worked out, before anything is written."""

    previous: dict[str, Any]  # the last build's record
    record: dict[str, Any]  # items.marshal
    known: dict[str, _Known]  # by file name
    changed: set[str]  # file names
    removed: set[str]
    gone: set[str]  # episode ids whose items and files are made again or dropped
    episodes: dict[str, Episode]  # the changed files, parsed, by name
    links: dict[str, str]  # their links, by episode id
    due: list[Episode]  # those of them due
    due_names: set[str]  # every file due
    notes: dict[str, Notes]
    store: Store
    feeds: list[Feed]  # without items: their slots say
    slots: list[list[_Slot]]
    olds: dict[str, _Old]
    cache: RenderCache
    states: dict[str, tuple[bool, str]]  # by name: (published, ISO date)
    files: dict[str, tuple[int, int]]  # feeds/ as the last build left it: (size, mtime_ns)
    # RSS and Atom up to the items, by RSS path, of each feed whose items change
    heads: dict[str, tuple[bytes, bytes]]
    fragments: dict[str, tuple[bytes, bytes]]  # each new item's RSS and Atom, by item key


def rebuild_changed(
    root: Path,
    now: datetime,
    allow_shrink: bool,
    watch: Stopwatch,
    last: LastBuild,
    inputs: Inputs,
    survey: FeedsSurvey,
) -> BuildResult | None:
    """The build, when only some episode files changed and this path applies; else None with
    nothing in feeds/ changed (the full path follows). `survey` has the stats of feeds/."""
    rebuild = _Rebuild(root, now, allow_shrink, watch, last, inputs, survey)
    try:
        plan = rebuild.plan()
    except (_Fallback, KeyError, IndexError, TypeError, ValueError):
        # A record of an unexpected shape, or an item feedgen would refuse (ValueError): the
        # full path does it, or reports it.
        return None
    try:
        return rebuild.write(plan)
    except _Fallback:  # feeds/ not as recorded, or a guard that objects: nothing committed
        return None


class _Rebuild:
    """One changed-episodes rebuild: plan() works it all out (raising _Fallback wherever the
    full path must go), write() writes it."""

    def __init__(
        self,
        root: Path,
        now: datetime,
        allow_shrink: bool,
        watch: Stopwatch,
        last: LastBuild,
        inputs: Inputs,
        survey: FeedsSurvey,
    ) -> None:
        self.root = root
        self.survey = survey
        self.now = now
        self.allow_shrink = allow_shrink
        self.watch = watch
        self.last = last
        self.inputs = inputs
        self.show: Show = inputs.show
        self.names = inputs.names

    def plan(self) -> _Plan:
        show, inputs, watch = self.show, self.inputs, self.watch
        with watch.stage("read"):
            previous = self.last.record()
            record = load(self.root, previous.get("read_at")) if previous else None
            if record is None or show.limit is not None or inputs.unread:
                raise _Fallback
            if (previous["config"], previous["store"]) != (inputs.config, inputs.store):
                raise _Fallback
            files = self.last.files()
            rows = self.last.episodes()
            states = {n: (bool(p), d) for n, _, p, d in rows}
            digests = {n: h for n, h, _, _ in rows}
            known = {str(name): _Known(*row) for name, row in record["episodes"].items()}
            was_due = set(previous["due"])
            changed, removed = self._changes(states, digests, was_due)
            episodes = self._parse(changed)
            links = {e.id: episode_link(show, e) for e in episodes.values()}
            self._check_identities(known, episodes, links, removed)
            for name, episode in episodes.items():
                states[name] = (episode.published, episode.date.isoformat())
            for name in removed:
                del states[name]
        with watch.stage("render"):
            due = [e for e in episodes.values() if e.published and e.date <= self.now]
            cache = RenderCache.for_show(show.root)
            store = load_store_cached(
                show.root, show.store_path, inputs.store_bytes, inputs.store, lazy=True
            )
            notes = render_all(Project(show, store, due, [], links), due, cache)
        with watch.stage("assemble"):
            new_feeds = assemble(show, due, notes, store, links) if due else []
            gone = {known[n].id for n in (*changed, *removed) if n in known}
            olds = self._olds(record, known, gone)
            ids = {n: (episodes[n].id if n in episodes else known[n].id) for n in self.names}
            feeds, slots = self._feeds(record, ids, olds, new_feeds, notes)
            # The heads of the feeds whose items change, and the new items, are made here: one
            # that feedgen refuses sends the build the full way before anything is written.
            old_keys = {row[0]: row[5] for row in record["feeds"]}
            extra = (*hub_links(show.websub_hub), page_link(show))
            feed_heads = {
                feed.rss_path: heads(show, replace(feed, links=feed.links + extra))
                for feed, feed_slots in zip(feeds, slots, strict=True)
                if old_keys[feed.rss_path] != [s.key for s in feed_slots]
            }
            fragments = {s.key: item_fragments(s.item) for f in slots for s in f if s.item}
        due_names = {n for n in was_due if n not in episodes and n not in removed}
        due_names |= {e.path.name for e in due}
        if not due_names:
            raise _Fallback  # nothing left to publish: the full path says what it does then
        plan = _Plan(
            previous,
            record,
            known,
            set(changed),
            set(removed),
            gone,
            episodes,
            links,
            due,
            due_names,
            notes,
            store,
            feeds,
            slots,
            olds,
            cache,
            states,
            files,
            feed_heads,
            fragments,
        )
        return plan

    def _changes(
        self, states: dict[str, tuple[bool, str]], digests: dict[str, str], was_due: set[str]
    ) -> tuple[list[str], list[str]]:
        """(names of the files to build again, names of the files gone since the last build):
        new or edited files, and unchanged ones that come due or leave the feeds at this --now."""
        same = []
        for name, digest in zip(self.inputs.names, self.inputs.digests, strict=True):
            if not digest:
                raise _Fallback  # unreadable: the full path reports it
            if digests.get(name) == digest:
                same.append(name)
        # An episode due at the last build's --now is due at any later one: only the dates of
        # the others are read again then.
        stays = was_due if self.last.stays_due(self.now) else set()
        dates = [
            (n, states[n][0], datetime.fromisoformat(states[n][1])) for n in same if n not in stays
        ]
        due = set(split_counts(dates, self.now)[0]) | stays
        unchanged = {n for n in same if (n in due) == (n in was_due)}
        changed = [n for n in self.names if n not in unchanged]
        present = set(self.names)
        removed = [name for name in states if name not in present]
        if len(changed) + len(removed) > min(MAX_CHANGES, max(1, len(present) // 20)):
            raise _Fallback
        return changed, removed

    def _parse(self, changed: list[str]) -> dict[str, Episode]:
        position = {name: n for n, name in enumerate(self.names)}
        parsed = {}
        for name in changed:
            index = position[name]
            path = self.inputs.path(index)
            data, digest = self.inputs.take(index)
            if data is None:
                raise _Fallback
            result = read_episode(path, self.show, data)
            if result.episode is None or result.problems or result.warnings:
                raise _Fallback  # the full path reports them, with the other files' warnings
            parsed[name] = replace(result.episode, digest=digest)
        return parsed

    def _check_identities(
        self,
        known: dict[str, _Known],
        episodes: dict[str, Episode],
        links: dict[str, str],
        removed: list[str],
    ) -> None:
        """No two episodes with one link or GUID (the full path names them), and no video of a
        changed or removed episode in another episode (the two share their playlists)."""
        guids: set[str] = set()
        urls: set[str] = set()
        videos: dict[str, int] = {}
        touched = {known[n].video_id for n in removed if known[n].video_id}
        for name in self.names:
            episode = episodes.get(name)
            if episode is None:
                row = known[name]
                link, guid, video = row.link, row.guid, row.video_id
            else:
                link, guid = links[episode.id], episode.guid
                video = episode.video.video_id if episode.video else None
                touched.add(known[name].video_id if name in known else None)
                touched.add(video)
            if (guid or link) in guids or link in urls:
                raise _Fallback
            guids.add(guid or link)
            urls.add(link)
            if video:
                videos[video] = videos.get(video, 0) + 1
        if any(videos.get(v, 0) > 1 for v in touched if v):
            raise _Fallback

    def _olds(
        self, record: dict[str, Any], known: dict[str, _Known], gone: set[str]
    ) -> dict[str, _Old]:
        """The last build's main-feed items that stay as they were, by episode id."""
        by_id = {k.id: k for k in known.values()}
        olds = {}
        for id_, row in record["items"].items():
            if id_ in gone:
                continue
            _, video_id, enclosure, published, _, _ = row
            episode = by_id[id_]
            olds[id_] = _Old(
                id_,
                episode.guid or episode.link,
                video_id,
                Enclosure(enclosure, 0, "") if enclosure else None,
                None
                if published is None
                else PublishedItem(published[0], published[1], published[2], enclosure),
                row,
            )
        return olds

    def _feeds(
        self,
        record: dict[str, Any],
        ids: dict[str, str],
        olds: dict[str, _Old],
        new_feeds: list[Feed],
        notes: dict[str, Notes],
    ) -> tuple[list[Feed], list[list[_Slot]]]:
        """Every feed the last build wrote, its items in the order a full build gives them."""
        show = self.show
        salt = feed_salt()
        new_items = {f.rss_path: f.items for f in new_feeds}
        feeds: list[Feed] = []
        slots: list[list[_Slot]] = []
        for rss, atom, title, playlist_id, item_ids, keys in record["feeds"]:
            kept = []
            for i, k in zip(item_ids, keys, strict=True):
                old = olds.get(i)
                if old is not None:
                    kept.append(_Slot(i, k, old.guid, old.row[4], old.row[5], None, old.row))
            fresh = [
                _Slot(
                    i.episode_id,
                    item_key(salt, i, notes[i.episode_id].key),
                    i.guid,
                    instant(i.date),
                    plain(i.date),
                    i,
                )
                for i in new_items.pop(rss, ())
            ]
            merged = kept + fresh
            if not merged:
                raise _Fallback  # a feed that disappears: the shrink guard and its removal
            if all(s.plain for s in merged):
                # Dates outside DST folds and gaps compare as their instants do, whatever their
                # zones: sorted by instant, the items come in the full build's order. A feed with
                # the same items as before, all such dates (unique with their GUIDs), is in that
                # order already.
                if fresh or len(kept) != len(item_ids):
                    merged.sort(key=lambda s: (s.instant, s.guid), reverse=True)
                updated = merged[0].date()  # the first of the latest, as max() gives
            else:
                # Sorted as the full build sorts them, from the same order (the files'), so
                # that dates which compare oddly come out the same way too.
                dates = {s.episode_id: s.date() for s in merged}
                position = {episode_id: n for n, episode_id in enumerate(ids.values())}
                merged.sort(key=lambda s: position[s.episode_id])
                merged.sort(key=lambda s: (dates[s.episode_id], s.guid), reverse=True)
                updated = max((dates[s.episode_id] for s in merged), default=EPOCH)
            feed = make_feed(show, rss, atom, title, show.description, (), playlist_id)
            feeds.append(replace(feed, updated=updated))
            slots.append(merged)
        if new_items or not feeds or feeds[0].rss_path != "podcast.xml":
            raise _Fallback  # a playlist feed appears
        return feeds, slots

    def write(self, plan: _Plan) -> BuildResult:
        pool = FragmentPool.for_show(self.show.root, self.show.feeds_dir)
        try:
            return self._write(plan, pool)
        except BaseException:
            pool.close()  # the old feeds it holds open, on the way to the full path
            raise

    def _write(self, plan: _Plan, pool: FragmentPool) -> BuildResult:
        show, watch, inputs = self.show, self.watch, self.inputs
        feeds_dir = show.feeds_dir
        record, previous = plan.record, plan.previous
        # What the last build wrote: its feeds, the page, the OPML, and the transcripts and
        # chapters it keyed (all of them, or the count tells).
        produced = {p for row in record["feeds"] for p in row[:2]} | {PAGE_PATH, OPML_PATH}
        produced |= set(pool.previous_keys)
        if len(produced) != int(previous["outputs"]):
            raise _Fallback
        dropped = {transcript_file(i) for i in plan.gone} | {chapters_file(i) for i in plan.gone}
        wanted = produced - dropped
        self.last.forget()  # feeds/ changes below: only a build that commits records itself
        forget(self.root)
        # No temporary file is left in feeds/: it would have made feeds/ differ from the record.
        confined = Confined(feeds_dir)
        with Staging() as staging:
            with watch.stage("serialize"):
                for episode in plan.due:
                    video = plan.store.video(episode.video.video_id) if episode.video else None
                    notes = plan.notes[episode.id]
                    link = plan.links[episode.id]
                    for relpath, data in episode_files(show, episode, notes, link, video, pool):
                        wanted.add(relpath)
                        if isinstance(data, bytes):  # (Written only with a page folder)
                            staging.add(confined.path(relpath), data)
                        else:
                            confined.check(relpath)
                pool.carry_keys(dropped)
                main_changed = False
                rows: dict[str, list[PublishedItem | None] | None] = {}  # None: the file stays
                for n, (feed, slots) in enumerate(zip(plan.feeds, plan.slots, strict=True)):
                    if feed.rss_path not in plan.heads:  # the same items: the file stays
                        for relpath in (feed.rss_path, feed.atom_path):
                            pool.carry(relpath)
                        rows[feed.rss_path] = None
                        continue
                    main_changed = main_changed or n == 0
                    rss_head, atom_head = plan.heads[feed.rss_path]
                    for kind, relpath, head, tail in (
                        ("rss", feed.rss_path, rss_head, RSS_TAIL),
                        ("atom", feed.atom_path, atom_head, ATOM_TAIL),
                    ):
                        parts = [
                            (s.key, plan.fragments[s.key][kind == "atom"] if s.item else None)
                            for s in slots
                        ]
                        self._splice(staging, confined, pool, relpath, kind, head, tail, parts)
                    rows[feed.rss_path] = [
                        as_published(s.item) if s.item else plan.olds[s.episode_id].published
                        for s in slots
                    ]
                if main_changed:
                    main = plan.feeds[0]
                    head = page_head(show, main, plan.feeds[1:], len(plan.slots[0])).encode()
                    parts = [
                        (s.key, episode_entry(s.item, show.timezone).encode() if s.item else None)
                        for s in plan.slots[0]
                    ]
                    self._splice(
                        staging, confined, pool, PAGE_PATH, "page", head, PAGE_TAIL.encode(), parts
                    )
                else:
                    pool.carry(PAGE_PATH)
                staging.add(confined.path(OPML_PATH), feeds_opml(show, plan.feeds))
            index = self._check(plan, rows)
            with watch.stage("write"):
                # The records are made from what the commit will leave in feeds/ while the
                # feeds' bytes are still going to disk, and written once it is done.
                gone = sorted(feeds_dir / relpath for relpath in produced - wanted)
                files = _after(plan.files, feeds_dir, staging.staged(feeds_dir), gone)
                later = LaterRecords()
                pool.save(files, later)
                index.save(files, later)
                due_names = [n for n in self.names if n in plan.due_names]
                warnings = [
                    w
                    for w in self.last.warnings()
                    if w.path is None
                    or (w.path.name not in plan.changed and w.path.name not in plan.removed)
                ]
                self.last.save(
                    inputs,
                    self.now,
                    plan.states,
                    due_names,
                    len(plan.feeds),
                    len(plan.slots[0]),
                    warnings,
                    len(wanted),
                    files,
                    later,
                )
                self._save_record(plan, later)
                written = staging.commit()
        with watch.stage("write"):
            removed = _remove(gone)
            closer = pool.close_aside()
            later.write()
            plan.cache.used.update(
                plan.known[n].render_key
                for n in due_names
                if n in plan.known and n not in plan.changed
            )
            plan.cache.prune()
            closer.join()
        result = BuildResult([], [], [], [], warnings, written, removed, len(wanted) - len(written))
        result.recorded = self._summary(plan)
        result.path = "changed"
        result.timings = watch.seconds
        result.websub_failures = announce(show.websub_hub, plan.feeds, written, feeds_dir)
        return result

    def _check(
        self, plan: _Plan, rows: dict[str, list[PublishedItem | None] | None]
    ) -> PublishedIndex:
        """What must hold before the commit, checked once the feeds are staged, while their
        bytes go to disk (the guards read no byte of them): feeds/ as the last build left it,
        and nothing the guards object to. The guards' record of the feeds this build leaves,
        from `rows` (what as_published gave for each item of a feed written, by RSS path; None
        for a feed left as it was)."""
        show = self.show
        with self.watch.stage("guard"):
            if self.survey.files(show.feeds_dir) != plan.files:
                raise _Fallback
            index = PublishedIndex.for_show(show.root, show.feeds_dir)
            guarded = {
                feed.rss_path: [s.item or plan.olds[s.episode_id] for s in feed_slots]
                for feed, feed_slots in zip(plan.feeds, plan.slots, strict=True)
            }
            # No paths for the messages: any problem sends the build the full way, which
            # reports it.
            if guard_problems(show, index, guarded, {}, self.allow_shrink):
                raise _Fallback  # the full path lists the problems
            for relpath, published in rows.items():
                if published is None:
                    index.carry(relpath)
                else:
                    index.record_rows(relpath, published)
        return index

    def _splice(
        self,
        staging: Staging,
        confined: Confined,
        pool: FragmentPool,
        relpath: str,
        kind: str,
        head: bytes,
        tail: bytes,
        parts: list[tuple[str, bytes | None]],
    ) -> None:
        """Write relpath anew: head, each part (None: the item's fragment in the old file),
        tail; and record where each item lies. Items kept between two new ones mostly lie in
        the old file as they follow each other here: each such stretch is found, copied and
        placed as a whole (lists compared and shifted, not 10 000 items looked up one by one)."""
        old = pool.spans(relpath)
        if old is None:
            raise _Fallback
        staged = staging.open(confined.path(relpath))
        splice = _Splice(pool, relpath, kind, old, staged.handle, head)
        keys = [key for key, _ in parts]
        kept_from = 0
        for n, data in [(n, data) for n, (_, data) in enumerate(parts) if data is not None]:
            if kept_from < n:
                splice.kept(keys[kept_from:n])
            splice.new(keys[n], data)
            kept_from = n + 1
        if kept_from < len(parts):
            splice.kept(keys[kept_from:])
        splice.out.write(tail)
        staging.finish(staged)
        pool.record_columns(relpath, splice.keys, splice.starts, splice.ends)

    def _summary(self, plan: _Plan) -> Summary:
        # Drafts and scheduled episodes are among those not due: only their dates are read.
        dates = [
            (n, plan.states[n][0], datetime.fromisoformat(plan.states[n][1]))
            for n in self.names
            if n not in plan.due_names
        ]
        return summarize(dates, self.now, len(plan.feeds), len(plan.slots[0]))[1]

    def _save_record(self, plan: _Plan, later: LaterRecords) -> None:
        episodes = {}
        for name in self.names:
            episode = plan.episodes.get(name)
            if episode is None:
                episodes[name] = plan.record["episodes"][name]  # as it was read
            else:
                notes = plan.notes.get(episode.id)
                episodes[name] = [
                    episode.id,
                    plan.links[episode.id],
                    episode.guid,
                    episode.video.video_id if episode.video else None,
                    notes.key if notes else "",
                ]
        items = {}
        for s in plan.slots[0]:
            if s.item is None:
                items[s.episode_id] = plan.olds[s.episode_id].row
            else:
                items[s.episode_id] = item_row(s.item, as_published(s.item))
        feeds = [
            feed_row(f, [s.episode_id for s in slots], [s.key for s in slots])
            for f, slots in zip(plan.feeds, plan.slots, strict=True)
        ]
        save(self.root, self.inputs.read_at, episodes, items, feeds, later)


def _after(
    files: dict[str, tuple[int, int]],
    feeds_dir: Path,
    staged: dict[str, tuple[int, int]],
    gone: list[Path],
) -> dict[str, tuple[int, int]]:
    """feeds/ after the commit, from what it was and what this build changes (`staged`, by
    path relative to feeds/): walking 22 000 files again cost a sixth of a second."""
    now = dict(files)
    for path in gone:
        now.pop(path.relative_to(feeds_dir).as_posix(), None)
    now.update(staged)
    return now


def _remove(gone: list[Path]) -> list[Path]:
    """Delete the files the last build wrote that this one does not (a removed episode's
    transcript and chapters): nothing else is in castpub's folders, as feeds/ matched the
    record, so they need not be walked."""
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


class _Splice:
    """A feed file being written from its old self (FragmentPool spans) and new items."""

    def __init__(
        self, pool: FragmentPool, relpath: str, kind: str, old: Spans, out: ByteSink, head: bytes
    ) -> None:
        self.pool = pool
        self.relpath = relpath
        self.kind = kind
        self.old = old
        self.old_keys = old.keys.split(" ") if old.keys else []
        self.out = out
        out.write(head)
        self.offset = len(head)
        self.keys: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self._next = 0  # where in the old file the next kept item is looked for first
        self._position: dict[str, int] | None = None

    def new(self, key: str, data: bytes) -> None:
        self.out.write(data)
        self._place([key], [self.offset], [self.offset + len(data)])

    def kept(self, keys: list[str]) -> None:
        """Copy the old fragments of these items, in this order: each stretch of them that lies
        in the old file in the same order, end to end, as one run."""
        old = self.old
        at = 0
        while at < len(keys):
            first = self._index(keys[at])
            alike = _alike(self.old_keys, first, keys, at, len(keys) - at)
            length = 1 + _alike(old.starts, first + 1, old.ends, first, alike - 1)
            last = first + length
            self._copy(keys[at : at + length], old.starts[first:last], old.ends[first:last])
            self._next = last
            at += length

    def _copy(self, keys: list[str], starts: list[int], ends: list[int]) -> None:
        if not self.pool.copy(self.relpath, self.kind, starts, ends, self.out):
            raise _Fallback
        shift = self.offset - starts[0]
        self._place(keys, [start + shift for start in starts], [end + shift for end in ends])

    def _place(self, keys: list[str], starts: list[int], ends: list[int]) -> None:
        self.keys += keys
        self.starts += starts
        self.ends += ends
        self.offset = ends[-1]

    def _index(self, key: str) -> int:
        """Where item `key` is in the old file."""
        if self._next < len(self.old_keys) and self.old_keys[self._next] == key:
            return self._next
        if self._position is None:
            self._position = {k: n for n, k in enumerate(self.old_keys)}
        index = self._position.get(key)
        if index is None:
            raise _Fallback  # not in the old file: the record was wrong
        return index


def _alike(a: list[Any], i: int, b: list[Any], j: int, most: int) -> int:
    """How many items from a[i] and from b[j] on are equal, pair by pair (at most `most`):
    slices compared in C, twice as long after each that is equal, half as long after one
    that is not. A stretch of n items costs about 2n comparisons."""
    most = max(0, min(most, len(a) - i, len(b) - j))
    equal, size = 0, 1
    while equal < most:
        size = min(size, most - equal)
        if a[i + equal : i + equal + size] == b[j + equal : j + equal + size]:
            equal += size
            size *= 2
        elif size == 1:
            break
        else:
            size //= 2
    return equal
