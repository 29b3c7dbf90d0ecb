"""Writing a built-in model's evaluation report (``docs/models/<name>.md``) and committing its artifact.

Each model's ``evaluate`` module trains with seed 0, writes the artifact into the package and
calls ``write_report`` with its own sections; the page states the data, the method, the seed,
the date and the command that regenerates it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from officeflow.models.builtin.common import TrainResult
from officeflow.models.builtin.registry import builtin

DOCS = Path(__file__).resolve().parents[4] / "docs" / "models"


def commit_artifact(result: TrainResult) -> Path:
    """Replace the built-in's committed artifact with ``result``'s."""
    target = builtin(result.name).artifact_dir
    if target.exists():
        shutil.rmtree(target)
    result.artifact.write(target)
    return target


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(result: TrainResult, title: str, sections: Mapping[str, str], module: str) -> Path:
    """Write ``docs/models/<name>.md``: the sections, then how it was made and how to make it again."""
    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / f"{result.name}.md"
    size = sum(len(b) for b in result.artifact.files.values()) + len(result.artifact.manifest())
    parts = [f"# {title}", ""]
    for heading, body in sections.items():
        parts += [f"## {heading}", "", body.strip(), ""]
    parts += [
        "## How this report was made",
        "",
        f"- Seed: {result.seed}. Date: {dt.date.today().isoformat()}.",
        f"- Artifact: `src/officeflow/models/builtin/{result.name.replace('-', '_')}/artifact/` "
        f"({size / 1024:.0f} KiB), digest `{result.artifact.digest()[:23]}…`.",
        f"- Training data digest: `{result.artifact.metadata.training_data_digest[:23]}…`.",
        f"- Regenerate (artifact and this page): `.venv/bin/python -m {module}`.",
        f"- Metrics only, for any seed: `.venv/bin/python -m {module.rsplit('.', 1)[0]}.train --seed N --json`.",
        "",
    ]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
