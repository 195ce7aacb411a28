"""Reading the per-disc crops that the TypeScript side (`extractCrops`) writes, splitting them by
study, and batching them for the grading network.

Manifest layout (`manifest.csv` beside `crop-spec.json`): one row per series and disc level with
the columns study_id, series_id, level, ivd_label, sagittal_path, sagittal_planes, axial_path,
has_axial, then one column per head name holding the label value, empty where unknown. Crop paths
are relative to the manifest's folder and point to float32 `.npy` arrays of shape
(slices, rows, columns).
"""

from __future__ import annotations

import csv
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from .heads import HEADS, HeadSpec

logger = logging.getLogger(__name__)

CROP_FORMAT = "deepspine-crops/1"
REQUIRED_COLUMNS = ("study_id", "series_id", "level", "sagittal_path", "sagittal_planes", "axial_path", "has_axial")
# Columns that manifests may have and that are no label: the disc index of sources that number
# discs from the sacrum, and the confidence of the level name (the labels of rows under the
# minimum confidence are already empty).
OPTIONAL_COLUMNS = ("ivd_label", "level_confidence")
MISSING_LABEL = -1


@dataclass(frozen=True)
class CropRecord:
    """One manifest row with its labels turned into class indices (MISSING_LABEL where unknown)."""

    study_id: str
    series_id: str
    level: str
    ivd_label: int | None
    sagittal_path: Path
    sagittal_planes: int
    axial_path: Path | None
    targets: tuple[int, ...]


def read_crop_spec(manifest_path: Path) -> dict:
    """Read `crop-spec.json` beside the manifest; raises FileNotFoundError or ValueError naming the file.

    A manifest given through a symbolic link is read where the link leads, beside its crops."""
    spec_path = Path(manifest_path).resolve().parent / "crop-spec.json"
    if not spec_path.exists():
        raise FileNotFoundError(f"{spec_path} not found; write crops with the TypeScript extractCrops so the crop settings sit beside the manifest")
    spec = json.loads(spec_path.read_text())
    if spec.get("format") != CROP_FORMAT:
        raise ValueError(f"{spec_path}: expected format {CROP_FORMAT!r}, got {spec.get('format')!r}")
    return spec


def read_manifest(manifest_path: Path, heads: tuple[HeadSpec, ...] = HEADS) -> list[CropRecord]:
    """Read a crops manifest. Label columns that match no head are ignored with a warning.

    Raises FileNotFoundError when the manifest is missing and ValueError naming the row when a
    column is missing or a label value is invalid for its head.
    """
    if not manifest_path.exists():
        raise FileNotFoundError(f"{manifest_path} not found; extract crops first (deepspine extract or gradeSlices' extraction)")
    # Crop paths are relative to the real manifest's folder, also when it is given through a link.
    crops_folder = Path(manifest_path).resolve().parent
    with manifest_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise ValueError(f"{manifest_path}: missing columns {missing}; expected {list(REQUIRED_COLUMNS)}")
        head_names = {head.name for head in heads}
        unknown = [c for c in columns if c not in REQUIRED_COLUMNS and c not in OPTIONAL_COLUMNS and c not in head_names]
        if unknown:
            logger.warning("%s: ignoring columns that match no head: %s", manifest_path, unknown)
        records = []
        for line, row in enumerate(reader, start=2):
            targets = []
            for head in heads:
                cell = (row.get(head.name) or "").strip()
                if cell == "":
                    targets.append(MISSING_LABEL)
                    continue
                try:
                    targets.append(head.class_index(float(cell)))
                except ValueError as error:
                    raise ValueError(f"{manifest_path} line {line}: {error}") from error
            axial = (row["axial_path"] or "").strip()
            has_axial = row["has_axial"].strip() == "1"
            if has_axial != (axial != ""):
                raise ValueError(f"{manifest_path} line {line}: has_axial is {row['has_axial']!r} but axial_path is {axial!r}")
            ivd = (row.get("ivd_label") or "").strip()
            records.append(
                CropRecord(
                    study_id=row["study_id"],
                    series_id=row["series_id"],
                    level=row["level"],
                    ivd_label=int(ivd) if ivd else None,
                    sagittal_path=crops_folder / row["sagittal_path"],
                    sagittal_planes=int(row["sagittal_planes"]),
                    axial_path=crops_folder / axial if axial else None,
                    targets=tuple(targets),
                )
            )
    return records


