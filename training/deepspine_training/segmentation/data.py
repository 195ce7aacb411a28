"""Reading the sagittal planes that `deepspine export-segmentation-data` writes, and sampling
augmented training crops from them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from monai.transforms import (
    Compose,
    RandAdjustContrastd,
    RandAffined,
    RandGaussianNoised,
    RandGaussianSmoothd,
    RandScaleIntensityd,
    RandShiftIntensityd,
)

from .model import OUTPUT_CLASSES

MANIFEST_FORMAT = "deepspine-segmentation-planes/2"


@dataclass
class PlaneCase:
    """All planes of one labelled volume, as arrays of shape (planes, height, width)."""

    name: str
    annotated: tuple[int, ...]
    images: np.ndarray
    labels: np.ndarray
    # Bit c - 1 set where the channel of class c is known (annotated, or derived from neighbours).
    known: np.ndarray


def planes_folder(path: Path) -> Path:
    """Return the planes folder for `path`, which names the folder or its manifest.json."""
    # The manifest's own path is accepted for its folder, as users name either.
    if path.name == "manifest.json" and path.is_file():
        return path.parent
    return path


def load_manifest(folder: Path) -> dict:
    folder = planes_folder(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(f"{manifest_path} not found; run `deepspine export-segmentation-data VOLUMES --out {folder}` first")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{manifest_path}: expected format {MANIFEST_FORMAT!r}, got {manifest.get('format')!r}")
    return manifest


def body_intensities(folder: Path, names: list[str]) -> dict[str, float] | None:
    """Return the median vertebral body intensity that the manifest records for each named case
    that labels bodies, by case name. The model's sidecar carries these values, and analyze warns
    when a study's bodies lie far from all of them (src/levels/contrast.ts). Returns None when no
    named case labels bodies, or when the manifest predates the field (export the planes again).
    Raises ValueError naming the cases that the manifest lacks."""
    cases = load_manifest(folder)["cases"]
    missing = sorted(set(names) - {entry["case"] for entry in cases})
    if missing:
        raise ValueError(f"{folder / 'manifest.json'} lacks the cases {', '.join(missing)}; pass the planes the networks were trained on")
    values = {}
    for entry in cases:
        if entry["case"] not in names or 1 not in entry["annotated"]:
            continue
        if entry.get("bodyIntensity") is None:
            return None
        values[entry["case"]] = float(entry["bodyIntensity"])
    return values or None


def load_cases(folder: Path, names: list[str] | None = None) -> list[PlaneCase]:
    """Load the cases of a manifest (all, or those named) into memory-mapped arrays."""
    folder = planes_folder(folder)
    manifest = load_manifest(folder)
    cases = []
    for entry in manifest["cases"]:
        if names is not None and entry["case"] not in names:
            continue
        shape = (entry["planes"], entry["height"], entry["width"])
        images = np.memmap(folder / entry["imageFile"], dtype=np.float32, mode="r", shape=shape)
        labels = np.memmap(folder / entry["labelFile"], dtype=np.uint8, mode="r", shape=shape)
        known = np.memmap(folder / entry["knownFile"], dtype=np.uint8, mode="r", shape=shape)
        cases.append(PlaneCase(entry["case"], tuple(entry["annotated"]), images, labels, known))
    if names is not None:
        missing = set(names) - {c.name for c in cases}
        if missing:
            raise ValueError(f"cases not in {folder / 'manifest.json'}: {sorted(missing)}")
    return cases


def subject_groups(cases: list[PlaneCase], overlap_threshold: float = 0.7) -> dict[str, str]:
    """Group cases that are the same subject, so cross-validation keeps them in one fold.

    Two cases on the same grid whose annotated structures overlap with a Dice above the threshold
    are taken to be the same subject, as re-annotations or re-acquisitions on one grid are. Each
    group is named after its first case. Derived labels are left out, because a whole spine column
    overlaps between different subjects far more than the annotated structures do.
    """
    group = {c.name: c.name for c in cases}
    for index, first in enumerate(cases):
        for second in cases[index + 1 :]:
            if first.labels.shape != second.labels.shape:
                continue
            if first.annotated != second.annotated:
                continue
            a = np.isin(np.asarray(first.labels), first.annotated)
            b = np.isin(np.asarray(second.labels), second.annotated)
            total = a.sum() + b.sum()
            if total and 2.0 * np.logical_and(a, b).sum() / total > overlap_threshold:
                group[second.name] = group[first.name]
    return group


def build_augmentation() -> Compose:
    """Geometric and intensity augmentation on {"image", "label", "known"} dicts of shape (1, H, W).

    Padding brings zeros into "known", so pixels moved in from outside the plane are ignored.

    The intensity ranges are wide because planes are windowed by the series' percentiles. A
    water-fat image, with little dark background and no bright fat, reaches the network two to
    three times brighter than T1 or T2 images. Trained with scaling of 0.75-1.25 only, the network
    found no disc on such an image that it had not seen."""
    return Compose(
        [
            RandAffined(
                keys=("image", "label", "known"),
                prob=0.8,
                rotate_range=(0.26,),
                scale_range=(0.2, 0.2),
                shear_range=(0.1, 0.1),
                mode=("bilinear", "nearest", "nearest"),
                padding_mode="zeros",
            ),
            RandAdjustContrastd(keys="image", prob=0.5, gamma=(0.5, 2.0)),
            RandScaleIntensityd(keys="image", prob=0.7, factors=(-0.5, 0.5)),
            RandShiftIntensityd(keys="image", prob=0.3, offsets=0.15),
            RandGaussianSmoothd(keys="image", prob=0.2, sigma_x=(0.3, 1.2), sigma_y=(0.3, 1.2)),
            RandGaussianNoised(keys="image", prob=0.3, std=0.05),
        ]
    )


class PlaneSampler:
    """Draws random crops of `crop` pixels from random planes, centred on labelled foreground
    with probability `foreground_fraction` so that small structures are seen often enough."""

    def __init__(self, cases: list[PlaneCase], crop: int, rng: np.random.Generator, foreground_fraction: float = 0.7):
        if not cases:
            raise ValueError("no training cases")
        self.cases = cases
        self.crop = crop
        self.rng = rng
        self.foreground_fraction = foreground_fraction
        self.augment = build_augmentation()
        self.augment.set_random_state(seed=int(rng.integers(2**31)))
        # Planes with labelled foreground, per case, for foreground-centred crops.
        self.foreground_planes = [np.flatnonzero(np.asarray(c.labels).reshape(c.labels.shape[0], -1).max(axis=1) > 0) for c in cases]

    def sample(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return image (1, crop, crop), target (2, crop, crop) and known mask (2, crop, crop), all float32."""
        index = int(self.rng.integers(len(self.cases)))
        case = self.cases[index]
        planes = self.foreground_planes[index]
        use_foreground = len(planes) > 0 and self.rng.random() < self.foreground_fraction
        k = int(self.rng.choice(planes)) if use_foreground else int(self.rng.integers(case.images.shape[0]))
        image = np.asarray(case.images[k], dtype=np.float32)
        label = np.asarray(case.labels[k])
        height, width = image.shape
        if use_foreground and label.any():
            ys, xs = np.nonzero(label)
            pick = int(self.rng.integers(len(ys)))
            cy = ys[pick] + int(self.rng.integers(-self.crop // 4, self.crop // 4 + 1))
            cx = xs[pick] + int(self.rng.integers(-self.crop // 4, self.crop // 4 + 1))
        else:
            cy = int(self.rng.integers(height))
            cx = int(self.rng.integers(width))
        image_crop = crop_with_padding(image, cy, cx, self.crop, fill=0.0)
        label_crop = crop_with_padding(label, cy, cx, self.crop, fill=0)
        known_crop = crop_with_padding(np.asarray(case.known[k]), cy, cx, self.crop, fill=0)
        sample = self.augment({"image": image_crop[None], "label": label_crop[None].astype(np.float32), "known": known_crop[None].astype(np.float32)})
        image_out = np.asarray(sample["image"], dtype=np.float32)
        label_out = np.rint(np.asarray(sample["label"])[0]).astype(np.int64)
        known_out = np.rint(np.asarray(sample["known"])[0]).astype(np.int64)
        target = np.stack([(label_out == c).astype(np.float32) for c in OUTPUT_CLASSES])
        known_mask = np.stack([((known_out >> (c - 1)) & 1).astype(np.float32) for c in OUTPUT_CLASSES])
        return image_out, target, known_mask


def crop_with_padding(array: np.ndarray, cy: int, cx: int, size: int, fill: float) -> np.ndarray:
    """Cut a size x size window centred at (cy, cx), padding with `fill` where it leaves the array."""
    out = np.full((size, size), fill, dtype=array.dtype)
    top = cy - size // 2
    left = cx - size // 2
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + size, array.shape[0]), min(left + size, array.shape[1])
    if y1 > y0 and x1 > x0:
        out[y0 - top : y1 - top, x0 - left : x1 - left] = array[y0:y1, x0:x1]
    return out
