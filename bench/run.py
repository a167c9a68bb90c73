"""castpub's benchmark: build a synthetic show cold, unchanged, after adding and after editing one
episode, and the same corpus with Hugo in the same run; print wall time, CPU time, peak memory,
where castpub's time goes, and the castpub/Hugo ratios. `make bench` runs it.

Each build is a child process, measured with os.wait4 and a sampler of /proc that sums the
resident memory of the child's whole process tree and adds its descendants' CPU time (workers
included), so neither is under-counted when castpub renders in several processes.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import generate  # a sibling script, not a package

HERE = Path(__file__).parent
TIMING = re.compile(r"^time: (.*)$", re.M)


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    stages: dict[str, float] = field(default_factory=dict)
    rewritten: int = 0


TICK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int, cpu: dict[int, float]) -> int:
    """Resident memory of pid and all its descendants, from /proc; records the CPU seconds each
    of them (pid too) has used so far itself, without the children it waited for, in `cpu`."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            # utime and stime: the 14th and 15th fields, the 12th and 13th after "(comm)".
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[current] = (int(fields[11]) + int(fields[12])) / TICK
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, AttributeError, ValueError, IndexError):
            continue
    return total


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[Run, str]:
    """Wall time, CPU time and peak memory of cmd's whole process tree. CPU is that of each
    process of the tree as last seen in /proc (every 10 ms), or what os.wait4 says if more:
    wait4 counts the child and the descendants it waited for (workers forked by castpub), not
    those it did not (workers of a fork server), and /proc misses a process's last moments."""
    start = time.perf_counter()
    child = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = [0]
    descendants: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree(child.pid, descendants))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{output}")
    peak_kib = max(peak[0], usage.ru_maxrss)
    cpu = max(usage.ru_utime + usage.ru_stime, sum(descendants.values()))
    return Run(wall, cpu, peak_kib / 1024), output


def stages(output: str) -> dict[str, float]:
    m = TIMING.search(output)
    if not m:
        return {}
    return {k: float(v.rstrip("s")) for k, v in (p.split() for p in m.group(1).split(", "))}


def mtimes(directory: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in directory.rglob("*") if p.is_file()}


def castpub_build(root: Path) -> Run:
    cmd = [sys.executable, "-m", "castpub", "-C", str(root), "-v", "build", "--now", generate.NOW]
    before = mtimes(root / "feeds") if (root / "feeds").is_dir() else {}
    run, output = measure(cmd)
    after = mtimes(root / "feeds")
    run.stages = stages(output)
    run.rewritten = sum(1 for p, t in after.items() if before.get(p) != t)
    return run


class Trash:
    """Folders the bench is done with, moved aside and deleted only after the last timed build.

    This machine's file system (ext4 without a journal) does not reuse a deleted inode for a
    minute, six when its block is still dirty, and every file created meanwhile scans past each
    such inode of its block group (perf: find_inode_bit and recently_deleted). Deleting the last
    build's 12 000 files right before a cold build made each of its creates cost up to ten times
    more: a cost of the bench's own deleting, which a first build on a fresh checkout never pays.

    The same holds across runs: emptying the trash deletes some 80 000 files, and a run started
    within minutes of another's end pays for them (a cold build right after 48 000 files were
    deleted beside the show spent 4.2 s of its workers' time in the kernel, against 1.3 to 2 s).
    So the trash is emptied and synced (its inodes then count as deleted for one minute, not
    six), the time noted, and the next run waits out that minute before it builds anything.
    """

    SETTLE_SECONDS = 65.0

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.emptied_at = folder.with_name(folder.name + "-emptied-at")

    def settle(self) -> None:
        """Wait until the last run's deletions no longer slow down making files."""
        try:
            since = time.time() - float(self.emptied_at.read_text())
        except (OSError, ValueError):
            return
        if 0 <= since < self.SETTLE_SECONDS:
            wait = self.SETTLE_SECONDS - since
            print(f"waiting {wait:.0f} s for the last run's deletions to settle", file=sys.stderr)
            time.sleep(wait)

    def put(self, path: Path) -> None:
        if path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            # Unique across runs: an interrupted run's trash may still hold the same names.
            path.rename(self.folder / f"{time.time_ns()}-{path.name}")

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        os.sync()
        self.emptied_at.write_text(f"{time.time()}\n")


def scenarios(
    root: Path, count: int, repeat: int, hugo_root: Path | None, trash: Trash
) -> tuple[dict[str, list[Run]], list[Run]]:
    """castpub's four builds, and Hugo's (when hugo_root is given), in rounds: each round runs
    Hugo once and then castpub's cold build, no-change, add-one and edit-one rebuilds, so that
    both see the machine as it is at that moment (wall times here drift by a fifth and more over
    a run). The episode a round adds is removed at its end: every cold build has `count`."""
    runs: dict[str, list[Run]] = {"cold": [], "no change": [], "add one": [], "edit one": []}
    hugo = []
    for i in range(repeat):
        if hugo_root is not None:
            hugo.append(hugo_run(hugo_root, trash))
        trash.put(root / "feeds")
        trash.put(root / ".castpub-cache")
        runs["cold"].append(castpub_build(root))
        runs["no change"].append(castpub_build(root))
        added = generate.write_episode(root, count + i)
        runs["add one"].append(castpub_build(root))
        generate.write_episode(root, (i * 37 + 11) % count, edit=i + 1)
        runs["edit one"].append(castpub_build(root))
        added.unlink()
    return runs, hugo


