"""Train the sagittal segmentation network on planes exported by the TypeScript side.

Runs as one process (`python -m deepspine_training.segmentation.train`) or unchanged under
`torchrun --nproc_per_node=N` (DDP): each rank draws its own random crops and gradients are
averaged. Rank 0 writes checkpoints, the resolved configuration and the ONNX export.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from ..distributed import DistributedContext, all_reduce_mean, barrier, cleanup, init_distributed
from .data import PlaneSampler, body_intensities, load_cases, load_manifest
from .export import SPACING_RANGE_MM, checkpoint_body_intensity, export_onnx
from .loss import masked_dice_bce_loss
from .model import build_segmentation_network

logger = logging.getLogger("deepspine_training.segmentation")

# Seeds of the networks that the shipped model averages (training/reproduce-segmentation.sh). The
# model card compares the average with each network alone, on Dice and on level naming.
ENSEMBLE_SEEDS = (20261204, 20261205)


@dataclass
class SegmentationConfig:
    data: str = "work/segdata"
    out: str = "training/runs/segmentation"
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


def parse_config(argv: list[str] | None) -> SegmentationConfig:
    """Defaults come from SegmentationConfig, a JSON file may override them, flags override both."""
    parser = argparse.ArgumentParser(description="Train the sagittal vertebral body and disc segmentation network.")
    parser.add_argument("--config", type=Path, help="JSON file with SegmentationConfig fields")
    for item in dataclasses.fields(SegmentationConfig):
        if item.name in ("cases", "channels"):
            parser.add_argument(f"--{item.name.replace('_', '-')}", nargs="+", type=int if item.name == "channels" else str)
        else:
            parser.add_argument(f"--{item.name.replace('_', '-')}", type=type(getattr(SegmentationConfig(), item.name)))
    args = parser.parse_args(argv)
    values = dataclasses.asdict(SegmentationConfig())
    if args.config:
        values.update(json.loads(args.config.read_text()))
    for key, value in vars(args).items():
        if key != "config" and value is not None:
            values[key] = value
    return SegmentationConfig(**values)


def learning_rate_at(step: int, config: SegmentationConfig) -> float:
    """Linear warm-up, then cosine decay to 5 % of the peak rate."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.learning_rate * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(progress, 1.0))))


# Settings a resumed run may change. A checkpoint that differs in any other setting is another run.
RESUMABLE_SETTINGS = ("out", "steps", "threads", "checkpoint_every", "log_every")


def check_resumable(checkpoint: dict, config: SegmentationConfig, case_names: list[str], path: Path, spacing_mm: float | None = None) -> None:
    """Raise ValueError when a checkpoint was trained with other settings, cases or plane spacing
    than this run, so that a stale out/last.pt is not silently resumed, or returned as if it were
    the new run."""
    saved = {key: value for key, value in checkpoint["config"].items() if key not in RESUMABLE_SETTINGS}
    current = {key: value for key, value in dataclasses.asdict(config).items() if key not in RESUMABLE_SETTINGS}
    differing = sorted(key for key in saved.keys() | current.keys() if saved.get(key) != current.get(key))
    if checkpoint.get("cases") not in (None, case_names):
        differing.append("training cases")
    if spacing_mm is not None and checkpoint.get("spacing_mm") not in (None, spacing_mm):
        differing.append("plane spacing")
    if differing:
        raise ValueError(f"{path} was written by another training run (different {', '.join(differing)}); delete it or pass another --out to train afresh")


def save_checkpoint(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, step: int, config: SegmentationConfig, case_names: list[str], spacing_mm: float, body_intensity: dict[str, float] | None = None) -> None:
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
            "network": {"channels": tuple(config.channels), "residual_units": config.residual_units},
        },
        temporary,
    )
    temporary.replace(path)


def train(config: SegmentationConfig, context: DistributedContext) -> Path:
    """Train to `config.steps`, resuming from out/last.pt when it exists; returns the final checkpoint."""
    out = Path(config.out)
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed + 1000 * context.rank)

    cases = load_cases(Path(config.data), config.cases)
    spacing_mm = float(load_manifest(Path(config.data))["spacingMm"])
    if not SPACING_RANGE_MM[0] <= spacing_mm <= SPACING_RANGE_MM[1]:
        # Checked before training, because the export would reject the model only after all the steps.
        raise ValueError(f"{Path(config.data) / 'manifest.json'}: invalid spacingMm {spacing_mm}, expected {SPACING_RANGE_MM[0]} to {SPACING_RANGE_MM[1]} mm; export the planes again with a valid --spacing")
    case_names = [c.name for c in cases]
    body_intensity = body_intensities(Path(config.data), case_names)
    if body_intensity is None:
        logger.warning("no body intensity range: no training case labels bodies, or %s predates it (export the planes again); the model's sidecar will lack it and analyze cannot check a study's contrast", Path(config.data) / "manifest.json")
    sampler = PlaneSampler(cases, config.crop, rng)
    network = build_segmentation_network(tuple(config.channels), config.residual_units).to(context.device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)

    start_step = 0
    last = out / "last.pt"
    if last.exists():
        checkpoint = torch.load(last, map_location=context.device, weights_only=False)
        check_resumable(checkpoint, config, case_names, last, spacing_mm)
        network.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        start_step = int(checkpoint["step"])
        # Draw past the samples already used, so a resumed run does not repeat the same crops.
        rng = np.random.default_rng(config.seed + 1000 * context.rank + start_step)
        sampler.rng = rng
        if context.is_main:
            logger.info("resumed from %s at step %d", last, start_step)
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
        running += float(all_reduce_mean(loss.detach(), context))
        done = step + 1
        if context.is_main and done % config.log_every == 0:
            logger.info("step %d/%d loss %.4f lr %.2e (%.1f s)", done, config.steps, running / config.log_every, learning_rate_at(step, config), time.time() - started)
            running = 0.0
        if context.is_main and (done % config.checkpoint_every == 0 or done == config.steps):
            save_checkpoint(last, network, optimizer, done, config, case_names, spacing_mm, body_intensity)
    barrier(context)
    return last


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    config = parse_config(argv)
    context = init_distributed()
    try:
        checkpoint = train(config, context)
        if context.is_main:
            network = build_segmentation_network(tuple(config.channels), config.residual_units)
            network.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=False)["model"])
            export_onnx(network.eval(), Path(config.out) / "segmentation.onnx", float(load_manifest(Path(config.data))["spacingMm"]), checkpoint_body_intensity([checkpoint]))
    finally:
        cleanup(context)


if __name__ == "__main__":
    main()
