"""`briefing verify`: re-validate a deposited BagIt bag and name every missing, extra or damaged file."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import bagit

from ..boundary import open_inside
from ..errors import PipelineError, SourceError


@dataclass(frozen=True)
class VerifyReport:
    """What re-validating a bag found: each problem as (file inside the bag, what is wrong)."""

    path: Path
    checked: int
    problems: tuple[tuple[str, str], ...]

    @property
    def ok(self) -> bool:
        """True when every file is present, expected and unchanged."""
        return not self.problems

    def summary(self) -> str:
        """One line: `Bag DIR is valid (12 files checked)` or `Bag DIR is damaged: 2 problem(s) in 12 files`."""
        if self.ok:
            return f"Bag {self.path} is valid ({self.checked} files checked)"
        return f"Bag {self.path} is damaged: {len(self.problems)} problem(s) in {self.checked} files"


def _hashes(path: Path, bag_dir: Path, algorithms: list[str]) -> dict[str, str]:
    """The file's digests by algorithm, read only when it is a regular file inside the bag."""
    digests = {alg: hashlib.new(alg) for alg in algorithms}
    with open_inside(path, bag_dir) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            for digest in digests.values():
                digest.update(block)
    return {alg: d.hexdigest() for alg, d in digests.items()}


def verify_bag(path: Path) -> VerifyReport:
    """Check a bag's completeness and every checksum of its manifests; PipelineError when it is no bag at all.

    bagit's own `validate` stops at the first kind of failure (a missing file fails its byte count
    before any checksum is compared); here every file is looked at, so the report names each one.
    """
    path = Path(path)
    logging.getLogger("bagit").setLevel(logging.ERROR)  # its per-file warnings would repeat ours
    if not (path / "bagit.txt").is_file():
        raise PipelineError(f"{path}: not a BagIt bag (no bagit.txt)")
    try:
        bag = bagit.Bag(str(path))
    except (bagit.BagError, OSError, UnicodeError, ValueError) as exc:  # e.g. a manifest path leading out
        return VerifyReport(path, 0, (("(bag)", " ".join(str(exc).split())[:300]),))
    bag_dir = Path(bag.path)
    problems: list[tuple[str, str]] = []
    missing, unexpected = bag.compare_manifests_with_fs()
    problems += [(name, "missing (listed in the manifest, not in the bag)") for name in sorted(missing)]
    problems += [(name, "not in the manifest (a file nobody listed)") for name in sorted(unexpected)]
    checked = 0
    for name, expected in sorted(bag.entries.items()):
        if name in missing:
            continue
        checked += 1
        wanted = [alg for alg in expected if alg in hashlib.algorithms_available]
        try:
            found = _hashes(bag_dir / name, bag_dir, wanted)
        except SourceError as exc:
            problems.append((name, exc.reason))
            continue
        bad = [alg for alg in wanted if found[alg] != expected[alg].lower()]
        if bad:
            problems.append((name, f"damaged: its {bad[0]} checksum differs from the manifest"))
    try:
        bag.validate(processes=1, completeness_only=bool(problems))
    except bagit.BagError as exc:  # structure, bagit.txt, Payload-Oxum: what the file list cannot show
        if not problems:
            problems.append(("(bag)", " ".join(str(exc).split())[:300]))
    return VerifyReport(bag_dir, checked, tuple(problems))
