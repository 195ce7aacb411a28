"""Disc-centre detector for 2-D sagittal slices: a small U-Net that outputs a heatmap with one
Gaussian peak per disc, trained on the planes and centres that the TypeScript side exports
(`exportDiscDetectionData`).

    python -m deepspine_training.grading.detector --data DETECTION_DIR --out RUN [--steps N] [--export models/grading/disc-detector.onnx]

The planes arrive prepared (1.25 mm, intensity-normalised, padded to a multiple of 16), so this
module only draws targets, augments and trains. Validation holds out whole patients and reports
how often the number of heatmap peaks equals the number of labelled discs.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from monai.networks.nets import UNet

logger = logging.getLogger("deepspine_training.grading.detector")

ONNX_OPSET = 17
# Peak threshold and separation used here and by the TypeScript finder (disc-detector.ts).
PEAK_THRESHOLD = 0.3
PEAK_SEPARATION_PX = 12


@dataclass(frozen=True)
class DetectorConfig:
    steps: int = 1200
    batch_size: int = 4
    crop: int = 224
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    sigma_px: float = 2.0
    positive_weight: float = 20.0
    validation_fraction: float = 0.2
    seed: int = 0
    threads: int = 1
    channels: tuple[int, ...] = (16, 32, 64, 128)


@dataclass
class DetectionPlane:
    series: str
    patient: str
    image: np.ndarray
    centres: np.ndarray  # (discs, 2) as column, row


def read_detection_data(folder: Path) -> list[DetectionPlane]:
    """Read detection.csv and its planes; raises FileNotFoundError naming the missing file."""
    table = folder / "detection.csv"
    if not table.exists():
        raise FileNotFoundError(f"{table} not found; export detector data with exportDiscDetectionData first")
    planes = []
    with table.open(newline="") as handle:
        for row in csv.DictReader(handle):
            image = np.load(folder / row["plane_path"])
            centres = np.array([[float(v) for v in pair.split()] for pair in row["centres"].split(";") if pair.strip()], dtype=np.float32)
            planes.append(DetectionPlane(row["series"], row["patient"], image.astype(np.float32), centres.reshape(-1, 2)))
    return planes


def gaussian_heatmap(height: int, width: int, centres: np.ndarray, sigma: float) -> np.ndarray:
    """Maximum over discs of an unnormalised Gaussian (peak 1) centred on each disc."""
    rows = np.arange(height, dtype=np.float32)[:, None]
    cols = np.arange(width, dtype=np.float32)[None, :]
    heatmap = np.zeros((height, width), dtype=np.float32)
    for c, r in centres:
        heatmap = np.maximum(heatmap, np.exp(-((cols - c) ** 2 + (rows - r) ** 2) / (2 * sigma**2)))
    return heatmap


def sample_batch(planes: list[DetectionPlane], config: DetectorConfig, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random crops of `crop` px (zero-padded where the plane is smaller), with random gamma,
    contrast and noise, and their target heatmaps."""
    images = np.zeros((config.batch_size, 1, config.crop, config.crop), dtype=np.float32)
    targets = np.zeros_like(images)
    for b in range(config.batch_size):
        plane = planes[int(rng.integers(len(planes)))]
        height, width = plane.image.shape
        top = int(rng.integers(min(0, height - config.crop), max(0, height - config.crop) + 1))
        left = int(rng.integers(min(0, width - config.crop), max(0, width - config.crop) + 1))
        heatmap = gaussian_heatmap(height, width, plane.centres, config.sigma_px)
        src_rows = slice(max(top, 0), min(top + config.crop, height))
        src_cols = slice(max(left, 0), min(left + config.crop, width))
        dst_rows = slice(src_rows.start - top, src_rows.stop - top)
        dst_cols = slice(src_cols.start - left, src_cols.stop - left)
        image = plane.image[src_rows, src_cols]
        gamma = float(np.exp(rng.uniform(np.log(0.6), np.log(1.6))))
        image = np.clip(image, 0, None) ** gamma * rng.uniform(0.8, 1.2) + rng.normal(0, 0.03, size=image.shape)
        images[b, 0, dst_rows, dst_cols] = image
        targets[b, 0, dst_rows, dst_cols] = heatmap[src_rows, src_cols]
    return torch.from_numpy(images), torch.from_numpy(targets)


def build_detector(config: DetectorConfig) -> torch.nn.Module:
    strides = tuple(2 for _ in config.channels[1:])
    return UNet(spatial_dims=2, in_channels=1, out_channels=1, channels=config.channels, strides=strides, num_res_units=1)


class HeatmapModel(torch.nn.Module):
    """Wraps the U-Net so the exported graph returns the heatmap in [0, 1]."""

    def __init__(self, network: torch.nn.Module):
        super().__init__()
        self.network = network

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.network(image))


def heatmap_loss(logits: torch.Tensor, target: torch.Tensor, positive_weight: float) -> torch.Tensor:
    """Binary cross-entropy against the Gaussian targets, up-weighted near disc centres."""
    weight = 1.0 + positive_weight * target
    return F.binary_cross_entropy_with_logits(logits, target, weight=weight)


