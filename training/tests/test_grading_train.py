import json
import os
import subprocess
import sys

import pytest
import torch

from deepspine_training.grading.config import resolve_config
from deepspine_training.grading.train import main, train

from .test_grading_support import TRAINING_ROOT, write_synthetic_manifest

# A tiny network and few epochs keep each run to a few seconds on one CPU core.
TINY = [
    "network.widths=[8,16]",
    "network.cardinality=2",
    "network.group_width=2",
    "network.trunk_width=16",
    "batch_size=8",
    "threads=1",
    "folds=3",
    "min_labels_per_class=3",
]


def tiny_config(*extra: str):
    return resolve_config(None, [*TINY, *extra])


def test_config_file_and_overrides(tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps({"epochs": 7, "network": {"dropout": 0.1}}))
    config = resolve_config(config_file, ["epochs=9", "augment.enabled=false", "network.widths=[4,8]"])
    assert config.epochs == 9
    assert config.network.dropout == 0.1
    assert config.network.widths == (4, 8)
    assert config.augment.enabled is False
    with pytest.raises(ValueError, match="unknown config key 'network.depth'"):
        resolve_config(None, ["network.depth=3"])
    with pytest.raises(ValueError, match="KEY=VALUE"):
        resolve_config(None, ["epochs"])


def test_training_writes_outputs(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=9, levels=3, with_axial=True)
    out = tmp_path / "run"
    assert main(["--manifest", str(manifest), "--out", str(out), *sum((["--set", item] for item in [*TINY, "epochs=2"]), [])]) == 0
    for name in ("config.json", "train.log", "metrics.jsonl", "checkpoint-last.pt", "checkpoint-best.pt", "model.pt", "val_predictions.csv", "summary.json"):
        assert (out / name).exists(), name
    saved = json.loads((out / "config.json").read_text())
    assert saved["epochs"] == 2
    assert saved["network"]["widths"] == [8, 16]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trained_heads"]["disc_bulge"] is True
    assert summary["trained_heads"]["spinal_canal_stenosis"] is False
    assert "disc_bulge.auc" in summary["validation_metrics"]
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 2


def test_resume_matches_uninterrupted_run(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=6, levels=2)
    straight = tmp_path / "straight"
    train(manifest, straight, tiny_config("epochs=2"))
    resumed = tmp_path / "resumed"
    assert train(manifest, resumed, tiny_config("epochs=2"), stop_after=1) == {"stopped_after_epoch": 1}
    assert not (resumed / "model.pt").exists()
    train(manifest, resumed, tiny_config("epochs=2"), resume=True)
    a = torch.load(straight / "checkpoint-last.pt", weights_only=False)
    b = torch.load(resumed / "checkpoint-last.pt", weights_only=False)
    assert a["epoch"] == b["epoch"] == 1
    for key, value in a["model"].items():
        assert torch.allclose(value.float(), b["model"][key].float(), atol=1e-6), key


def test_resume_rejects_changed_config(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=1)
    out = tmp_path / "run"
    train(manifest, out, tiny_config("epochs=1"))
    with pytest.raises(ValueError, match=r"config differs in \['learning_rate'\]"):
        train(manifest, out, tiny_config("epochs=2", "learning_rate=0.5"), resume=True)


def test_resume_without_checkpoint_fails(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=1)
    with pytest.raises(FileNotFoundError, match="checkpoint-last.pt does not exist"):
        train(manifest, tmp_path / "empty", tiny_config("epochs=1"), resume=True)


def test_training_runs_under_torchrun(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=8, levels=2, with_axial=True)
    out = tmp_path / "ddp"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "deepspine_training.grading.train", "--manifest", str(manifest), "--out", str(out),
        *sum((["--set", item] for item in [*TINY, "epochs=2"]), []),
    ]
    environment = {**os.environ, "PYTHONPATH": str(TRAINING_ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, cwd=TRAINING_ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    log = (out / "train.log").read_text()
    assert "world size 2" in log
    # Only rank 0 writes: one metrics line per epoch, not one per rank.
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 2
    assert (out / "model.pt").exists()
