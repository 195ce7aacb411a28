"""Train the grading network on a crops manifest.

    python -m deepspine_training.grading.train --manifest CROPS/manifest.csv --out RUN [--config FILE] [--set KEY=VALUE ...] [--resume]

The same command runs under `torchrun --nproc_per_node=N` (DistributedDataParallel, gloo on CPU,
nccl on GPU); rank 0 logs and writes all files. Outputs in RUN: config.json (resolved
configuration), train.log, metrics.jsonl (one line per epoch), checkpoint-last.pt,
checkpoint-best.pt (lowest validation loss, when there is a validation split), model.pt (the
weights to export: the best epoch, or the last with select_best=false or without validation),
val_predictions.csv and summary.json.

A RUN that already contains a training run is rejected unless `--resume` continues it. A run
holds RUN/train.lock while it trains, and a second run into RUN stops while that file exists. A
killed run leaves the file behind, to be deleted by hand. Every rank reads the checkpoint on `--resume`, so with several nodes RUN must be on storage that all
nodes share. Invalid settings or inputs stop the command with exit status 2 before anything is
written. A training or validation loss, or a weight, that becomes NaN or infinite also stops it
with exit status 2, and checkpoint-last.pt keeps the last finite epoch.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import math
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from ..distributed import DistributedContext, RankMismatchError, barrier, broadcast_from_main, cleanup, decide_on_main, init_distributed, raise_if_any_rank_failed
from ..run_checks import DivergedError, OutputLock, check_finite_loss, check_output_folder, exit_on_sigterm, file_sha256, load_with_sha256, non_finite_tensors
from .config import RESOURCE_SETTINGS, TrainConfig, config_from_json, differing_keys, resolve_config, validate_config
from .data import (
    MISSING_LABEL,
    CropDataset,
    CropRecord,
    binary_positive_weights,
    class_weights,
    collate_crops,
    labelled_counts,
    read_crop_spec,
    read_manifest,
    split_by_study,
)
from .heads import HEADS, HeadSpec
from .loss import grading_loss
from .metrics import auc, quadratic_weighted_kappa
from .model import CHECKPOINT_FORMAT, GradingNetwork, probabilities

logger = logging.getLogger("deepspine_training.grading.train")

# Files that only a training run writes. A fresh run into a folder with any of them would mix two runs.
RUN_FILES = ("checkpoint-last.pt", "metrics.jsonl", "model.pt", "summary.json")


def trained_heads(counts: dict[str, list[int]], min_per_class: int, heads: tuple[HeadSpec, ...] = HEADS) -> dict[str, bool]:
    """Return per head whether it counts as trained: at least two of its classes have `min_per_class` labelled samples."""
    return {head.name: sum(1 for c in counts[head.name] if c >= min_per_class) >= 2 for head in heads}


def setup_logging(out: Path | None, is_main: bool, append: bool = True) -> None:
    """Log to stdout, and on rank 0 also to OUT/train.log (replaced unless `append`)."""
    level = logging.INFO if is_main else logging.WARNING
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    if out is not None and is_main:
        handlers.append(logging.FileHandler(out / "train.log", mode="a" if append else "w"))
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers, force=True)


def save_atomic(state: dict, path: Path) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)


def evaluate(network: GradingNetwork, dataset: CropDataset, context: DistributedContext, batch_size: int, loss_args: dict) -> tuple[float, np.ndarray, dict[str, np.ndarray]]:
    """Run the network over `dataset` in eval mode. Returns the mean loss over batches, the targets
    (N, heads) and the probabilities per head in dataset order."""
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, collate_fn=collate_crops)
    network.eval()
    losses = []
    all_targets = []
    all_probabilities: dict[str, list[np.ndarray]] = {head.name: [] for head in network.head_specs}
    with torch.no_grad():
        for batch in loader:
            logits = network(batch["sagittal"].to(context.device), batch["axial"].to(context.device), batch["has_axial"].to(context.device))
            targets = batch["targets"].to(context.device)
            loss, _ = grading_loss(logits, targets, network.head_specs, **loss_args)
            losses.append(float(loss))
            all_targets.append(batch["targets"].numpy())
            for name, value in probabilities(logits, network.head_specs).items():
                all_probabilities[name].append(value.cpu().numpy())
    targets = np.concatenate(all_targets) if all_targets else np.zeros((0, len(network.head_specs)), dtype=np.int64)
    stacked = {name: np.concatenate(values) if values else np.zeros((0,)) for name, values in all_probabilities.items()}
    return (float(np.mean(losses)) if losses else float("nan")), targets, stacked


def head_metrics(targets: np.ndarray, predicted: dict[str, np.ndarray], heads: tuple[HeadSpec, ...] = HEADS) -> dict[str, float]:
    """AUC for binary heads, accuracy and QWK for multi-class heads, and AUC of "class > 0" for Modic."""
    metrics: dict[str, float] = {}
    for index, head in enumerate(heads):
        labelled = targets[:, index] != MISSING_LABEL
        if not labelled.any():
            continue
        y = targets[labelled, index]
        p = predicted[head.name][labelled]
        if head.kind == "binary":
            metrics[f"{head.name}.auc"] = auc(y, p)
        else:
            predicted_class = p.argmax(axis=1)
            metrics[f"{head.name}.accuracy"] = float((predicted_class == y).mean())
            metrics[f"{head.name}.qwk"] = quadratic_weighted_kappa(y, predicted_class, range(len(head.classes)))
            if head.name == "modic_type":
                metrics[f"{head.name}.any_change_auc"] = auc((y > 0).astype(int), 1.0 - p[:, 0])
    return metrics


def write_predictions(path: Path, records: list[CropRecord], targets: np.ndarray, predicted: dict[str, np.ndarray], heads: tuple[HeadSpec, ...] = HEADS) -> None:
    """Write one row per record: identifiers, then per head the label (empty when unknown) and the
    probability (binary) or one probability per class."""
    columns = ["study_id", "series_id", "level", "ivd_label"]
    for head in heads:
        columns.append(f"{head.name}.label")
        if head.kind == "binary":
            columns.append(f"{head.name}.p")
        else:
            columns.extend(f"{head.name}.p{name}" for name in head.classes)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row, record in enumerate(records):
            cells: list[object] = [record.study_id, record.series_id, record.level, "" if record.ivd_label is None else record.ivd_label]
            for index, head in enumerate(heads):
                target = int(targets[row, index])
                cells.append("" if target == MISSING_LABEL else head.values[target])
                value = predicted[head.name][row]
                if head.kind == "binary":
                    cells.append(f"{float(value):.6f}")
                else:
                    cells.extend(f"{float(v):.6f}" for v in value)
            writer.writerow(cells)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deepspine_training.grading.train", description="Train the per-disc grading network on extracted crops.")
    parser.add_argument("--manifest", type=Path, required=True, help="manifest.csv written by the TypeScript crop extraction")
    parser.add_argument("--out", type=Path, required=True, help="output folder for checkpoints, logs and the resolved config")
    parser.add_argument("--config", type=Path, default=None, help="JSON file overriding the default configuration")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE", help="override one config value, e.g. epochs=5 or network.dropout=0.2")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint-last.pt; the config may differ only in epochs, threads and num_workers")
    parser.add_argument("--stop-after", type=int, default=None, metavar="N", help="stop after N epochs of this call, to continue later with --resume")
    return parser


def check_finite_weights(network: torch.nn.Module, where: str, learning_rate: float) -> None:
    """Raise DivergedError when a weight of `network` is NaN or infinite."""
    bad = non_finite_tensors(network.state_dict())
    if bad:
        raise DivergedError(f"training diverged: the weights of {bad[0]} became NaN or infinite at {where} (learning rate {learning_rate:g}); train again with a lower learning rate")


def read_checkpoint(path: Path) -> dict:
    """Load a grading training checkpoint; raises ValueError naming `path` when the file is
    unreadable, truncated or of another format."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as error:
        raise ValueError(f"{path}: cannot read the checkpoint ({error}); delete it, or pass another --out to train afresh") from error
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        found = checkpoint.get("format") if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise ValueError(f"{path}: expected checkpoint format {CHECKPOINT_FORMAT!r}, got {found!r}")
    return checkpoint