def hugo_site(root: Path, episodes: Path, trash: Trash) -> None:
    trash.put(root)
    shutil.copytree(HERE / "hugo", root)
    shutil.copytree(episodes, root / "content" / "posts")


def hugo_run(root: Path, trash: Trash) -> Run:
    trash.put(root / "public")
    run, _ = measure(["hugo", "--quiet", "-s", str(root)])
    return run


def median(runs: list[Run], attr: str) -> float:
    return float(statistics.median(getattr(r, attr) for r in runs))


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":")[1].strip()
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    libs = ", ".join(f"{n} {version(n)}" for n in ("cmarkgfm", "nh3", "feedgen", "lxml", "PyYAML"))
    return {
        "cores (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU": cpu,
        "memory": mem,
        "load average at start": " ".join(os.getloadavg().__repr__().strip("()").split(", ")),
        "Python": platform.python_version(),
        "castpub": f"{version('castpub')} (commit {commit})",
        "libraries": libs,
        "Hugo": hugo or "not installed",
    }


def report(results: dict[int, dict[str, list[Run]]], hugo: dict[int, list[Run]]) -> str:
    lines = [
        "| episodes | build | wall s | CPU s | peak MiB | files rewritten | castpub/Hugo wall | castpub/Hugo CPU | where the time goes (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for count, runs in results.items():
        h = hugo.get(count)
        if h:
            lines.append(
                f"| {count} | Hugo (one RSS) | {median(h, 'wall'):.2f} | {median(h, 'cpu'):.2f} "
                f"| {median(h, 'peak_mib'):.0f} | | | | |"
            )
        for name, rs in runs.items():
            wall, cpu = median(rs, "wall"), median(rs, "cpu")
            ratio_wall = f"{wall / median(h, 'wall'):.2f}" if h else "-"
            ratio_cpu = f"{cpu / median(h, 'cpu'):.2f}" if h else "-"
            middle = sorted(rs, key=lambda r: r.wall)[len(rs) // 2]
            where = ", ".join(f"{k} {v:.2f}" for k, v in middle.stages.items())
            lines.append(
                f"| {count} | castpub {name} | {wall:.2f} | {cpu:.2f} | "
                f"{median(rs, 'peak_mib'):.0f} | {middle.rewritten} | {ratio_wall} | {ratio_cpu} | {where} |"
            )
    counts = sorted(results)
    if len(counts) >= 2:
        small, large = counts[0], counts[-1]
        grow = median(results[large]["cold"], "wall") / median(results[small]["cold"], "wall")
        grow_cpu = median(results[large]["cold"], "cpu") / median(results[small]["cold"], "cpu")
        lines.append("")
        lines.append(
            f"Cold build, {large} vs {small} episodes: {grow:.1f} x the wall time, "
            f"{grow_cpu:.1f} x the CPU time (target: at most {large / small * 1.1:.0f} x)."
        )
    for count in counts:
        h = hugo.get(count)
        if h:
            share = median(results[count]["cold"], "peak_mib") / median(h, "peak_mib")
            lines.append(
                f"Peak memory of the cold build at {count}: {share:.2f} x Hugo's (target 0.25)."
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per build; medians are shown")
    parser.add_argument("--work", type=Path, default=Path("/tmp/castpub-bench"))
    parser.add_argument("--save", type=Path, help="also write the report (Markdown) here")
    args = parser.parse_args()
    info = machine()
    # castpub as an installed copy runs: pip compiles a package's modules when it installs it,
    # while an editable install under PYTHONDONTWRITEBYTECODE would compile them on every run.
    spec = importlib.util.find_spec("castpub")
    if spec and spec.origin:
        compileall.compile_dir(Path(spec.origin).parent, quiet=1)
    results: dict[int, dict[str, list[Run]]] = {}
    hugo: dict[int, list[Run]] = {}
    # A trash left by an interrupted run is emptied with this one's, after its last timed build.
    trash = Trash(args.work / "trash")
    trash.settle()
    for count in args.episodes:
        root = args.work / f"show-{count}"
        trash.put(root)
        generate.generate(root, count)
        hugo_root = None
        if shutil.which("hugo"):
            hugo_root = args.work / f"hugo-{count}"
            hugo_site(hugo_root, root / "episodes", trash)
        results[count], runs = scenarios(root, count, args.repeat, hugo_root, trash)
        if runs:
            hugo[count] = runs
        print(f"{count} episodes done", file=sys.stderr)
    trash.empty()
    text = "\n".join(f"- {k}: {v}" for k, v in info.items())
    text += f"\n- medians of {args.repeat} runs\n\n" + report(results, hugo) + "\n"
    print(text)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(text, encoding="utf-8")
        raw = {
            str(c): {k: [vars(r) for r in rs] for k, rs in runs.items()}
            for c, runs in results.items()
        }
        raw["hugo"] = {str(c): [vars(r) for r in rs] for c, rs in hugo.items()}  # type: ignore[dict-item]
        args.save.with_suffix(".json").write_text(json.dumps(raw, indent=1) + "\n")


if __name__ == "__main__":
    main()
