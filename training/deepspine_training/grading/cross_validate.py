"""Patient-level k-fold cross-validation of the grading network.

    python -m deepspine_training.grading.cross_validate --manifest CROPS/manifest.csv --out CV [--config FILE] [--set KEY=VALUE ...]

Trains one model per fold (studies never straddle folds) and pools the out-of-fold predictions in
CV/oof_predictions.csv. CV/cv_metrics.json and CV/cv_metrics.md then give the AUC of every binary
head with labels and of "any Modic change", and for the multi-class heads the accuracy and the
quadratic weighted kappa (of the most probable class, and for ordered grades also of the rounded
expected grade). Each metric has a 95 % confidence interval from a bootstrap over studies
(patients). A fold whose folder already contains summary.json is not retrained, so an interrupted
run continues.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import sys
from pathlib import Path

import numpy as np

from .config import TrainConfig, resolve_config
from .heads import HEADS
from .metrics import auc, bootstrap_ci, quadratic_weighted_kappa
from .train import train

logger = logging.getLogger("deepspine_training.grading.cross_validate")


def read_predictions(paths: list[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def evaluate_predictions(rows: list[dict[str, str]], iterations: int = 2000, seed: int = 0) -> dict[str, dict]:
    """Metrics with bootstrap CIs over studies for every head that has labels in `rows`."""
    results: dict[str, dict] = {}
    for head in HEADS:
        labelled = [r for r in rows if r.get(f"{head.name}.label", "") != ""]
        if not labelled:
            continue
        groups = np.array([r["study_id"] for r in labelled])
        values = np.array([int(r[f"{head.name}.label"]) for r in labelled])
        if head.kind == "binary":
            scores = np.array([float(r[f"{head.name}.p"]) for r in labelled])
            if len(np.unique(values)) < 2:
                continue
            estimate, low, high = bootstrap_ci(groups, lambda rows_: auc(values[rows_], scores[rows_]), iterations, seed)
            results[f"{head.name}.auc"] = {"value": estimate, "ci95": [low, high], "n": len(labelled), "positives": int(values.sum()), "studies": len(set(groups))}
            continue
        probabilities = np.array([[float(r[f"{head.name}.p{name}"]) for name in head.classes] for r in labelled])
        classes = np.array([head.values.index(v) for v in values])
        predicted = probabilities.argmax(axis=1)
        count = {"n": len(labelled), "studies": len(set(groups))}
        estimate, low, high = bootstrap_ci(groups, lambda rows_: quadratic_weighted_kappa(classes[rows_], predicted[rows_], range(len(head.classes))), iterations, seed)
        results[f"{head.name}.qwk"] = {"value": estimate, "ci95": [low, high], **count}
        estimate, low, high = bootstrap_ci(groups, lambda rows_: float((classes[rows_] == predicted[rows_]).mean()), iterations, seed)
        results[f"{head.name}.accuracy"] = {"value": estimate, "ci95": [low, high], **count}
        if head.ordinal:
            # Rounded expected class: the usual decision rule for ordered grades.
            expected = np.rint(probabilities @ np.arange(len(head.classes))).astype(int)
            estimate, low, high = bootstrap_ci(groups, lambda rows_: quadratic_weighted_kappa(classes[rows_], expected[rows_], range(len(head.classes))), iterations, seed)
            results[f"{head.name}.qwk_expected_grade"] = {"value": estimate, "ci95": [low, high], **count}
        if head.name == "modic_type":
            any_change = (classes > 0).astype(int)
            score = 1.0 - probabilities[:, 0]
            estimate, low, high = bootstrap_ci(groups, lambda rows_: auc(any_change[rows_], score[rows_]), iterations, seed)
            results["modic_type.any_change_auc"] = {"value": estimate, "ci95": [low, high], **count, "positives": int(any_change.sum())}
    return results


def metrics_table(metrics: dict[str, dict]) -> str:
    lines = ["| metric | value | 95 % CI | rows | studies |", "|---|---|---|---|---|"]
    for name, m in metrics.items():
        lines.append(f"| {name} | {m['value']:.3f} | {m['ci95'][0]:.3f}-{m['ci95'][1]:.3f} | {m['n']} | {m['studies']} |")
    return "\n".join(lines) + "\n"


def cross_validate(manifest: Path, out: Path, config: TrainConfig, iterations: int = 2000) -> dict[str, dict]:
    out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    prediction_files = []
    for fold in range(config.folds):
        fold_dir = out / f"fold-{fold}"
        if (fold_dir / "summary.json").exists():
            logger.info("fold %d already trained in %s", fold, fold_dir)
        else:
            # A half-finished fold resumes from its last checkpoint.
            resume = (fold_dir / "checkpoint-last.pt").exists()
            train(manifest, fold_dir, dataclasses.replace(config, fold=fold), resume=resume)
        prediction_files.append(fold_dir / "val_predictions.csv")

    rows = read_predictions(prediction_files)
    with (out / "oof_predictions.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)

    metrics = evaluate_predictions(rows, iterations)
    report = {
        "manifest": str(manifest),
        "folds": config.folds,
        "split_seed": config.split_seed,
        "bootstrap_iterations": iterations,
        "unit": "one row per series and disc; CIs resample studies (patients)",
        "metrics": metrics,
        "config": config.to_json(),
    }
    (out / "cv_metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "cv_metrics.md").write_text(metrics_table(metrics))
    logger.info("cross-validation metrics:\n%s", metrics_table(metrics))
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepspine_training.grading.cross_validate", description="Patient-level k-fold cross-validation of the grading network.")
    parser.add_argument("--manifest", type=Path, required=True, help="manifest.csv written by the TypeScript crop extraction")
    parser.add_argument("--out", type=Path, required=True, help="output folder; one sub-folder per fold")
    parser.add_argument("--config", type=Path, default=None, help="JSON file overriding the default configuration")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE", help="override one config value")
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples for the confidence intervals")
    args = parser.parse_args(argv)
    config = resolve_config(args.config, args.assignments)
    if config.folds < 2:
        parser.error(f"cross-validation needs folds >= 2, got {config.folds}")
    cross_validate(args.manifest, args.out, config, args.bootstrap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
