"""``python -m officeflow.language.predict NAME --input JSON | --input-file FILE.jsonl``.

Prints one JSON object per item, one per line, in input order: ``--input`` takes one JSON
object; ``--input-file`` takes JSON lines (blank lines skipped) and predicts them in batches.
Every line is parsed and every item checked before anything is printed, so bad input prints
a precise error (line, field, what was expected) on stderr, exits with status 2, and prints
no partial results.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from officeflow.errors import OfficeflowError, Problem
from officeflow.language.catalog import BUILT_IN, LanguageModels
from officeflow.language.errors import TextInputInvalid

BATCH = 64


def read_jsonl(path: Path) -> list[tuple[int, Any]]:
    """(line number, value) for each non-blank line; ``TextInputInvalid`` naming every bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TextInputInvalid([Problem(message=f"cannot read the file: {exc}", file=str(path))]) from None
    values: list[tuple[int, Any]] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            values.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(
                    message=f"not JSON: {exc.msg}",
                    file=str(path),
                    line=number,
                    column=exc.colno,
                    expected="one JSON object per line",
                )
            )
    if problems:
        raise TextInputInvalid(problems)
    return values


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run(
    name: str,
    items: Sequence[Any],
    out: Any,
    models: LanguageModels,
    source: Path | None = None,
    lines: Sequence[int] = (),
) -> None:
    model = models.get(name)
    try:
        model.texts(items)
    except TextInputInvalid as exc:
        if source is None:
            raise
        raise TextInputInvalid([_at_line(p, source, lines) for p in exc.problems]) from None
    for batch in _batches(items, BATCH):
        for result in model.predict_batch(batch):
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()


def _at_line(problem: Problem, source: Path, lines: Sequence[int]) -> Problem:
    """A problem at ``/i/field`` of the i-th item, told as the file's line."""
    index, _, field = (problem.pointer or "/").lstrip("/").partition("/")
    line = lines[int(index)] if index.isdigit() else None
    message = f"{field}: {problem.message}" if field else problem.message
    return Problem(message=message, file=str(source), line=line, expected=problem.expected)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m officeflow.language.predict", description=__doc__)
    parser.add_argument("name", help=f"a built-in model ({', '.join(BUILT_IN)}) or the path of a .skops head")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--input", help="one item as a JSON object")
    group.add_argument("--input-file", type=Path, help="a file of JSON lines, one item per line")
    args = parser.parse_args(argv)
    models = LanguageModels()
    try:
        if args.input is not None:
            try:
                item = json.loads(args.input)
            except json.JSONDecodeError as exc:
                raise TextInputInvalid(
                    [Problem(message=f"--input is not JSON: {exc.msg}", column=exc.colno, expected="a JSON object")]
                ) from None
            run(args.name, [item], sys.stdout, models)
        else:
            numbered = read_jsonl(args.input_file)
            run(args.name, [v for _, v in numbered], sys.stdout, models, args.input_file, [n for n, _ in numbered])
    except OfficeflowError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
