"""``python -m officeflow.language.train NAME --seed N``: train a built-in language model.

Writes the artifact folder into the package (``data/models/NAME/``: ``model.json`` with the
metadata the model registry reads, and ``classifier.skops``; or ``--out DIR``) and the evaluation
report (``docs/reports/NAME.md``, or ``--report``), and prints the headline figures.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from officeflow.language.builtin import save_artifact
from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.training import CLASSIFIER_TOKENS, SPECS, train


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m officeflow.language.train", description=__doc__)
    parser.add_argument("name", choices=sorted(SPECS), help="the built-in model to train")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator, the split and the heads")
    parser.add_argument("--count", type=int, default=None, help="generated items (default: the model's own)")
    parser.add_argument("--out", type=Path, default=None, help="artifact folder (default: inside the package)")
    parser.add_argument("--report", type=Path, default=None, help="report path (default: docs/reports/NAME.md)")
    args = parser.parse_args(argv)
    command = "python -m officeflow.language.train " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    embedder = SentenceEmbedder(max_tokens=CLASSIFIER_TOKENS)
    trained = train(SPECS[args.name], args.seed, embedder=embedder, command=command, count=args.count)
    report = args.report or Path("docs/reports") / f"{args.name}.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(trained.report, encoding="utf-8")
    save_artifact(trained, SPECS[args.name], args.seed, args.out)
    for field, ev in trained.generated.items():
        held = ", ".join(
            f"{h.title.lower()} {h.figures[field].accuracy:.3f} ({h.figures[field].rows})"
            for h in trained.held_out
            if field in h.figures
        )
        print(f"{args.name} {field}: generated test {ev.accuracy:.3f} ({ev.rows})" + (f", {held}" if held else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
