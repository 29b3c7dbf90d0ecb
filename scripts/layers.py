"""The layers of a checkout in figures: the import checker's findings and the test-to-source ratio.

    python scripts/layers.py              # this checkout
    python scripts/layers.py /tmp/before  # another one (a git worktree of an older commit)

Runs the checker of ``tests/unit/test_imports.py`` (every import, at the top, inside functions
and under ``TYPE_CHECKING``) over ``ROOT/src/officeflow`` and prints the cycles between packages,
the imports that go against the layers, and the lines of Python under ``ROOT/tests`` and
``ROOT/src/officeflow`` (folders named ``data`` left out) with their ratio. The last line is one
JSON object with the counts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

from tests.unit.test_imports import cycles, forbidden, imports  # noqa: E402


def python_lines(folder: Path) -> int:
    """Lines of the ``.py`` files under ``folder``, outside folders named ``data``."""
    total = 0
    for path in folder.rglob("*.py"):
        if "data" in path.relative_to(folder).parts[:-1]:
            continue
        total += len(path.read_bytes().splitlines())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", nargs="?", type=Path, default=HERE, help="the checkout (default: this one)")
    args = parser.parse_args()
    source = args.root.resolve() / "src" / "officeflow"
    found = list(imports(source))
    groups = cycles(found)
    for group in groups:
        print(f"cycle: {' <-> '.join(group)}")
        for item in found:
            if item.source in group and item.target in group:
                print(f"  {item}")
    broken = [(why, item) for item in found if (why := forbidden(item)) is not None]
    for why, item in broken:
        print(f"forbidden: {item}: {why}")
    tests = python_lines(args.root.resolve() / "tests")
    src = python_lines(source)
    ratio = tests / src if src else 0.0
    print(f"lines: tests {tests:,}, src/officeflow {src:,}, ratio {ratio:.2f}")
    packages = sorted({p for g in groups for p in g})
    print(
        json.dumps(
            {
                "cycles": len(groups),
                "packages_in_cycles": packages,
                "forbidden_imports": len(broken),
                "test_lines": tests,
                "source_lines": src,
                "test_to_source": round(ratio, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
