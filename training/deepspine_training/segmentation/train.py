"""Train the sagittal segmentation network on planes exported by the TypeScript side.

Runs as one process (`python -m deepspine_training.segmentation.train`) or unchanged under
`torchrun --nproc_per_node=N` (DDP): each rank draws its own random crops and gradients are
averaged. Rank 0 writes checkpoints, the resolved configuration and the ONNX export. A run resumes
from OUT/last.pt when that file exists. Every rank reads it, so with several nodes OUT must be on
storage that all nodes share.

A run holds OUT/train.lock while it trains, and a second run into OUT stops with exit status 2
while that file exists. A killed run leaves the file behind, to be deleted by hand.

Invalid settings stop the command with exit status 2 before anything is written. A loss that
becomes NaN or infinite also stops it with exit status 2, and last.pt keeps the last checkpoint
written before that step.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from ..distributed import DistributedContext, RankMismatchError, all_reduce_mean, barrier, cleanup, decide_on_main, init_distributed, raise_if_any_rank_failed
from ..run_checks import OutputLock, check_finite_loss, check_output_folder, exit_on_sigterm, file_sha256, load_with_sha256
from .data import PlaneSampler, body_intensities, load_cases, load_manifest, planes_folder
from .export import SPACING_RANGE_MM, checkpoint_body_intensity, export_onnx
from .loss import masked_dice_bce_loss
from .model import build_segmentation_network

logger = logging.getLogger("deepspine_training.segmentation")

# Seeds of the networks that the shipped model averages (training/reproduce-segmentation.sh). The
# model card compares the average with each network alone, on Dice and on level naming.
ENSEMBLE_SEEDS = (20261204, 20261205)

# The repository that contains training/; the default data and output folders lie in it, so the
# defaults name the same folders from any working directory.
REPOSITORY_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class SegmentationConfig:
    data: str = str(REPOSITORY_ROOT / "work" / "segdata")
    out: str = str(REPOSITORY_ROOT / "training" / "runs" / "segmentation")
    cases: list[str] | None = None
    steps: int = 8000
    batch_size: int = 8
    crop: int = 160
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    seed: int = ENSEMBLE_SEEDS[0]
    checkpoint_every: int = 200
    log_every: int = 50
    threads: int = 0
    channels: list[int] = field(default_factory=lambda: [16, 32, 64, 128, 256])
    residual_units: int = 1


# Help text of each SegmentationConfig field; the command line shows it with the default.
FIELD_HELP = {
    "data": "folder of the planes that `deepspine export-segmentation-data` wrote (or its manifest.json)",
    "out": "output folder for last.pt, config.json and segmentation.onnx; training resumes from OUT/last.pt when it exists, and with several nodes OUT must be on storage every node sees",
    "cases": "train on these cases of the manifest only",
    "steps": "total optimizer steps, counting the steps of a resumed checkpoint",
    "batch_size": "crops per step on each rank; under torchrun the global batch is this times the number of ranks",
    "crop": "side of the square training crop in pixels; a multiple of 2 ** (number of channels - 1), 16 for the default network",
    "learning_rate": "peak AdamW learning rate",
    "weight_decay": "AdamW weight decay",
    "warmup_steps": "steps of linear warm-up before the cosine decay",
    "seed": "random seed of the network initialization and of the crops",
    "checkpoint_every": "write OUT/last.pt every this many steps, and after the last step",
    "log_every": "log the mean loss every this many steps",
    "threads": "intra-op CPU threads per process; 0 keeps PyTorch's default",
    "channels": "feature channels of the U-Net levels, one value per level (at least two levels)",
    "residual_units": "residual units per U-Net level",
}


def validate_config(config: SegmentationConfig) -> None:
    """Raise ValueError naming the first setting outside its allowed range."""
    checks = [
        ("seed", config.seed >= 0, "at least 0"),
        ("steps", config.steps >= 1, "at least 1"),
        ("batch_size", config.batch_size >= 1, "at least 1"),
        ("learning_rate", math.isfinite(config.learning_rate) and config.learning_rate > 0, "a finite number greater than 0"),
        ("weight_decay", math.isfinite(config.weight_decay) and config.weight_decay >= 0, "a finite number, at least 0"),
        ("warmup_steps", config.warmup_steps >= 0, "at least 0"),
        ("checkpoint_every", config.checkpoint_every >= 1, "at least 1"),
        ("log_every", config.log_every >= 1, "at least 1"),
        ("threads", config.threads >= 0, "at least 0 (0 keeps PyTorch's default)"),
        ("residual_units", config.residual_units >= 0, "at least 0"),
        ("channels", len(config.channels) >= 2 and all(c >= 1 for c in config.channels), "at least two values, each at least 1"),
    ]
    for name, valid, allowed in checks:
        if not valid:
            raise ValueError(f"invalid {name} {getattr(config, name)!r}: expected {allowed}")
    # Each level after the first halves the resolution, and the decoder's skip connections need
    # sizes that divide evenly.
    multiple = 2 ** (len(config.channels) - 1)
    if config.crop < multiple or config.crop % multiple != 0:
        raise ValueError(f"invalid crop {config.crop}: expected a positive multiple of {multiple} for a network of {len(config.channels)} levels")


def parse_config(argv: list[str] | None) -> SegmentationConfig:
    """Defaults come from SegmentationConfig, a JSON file may override them, flags override both.

    Exits with status 2 on an unknown or invalid setting.
    """
    defaults = SegmentationConfig()
    parser = argparse.ArgumentParser(prog="python -m deepspine_training.segmentation.train", description="Train the sagittal vertebral body and disc segmentation network.")
    parser.add_argument("--config", type=Path, help="JSON file with settings named as the options below, with underscores (for example batch_size)")
    for item in dataclasses.fields(SegmentationConfig):
        flag = f"--{item.name.replace('_', '-')}"
        default = getattr(defaults, item.name)
        # argparse's default stays None, so that an option left out does not override the JSON file.
        help_text = f"{FIELD_HELP[item.name]} (default: {'all' if default is None else default})"
        if item.name in ("cases", "channels"):
            parser.add_argument(flag, nargs="+", type=int if item.name == "channels" else str, help=help_text)
        else:
            parser.add_argument(flag, type=type(default), help=help_text)
    args = parser.parse_args(argv)
    values = dataclasses.asdict(defaults)
    try:
        if args.config:
            values.update(read_config_file(args.config))
        for key, value in vars(args).items():
            if key != "config" and value is not None:
                values[key] = value
        config = SegmentationConfig(**values)
        validate_config(config)
    except (ValueError, OSError) as error:
        parser.exit(2, f"error: {error}\n")
    return config


def read_config_file(path: Path) -> dict:
    """Read a JSON object of SegmentationConfig fields; raises ValueError naming an unknown field."""
    try:
        values = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: invalid JSON ({error})") from error
    if not isinstance(values, dict):
        raise ValueError(f"{path}: expected a JSON object of settings, got {type(values).__name__}")
    names = {item.name for item in dataclasses.fields(SegmentationConfig)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"{path}: unknown settings {unknown}; valid settings: {sorted(names)}")
    defaults = SegmentationConfig()
    for key, value in values.items():
        default = getattr(defaults, key)
        if key == "cases":
            valid = value is None or (isinstance(value, list) and all(isinstance(item, str) for item in value))
            expected = "null or a list of case names"
        elif key == "channels":
            valid = isinstance(value, list) and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
            expected = "a list of integers"
        elif isinstance(default, float):
            valid = isinstance(value, (int, float)) and not isinstance(value, bool)
            expected = "a number"
        elif isinstance(default, int):
            valid = isinstance(value, int) and not isinstance(value, bool)
            expected = "an integer"
        else:
            valid = isinstance(value, type(default))
            expected = f"a value of type {type(default).__name__}"
        if not valid:
            raise ValueError(f"{path}: invalid {key} {value!r}: expected {expected}")
    return values


def learning_rate_at(step: int, config: SegmentationConfig) -> float:
    """Linear warm-up, then cosine decay to 5 % of the peak rate."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.learning_rate * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(progress, 1.0))))


