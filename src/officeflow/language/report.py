"""The evaluation report of a trained language model, as Markdown (``docs/reports/<name>.md``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from officeflow.language.evaluation import Evaluation


@dataclass(frozen=True, kw_only=True)
class ReportInput:
    name: str
    title: str
    command: str
    date: str
    data: Sequence[str]
    method: Sequence[str]
    generated: Mapping[str, Evaluation]
    holdout: Mapping[str, Evaluation]
    holdout_misses: Sequence[str]
    timings: Mapping[str, float]
    notes: Sequence[str] = ()


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _evaluation(title: str, ev: Evaluation) -> list[str]:
    lines = [
        f"#### {title}",
        "",
        f"{ev.rows} items: accuracy **{_pct(ev.accuracy)}**, macro F1 {ev.macro_f1:.3f}, "
        f"expected calibration error {ev.ece:.3f}.",
        "",
    ]
    if ev.coverage:
        c = ev.coverage
        lines += [
            f"Conformal sets at alpha = {c.alpha}: coverage {_pct(c.coverage)}, mean size {c.mean_size:.2f}, "
            f"one label in {_pct(c.single_share)} of items (right in {_pct(c.single_accuracy)} of those).",
            "",
        ]
    lines += ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    lines += [f"| {c.label} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} | {c.support} |" for c in ev.classes]
    lines += ["", "Confusion matrix (rows: true label, columns: predicted):", ""]
    lines += ["| true \\ predicted | " + " | ".join(ev.labels) + " |", "|---" * (len(ev.labels) + 1) + "|"]
    lines += [
        f"| {label} | " + " | ".join(str(v) for v in row) + " |"
        for label, row in zip(ev.labels, ev.confusion, strict=True)
    ]
    lines += [
        "",
        "Reliability (items binned by their top confidence):",
        "",
        "| confidence | items | mean confidence | accuracy |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {b.low:.1f}-{b.high:.1f} | {b.count} | {b.confidence:.3f} | {b.accuracy:.3f} |" for b in ev.reliability
    ]
    return [*lines, ""]


def render(report: ReportInput) -> str:
    lines = [
        f"# {report.title}",
        "",
        f"Trained {report.date} with:",
        "",
        "```sh",
        report.command,
        "```",
        "",
        "## Data",
        "",
    ]
    lines += [f"- {line}" for line in report.data]
    lines += ["", "## Method", ""]
    lines += [f"- {line}" for line in report.method]
    lines += ["", "## Summary", "", "| head | generated test split | hand-written holdout |", "|---|---|---|"]
    for head, ev in report.generated.items():
        hold = report.holdout.get(head)
        lines.append(
            f"| {head} | {_pct(ev.accuracy)} ({ev.rows}) | {_pct(hold.accuracy) + f' ({hold.rows})' if hold else '-'} |"
        )
    lines += [
        "",
        "Timings on this machine (2 cores, shared): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
        + ".",
        "",
    ]
    if report.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in report.notes), ""]
    lines += [
        "## Generated test split",
        "",
        "Drawn by the same generator as the training data (same seed, disjoint items): "
        "it shows what the head learned from the generator, not how it reads real tickets.",
        "",
    ]
    for head, ev in report.generated.items():
        lines += _evaluation(head, ev)
    lines += [
        "## Hand-written holdout",
        "",
        "Written by hand, not by the generator, before the generator existed; never used "
        "for training or tuning. The nearest thing here to the texts real people write.",
        "",
    ]
    for head, ev in report.holdout.items():
        lines += _evaluation(head, ev)
    if report.holdout_misses:
        lines += ["### Holdout items it got wrong (first 25)", "", "| text | truth | predicted |", "|---|---|---|"]
        lines += list(report.holdout_misses[:25])
    return "\n".join(lines).rstrip() + "\n"
