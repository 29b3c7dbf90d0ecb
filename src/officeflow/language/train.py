"""``python -m officeflow.language.train NAME --seed N``: train a built-in language model.

Writes the artifact into the package (``data/models/NAME.skops``, or ``--out``) and the evaluation
report (``docs/reports/NAME.md``, or ``--report``), and prints the headline figures.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.training import CLASSIFIER_TOKENS, SPECS, artifact_path, save, train


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m officeflow.language.train", description=__doc__)
    parser.add_argument("name", choices=sorted(SPECS), help="the built-in model to train")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator, the split and the heads")
    parser.add_argument("--count", type=int, default=None, help="generated items (default: the model's own)")
    parser.add_argument("--out", type=Path, default=None, help="artifact path (default: inside the package)")
    parser.add_argument("--report", type=Path, default=None, help="report path (default: docs/reports/NAME.md)")
    args = parser.parse_args(argv)
    command = "python -m officeflow.language.train " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    embedder = SentenceEmbedder(max_tokens=CLASSIFIER_TOKENS)
    trained = train(SPECS[args.name], args.seed, embedder=embedder, command=command, count=args.count)
    save(trained, args.out or artifact_path(args.name), args.report or Path("docs/reports") / f"{args.name}.md")
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