# Settings a resumed run may change. A checkpoint that differs in any other setting is another run.
# The planes are compared by the fingerprint of their manifest.json, not by the `data` path, so
# the same planes named by another path resume.
RESUMABLE_SETTINGS = ("data", "out", "steps", "threads", "checkpoint_every", "log_every")


def check_resumable(checkpoint: dict, config: SegmentationConfig, case_names: list[str], path: Path, spacing_mm: float | None = None, data_sha256: str | None = None) -> None:
    """Raise ValueError when a checkpoint was trained with other settings, cases, plane spacing or
    planes than this run, so that a stale out/last.pt is not silently resumed, or returned as if
    it were the new run.

    Planes are compared by the SHA-256 of their manifest.json. A checkpoint written before that
    fingerprint was recorded is compared by the resolved path of its planes instead."""
    saved = {key: value for key, value in checkpoint["config"].items() if key not in RESUMABLE_SETTINGS}
    current = {key: value for key, value in dataclasses.asdict(config).items() if key not in RESUMABLE_SETTINGS}
    differing = sorted(key for key in saved.keys() | current.keys() if saved.get(key) != current.get(key))
    if checkpoint.get("cases") not in (None, case_names):
        differing.append("training cases")
    if spacing_mm is not None and checkpoint.get("spacing_mm") not in (None, spacing_mm):
        differing.append("plane spacing")
    saved_sha256 = checkpoint.get("data_sha256")
    if data_sha256 is not None and saved_sha256 is not None and saved_sha256 != data_sha256:
        differing.append(f"planes: {planes_folder(Path(config.data)) / 'manifest.json'} differs from the one the checkpoint was trained on")
    elif saved_sha256 is None and planes_folder(Path(checkpoint["config"]["data"])).resolve() != planes_folder(Path(config.data)).resolve():
        differing.append("data")
    if differing:
        raise ValueError(f"{path} was written by another training run (different {', '.join(differing)}); delete it or pass another --out to train afresh")


