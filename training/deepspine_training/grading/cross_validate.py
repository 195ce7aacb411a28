"""Patient-level k-fold cross-validation of the grading network.

    python -m deepspine_training.grading.cross_validate --manifest CROPS/manifest.csv --out CV [--config FILE] [--set KEY=VALUE ...]

Trains one model per fold (studies never straddle folds) and pools the out-of-fold predictions in
CV/oof_predictions.csv. CV/cv_metrics.json and CV/cv_metrics.md then give the AUC of every binary
head with labels and of "any Modic change", and for the multi-class heads the accuracy and the
quadratic weighted kappa (of the most probable class, and for ordered grades also of the rounded
expected grade). Each metric has a 95 % confidence interval from a bootstrap over studies
(patients).

A fold whose folder already contains summary.json is not retrained, so an interrupted run
continues, and a fold with only checkpoint-last.pt resumes from it. A finished or started fold
trained with other settings than the requested ones (apart from threads and num_workers, but
epochs included) stops the run with an error that names the settings, because its predictions
would be credited to a configuration it was not trained with.

The same command runs under `torchrun`: all folds train in one process group, one after the other,
each with every rank, and rank 0 writes the pooled results. Invalid settings or inputs stop the
command with exit status 2 before any fold trains.
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

from ..distributed import DistributedContext, RankMismatchError, cleanup, decide_on_main, init_distributed
from .config import RESOURCE_SETTINGS, TrainConfig, config_from_json, differing_keys, resolve_config, validate_config
from .data import read_manifest
from .heads import HEADS
from .metrics import auc, bootstrap_ci, quadratic_weighted_kappa
from ..run_checks import check_output_folder, exit_on_sigterm, file_sha256
from .train import check_same_data, read_checkpoint, setup_logging, train

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


def check_folds(manifest: Path, config: TrainConfig) -> None:
    """Raise ValueError when the settings or the manifest cannot give `config.folds` folds."""
    validate_config(config)
    if config.folds < 2:
        raise ValueError(f"invalid config folds {config.folds}: cross-validation needs at least 2")
    studies = len({record.study_id for record in read_manifest(manifest)})
    if config.folds > studies:
        raise ValueError(f"invalid config folds {config.folds}: {manifest} has {studies} studies, and every fold needs at least one; set folds to {studies} or fewer")


def fold_state(fold_dir: Path, config: TrainConfig, manifest: Path) -> str:
    """Return "finished", "started" or "new" for a fold folder.

    Raises ValueError naming the differing settings when a finished or started fold was trained
    with another configuration than `config` (resource settings aside), and naming the manifest
    when it was trained on another version of `manifest`.
    """
    if (fold_dir / "summary.json").exists():
        saved_path = fold_dir / "config.json"
        if not saved_path.exists():
            raise ValueError(f"{fold_dir} contains summary.json but no config.json, so its settings are unknown; delete the folder to train the fold again")
        saved = config_from_json(json.loads(saved_path.read_text())).to_json()
        differing = [key for key in differing_keys(saved, config.to_json()) if key not in RESOURCE_SETTINGS]
        if differing:
            raise ValueError(f"{fold_dir} was trained with other settings ({', '.join(differing)}) than requested; pass another --out, or delete the fold folders to train them again")
        summary = json.loads((fold_dir / "summary.json").read_text())
        check_same_data(fold_dir / "summary.json", summary.get("manifest_sha256"), manifest, file_sha256(manifest))
        return "finished"
    last = fold_dir / "checkpoint-last.pt"
    if last.exists():
        # A started fold resumes with its saved settings, epochs included, so that every fold of
        # one cross-validation follows the same schedule.
        checkpoint = read_checkpoint(last)
        saved = config_from_json(checkpoint["config"]).to_json()
        differing = [key for key in differing_keys(saved, config.to_json()) if key not in RESOURCE_SETTINGS]
        if differing:
            raise ValueError(f"{fold_dir} was started with other settings ({', '.join(differing)}) than requested; request its settings to resume it, pass another --out, or delete the fold folders to train them again")
        check_same_data(last, checkpoint.get("manifest_sha256"), manifest, file_sha256(manifest))
        return "started"
    return "new"


def cross_validate(manifest: Path, out: Path, config: TrainConfig, iterations: int = 2000) -> dict[str, dict]:
    """Train every fold and return the pooled metrics (an empty dict on ranks other than 0).

    Raises ValueError before any training for invalid settings, more folds than studies, or a
    finished fold trained with other settings.
    """
    check_folds(manifest, config)
    check_output_folder(out)
    if iterations < 1:
        raise ValueError(f"invalid --bootstrap {iterations}: expected at least 1 resample")
    context = init_distributed()
    try:
        return _cross_validate(manifest, out, config, iterations, context)
    finally:
        cleanup(context)


def _cross_validate(manifest: Path, out: Path, config: TrainConfig, iterations: int, context: DistributedContext) -> dict[str, dict]:
    setup_logging(None, context.is_main)
    if context.is_main:
        out.mkdir(parents=True, exist_ok=True)
    fold_configs = [dataclasses.replace(config, fold=fold) for fold in range(config.folds)]
    # Every fold is checked before the first trains, so a mismatch stops the run at once.
    states = decide_on_main(lambda: [fold_state(out / f"fold-{fold}", fold_config, manifest) for fold, fold_config in enumerate(fold_configs)], context)
    prediction_files = []
    for fold, fold_config in enumerate(fold_configs):
        fold_dir = out / f"fold-{fold}"
        if states[fold] == "finished":
            logger.info("fold %d already trained in %s", fold, fold_dir)
        else:
            train(manifest, fold_dir, fold_config, resume=states[fold] == "started", context=context)
        prediction_files.append(fold_dir / "val_predictions.csv")
    # Each fold's training logs into its own train.log; the pooled results go to the console.
    setup_logging(None, context.is_main)
    if not context.is_main:
        return {}

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
    exit_on_sigterm()
    try:
        config = resolve_config(args.config, args.assignments)
        cross_validate(args.manifest, args.out, config, args.bootstrap)
    except (ValueError, FileNotFoundError, RankMismatchError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