def check_same_data(source: Path, saved_sha256: str | None, manifest: Path, manifest_sha256: str) -> None:
    """Raise ValueError when `source` (a checkpoint or summary) records another manifest
    fingerprint than `manifest_sha256`. Runs from before fingerprints were recorded pass."""
    if saved_sha256 is not None and saved_sha256 != manifest_sha256:
        raise ValueError(
            f"{source} was trained on other data: the SHA-256 of {manifest} is {manifest_sha256[:12]}..., "
            f"but the run recorded {saved_sha256[:12]}...; pass the manifest it was trained on, or another --out to train afresh"
        )


def check_resume_source(path: Path, config: TrainConfig, manifest: Path, manifest_sha256: str) -> tuple[int, str, list[str]]:
    """Check on rank 0 that `path` continues a run of `config`. Returns its last finished epoch,
    the SHA-256 of the file, and one message per resource setting that differs from the
    checkpoint's.

    Raises FileNotFoundError when the checkpoint is missing and ValueError when it is no grading
    checkpoint, was trained on another manifest, or with other settings than epochs and the
    resource settings, or has finished more epochs than `config.epochs`.
    """
    if not path.exists():
        raise FileNotFoundError(f"--resume given but {path} does not exist; run without --resume to start training")
    checkpoint = read_checkpoint(path)
    checkpoint_sha256 = file_sha256(path)
    saved = config_from_json(checkpoint["config"]).to_json()
    current = config.to_json()
    changed = differing_keys(saved, current)
    differing = [key for key in changed if key != "epochs" and key not in RESOURCE_SETTINGS]
    if differing:
        raise ValueError(f"cannot resume from {path}: config differs in {differing}; resume with the saved config.json")
    check_same_data(path, checkpoint.get("manifest_sha256"), manifest, manifest_sha256)
    done = int(checkpoint["epoch"]) + 1
    if done > config.epochs:
        raise ValueError(f"cannot resume from {path}: it has finished {done} epochs, more than the requested epochs={config.epochs}; set epochs to {done} or more to continue it, or pass another --out to train afresh")
    notes = [f"resuming with {key}={current[key]} (the checkpoint was trained with {key}={saved[key]})" for key in changed if key in RESOURCE_SETTINGS]
    return int(checkpoint["epoch"]), checkpoint_sha256, notes


