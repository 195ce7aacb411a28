"""The manifest that `deepspine dataset build` writes, read by the grading data loader.

The fixture copies the builder's layout: crops under studies/<id>/crops/<id>/, the ten report
label columns (nine DeepSPINE conditions and disc herniation), empty cells for unknown and
uncertain values, and rows without any label for studies that have no joinable report.
"""

import json

import numpy as np
import torch

from deepspine_training.grading.data import MISSING_LABEL, CropDataset, collate_crops, labelled_counts, read_crop_spec, read_manifest
from deepspine_training.grading.heads import HEADS
from deepspine_training.grading.loss import grading_loss

REPORT_COLUMNS = (
    "spinal_canal_stenosis",
    "left_foraminal_stenosis",
    "right_foraminal_stenosis",
    "disc_bulge",
    "disc_osteophyte_complex",
    "left_facet_arthropathy",
    "right_facet_arthropathy",
    "ligamentum_flavum_thickening",
    "epidural_lipomatosis",
    "disc_herniation",
)
HEAD_INDEX = {head.name: index for index, head in enumerate(HEADS)}
SAGITTAL_SHAPE = (5, 4, 6)
AXIAL_SHAPE = (3, 6, 6)


def write_builder_manifest(root):
    """Write a small manifest in the builder's format with tiny crops; return its path."""
    spec = {
        "format": "deepspine-crops/1",
        "sagittal": {"width": SAGITTAL_SHAPE[2], "height": SAGITTAL_SHAPE[1], "slices": SAGITTAL_SHAPE[0], "pixelSpacingMm": 0.75, "sliceSpacingMm": 3.5},
        "axial": {"width": AXIAL_SHAPE[2], "height": AXIAL_SHAPE[1], "slices": AXIAL_SHAPE[0], "pixelSpacingMm": 0.75, "sliceSpacingMm": 3},
    }
    (root / "crop-spec.json").write_text(json.dumps(spec))
    # (study, level, has axial crop, label cells in REPORT_COLUMNS order)
    rows = [
        ("study-a", "L4-L5", True, ["2", "1", "", "1", "", "0", "0", "", "", "0"]),
        ("study-a", "L5-S1", True, ["3", "", "0", "", "", "", "", "1", "0", ""]),
        ("study-a", "L1-L2", False, [""] * 10),
        ("study-b", "L4-L5", True, [""] * 10),
    ]
    lines = ["study_id,series_id,level,ivd_label,sagittal_path,sagittal_planes,axial_path,has_axial," + ",".join(REPORT_COLUMNS)]
    for study, level, has_axial, labels in rows:
        folder = root / "studies" / study / "crops" / study
        folder.mkdir(parents=True, exist_ok=True)
        sagittal = f"studies/{study}/crops/{study}/sag_{level}_sag.npy"
        np.save(root / sagittal, np.full(SAGITTAL_SHAPE, 0.5, dtype=np.float32))
        axial = ""
        if has_axial:
            axial = f"studies/{study}/crops/{study}/sag_{level}_ax.npy"
            np.save(root / axial, np.full(AXIAL_SHAPE, 0.25, dtype=np.float32))
        lines.append(",".join([study, "sag", level, "", sagittal, "5", axial, "1" if has_axial else "0", *labels]))
    manifest = root / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def test_builder_manifest_label_values(tmp_path):
    records = read_manifest(write_builder_manifest(tmp_path))
    assert [r.level for r in records] == ["L4-L5", "L5-S1", "L1-L2", "L4-L5"]
    first = records[0].targets
    assert first[HEAD_INDEX["spinal_canal_stenosis"]] == 2
    assert first[HEAD_INDEX["left_foraminal_stenosis"]] == 1
    assert first[HEAD_INDEX["disc_bulge"]] == 1
    assert first[HEAD_INDEX["left_facet_arthropathy"]] == 0
    assert first[HEAD_INDEX["disc_herniation"]] == 0
    second = records[1].targets
    assert second[HEAD_INDEX["spinal_canal_stenosis"]] == 3
    assert second[HEAD_INDEX["right_foraminal_stenosis"]] == 0
    assert second[HEAD_INDEX["ligamentum_flavum_thickening"]] == 1


def test_builder_manifest_masks_unknown_cells(tmp_path):
    records = read_manifest(write_builder_manifest(tmp_path))
    assert records[0].targets[HEAD_INDEX["right_foraminal_stenosis"]] == MISSING_LABEL
    assert records[1].targets[HEAD_INDEX["disc_herniation"]] == MISSING_LABEL
    for head in ("pfirrmann_grade", "modic_type", "disc_narrowing", "spondylolisthesis"):
        assert records[0].targets[HEAD_INDEX[head]] == MISSING_LABEL, f"{head} has no column"
    for record in records[2:]:
        assert all(target == MISSING_LABEL for target in record.targets), f"{record.study_id} {record.level}"


def test_builder_manifest_paths_and_axial(tmp_path):
    manifest = write_builder_manifest(tmp_path)
    records = read_manifest(manifest)
    assert records[0].sagittal_path == tmp_path / "studies/study-a/crops/study-a/sag_L4-L5_sag.npy"
    assert records[2].axial_path is None
    dataset = CropDataset(records, read_crop_spec(manifest))
    batch = collate_crops([dataset[i] for i in range(len(dataset))])
    assert tuple(batch["sagittal"].shape) == (4, *SAGITTAL_SHAPE)
    assert batch["has_axial"].flatten().tolist() == [1.0, 1.0, 0.0, 1.0]
    assert float(batch["axial"][2].abs().sum()) == 0.0


def test_builder_manifest_counts_and_loss_masking(tmp_path):
    records = read_manifest(write_builder_manifest(tmp_path))
    counts = labelled_counts(records)
    assert counts["spinal_canal_stenosis"] == [0, 0, 1, 1]
    assert counts["disc_herniation"] == [1, 0]
    assert counts["pfirrmann_grade"] == [0, 0, 0, 0, 0]
    targets = torch.tensor([r.targets for r in records], dtype=torch.long)
    logits = {head.name: torch.zeros(len(records)) if head.kind == "binary" else torch.zeros(len(records), len(head.classes)) for head in HEADS}
    _, per_head = grading_loss(logits, targets, HEADS, {}, {})
    assert set(per_head) == set(REPORT_COLUMNS) - {"disc_osteophyte_complex"}