def find_peaks(heatmap: np.ndarray, threshold: float = PEAK_THRESHOLD, separation: float = PEAK_SEPARATION_PX) -> np.ndarray:
    """Local maxima above `threshold`, strongest first, at least `separation` px apart: (n, 2) column, row."""
    from scipy.ndimage import maximum_filter

    local = (heatmap == maximum_filter(heatmap, size=3)) & (heatmap >= threshold)
    rows, cols = np.nonzero(local)
    order = np.argsort(-heatmap[rows, cols])
    kept: list[tuple[float, float]] = []
    for index in order:
        c, r = float(cols[index]), float(rows[index])
        if all((c - kc) ** 2 + (r - kr) ** 2 >= separation**2 for kc, kr in kept):
            kept.append((c, r))
    return np.array(kept, dtype=np.float32).reshape(-1, 2)


def predict(model: torch.nn.Module, image: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return torch.sigmoid(model(torch.from_numpy(image)[None, None])).numpy()[0, 0]


def count_agreement(model: torch.nn.Module, planes: list[DetectionPlane]) -> dict[str, float]:
    """Fraction of planes whose peak count equals the labelled disc count, and the median distance
    in px from each labelled centre to the nearest peak."""
    model.eval()
    equal = 0
    distances = []
    for plane in planes:
        peaks = find_peaks(predict(model, plane.image))
        equal += int(len(peaks) == len(plane.centres))
        for centre in plane.centres:
            if len(peaks):
                distances.append(float(np.min(np.hypot(*(peaks - centre).T))))
    return {"count_equal": equal / max(len(planes), 1), "median_distance_px": float(np.median(distances)) if distances else float("nan"), "planes": len(planes)}


def split_patients(planes: list[DetectionPlane], fraction: float, seed: int) -> tuple[list[DetectionPlane], list[DetectionPlane]]:
    patients = sorted({p.patient for p in planes})
    rng = np.random.default_rng(seed)
    held_out = set(rng.choice(patients, size=int(round(fraction * len(patients))), replace=False).tolist()) if fraction > 0 else set()
    return [p for p in planes if p.patient not in held_out], [p for p in planes if p.patient in held_out]


def train_detector(data: Path, out: Path, config: DetectorConfig) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2) + "\n")
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    planes = read_detection_data(data)
    train_planes, validation_planes = split_patients(planes, config.validation_fraction, config.seed)
    logger.info("%d planes (%d discs): train %d, validation %d", len(planes), sum(len(p.centres) for p in planes), len(train_planes), len(validation_planes))
    network = build_detector(config)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.learning_rate, total_steps=config.steps)
    started = time.perf_counter()
    for step in range(1, config.steps + 1):
        network.train()
        images, targets = sample_batch(train_planes, config, rng)
        loss = heatmap_loss(network(images), targets, config.positive_weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        if step % 100 == 0 or step == config.steps:
            logger.info("step %d/%d loss %.4f (%.0f s)", step, config.steps, float(loss.detach()), time.perf_counter() - started)
    summary = {"train": count_agreement(network, train_planes), "validation": count_agreement(network, validation_planes), "seconds": round(time.perf_counter() - started, 1)}
    torch.save({"config": asdict(config), "model": network.state_dict()}, out / "detector.pt")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    logger.info("detector summary: %s", summary)
    return summary


def export_detector(checkpoint: Path, path: Path) -> None:
    """Export the heatmap model to ONNX with dynamic batch, height and width (multiples of 8)."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    config = DetectorConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in state["config"].items()})
    network = build_detector(config)
    network.load_state_dict(state["model"])
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        HeatmapModel(network).eval(),
        (torch.zeros(1, 1, 160, 128),),
        str(path),
        input_names=["image"],
        output_names=["heatmap"],
        dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}, "heatmap": {0: "batch", 2: "height", 3: "width"}},
        opset_version=ONNX_OPSET,
        dynamo=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepspine_training.grading.detector", description="Train the 2-D disc-centre detector.")
    parser.add_argument("--data", type=Path, required=True, help="folder written by exportDiscDetectionData (detection.csv and planes/)")
    parser.add_argument("--out", type=Path, required=True, help="output folder for detector.pt, config.json and summary.json")
    parser.add_argument("--steps", type=int, default=DetectorConfig.steps, help="optimisation steps")
    parser.add_argument("--validation-fraction", type=float, default=DetectorConfig.validation_fraction, help="fraction of patients held out; 0 trains on all")
    parser.add_argument("--threads", type=int, default=DetectorConfig.threads, help="intra-op threads; 0 keeps the PyTorch default")
    parser.add_argument("--export", type=Path, default=None, help="also export the trained detector to this ONNX file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    config = DetectorConfig(steps=args.steps, validation_fraction=args.validation_fraction, threads=args.threads)
    train_detector(args.data, args.out, config)
    if args.export is not None:
        export_detector(args.out / "detector.pt", args.export)
        logger.info("wrote %s", args.export)
    return 0


if __name__ == "__main__":
    sys.exit(main())
