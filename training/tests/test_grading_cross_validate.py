import dataclasses
import json
import os
import sys

import pytest
import torch

from deepspine_training.grading.cross_validate import cross_validate, evaluate_predictions, fold_state, main
from deepspine_training.grading.train import train

from .distributed_support import run_torchrun
from .test_grading_support import TRAINING_ROOT, write_synthetic_manifest
from .test_grading_train import TINY, tiny_config


def test_cross_validation_pools_out_of_fold_predictions(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=9, levels=3)
    out = tmp_path / "cv"
    metrics = cross_validate(manifest, out, tiny_config("epochs=1"), iterations=50)
    assert "disc_bulge.auc" in metrics
    assert "pfirrmann_grade.qwk" in metrics
    assert metrics["disc_bulge.auc"]["n"] == 27
    assert metrics["disc_bulge.auc"]["studies"] == 9
    low, high = metrics["disc_bulge.auc"]["ci95"]
    assert low <= metrics["disc_bulge.auc"]["value"] <= high
    report = json.loads((out / "cv_metrics.json").read_text())
    assert report["folds"] == 3
    assert (out / "oof_predictions.csv").read_text().count("\n") == 28
    # A second call reuses the finished folds instead of training again, also with other resource settings.
    before = (out / "fold-0" / "model.pt").stat().st_mtime_ns
    cross_validate(manifest, out, tiny_config("epochs=1", "threads=2"), iterations=50)
    assert (out / "fold-0" / "model.pt").stat().st_mtime_ns == before
    # Folds trained with other settings are not credited to the requested ones.
    with pytest.raises(ValueError, match=r"fold-0 was trained with other settings \(learning_rate, network.dropout\) than requested"):
        cross_validate(manifest, out, tiny_config("epochs=1", "learning_rate=0.01", "network.dropout=0.1"), iterations=50)
    assert (out / "fold-0" / "model.pt").stat().st_mtime_ns == before
    assert json.loads((out / "cv_metrics.json").read_text())["config"]["learning_rate"] == 0.001


def test_cross_validation_rejects_more_folds_than_studies(tmp_path, capsys):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=3, levels=2)
    out = tmp_path / "cv"
    assert main(["--manifest", str(manifest), "--out", str(out), *sum((["--set", item] for item in [*TINY, "folds=4", "epochs=1"]), [])]) == 2
    error = capsys.readouterr().err
    assert "invalid config folds 4: " in error
    assert "has 3 studies, and every fold needs at least one; set folds to 3 or fewer" in error
    assert not out.exists()


def test_cross_validation_runs_under_torchrun(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=6, levels=3)
    out = tmp_path / "cv"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "deepspine_training.grading.cross_validate", "--manifest", str(manifest), "--out", str(out), "--bootstrap", "20",
        *sum((["--set", item] for item in [*TINY, "folds=2", "epochs=1", "min_labels_per_class=1"]), []),
    ]
    environment = {**os.environ, "PYTHONPATH": str(TRAINING_ROOT), "OMP_NUM_THREADS": "1"}
    result = run_torchrun(command, TRAINING_ROOT, environment, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for fold in (0, 1):
        assert "world size 2" in (out / f"fold-{fold}" / "train.log").read_text()
        assert (out / f"fold-{fold}" / "model.pt").exists()
    report = json.loads((out / "cv_metrics.json").read_text())
    assert report["folds"] == 2
    # Every study is predicted once, by the fold that held it out.
    assert (out / "oof_predictions.csv").read_text().count("\n") == 1 + 6 * 3


def test_evaluate_predictions_reports_modic_any_change():
    rows = []
    for study in range(6):
        for label in (0, 2):
            p0 = 0.8 if label == 0 else 0.3
            rows.append({"study_id": f"s{study}", "modic_type.label": str(label), "modic_type.p0": str(p0), "modic_type.p1": "0.0", "modic_type.p2": str(1 - p0), "modic_type.p3": "0.0"})
    metrics = evaluate_predictions(rows, iterations=20)
    assert metrics["modic_type.any_change_auc"]["value"] == 1.0
    assert metrics["modic_type.accuracy"]["value"] == 1.0


def test_started_fold_rejects_other_epochs(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=6, levels=2)
    out = tmp_path / "cv"
    config = tiny_config("epochs=2")
    # An interrupted fold: one of its two epochs done.
    train(manifest, out / "fold-0", dataclasses.replace(config, fold=0), stop_after=1)
    assert fold_state(out / "fold-0", config, manifest) == "started"
    assert fold_state(out / "fold-0", tiny_config("epochs=2", "threads=2"), manifest) == "started"
    with pytest.raises(ValueError, match=r"fold-0 was started with other settings \(epochs\) than requested"):
        cross_validate(manifest, out, tiny_config("epochs=3"), iterations=50)
    with pytest.raises(ValueError, match=r"fold-0 was started with other settings \(learning_rate\) than requested"):
        cross_validate(manifest, out, tiny_config("epochs=2", "learning_rate=0.01"), iterations=50)
    # The rejected calls leave the fold as it was and train no other fold.
    assert torch.load(out / "fold-0" / "checkpoint-last.pt", weights_only=False)["epoch"] == 0
    assert not (out / "fold-1").exists()


def test_fold_reuse_rejects_changed_manifest(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=6, levels=2)
    out = tmp_path / "cv"
    config = tiny_config("epochs=2")
    train(manifest, out / "fold-0", dataclasses.replace(config, fold=0), stop_after=1)
    train(manifest, out / "fold-1", dataclasses.replace(config, fold=1, epochs=1))
    config_1 = dataclasses.replace(config, fold=1, epochs=1)
    assert fold_state(out / "fold-0", config, manifest) == "started"
    assert fold_state(out / "fold-1", config_1, manifest) == "finished"
    # A changed label, the row count unchanged.
    text = manifest.read_text()
    header, first, *rest = text.splitlines()
    columns = header.split(",")
    cells = first.split(",")
    bulge = columns.index("disc_bulge")
    cells[bulge] = "1" if cells[bulge] == "0" else "0"
    manifest.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    with pytest.raises(ValueError, match=r"fold-0/checkpoint-last.pt was trained on other data"):
        fold_state(out / "fold-0", config, manifest)
    with pytest.raises(ValueError, match=r"fold-1/summary.json was trained on other data"):
        fold_state(out / "fold-1", config_1, manifest)
