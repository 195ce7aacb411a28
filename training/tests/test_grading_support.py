"""Helpers shared by the grading tests: a small synthetic crops manifest.

The file is collected by pytest as a test module, so it also checks that the synthetic manifest
is written in the documented layout.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

TRAINING_ROOT = Path(__file__).resolve().parents[1]
REPO_ROOT = TRAINING_ROOT.parent

SMALL_SPEC = {
    "format": "deepspine-crops/1",
    "sagittal": {"width": 24, "height": 16, "slices": 5, "pixelSpacingMm": 3, "sliceSpacingMm": 3.5, "posteriorOffsetMm": 8},
    "axial": {"width": 16, "height": 16, "slices": 3, "pixelSpacingMm": 4.5, "sliceSpacingMm": 3, "posteriorOffsetMm": 10},
    "intensity": {"lowPercentile": 1, "highPercentile": 99},
    "minAxialCoverage": 0.5,
}


def write_synthetic_manifest(folder: Path, studies: int = 12, levels: int = 3, seed: int = 0, with_axial: bool = False) -> Path:
    """Write crops whose disc_bulge label is 1 when a bright square sits in the sagittal crop, with
    Pfirrmann grades that follow the square's brightness. Half of the studies are single-plane
    (2-D) series; with `with_axial`, every other row has an axial crop."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "crops").mkdir(exist_ok=True)
    (folder / "crop-spec.json").write_text(json.dumps(SMALL_SPEC))
    sag = SMALL_SPEC["sagittal"]
    ax = SMALL_SPEC["axial"]
    rows = []
    for study in range(studies):
        planes = 1 if study % 2 == 0 else sag["slices"]
        for level in range(levels):
            bulge = int(rng.integers(0, 2))
            grade = int(rng.integers(1, 6))
            crop = rng.uniform(0.0, 0.3, size=(sag["slices"], sag["height"], sag["width"])).astype(np.float32)
            if bulge:
                crop[:, 4:12, 14:22] = 0.5 + 0.1 * grade
            if planes == 1:
                crop[:] = crop[sag["slices"] // 2]
            name = f"crops/s{study}_l{level}_sag.npy"
            np.save(folder / name, crop)
            axial_name = ""
            if with_axial and (study + level) % 2 == 0:
                axial_name = f"crops/s{study}_l{level}_ax.npy"
                np.save(folder / axial_name, rng.uniform(0, 1, size=(ax["slices"], ax["height"], ax["width"])).astype(np.float32))
            rows.append(
                {
                    "study_id": f"study-{study}",
                    "series_id": "t2",
                    "level": f"L{level}",
                    "ivd_label": level + 1,
                    "sagittal_path": name,
                    "sagittal_planes": planes,
                    "axial_path": axial_name,
                    "has_axial": 1 if axial_name else 0,
                    "disc_bulge": bulge,
                    "pfirrmann_grade": grade if level != 1 else "",
                }
            )
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def test_synthetic_manifest_layout(tmp_path):
    manifest = write_synthetic_manifest(tmp_path, studies=2, levels=2)
    lines = manifest.read_text().splitlines()
    assert lines[0].startswith("study_id,series_id,level,ivd_label,sagittal_path,sagittal_planes,axial_path,has_axial")
    assert len(lines) == 5
    assert np.load(tmp_path / "crops/s0_l0_sag.npy").shape == (5, 16, 24)
