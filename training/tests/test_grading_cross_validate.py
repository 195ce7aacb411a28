import json

from deepspine_training.grading.cross_validate import cross_validate, evaluate_predictions

from .test_grading_support import write_synthetic_manifest
from .test_grading_train import tiny_config


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
    # A second call reuses the finished folds instead of training again.
    before = (out / "fold-0" / "model.pt").stat().st_mtime_ns
    cross_validate(manifest, out, tiny_config("epochs=1"), iterations=50)
    assert (out / "fold-0" / "model.pt").stat().st_mtime_ns == before


def test_evaluate_predictions_reports_modic_any_change():
    rows = []
    for study in range(6):
        for label in (0, 2):
            p0 = 0.8 if label == 0 else 0.3
            rows.append({"study_id": f"s{study}", "modic_type.label": str(label), "modic_type.p0": str(p0), "modic_type.p1": "0.0", "modic_type.p2": str(1 - p0), "modic_type.p3": "0.0"})
    metrics = evaluate_predictions(rows, iterations=20)
    assert metrics["modic_type.any_change_auc"]["value"] == 1.0
    assert metrics["modic_type.accuracy"]["value"] == 1.0
