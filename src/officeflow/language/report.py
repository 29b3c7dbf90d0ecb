"""The evaluation report of a trained language model, as Markdown (``docs/reports/<name>.md``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from officeflow.language.evaluation import Evaluation


@dataclass(frozen=True, kw_only=True)
class HeldOutResult:
    """A hand-written set's figures: per field, a blended field's parts, the items it got wrong."""

    title: str
    about: str
    chooses: bool
    figures: Mapping[str, Evaluation]
    blend_parts: Mapping[str, Mapping[str, float]]
    misses: Sequence[str]
    use: str = ""
    """How the set was used, in place of the default sentence."""


@dataclass(frozen=True, kw_only=True)
class ReportInput:
    name: str
    title: str
    command: str
    date: str
    data: Sequence[str]
    method: Sequence[str]
    generated: Mapping[str, Evaluation]
    held_out: Sequence[HeldOutResult]
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
    lines += ["", "## Summary", ""]
    lines += [
        "| head | generated test split | " + " | ".join(h.title for h in report.held_out) + " |",
        "|---" * (len(report.held_out) + 2) + "|",
    ]
    for head, ev in report.generated.items():
        cells = [
            f"{_pct(h.figures[head].accuracy)} ({h.figures[head].rows})" if head in h.figures else "-"
            for h in report.held_out
        ]
        lines.append(f"| {head} | {_pct(ev.accuracy)} ({ev.rows}) | " + " | ".join(cells) + " |")
    parts = [(h, field, p) for h in report.held_out for field, p in h.blend_parts.items()]
    if parts:
        names = list(parts[0][2])
        lines += ["", "Blended fields, accuracy of each part alone:", ""]
        lines += ["| set | field | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
        lines += [f"| {h.title} | {field} | " + " | ".join(_pct(p[n]) for n in names) + " |" for h, field, p in parts]
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
        "it shows what the heads learned from the generator, not how they read real people's text.",
        "",
    ]
    for head, ev in report.generated.items():
        lines += _evaluation(head, ev)
    for held in report.held_out:
        use = held.use or (
            "Never trained on; compared to choose settings, so its figures are optimistic."
            if held.chooses
            else "Never used for training or for choosing anything."
        )
        lines += [f"## {held.title}", "", f"{held.about} {use}", ""]
        for head, ev in held.figures.items():
            lines += _evaluation(head, ev)
        if held.misses:
            lines += [
                f"### {held.title}: items it got wrong (first 25 of {len(held.misses)})",
                "",
                "| text | truth | predicted |",
                "|---|---|---|",
            ]
            lines += [*held.misses[:25], ""]
    return "\n".join(lines).rstrip() + "\n"