def load_resume_checkpoint(out: Path, config: TrainConfig, manifest: Path, manifest_sha256: str, context: DistributedContext) -> tuple[dict, list[str]]:
    """Load OUT/checkpoint-last.pt on every rank after rank 0 has checked it; returns the
    checkpoint and the notes of `check_resume_source`.

    Raises the error of rank 0's check on every rank, and RankMismatchError on every rank when some
    rank cannot read the file or reads other contents (by SHA-256) than rank 0, as with
    node-local storage for OUT, where another run's checkpoint may even be at the same epoch.
    """
    path = out / "checkpoint-last.pt"
    epoch, expected_sha256, notes = decide_on_main(lambda: check_resume_source(path, config, manifest, manifest_sha256), context)
    checkpoint: dict | None = None
    error: Exception | None = None
    try:
        loaded, loaded_sha256 = load_with_sha256(path)
        checkpoint = loaded  # type: ignore[assignment]
        if loaded_sha256 != expected_sha256:
            error = RankMismatchError(
                f"rank {context.rank} reads other contents from {path} than rank 0 (SHA-256 {loaded_sha256[:12]}... against {expected_sha256[:12]}..., "
                f"rank 0 resumes after epoch {epoch + 1}); with several nodes --out must be on storage that every node sees"
            )
    except (OSError, RuntimeError, EOFError, AttributeError, pickle.UnpicklingError) as caught:
        error = RankMismatchError(f"rank {context.rank} cannot read {path}, which rank 0 resumes from ({caught}); with several nodes --out must be on storage that every node sees")
    raise_if_any_rank_failed(error, context)
    assert checkpoint is not None
    return checkpoint, notes


