"""Size of the built app and its largest parts.

    python packaging/size_report.py [dist/desktop-rag] [-n 20]

Prints the total, then the N largest files and the N largest folders (sizes include
everything below). Symbolic links are not followed or counted twice.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "dist" / "desktop-rag"


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError


def scan(root: Path) -> tuple[list[tuple[int, Path]], dict[Path, int]]:
    """(size, path) of every regular file, and the total size of every folder below root."""
    files: list[tuple[int, Path]] = []
    folders: dict[Path, int] = defaultdict(int)
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            size = path.stat().st_size
            files.append((size, path))
            parent = path.parent
            while True:
                folders[parent] += size
                if parent == root:
                    break
                parent = parent.parent
    return files, folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", nargs="?", type=Path, default=DEFAULT_DIST)
    parser.add_argument("-n", type=int, default=20, help="how many files and folders to list")
    args = parser.parse_args(argv)
    root = args.dist.resolve()
    if not root.is_dir():
        print(f"no build at {root}; run `make package` first", file=sys.stderr)
        return 1
    files, folders = scan(root)
    total = folders.get(root, 0)
    print(f"{root}: {human(total)} in {len(files)} files")

    print(f"\nlargest {args.n} files:")
    for size, path in sorted(files, key=lambda t: t[0], reverse=True)[: args.n]:
        print(f"  {human(size):>9}  {size / total:6.1%}  {path.relative_to(root)}")

    print(f"\nlargest {args.n} folders (everything below included):")
    ranked = sorted(((s, p) for p, s in folders.items() if p != root), key=lambda t: t[0], reverse=True)
    for size, path in ranked[: args.n]:
        print(f"  {human(size):>9}  {size / total:6.1%}  {path.relative_to(root)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