def split_by_study(records: list[CropRecord], folds: int, fold: int, seed: int) -> tuple[list[CropRecord], list[CropRecord]]:
    """Split records into (train, validation) so that every study falls wholly on one side.

    Studies are shuffled with `seed` and dealt into `folds` groups; group `fold` is the validation
    set. `folds` = 1 puts everything in training (an empty validation set).
    """
    if folds < 1 or not 0 <= fold < max(folds, 1):
        raise ValueError(f"fold {fold} is out of range for {folds} folds")
    studies = sorted({r.study_id for r in records})
    order = np.random.default_rng(seed).permutation(len(studies))
    if folds == 1:
        return list(records), []
    validation_studies = {studies[i] for position, i in enumerate(order) if position % folds == fold}
    train = [r for r in records if r.study_id not in validation_studies]
    validation = [r for r in records if r.study_id in validation_studies]
    return train, validation


def binary_positive_weights(records: list[CropRecord], heads: tuple[HeadSpec, ...] = HEADS, cap: float = 10.0) -> dict[str, float]:
    """Negative-to-positive ratio per binary head over the labelled records, capped at `cap`.

    A head with no positives or no negatives gets weight 1.
    """
    weights = {}
    for index, head in enumerate(heads):
        if head.kind != "binary":
            continue
        labels = [r.targets[index] for r in records if r.targets[index] != MISSING_LABEL]
        positives = sum(1 for v in labels if v == 1)
        negatives = len(labels) - positives
        weights[head.name] = min(cap, negatives / positives) if positives > 0 and negatives > 0 else 1.0
    return weights


def class_weights(records: list[CropRecord], heads: tuple[HeadSpec, ...] = HEADS, cap: float = 10.0) -> dict[str, list[float]]:
    """Per-class weights for multi-class heads: inverse square-root frequency, mean 1 over present
    classes, each capped at `cap`. Classes never seen get weight 0 so they add nothing."""
    weights = {}
    for index, head in enumerate(heads):
        if head.kind != "multiclass":
            continue
        counts = np.zeros(len(head.classes))
        for r in records:
            if r.targets[index] != MISSING_LABEL:
                counts[r.targets[index]] += 1
        present = counts > 0
        raw = np.zeros_like(counts)
        raw[present] = 1.0 / np.sqrt(counts[present])
        if present.any():
            raw[present] /= raw[present].mean()
        weights[head.name] = [float(min(cap, w)) for w in raw]
    return weights


def labelled_counts(records: list[CropRecord], heads: tuple[HeadSpec, ...] = HEADS) -> dict[str, list[int]]:
    """Number of records per class of each head (missing labels not counted)."""
    counts = {}
    for index, head in enumerate(heads):
        per_class = [0] * len(head.classes)
        for r in records:
            if r.targets[index] != MISSING_LABEL:
                per_class[r.targets[index]] += 1
        counts[head.name] = per_class
    return counts


@dataclass(frozen=True)
class AugmentConfig:
    """Random intensity and position changes applied to training crops."""

    enabled: bool = True
    max_shift_px: int = 4
    gamma_range: tuple[float, float] = (0.7, 1.5)
    contrast_range: tuple[float, float] = (0.8, 1.2)
    noise_std: float = 0.03