def save_checkpoint(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, step: int, config: SegmentationConfig, case_names: list[str], spacing_mm: float, body_intensity: dict[str, float] | None = None, data_sha256: str | None = None) -> None:
    temporary = path.with_suffix(".tmp")
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "step": step,
            "config": dataclasses.asdict(config),
            "cases": case_names,
            "spacing_mm": spacing_mm,
            "body_intensity": body_intensity,
            "data_sha256": data_sha256,
            "network": {"channels": tuple(config.channels), "residual_units": config.residual_units},
        },
        temporary,
    )
    temporary.replace(path)


def sampler_rng(seed: int, rank: int, step: int) -> np.random.Generator:
    """Return the crop generator of `rank` when it starts or resumes at `step`.

    Each (rank, step) pair gets its own SeedSequence spawn key, so no two ranks or resume points
    share a stream. A single process starting at step 0 keeps the plain `seed` stream of earlier
    versions, so the commands that made the shipped model still reproduce its crops.
    """
    spawn_key = () if rank == 0 and step == 0 else (rank, step)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn_key))


def read_resume_step(last: Path) -> tuple[int, str] | None:
    """Return the step of `last` and the SHA-256 of the file when it exists (rank 0 decides for all
    ranks), else None."""
    if not last.exists():
        return None
    try:
        checkpoint, checkpoint_sha256 = load_with_sha256(last)
        return int(checkpoint["step"]), checkpoint_sha256  # type: ignore[index]
    except (OSError, RuntimeError, EOFError, KeyError, TypeError) as error:
        raise ValueError(f"{last}: cannot read the checkpoint to resume from ({error!r}); delete it or pass another --out to train afresh") from error


def load_resume_checkpoint(last: Path, step: int, expected_sha256: str, config: SegmentationConfig, case_names: list[str], spacing_mm: float, data_sha256: str, context: DistributedContext) -> dict:
    """Load the checkpoint that rank 0 found at `step` with SHA-256 `expected_sha256` and check
    that it continues this run.

    Raises ValueError when it belongs to another run or has passed `config.steps`. Raises
    RankMismatchError when this rank cannot read it or reads other contents. That happens when OUT
    is storage local to each node, even when another run's checkpoint there is at the same step.
    """
    try:
        loaded, loaded_sha256 = load_with_sha256(last, context.device)
    except (OSError, RuntimeError, EOFError) as error:
        raise RankMismatchError(f"rank {context.rank} cannot read {last}, which rank 0 resumes from ({error}); with several nodes --out must be on storage that every node sees") from error
    checkpoint: dict = loaded  # type: ignore[assignment]
    if loaded_sha256 != expected_sha256:
        raise RankMismatchError(
            f"rank {context.rank} reads other contents from {last} than rank 0 (SHA-256 {loaded_sha256[:12]}... against {expected_sha256[:12]}..., "
            f"rank 0 resumes from step {step}); with several nodes --out must be on storage that every node sees"
        )
    check_resumable(checkpoint, config, case_names, last, spacing_mm, data_sha256)
    if step > config.steps:
        raise ValueError(f"{last} is at step {step}, past the requested {config.steps} steps; pass --steps {step} or more to continue it, or another --out to train afresh")
    return checkpoint


def train(config: SegmentationConfig, context: DistributedContext) -> Path:
    """Train to `config.steps`, resuming from out/last.pt when it exists; returns the final checkpoint.

    Rank 0 decides whether to resume and from which step, and every rank follows it. An error on
    any rank while it loads the checkpoint is raised on all ranks, so the job fails and none waits.
    Rank 0 holds OUT/train.lock meanwhile, so a second run into OUT raises ValueError.
    """
    validate_config(config)
    check_output_folder(Path(config.out))
    lock = OutputLock(Path(config.out))
    decide_on_main(lock.acquire, context)
    try:
        return _train(config, context)
    finally:
        if context.is_main:
            lock.release()


