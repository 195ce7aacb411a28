import json
import os
import subprocess
import sys

import pytest
import torch

from deepspine_training.grading.config import resolve_config
from deepspine_training.grading.train import main, train

from .distributed_support import NODE_WRAPPER, run_torchrun
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
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    train(manifest, out, tiny_config("epochs=1", "min_labels_per_class=1"))
    with pytest.raises(ValueError, match=r"config differs in \['learning_rate'\]"):
        train(manifest, out, tiny_config("epochs=2", "learning_rate=0.5", "min_labels_per_class=1"), resume=True)


def test_resume_without_checkpoint_fails(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    with pytest.raises(FileNotFoundError, match="checkpoint-last.pt does not exist"):
        train(manifest, tmp_path / "empty", tiny_config("epochs=1", "min_labels_per_class=1"), resume=True)


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


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("epochs=0", "invalid config epochs 0: expected at least 1"),
        ("epochs=-1", "invalid config epochs -1: expected at least 1"),
        ("batch_size=0", "invalid config batch_size 0: expected at least 1"),
        ("min_labels_per_class=0", "invalid config min_labels_per_class 0: expected at least 1"),
        ("min_labels_per_class=-2", "invalid config min_labels_per_class -2: expected at least 1"),
        ("network.widths=[]", "invalid config network.widths []: expected at least one value"),
        ("augment.gamma_range=[0,1]", "invalid config augment.gamma_range [0.0, 1.0]: expected two values [low, high] with 0 < low <= high"),
        ("network.dropout=1", "invalid config network.dropout 1.0: expected at least 0 and less than 1"),
        ("fold=3", "invalid config fold 3: expected 0 to folds - 1 (2)"),
        ("network.axial_slices=2", "invalid config network.axial_slices 2: the crops of"),
        ("epochs=two", "config epochs: expected a value like 20, got 'two'"),
        ("learning_rate=inf", "invalid config learning_rate inf: expected a finite number greater than 0"),
        ("learning_rate=nan", "invalid config learning_rate nan: expected a finite number greater than 0"),
        ("learning_rate=-0.1", "invalid config learning_rate -0.1: expected a finite number greater than 0"),
        ("seed=-1", "invalid config seed -1: expected at least 0"),
        ("split_seed=-3", "invalid config split_seed -3: expected at least 0"),
        ("positive_weight_cap=inf", "invalid config positive_weight_cap inf: expected a finite number greater than 0"),
        ("epochs=2.7", "config epochs: expected a value like 20, got '2.7'"),
        ("epochs=true", "config epochs: expected a value like 20, got 'true'"),
        ("select_best=5", "config select_best: expected true or false, got '5'"),
        ("network.widths=[4.5,8]", "config network.widths: expected a value like 32, got 4.5"),
    ],
)
def test_invalid_config_exits_before_writing(tmp_path, capsys, assignment, message):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=3, levels=3)
    out = tmp_path / "run"
    arguments = ["--manifest", str(manifest), "--out", str(out), *sum((["--set", item] for item in [*TINY, "min_labels_per_class=1", assignment]), [])]
    assert main(arguments) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_fresh_run_rejects_existing_output(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    config = tiny_config("epochs=1", "min_labels_per_class=1")
    train(manifest, out, config)
    log_lines = len((out / "train.log").read_text().splitlines())
    with pytest.raises(ValueError, match=r"already contains a training run \(checkpoint-last.pt, metrics.jsonl, model.pt, summary.json\); pass --resume"):
        train(manifest, out, config)
    # The first run's files are as it left them.
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 1
    assert len((out / "train.log").read_text().splitlines()) == log_lines


def test_resume_accepts_resource_changes(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    train(manifest, out, tiny_config("epochs=2", "min_labels_per_class=1"), stop_after=1)
    train(manifest, out, tiny_config("epochs=2", "min_labels_per_class=1", "threads=2", "num_workers=1"), resume=True)
    assert torch.load(out / "model.pt", weights_only=False)["config"]["threads"] == 2
    log = (out / "train.log").read_text()
    assert "resuming with threads=2 (the checkpoint was trained with threads=1)" in log
    assert "resuming with num_workers=1 (the checkpoint was trained with num_workers=0)" in log
    # The resumed call appends to the log of the first.
    assert "stopped after epoch 1 of 2" in log


def test_training_rejects_manifest_without_usable_labels(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    with pytest.raises(ValueError, match="no head has 1000 or more labelled samples in each of two classes"):
        train(manifest, tmp_path / "few", tiny_config("epochs=1", "min_labels_per_class=1000"))
    # A manifest without label columns trains no head either.
    lines = manifest.read_text().splitlines()
    columns = lines[0].split(",")
    keep = columns.index("has_axial") + 1
    manifest.write_text("\n".join(",".join(line.split(",")[:keep]) for line in lines) + "\n")
    with pytest.raises(ValueError, match="no head has 1 or more labelled samples"):
        train(manifest, tmp_path / "none", tiny_config("epochs=1", "min_labels_per_class=1"))
    assert not (tmp_path / "few").exists()
    assert not (tmp_path / "none").exists()


def test_node_local_output_fails_resume_on_every_rank(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    for node in ("node0", "node1"):
        (tmp_path / node).mkdir()
    settings = sum((["--set", item] for item in [*TINY, "epochs=2", "min_labels_per_class=1"]), [])
    # Only node 0 has the checkpoint of the interrupted run.
    train(manifest, tmp_path / "node0" / "g", tiny_config("epochs=2", "min_labels_per_class=1"), stop_after=1)
    wrapper = tmp_path / "node_wrapper.py"
    wrapper.write_text(NODE_WRAPPER)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(wrapper), str(tmp_path),
        "deepspine_training.grading.train", "--manifest", str(manifest), "--out", "g", *settings, "--resume",
    ]
    environment = {**os.environ, "PYTHONPATH": str(TRAINING_ROOT), "OMP_NUM_THREADS": "1"}
    result = run_torchrun(command, TRAINING_ROOT, environment, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    # Both ranks report the missing file, rank 0 included.
    assert output.count("error: rank 1 cannot read g/checkpoint-last.pt, which rank 0 resumes from") == 2, output[-3000:]
    assert "--out must be on storage that every node sees" in output
    assert not (tmp_path / "node0" / "g" / "model.pt").exists()


def test_diverged_training_stops_with_error(tmp_path, capsys):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    arguments = ["--manifest", str(manifest), "--out", str(out), *sum((["--set", item] for item in [*TINY, "min_labels_per_class=1", "epochs=2", "learning_rate=1e30"]), [])]
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert "error: training diverged:" in error
    assert "epoch 1 of 2 (learning rate 1e+30); train again with a lower learning rate" in error
    # The diverged epoch writes neither metrics nor weights.
    assert not (out / "metrics.jsonl").exists()
    assert not (out / "checkpoint-last.pt").exists()
    assert not (out / "model.pt").exists()


def test_resume_rejects_changed_manifest(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    config = tiny_config("epochs=2", "min_labels_per_class=1")
    train(manifest, out, config, stop_after=1)
    original = manifest.read_bytes()
    # One labelled row removed, as when a study leaves the dataset.
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(ValueError, match=r"checkpoint-last.pt was trained on other data: the SHA-256 of .*manifest.csv is [0-9a-f]{12}\.\.\., but the run recorded [0-9a-f]{12}"):
        train(manifest, out, config, resume=True)
    assert torch.load(out / "checkpoint-last.pt", weights_only=False)["epoch"] == 0
    # The same contents under another path are the same data.
    copy = tmp_path / "crops" / "copy.csv"
    copy.write_bytes(original)
    train(copy, out, config, resume=True)
    assert torch.load(out / "checkpoint-last.pt", weights_only=False)["epoch"] == 1
    assert (out / "model.pt").exists()


def test_resume_rejects_fewer_epochs(tmp_path, capsys):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    train(manifest, out, tiny_config("epochs=3", "min_labels_per_class=1"), stop_after=2)
    arguments = ["--manifest", str(manifest), "--out", str(out), *sum((["--set", item] for item in [*TINY, "min_labels_per_class=1", "epochs=1"]), []), "--resume"]
    assert main(arguments) == 2
    assert "it has finished 2 epochs, more than the requested epochs=1; set epochs to 2 or more" in capsys.readouterr().err
    assert not (out / "model.pt").exists()
    # Exactly the finished epochs completes the run without training further.
    train(manifest, out, tiny_config("epochs=2", "min_labels_per_class=1"), resume=True)
    assert torch.load(out / "checkpoint-last.pt", weights_only=False)["epoch"] == 1
    assert (out / "model.pt").exists()


def test_resume_rejects_other_checkpoint_on_another_rank(tmp_path, monkeypatch):
    import deepspine_training.grading.train as train_module
    from deepspine_training.distributed import DistributedContext, RankMismatchError
    from deepspine_training.run_checks import file_sha256

    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    config = tiny_config("epochs=2", "min_labels_per_class=1")
    # Node-local --out: each node has a checkpoint at the same epoch, from runs with other learning rates.
    train(manifest, tmp_path / "node0" / "g", config, stop_after=1)
    train(manifest, tmp_path / "node1" / "g", tiny_config("epochs=2", "min_labels_per_class=1", "learning_rate=0.01"), stop_after=1)
    rank0_result = train_module.check_resume_source(tmp_path / "node0" / "g" / "checkpoint-last.pt", config, manifest, file_sha256(manifest))
    monkeypatch.setattr(train_module, "decide_on_main", lambda decide, context: rank0_result)
    rank1 = DistributedContext(rank=1, local_rank=0, world_size=1, device=torch.device("cpu"))
    with pytest.raises(RankMismatchError, match=r"rank 1 reads other contents from .*node1/g/checkpoint-last.pt than rank 0 \(SHA-256 [0-9a-f]{12}\.\.\. against [0-9a-f]{12}\.\.\., rank 0 resumes after epoch 1\); with several nodes --out must be on storage that every node sees"):
        train_module.load_resume_checkpoint(tmp_path / "node1" / "g", config, manifest, file_sha256(manifest), rank1)
    # The same file on both ranks passes.
    checkpoint, _ = train_module.load_resume_checkpoint(tmp_path / "node0" / "g", config, manifest, file_sha256(manifest), rank1)
    assert checkpoint["epoch"] == 0


def test_lock_file_rejects_second_run(tmp_path, capsys):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    out.mkdir()
    # Another run into the same folder holds the lock.
    (out / "train.lock").write_text("pid 4242 on node-a\n")
    arguments = ["--manifest", str(manifest), "--out", str(out), *sum((["--set", item] for item in [*TINY, "min_labels_per_class=1", "epochs=1"]), [])]
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert f"{out} is in use by another training run (pid 4242 on node-a)" in error
    assert f"delete {out / 'train.lock'} and try again" in error
    assert sorted(path.name for path in out.iterdir()) == ["train.lock"]
    # Without the lock the run trains, and removes its own lock at the end.
    (out / "train.lock").unlink()
    assert main(arguments) == 0
    assert (out / "model.pt").exists()
    assert not (out / "train.lock").exists()


def test_lock_released_after_rejected_run(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "missing"
    with pytest.raises(FileNotFoundError, match="checkpoint-last.pt does not exist"):
        train(manifest, out, tiny_config("epochs=1", "min_labels_per_class=1"), resume=True)
    # The folder that only the lock needed is removed with it.
    assert not out.exists()


def test_sigterm_removes_lock_file(tmp_path):
    import signal
    import time

    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    command = [sys.executable, "-m", "deepspine_training.grading.train", "--manifest", str(manifest), "--out", str(out), *sum((["--set", item] for item in [*TINY, "min_labels_per_class=1", "epochs=1000"]), [])]
    environment = {**os.environ, "PYTHONPATH": str(TRAINING_ROOT), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, cwd=TRAINING_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out / "metrics.jsonl").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (out / "train.lock").exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        process.kill()
        process.wait()
    assert not (out / "train.lock").exists()
    # The run's own files stay for --resume.
    assert (out / "metrics.jsonl").exists()


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        ("[1, 2]", "tiny.json: expected a JSON object of settings, got a JSON list"),
        ('{"epochs": 2,}', "tiny.json: invalid JSON (Expecting property name"),
        ('{"epochs": 2.7}', "config epochs: expected a value like 20, got 2.7"),
        ('{"epochs": true}', "config epochs: expected a value like 20, got True"),
        ('{"select_best": 5}', "config select_best: expected true or false, got 5"),
        ('{"network": {"widths": [4.5, 8]}}', "config network.widths: expected a value like 32, got 4.5"),
        ('{"network": {"widths": [8, true]}}', "config network.widths: expected a value like 32, got True"),
    ],
)
def test_invalid_config_file_exits_before_writing(tmp_path, capsys, contents, message):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=3, levels=3)
    config_file = tmp_path / "tiny.json"
    config_file.write_text(contents)
    out = tmp_path / "run"
    assert main(["--manifest", str(manifest), "--out", str(out), "--config", str(config_file)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_output_under_file_exits_before_writing(tmp_path, capsys):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=3, levels=3)
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    arguments = ["--manifest", str(manifest), "--out", str(blocker / "run"), *sum((["--set", item] for item in [*TINY, "min_labels_per_class=1", "epochs=1"]), [])]
    assert main(arguments) == 2
    assert f"invalid --out {blocker / 'run'}: {blocker} is a file, not a folder" in capsys.readouterr().err
    assert blocker.read_text() == "not a folder"


def test_metrics_log_each_epochs_learning_rate(tmp_path):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    train(manifest, out, tiny_config("epochs=2", "min_labels_per_class=1", "learning_rate=0.002"))
    entries = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    # Cosine schedule over 2 epochs: the full rate, then half of it.
    assert entries[0]["learning_rate"] == pytest.approx(0.002)
    assert entries[1]["learning_rate"] == pytest.approx(0.001)


def test_resume_names_truncated_checkpoint(tmp_path, capsys):
    manifest = write_synthetic_manifest(tmp_path / "crops", studies=4, levels=3)
    out = tmp_path / "run"
    train(manifest, out, tiny_config("epochs=2", "min_labels_per_class=1"), stop_after=1)
    last = out / "checkpoint-last.pt"
    last.write_bytes(last.read_bytes()[:200])
    arguments = ["--manifest", str(manifest), "--out", str(out), *sum((["--set", item] for item in [*TINY, "min_labels_per_class=1", "epochs=2"]), []), "--resume"]
    assert main(arguments) == 2
    assert f"error: {last}: cannot read the checkpoint (" in capsys.readouterr().err
    assert not (out / "model.pt").exists()


def test_lock_of_ended_run_is_named_stale(tmp_path):
    import socket
    from deepspine_training.run_checks import OutputLock

    out = tmp_path / "run"
    out.mkdir()
    # A process that has ended: the pid of a finished child of this test.
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    (out / "train.lock").write_text(f"pid {child.stdout.strip()} on {socket.gethostname()}\n")
    with pytest.raises(ValueError, match="that has ended without removing it, as a killed run does"):
        OutputLock(out).acquire()
    # A running owner on this host, and one on another host, count as running.
    for owner in (f"pid {os.getpid()} on {socket.gethostname()}", "pid 1 on another-host"):
        (out / "train.lock").write_text(owner + "\n")
        with pytest.raises(ValueError, match="is in use by another training run"):
            OutputLock(out).acquire()