def _shift(array: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift the last two axes by whole pixels, filling with zeros."""
    out = np.zeros_like(array)
    height, width = array.shape[-2:]
    src_y = slice(max(0, -dy), min(height, height - dy))
    dst_y = slice(max(0, dy), min(height, height + dy))
    src_x = slice(max(0, -dx), min(width, width - dx))
    dst_x = slice(max(0, dx), min(width, width + dx))
    out[..., dst_y, dst_x] = array[..., src_y, src_x]
    return out


def augment(array: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Apply one random shift, gamma, contrast and noise draw to a crop with values in [0, 1]."""
    shift = config.max_shift_px
    if shift > 0:
        array = _shift(array, int(rng.integers(-shift, shift + 1)), int(rng.integers(-shift, shift + 1)))
    gamma = math.exp(rng.uniform(math.log(config.gamma_range[0]), math.log(config.gamma_range[1])))
    array = np.clip(array, 0.0, 1.0) ** gamma
    contrast = rng.uniform(*config.contrast_range)
    array = (array - 0.5) * contrast + 0.5
    if config.noise_std > 0:
        array = array + rng.normal(0.0, config.noise_std, size=array.shape)
    return np.clip(array, 0.0, 1.0).astype(np.float32)


class CropDataset(Dataset):
    """Crops of a manifest as tensors.

    A sagittal crop read from a 2-D source (`sagittal_planes` = 1) repeats one plane in every slice,
    so only its middle slice is loaded; the network gives the same features for one slice as for
    the repeated slab. Missing axial crops come back as zeros with `has_axial` = 0.

    Augmentation draws from a generator seeded by (seed, epoch, index), so a sample's augmentation
    does not depend on the worker or rank that loads it, and a resumed run repeats it exactly.
    """

    def __init__(self, records: list[CropRecord], crop_spec: dict, augment_config: AugmentConfig | None = None, seed: int = 0):
        self.records = records
        self.sagittal_shape = (crop_spec["sagittal"]["slices"], crop_spec["sagittal"]["height"], crop_spec["sagittal"]["width"])
        self.axial_shape = (crop_spec["axial"]["slices"], crop_spec["axial"]["height"], crop_spec["axial"]["width"])
        self.augment_config = augment_config
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.records)

    def _load(self, path: Path, expected: tuple[int, int, int]) -> np.ndarray:
        array = np.load(path)
        if array.shape != expected or array.dtype != np.float32:
            raise ValueError(f"{path}: expected float32 array of shape {expected}, got {array.dtype} {array.shape}; re-extract crops with the crop spec of this run")
        return array

    def __getitem__(self, index: int) -> dict:
        record = self.records[index]
        sagittal = self._load(record.sagittal_path, self.sagittal_shape)
        if record.sagittal_planes == 1:
            middle = sagittal.shape[0] // 2
            sagittal = sagittal[middle : middle + 1]
        if record.axial_path is not None:
            axial = self._load(record.axial_path, self.axial_shape)
            has_axial = 1.0
        else:
            axial = np.zeros(self.axial_shape, dtype=np.float32)
            has_axial = 0.0
        if self.augment_config is not None and self.augment_config.enabled:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            sagittal = augment(sagittal, rng, self.augment_config)
            if has_axial:
                axial = augment(axial, rng, self.augment_config)
        return {
            "sagittal": torch.from_numpy(np.ascontiguousarray(sagittal)),
            "axial": torch.from_numpy(np.ascontiguousarray(axial)),
            "has_axial": torch.tensor([has_axial], dtype=torch.float32),
            "targets": torch.tensor(record.targets, dtype=torch.long),
            "index": index,
        }


def collate_crops(samples: list[dict]) -> dict:
    """Stack samples; when sagittal slice counts differ, single-slice crops are repeated to the
    largest count (the slab they stand for)."""
    slices = max(s["sagittal"].shape[0] for s in samples)
    sagittal = []
    for s in samples:
        crop = s["sagittal"]
        if crop.shape[0] != slices:
            if crop.shape[0] != 1:
                raise ValueError(f"cannot batch sagittal crops of {crop.shape[0]} and {slices} slices")
            crop = crop.expand(slices, -1, -1)
        sagittal.append(crop)
    return {
        "sagittal": torch.stack(sagittal),
        "axial": torch.stack([s["axial"] for s in samples]),
        "has_axial": torch.stack([s["has_axial"] for s in samples]),
        "targets": torch.stack([s["targets"] for s in samples]),
        "index": torch.tensor([s["index"] for s in samples]),
    }
