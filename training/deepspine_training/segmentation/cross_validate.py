"""Leave-cases-out cross-validation of the segmentation recipe.

Cases are split into folds by subject (cases that are the same subject stay together) and, within
that, spread so every fold contains cases of each annotation kind. Each fold trains the shipped
recipe on the other folds once per seed (fold-I/seed-S/), exports the seeds' networks as one ONNX
ensemble (fold-I/segmentation.onnx), and the product's own `deepspine evaluate` measures Dice and
level naming on the held-out cases, so the figures come from the same code path users run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import subprocess
from collections import defaultdict
from pathlib import Path

from ..distributed import DistributedContext
from .data import load_cases, load_manifest, subject_groups
from .export import checkpoint_body_intensity, export_onnx, load_network
from .train import ENSEMBLE_SEEDS, SegmentationConfig, read_config_file, train, validate_config

import torch

# The repository that contains training/. Its dist/ folder has the built deepspine command.
REPOSITORY_ROOT = Path(__file__).resolve().parents[3]

logger = logging.getLogger("deepspine_training.segmentation.cv")


def make_folds(data: Path, count: int) -> list[list[str]]:
    """Assign subject groups to folds round-robin, separately per annotation kind."""
    cases = load_cases(data)
    groups = subject_groups(cases)
    members: dict[str, list[str]] = defaultdict(list)
    kind_of_group: dict[str, tuple[int, ...]] = {}
    for case in cases:
        members[groups[case.name]].append(case.name)
        kind_of_group[groups[case.name]] = case.annotated
    folds: list[list[str]] = [[] for _ in range(count)]
    position = 0
    for kind in sorted(set(kind_of_group.values())):
        for group in sorted(g for g, k in kind_of_group.items() if k == kind):
            folds[position % count].extend(members[group])
            position += 1
    return folds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Cross-validate the segmentation recipe with held-out cases.")
    parser.add_argument("--data", type=Path, default=Path("work/segdata"), help="planes exported by deepspine export-segmentation-data")
    parser.add_argument("--volumes", type=Path, required=True, help="the labelled volumes the planes came from, for evaluation")
    parser.add_argument("--out", type=Path, default=Path("work/cv"))
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--config", type=Path, help="JSON file with SegmentationConfig fields: the recipe to cross-validate (default: the built-in one)")
    parser.add_argument("--steps", type=int, help="training steps per network (default: the recipe's)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(ENSEMBLE_SEEDS), help="train one network per seed and average them (default: the shipped ensemble's seeds; give one seed to measure a single network)")
    parser.add_argument("--only-folds", type=int, nargs="+", help="run only these fold indices (0-based), e.g. to spread folds over processes; the summary then goes to summary-folds-I-J.json")
    parser.add_argument("--cli", default=f"node {REPOSITORY_ROOT / 'dist' / 'src' / 'cli' / 'main.js'}", help="command that runs deepspine (default: the build in this repository)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    try:
        recipe_config = SegmentationConfig(**read_config_file(args.config)) if args.config else SegmentationConfig()
        if args.steps is not None:
            recipe_config = dataclasses.replace(recipe_config, steps=args.steps)
        validate_config(recipe_config)
    except (ValueError, OSError) as error:
        parser.exit(2, f"error: {error}\n")
    folds = make_folds(args.data, args.folds)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "folds.json").write_text(json.dumps(folds, indent=2))
    all_cases = [name for fold in folds for name in fold]
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    results = []
    for index, held_out in enumerate(folds):
        if args.only_folds is not None and index not in args.only_folds:
            continue
        fold_dir = args.out / f"fold-{index}"
        training_cases = [name for name in all_cases if name not in held_out]
        logger.info("fold %d: held out %s", index, ", ".join(held_out))
        checkpoints = []
        for seed in args.seeds:
            config = dataclasses.replace(recipe_config, data=str(args.data), out=str(fold_dir / f"seed-{seed}"), cases=training_cases, threads=args.threads, seed=seed)
            checkpoints.append(train(config, context))
        model_path = fold_dir / "segmentation.onnx"
        body_intensity = checkpoint_body_intensity(checkpoints, args.data)
        export_onnx([load_network(checkpoint) for checkpoint in checkpoints], model_path, float(load_manifest(args.data)["spacingMm"]), body_intensity)
        report = fold_dir / "evaluation.json"
        command = args.cli.split() + ["evaluate", str(args.volumes), "--model", str(model_path), "--json", str(report), "--cases", *held_out]
        subprocess.run(command, check=True)
        results.extend(json.loads(report.read_text())["cases"])

    summary = summarize(results)
    summary_name = "summary.json" if args.only_folds is None else "summary-folds-" + "-".join(str(i) for i in sorted(args.only_folds)) + ".json"
    # The recipe as trained: one network per seed, so the config's single seed is left out.
    recipe = {key: value for key, value in dataclasses.asdict(recipe_config).items() if key not in ("seed", "cases", "out", "data", "threads")}
    (args.out / summary_name).write_text(json.dumps({"folds": folds, "config": recipe, "seeds": args.seeds, **summary}, indent=2))
    print(format_summary(results, summary))


def summarize(results: list[dict]) -> dict:
    def mean(key: str) -> float | None:
        values = [r[key] for r in results if r[key] is not None]
        return sum(values) / len(values) if values else None

    checks = [n for r in results for n in r["naming"]]
    return {
        "cases": results,
        "meanDiceVertebralBody": mean("diceVertebralBody"),
        "meanDiceDisc": mean("diceDisc"),
        "namingCorrect": sum(1 for n in checks if n["predicted"] == n["truth"]),
        "namingTotal": len(checks),
        # Wrong names that no `?` marks: the ones a reader would trust.
        "namingWrongConfident": sum(1 for n in checks if n["predicted"] not in (None, n["truth"]) and (n.get("confidence") or 0) >= 0.5),
    }


def format_summary(results: list[dict], summary: dict) -> str:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    lines = ["held-out case      Dice body  Dice disc  names"]
    for r in sorted(results, key=lambda r: r["case"]):
        correct = sum(1 for n in r["naming"] if n["predicted"] == n["truth"])
        lines.append(f"{r['case']:<18}{cell(r['diceVertebralBody']):>9}{cell(r['diceDisc']):>11}  {correct}/{len(r['naming'])}")
    lines.append(f"{'mean':<18}{cell(summary['meanDiceVertebralBody']):>9}{cell(summary['meanDiceDisc']):>11}  {summary['namingCorrect']}/{summary['namingTotal']}")
    lines.append(f"wrong names at confidence 0.5 or more: {summary['namingWrongConfident']} of {summary['namingTotal']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