def check_fresh_output(out: Path) -> None:
    """Raise ValueError when OUT already contains files of a training run."""
    existing = [name for name in RUN_FILES if (out / name).exists()]
    if existing:
        raise ValueError(f"{out} already contains a training run ({', '.join(existing)}); pass --resume to continue it, or delete the folder or pass another --out to train afresh")


def train(manifest: Path, out: Path, config: TrainConfig, resume: bool = False, stop_after: int | None = None, context: DistributedContext | None = None) -> dict:
    """Train one model; returns the summary that rank 0 also writes to summary.json.

    `stop_after` ends this call after that many epochs without finishing the run (no model.pt),
    as a time-limited job would; `resume` continues it. Without `context` the call joins the
    torchrun process group itself and leaves it at the end. A caller that trains several models
    in one process group passes its own context.

    Raises ValueError or FileNotFoundError, on every rank and before writing anything, for invalid
    settings, inputs, or an OUT that already contains a run (without `resume`).
    """
    validate_config(config)
    check_output_folder(out)
    if stop_after is not None and stop_after < 1:
        raise ValueError(f"invalid --stop-after {stop_after}: expected at least 1")
    if context is not None:
        return _train_locked(manifest, out, config, resume, stop_after, context)
    context = init_distributed()
    try:
        return _train_locked(manifest, out, config, resume, stop_after, context)
    finally:
        cleanup(context)


def _train_locked(manifest: Path, out: Path, config: TrainConfig, resume: bool, stop_after: int | None, context: DistributedContext) -> dict:
    """Run `_train` while rank 0 holds OUT's lock file, so that a second run into OUT stops."""
    lock = OutputLock(out)
    decide_on_main(lock.acquire, context)
    try:
        return _train(manifest, out, config, resume, stop_after, context)
    finally:
        if context.is_main:
            lock.release()


def check_trainable(manifest: Path, crop_spec: dict, config: TrainConfig, trained: dict[str, bool], train_records: list[CropRecord]) -> None:
    """Raise ValueError when no head can be trained or the crops do not fit the network."""
    if not any(trained.values()):
        raise ValueError(
            f"{manifest}: no head has {config.min_labels_per_class} or more labelled samples in each of two classes "
            f"among the {len(train_records)} training records; add labels to the manifest or lower min_labels_per_class"
        )
    axial_slices = crop_spec["axial"]["slices"]
    if config.network.axial_slices != axial_slices:
        raise ValueError(f"invalid config network.axial_slices {config.network.axial_slices}: the crops of {manifest} have {axial_slices} axial slices")