def _train(config: SegmentationConfig, context: DistributedContext) -> Path:
    out = Path(config.out)
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)

    data = planes_folder(Path(config.data))
    cases = load_cases(data, config.cases)
    spacing_mm = float(load_manifest(data)["spacingMm"])
    if not SPACING_RANGE_MM[0] <= spacing_mm <= SPACING_RANGE_MM[1]:
        # Checked before training, because the export would reject the model only after all the steps.
        raise ValueError(f"{data / 'manifest.json'}: invalid spacingMm {spacing_mm}, expected {SPACING_RANGE_MM[0]} to {SPACING_RANGE_MM[1]} mm; export the planes again with a valid --spacing")
    # NOTE: the fingerprint covers manifest.json, not the plane arrays it lists.
    data_sha256 = file_sha256(data / "manifest.json")
    case_names = [c.name for c in cases]
    body_intensity = body_intensities(data, case_names)
    if body_intensity is None:
        logger.warning("no body intensity range: no training case labels bodies, or %s predates it (export the planes again); the model's sidecar will lack it and analyze cannot check a study's contrast", data / "manifest.json")
    network = build_segmentation_network(tuple(config.channels), config.residual_units).to(context.device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)

    last = out / "last.pt"
    resume_point = decide_on_main(lambda: read_resume_step(last), context)
    start_step = 0
    if resume_point is not None:
        resume_step, resume_sha256 = resume_point
        checkpoint = None
        error: Exception | None = None
        try:
            checkpoint = load_resume_checkpoint(last, resume_step, resume_sha256, config, case_names, spacing_mm, data_sha256, context)
        except (ValueError, RankMismatchError) as caught:
            error = caught
        raise_if_any_rank_failed(error, context)
        assert checkpoint is not None
        network.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        start_step = resume_step
        if context.is_main:
            logger.info("resumed from %s at step %d", last, start_step)
    # Seeded after the resume decision, so a resumed run draws other crops and augmentations than
    # the steps already done. The sampler seeds MONAI's transforms from this generator.
    sampler = PlaneSampler(cases, config.crop, sampler_rng(config.seed, context.rank, start_step))
    if context.is_main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(dataclasses.asdict(config), indent=2))

    model: torch.nn.Module = network
    if context.world_size > 1:
        model = DistributedDataParallel(network, device_ids=[context.local_rank] if context.device.type == "cuda" else None)
    if context.is_main:
        logger.info("training on %d cases (%s), %d steps of batch %d per rank, %d ranks", len(cases), ", ".join(c.name for c in cases), config.steps, config.batch_size, context.world_size)

    model.train()
    running = 0.0
    started = time.time()
    for step in range(start_step, config.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step, config)
        samples = [sampler.sample() for _ in range(config.batch_size)]
        images = torch.from_numpy(np.stack([s[0] for s in samples])).to(context.device)
        targets = torch.from_numpy(np.stack([s[1] for s in samples])).to(context.device)
        masks = torch.from_numpy(np.stack([s[2] for s in samples])).to(context.device)
        loss = masked_dice_bce_loss(model(images), targets, masks)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step_loss = float(all_reduce_mean(loss.detach(), context))
        done = step + 1
        # The loss is averaged over the ranks, so every rank stops at the same step, before the
        # diverged weights overwrite last.pt.
        check_finite_loss(step_loss, f"step {done} of {config.steps}", learning_rate_at(step, config))
        running += step_loss
        if context.is_main and done % config.log_every == 0:
            logger.info("step %d/%d loss %.4f lr %.2e (%.1f s)", done, config.steps, running / config.log_every, learning_rate_at(step, config), time.time() - started)
            running = 0.0
        if context.is_main and (done % config.checkpoint_every == 0 or done == config.steps):
            save_checkpoint(last, network, optimizer, done, config, case_names, spacing_mm, body_intensity, data_sha256)
    barrier(context)
    return last


def main(argv: list[str] | None = None) -> None:
    """Run the command line; exits with status 2 on invalid settings, data or checkpoint."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    config = parse_config(argv)
    exit_on_sigterm()
    context = init_distributed()
    try:
        checkpoint = train(config, context)
        if context.is_main:
            network = build_segmentation_network(tuple(config.channels), config.residual_units)
            network.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=False)["model"])
            export_onnx(network.eval(), Path(config.out) / "segmentation.onnx", float(load_manifest(Path(config.data))["spacingMm"]), checkpoint_body_intensity([checkpoint]))
    except (ValueError, FileNotFoundError, RankMismatchError) as error:
        logger.error("error: %s", error)
        sys.exit(2)
    finally:
        cleanup(context)


if __name__ == "__main__":
    main()
