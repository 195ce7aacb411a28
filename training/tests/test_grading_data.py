import numpy as np
import pytest

from deepspine_training.grading.data import (
    MISSING_LABEL,
    AugmentConfig,
    CropDataset,
    augment,
    binary_positive_weights,
    class_weights,
    collate_crops,
    read_crop_spec,
    read_manifest,
    split_by_study,
)
from deepspine_training.grading.heads import HEADS

from .test_grading_support import write_synthetic_manifest

BULGE = [h.name for h in HEADS].index("disc_bulge")
PFIRRMANN = [h.name for h in HEADS].index("pfirrmann_grade")


def test_read_manifest_maps_labels_to_classes(tmp_path):
    records = read_manifest(write_synthetic_manifest(tmp_path, studies=2, levels=2))
    assert len(records) == 4
    first = records[0]
    assert first.study_id == "study-0"
    assert first.sagittal_planes == 1
    assert first.axial_path is None
    assert first.targets[BULGE] in (0, 1)
    assert 0 <= first.targets[PFIRRMANN] <= 4
    assert records[1].targets[PFIRRMANN] == MISSING_LABEL
    assert first.targets[[h.name for h in HEADS].index("spinal_canal_stenosis")] == MISSING_LABEL


def test_read_manifest_rejects_invalid_label(tmp_path):
    manifest = write_synthetic_manifest(tmp_path, studies=1, levels=1)
    text = manifest.read_text().splitlines()
    cells = text[1].split(",")
    cells[-1] = "7"
    manifest.write_text("\n".join([text[0], ",".join(cells)]) + "\n")
    with pytest.raises(ValueError, match=r"line 2: label 7.0 is not valid for head 'pfirrmann_grade'"):
        read_manifest(manifest)


def test_read_manifest_accepts_level_confidence(tmp_path, caplog):
    manifest = write_synthetic_manifest(tmp_path, studies=1, levels=2)
    lines = manifest.read_text().splitlines()
    lines[0] += ",level_confidence,surprise"
    lines[1:] = [line + ",0.24," for line in lines[1:]]
    manifest.write_text("\n".join(lines) + "\n")
    with caplog.at_level("WARNING"):
        records = read_manifest(manifest)
    assert len(records) == 2
    assert "'surprise'" in caplog.text
    assert "level_confidence" not in caplog.text


def test_read_manifest_requires_columns(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("study_id,level\nA,L1-L2\n")
    with pytest.raises(ValueError, match="missing columns"):
        read_manifest(manifest)


def test_read_crop_spec_checks_format(tmp_path):
    manifest = write_synthetic_manifest(tmp_path, studies=1, levels=1)
    assert read_crop_spec(manifest)["sagittal"]["width"] == 24
    (tmp_path / "crop-spec.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="expected format"):
        read_crop_spec(manifest)


def test_manifest_through_link_reads_beside_target(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=1, levels=1)
    link = tmp_path / "elsewhere" / "manifest.csv"
    link.parent.mkdir()
    link.symlink_to(manifest)
    assert read_crop_spec(link)["sagittal"]["width"] == 24
    records = read_manifest(link)
    assert records[0].sagittal_path.parent.parent == (tmp_path / "crops").resolve()
    assert records[0].sagittal_path.exists()


def test_split_keeps_studies_together(tmp_path):
    records = read_manifest(write_synthetic_manifest(tmp_path, studies=10, levels=3))
    seen = set()
    for fold in range(5):
        train, validation = split_by_study(records, 5, fold, seed=1)
        train_studies = {r.study_id for r in train}
        validation_studies = {r.study_id for r in validation}
        assert not train_studies & validation_studies
        assert len(train) + len(validation) == len(records)
        seen |= validation_studies
    assert seen == {r.study_id for r in records}
    everything, none = split_by_study(records, 1, 0, seed=1)
    assert len(everything) == len(records)
    assert none == []


def test_positive_weights_follow_imbalance(tmp_path):
    records = read_manifest(write_synthetic_manifest(tmp_path, studies=10, levels=3))
    labels = [r.targets[BULGE] for r in records]
    expected = (len(labels) - sum(labels)) / sum(labels)
    weights = binary_positive_weights(records)
    assert weights["disc_bulge"] == pytest.approx(expected)
    assert weights["epidural_lipomatosis"] == 1.0
    pfirrmann = class_weights(records)["pfirrmann_grade"]
    assert np.mean([w for w in pfirrmann if w > 0]) == pytest.approx(1.0)
    assert class_weights(records)["spinal_canal_stenosis"] == [0.0, 0.0, 0.0, 0.0]


def test_dataset_loads_single_plane_as_one_slice(tmp_path):
    manifest = write_synthetic_manifest(tmp_path, studies=2, levels=1, with_axial=True)
    records = read_manifest(manifest)
    dataset = CropDataset(records, read_crop_spec(manifest))
    single, slab = dataset[0], dataset[1]
    assert single["sagittal"].shape == (1, 16, 24)
    assert slab["sagittal"].shape == (5, 16, 24)
    assert float(single["has_axial"]) == 1.0
    assert float(slab["has_axial"]) == 0.0
    assert float(slab["axial"].abs().sum()) == 0.0
    batch = collate_crops([single, slab])
    assert batch["sagittal"].shape == (2, 5, 16, 24)
    assert (batch["sagittal"][0, 0] == batch["sagittal"][0, 4]).all()


def test_dataset_rejects_wrong_crop_shape(tmp_path):
    manifest = write_synthetic_manifest(tmp_path, studies=1, levels=1)
    records = read_manifest(manifest)
    spec = read_crop_spec(manifest)
    spec["sagittal"]["width"] = 30
    with pytest.raises(ValueError, match="expected float32 array of shape"):
        CropDataset(records, spec)[0]


def test_augmentation_is_reproducible(tmp_path):
    manifest = write_synthetic_manifest(tmp_path, studies=1, levels=1)
    records = read_manifest(manifest)
    dataset = CropDataset(records, read_crop_spec(manifest), AugmentConfig(), seed=3)
    dataset.set_epoch(2)
    a = dataset[0]["sagittal"]
    b = dataset[0]["sagittal"]
    dataset.set_epoch(3)
    c = dataset[0]["sagittal"]
    assert (a == b).all()
    assert not (a == c).all()
    assert float(a.min()) >= 0.0
    assert float(a.max()) <= 1.0


def test_augment_shift_fills_with_zeros():
    array = np.ones((1, 8, 8), dtype=np.float32)
    config = AugmentConfig(max_shift_px=3, gamma_range=(1.0, 1.0), contrast_range=(1.0, 1.0), noise_std=0.0)
    shifted = augment(array, np.random.default_rng(0), config)
    assert shifted.shape == array.shape
    assert 0 < shifted.sum() <= 64