def _train(manifest: Path, out: Path, config: TrainConfig, resume: bool, stop_after: int | None, context: DistributedContext) -> dict:
    setup_logging(None, context.is_main)
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    heads = HEADS
    crop_spec = read_crop_spec(manifest)
    records = read_manifest(manifest, heads)
    # NOTE: the fingerprint covers the manifest, not the crop files it lists, so crops rewritten
    # under the same names go unnoticed.
    manifest_sha256 = file_sha256(manifest)
    train_records, validation_records = split_by_study(records, config.folds, config.fold, config.split_seed)
    if not train_records:
        raise ValueError(f"{manifest}: the training split is empty ({len(records)} records, folds={config.folds}, fold={config.fold})")
    counts = labelled_counts(train_records, heads)
    trained = trained_heads(counts, config.min_labels_per_class, heads)
    check_trainable(manifest, crop_spec, config, trained, train_records)
    loss_args = {
        "positive_weights": binary_positive_weights(train_records, heads, config.positive_weight_cap),
        "class_weights": class_weights(train_records, heads, config.class_weight_cap),
    }
    # Rank 0 decides from its view of OUT and every rank follows, so that no rank resumes while
    # another starts afresh.
    checkpoint = None
    resume_notes: list[str] = []
    if resume:
        checkpoint, resume_notes = load_resume_checkpoint(out, config, manifest, manifest_sha256, context)
    else:
        decide_on_main(lambda: check_fresh_output(out), context)
    if context.is_main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(config.to_json(), indent=2) + "\n")
    barrier(context)
    setup_logging(out, context.is_main, append=resume)
    if context.is_main:
        logger.info("manifest %s: %d records, %d studies; train %d records, validation %d records", manifest, len(records), len({r.study_id for r in records}), len(train_records), len(validation_records))
        logger.info("world size %d, device %s; heads trained: %s", context.world_size, context.device, [name for name, flag in trained.items() if flag])
        for note in resume_notes:
            logger.info("%s", note)

    torch.manual_seed(config.seed)
    network = GradingNetwork(config.network, heads).to(context.device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 0.5 * (1.0 + math.cos(math.pi * min(epoch, config.epochs) / config.epochs)))
    start_epoch = 0
    best_loss = float("inf")
    if checkpoint is not None:
        network.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        start_epoch = checkpoint["epoch"] + 1
        best_loss = checkpoint["best_validation_loss"]
        if context.is_main:
            logger.info("resumed from %s at epoch %d", out / "checkpoint-last.pt", start_epoch)

    model: torch.nn.Module = network
    if context.world_size > 1:
        # Heads without labels in a batch and the skipped axial encoder leave parameters unused.
        model = DistributedDataParallel(network, find_unused_parameters=True)

    train_dataset = CropDataset(train_records, crop_spec, config.augment, config.seed)
    validation_dataset = CropDataset(validation_records, crop_spec, None)
    sampler = DistributedSampler(train_dataset, num_replicas=context.world_size, rank=context.rank, shuffle=True, seed=config.seed)
    loader = DataLoader(train_dataset, batch_size=config.batch_size, sampler=sampler, num_workers=config.num_workers, collate_fn=collate_crops)

    base_state = {
        "format": CHECKPOINT_FORMAT,
        "config": config.to_json(),
        "manifest_sha256": manifest_sha256,
        "network": dataclasses.asdict(config.network),
        "heads": [head.to_json() for head in heads],
        "trained_heads": trained,
        "labelled_counts": counts,
        "crop_spec": crop_spec,
        "axial_training_records": sum(1 for r in train_records if r.axial_path is not None),
        "sagittal_planes_seen": sorted({r.sagittal_planes for r in train_records}),
    }
    history = []
    end_epoch = config.epochs if stop_after is None else min(config.epochs, start_epoch + stop_after)
    for epoch in range(start_epoch, end_epoch):
        started = time.perf_counter()
        sampler.set_epoch(epoch)
        train_dataset.set_epoch(epoch)
        torch.manual_seed(config.seed + 1000 * epoch + context.rank)
        model.train()
        epoch_losses = []
        for batch in loader:
            logits = model(batch["sagittal"].to(context.device), batch["axial"].to(context.device), batch["has_axial"].to(context.device))
            loss, _ = grading_loss(logits, batch["targets"].to(context.device), heads, **loss_args)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_losses.append(float(loss.detach()))
        # The rate this epoch trained with; scheduler.step() sets the next epoch's.
        learning_rate = optimizer.param_groups[0]["lr"]
        scheduler.step()
        train_loss = float(np.mean(epoch_losses)) if epoch_losses else float("nan")
        if context.world_size > 1:
            reduced = torch.tensor([train_loss], device=context.device)
            torch.distributed.all_reduce(reduced)
            train_loss = float(reduced) / context.world_size
        # Every rank has the same reduced loss and the same weights, so all ranks stop together,
        # before the diverged epoch overwrites checkpoint-last.pt.
        check_finite_loss(train_loss, f"epoch {epoch + 1} of {config.epochs}", config.learning_rate)
        check_finite_weights(network, f"epoch {epoch + 1} of {config.epochs}", config.learning_rate)

        evaluation = None
        if context.is_main and validation_records:
            evaluation = evaluate(network, validation_dataset, context, config.batch_size, loss_args)
        # Huge but finite weights can still give NaN outputs, which only the validation loss shows.
        validation_loss = broadcast_from_main(None if evaluation is None else evaluation[0], context)
        if validation_loss is not None:
            check_finite_loss(validation_loss, f"the validation of epoch {epoch + 1} of {config.epochs}", config.learning_rate)

        if context.is_main:
            entry: dict[str, object] = {"epoch": epoch, "train_loss": train_loss, "learning_rate": learning_rate}
            if evaluation is not None:
                validation_loss, targets, predicted = evaluation
                entry["validation_loss"] = validation_loss
                entry.update(head_metrics(targets, predicted, heads))
                if validation_loss < best_loss:
                    best_loss = validation_loss
                    save_atomic({**base_state, "model": network.state_dict(), "epoch": epoch}, out / "checkpoint-best.pt")
            entry["seconds"] = round(time.perf_counter() - started, 2)
            history.append(entry)
            with (out / "metrics.jsonl").open("a") as handle:
                handle.write(json.dumps(entry) + "\n")
            logger.info("epoch %d/%d %s", epoch + 1, config.epochs, " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in entry.items() if k != "epoch"))
            state = {
                **base_state,
                "model": network.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": epoch,
                "best_validation_loss": best_loss,
            }
            save_atomic(state, out / "checkpoint-last.pt")
        barrier(context)

    summary: dict[str, object] = {}
    if end_epoch < config.epochs:
        if context.is_main:
            logger.info("stopped after epoch %d of %d; continue with --resume", end_epoch, config.epochs)
        return {"stopped_after_epoch": end_epoch}
    if context.is_main:
        use_best = config.select_best and validation_records and (out / "checkpoint-best.pt").exists()
        final_source = out / ("checkpoint-best.pt" if use_best else "checkpoint-last.pt")
        final = torch.load(final_source, map_location="cpu", weights_only=False)
        network.load_state_dict(final["model"])
        save_atomic({**base_state, "model": network.state_dict(), "epoch": final["epoch"]}, out / "model.pt")
        summary = {
            "manifest": str(manifest),
            "manifest_sha256": manifest_sha256,
            "records": {"train": len(train_records), "validation": len(validation_records)},
            "model_from": final_source.name,
            "model_epoch": final["epoch"],
            "trained_heads": trained,
            "labelled_counts": counts,
        }
        if validation_records:
            validation_loss, targets, predicted = evaluate(network, validation_dataset, context, config.batch_size, loss_args)
            write_predictions(out / "val_predictions.csv", validation_records, targets, predicted, heads)
            summary["validation_loss"] = validation_loss
            summary["validation_metrics"] = head_metrics(targets, predicted, heads)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        logger.info("wrote %s (weights from %s, epoch %d)", out / "model.pt", final_source.name, final["epoch"] + 1)
    barrier(context)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns 0, or 2 for invalid settings, inputs or output folder."""
    parser = build_parser()
    args = parser.parse_args(argv)
    exit_on_sigterm()
    try:
        config = resolve_config(args.config, args.assignments)
        validate_config(config)
        train(args.manifest, args.out, config, args.resume, args.stop_after)
    except (ValueError, FileNotFoundError, RankMismatchError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
