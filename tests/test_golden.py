"""Golden output: the seed show's whole feeds/ folder, compared file by file.

After an intended change to the output, `make golden` regenerates tests/golden/ (review the diff).
"""

import os
import shutil
from pathlib import Path

from conftest import PROJECTS, run_castpub

GOLDEN = Path(__file__).parent / "golden"
NOW = "2026-01-01T00:00:00+00:00"


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_seed_show_matches_golden_feeds(tmp_path: Path) -> None:
    root = tmp_path / "seed"
    shutil.copytree(PROJECTS / "seed", root)
    result = run_castpub(root, "build", "--now", NOW)
    assert result.exit_code == 0, result.output
    expected = GOLDEN / "seed"
    if os.environ.get("CASTPUB_REGENERATE_GOLDEN") == "1":
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(root / "feeds", expected)
    assert files(root / "feeds") == files(expected)
