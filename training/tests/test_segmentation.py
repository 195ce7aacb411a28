"""Tests of segmentation training on tiny synthetic planes."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch

from deepspine_training.segmentation.data import PlaneSampler, body_intensities, load_cases, subject_groups
from deepspine_training.segmentation.export import ProbabilityHead, checkpoint_body_intensity, checkpoint_spacing, export_onnx, load_network, write_parity_fixture
from deepspine_training.segmentation.loss import masked_dice_bce_loss
from deepspine_training.segmentation.model import build_segmentation_network
from deepspine_training.segmentation.train import SegmentationConfig, parse_config, train
from deepspine_training.distributed import DistributedContext

from .distributed_support import NODE_WRAPPER, run_torchrun

TRAINING_ROOT = Path(__file__).resolve().parents[1]


def write_planes(folder: Path, cases: dict[str, tuple[int, ...]], planes: int = 3, size: int = 48, seed: int = 0, body_intensity: dict[str, float] | None = None) -> None:
    """Write a manifest of synthetic cases: a bright square labelled 1 above a band labelled 2.
    Cases that label bodies record a body intensity of 0.5, the square's, or the one given."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, annotated in cases.items():
        images = rng.normal(0.1, 0.02, (planes, size, size)).astype(np.float32)
        labels = np.zeros((planes, size, size), np.uint8)
        images[:, 8:20, 10:30] = 0.5
        labels[:, 8:20, 10:30] = 1
        images[:, 22:26, 10:30] = 0.9
        labels[:, 22:26, 10:30] = 2
        # Unannotated classes are unlabelled in the file, as in the real partial annotations.
        for c in (1, 2):
            if c not in annotated:
                labels[labels == c] = 0
        known = np.full((planes, size, size), sum(1 << (c - 1) for c in annotated), np.uint8)
        images.tofile(folder / f"{name}.image.f32")
        labels.tofile(folder / f"{name}.labels.u8")
        known.tofile(folder / f"{name}.known.u8")
        entries.append({"case": name, "annotated": list(annotated), "planes": planes, "width": size, "height": size, "imageFile": f"{name}.image.f32", "labelFile": f"{name}.labels.u8", "knownFile": f"{name}.known.u8", "pseudoLabelledVoxels": 0, "bodyIntensity": (body_intensity or {}).get(name, 0.5) if 1 in annotated else None})
    (folder / "manifest.json").write_text(json.dumps({"format": "deepspine-segmentation-planes/2", "spacingMm": 1.25, "cases": entries}))


def test_loss_ignores_unannotated_channel():
    logits = torch.zeros(2, 2, 8, 8)
    target = torch.zeros(2, 2, 8, 8)
    target[:, 0, 2:5, 2:5] = 1
    known = torch.zeros(2, 2, 8, 8)
    known[:, 0] = 1
    base = masked_dice_bce_loss(logits, target, known)
    changed = logits.clone()
    changed[:, 1] = 25.0
    assert torch.isclose(masked_dice_bce_loss(changed, target, known), base)
    # The same change counts once the channel is known.
    full = torch.ones(2, 2, 8, 8)
    assert masked_dice_bce_loss(changed, target, full) > masked_dice_bce_loss(logits, target, full)


def test_loss_ignores_unknown_pixels():
    logits = torch.zeros(1, 2, 8, 8)
    target = torch.zeros(1, 2, 8, 8)
    known = torch.ones(1, 2, 8, 8)
    known[:, :, :4] = 0
    base = masked_dice_bce_loss(logits, target, known)
    changed = logits.clone()
    changed[:, :, :4] = 30.0
    assert torch.isclose(masked_dice_bce_loss(changed, target, known), base)
    changed[:, :, 6] = 30.0
    assert masked_dice_bce_loss(changed, target, known) > base


def test_loss_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="must match"):
        masked_dice_bce_loss(torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 5), torch.ones(1, 2, 4, 4))


def test_sampler_returns_masked_targets(tmp_path):
    write_planes(tmp_path, {"discs": (2,), "bodies": (1,)})
    cases = load_cases(tmp_path)
    sampler = PlaneSampler(cases, crop=32, rng=np.random.default_rng(1))
    for _ in range(10):
        image, target, known = sampler.sample()
        assert image.shape == (1, 32, 32)
        assert target.shape == (2, 32, 32)
        assert set(np.unique(target)) <= {0.0, 1.0}
        # Each synthetic case annotates one class, so only one channel may have known pixels.
        assert (known.reshape(2, -1).max(axis=1) > 0).sum() == 1


def test_subject_groups_join_identical_masks(tmp_path):
    write_planes(tmp_path, {"a": (1,), "b": (1,), "c": (2,)})
    groups = subject_groups(load_cases(tmp_path))
    assert groups["b"] == "a"
    assert groups["c"] == "c"


def test_load_cases_names_missing_case(tmp_path):
    write_planes(tmp_path, {"a": (1,)})
    with pytest.raises(ValueError, match="cases not in"):
        load_cases(tmp_path, ["a", "zzz"])


def test_config_flags_override_file(tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps({"steps": 7, "crop": 64}))
    config = parse_config(["--config", str(config_file), "--crop", "32"])
    assert config.steps == 7
    assert config.crop == 32


def test_training_resumes_and_exports_matching_onnx(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), steps=3, batch_size=2, crop=32, checkpoint_every=3, log_every=1, channels=[4, 8, 8, 8, 8])
    checkpoint = train(config, context)
    assert torch.load(checkpoint, weights_only=False)["step"] == 3
    config.steps = 5
    train(config, context)
    assert torch.load(checkpoint, weights_only=False)["step"] == 5
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["steps"] == 5

    network = load_network(checkpoint)
    onnx_path = tmp_path / "model.onnx"
    # The checkpoint records the spacing of its planes' manifest, and the sidecar passes it on.
    assert checkpoint_spacing([checkpoint]) == 1.25
    export_onnx(network, onnx_path, checkpoint_spacing([checkpoint]))
    assert json.loads((tmp_path / "model.json").read_text()) == {"format": "deepspine-segmentation-model/1", "spacingMm": 1.25}
    image = np.random.default_rng(3).normal(size=(2, 1, 48, 64)).astype(np.float32)
    with torch.no_grad():
        expected = torch.sigmoid(network(torch.from_numpy(image))).numpy()
    session = onnxruntime.InferenceSession(str(onnx_path))
    actual = session.run(None, {"image": image})[0]
    assert actual.shape == (2, 2, 48, 64)
    np.testing.assert_allclose(actual, expected, atol=1e-4)


def test_resume_rejects_another_run(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), steps=2, batch_size=2, crop=32, log_every=1, channels=[4, 8, 8, 8, 8], seed=1)
    train(config, context)
    with pytest.raises(ValueError, match="different seed"):
        train(dataclasses.replace(config, seed=2), context)
    with pytest.raises(ValueError, match="different cases, training cases"):
        train(dataclasses.replace(config, cases=["discs"]), context)
    manifest_path = tmp_path / "data" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "spacingMm": 1.0}))
    with pytest.raises(ValueError, match="different plane spacing"):
        train(config, context)
    manifest_path.write_text(json.dumps({**manifest, "spacingMm": 0.1}))
    with pytest.raises(ValueError, match="invalid spacingMm 0.1, expected 0.25 to 4.0 mm"):
        train(dataclasses.replace(config, out=str(tmp_path / "fresh")), context)
    # The rejected runs leave the first run's settings in place.
    assert json.loads((tmp_path / "run" / "config.json").read_text())["seed"] == 1


def test_body_intensities_of_body_cases(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,), "dark": (1,), "bright": (1, 2), "other": (1,)}, body_intensity={"dark": 0.07, "bright": 0.24, "other": 0.53})
    # Disc-only cases record none and are left out; cases not named are left out too.
    assert body_intensities(tmp_path / "data", ["discs", "dark", "bright"]) == {"dark": 0.07, "bright": 0.24}
    assert body_intensities(tmp_path / "data", ["discs"]) is None
    # The manifest's own path names its folder.
    assert body_intensities(tmp_path / "data" / "manifest.json", ["dark"]) == {"dark": 0.07}
    with pytest.raises(ValueError, match="lacks the cases elsewhere, missing; pass the planes"):
        body_intensities(tmp_path / "data", ["dark", "missing", "elsewhere"])
    manifest_path = tmp_path / "data" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["cases"]:
        entry.pop("bodyIntensity")
    manifest_path.write_text(json.dumps(manifest))
    # A manifest written before the field existed gives no values rather than some of them.
    assert body_intensities(tmp_path / "data", ["dark", "bright"]) is None


def test_export_writes_body_intensity(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,), "dark": (1,), "bright": (1,)}, body_intensity={"dark": 0.1, "bright": 0.2})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), steps=1, batch_size=2, crop=32, log_every=1, channels=[4, 8, 8, 8, 8], cases=["discs", "dark"])
    checkpoint = train(config, context)
    # The checkpoint records the values of its own training cases only.
    assert checkpoint_body_intensity([checkpoint]) == {"dark": 0.1}
    from deepspine_training.segmentation import export

    export.main([str(checkpoint), "--out", str(tmp_path / "model.onnx")])
    expected = {"min": 0.1, "max": 0.1, "cases": 1, "values": [0.1]}
    assert json.loads((tmp_path / "model.json").read_text()) == {"format": "deepspine-segmentation-model/1", "spacingMm": 1.25, "bodyIntensity": expected}
    # A checkpoint written before the values were recorded takes them from --planes, for its cases.
    old = torch.load(checkpoint, weights_only=False)
    old.pop("body_intensity")
    torch.save(old, tmp_path / "old.pt")
    export.main([str(tmp_path / "old.pt"), "--out", str(tmp_path / "old.onnx"), "--planes", str(tmp_path / "data")])
    assert json.loads((tmp_path / "old.json").read_text())["bodyIntensity"] == expected
    # Without --planes its sidecar has none, and analyze then skips the contrast check.
    export.main([str(tmp_path / "old.pt"), "--out", str(tmp_path / "bare.onnx")])
    assert "bodyIntensity" not in json.loads((tmp_path / "bare.json").read_text())
    # The members of an ensemble trained on other cases contribute every case once.
    other = train(dataclasses.replace(config, out=str(tmp_path / "run2"), cases=["dark", "bright"]), context)
    export.main([str(checkpoint), str(other), "--out", str(tmp_path / "both.onnx")])
    assert json.loads((tmp_path / "both.json").read_text())["bodyIntensity"] == {"min": 0.1, "max": 0.2, "cases": 2, "values": [0.1, 0.2]}
    # Planes that lack the checkpoint's cases, or no planes at all, stop the export with status 2.
    write_planes(tmp_path / "partial", {"bright": (1,)})
    for planes in (tmp_path / "partial", tmp_path / "missing"):
        with pytest.raises(SystemExit) as stopped:
            export.main([str(tmp_path / "old.pt"), "--out", str(tmp_path / "x.onnx"), "--planes", str(planes)])
        assert stopped.value.code == 2


def test_export_names_bad_checkpoint(tmp_path):
    not_a_checkpoint = tmp_path / "notes.txt"
    not_a_checkpoint.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="notes.txt: not a segmentation checkpoint"):
        load_network(not_a_checkpoint)
    with pytest.raises(ValueError, match="missing.pt: checkpoint not found"):
        load_network(tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="a folder, not a checkpoint"):
        load_network(tmp_path)


def test_export_needs_one_known_spacing(tmp_path):
    from deepspine_training.segmentation.model import build_segmentation_network

    network = build_segmentation_network((4, 8, 8, 8, 8))
    paths = []
    for name, spacing in (("a.pt", 1.0), ("b.pt", 1.25), ("old.pt", None)):
        checkpoint = {"model": network.state_dict(), "network": {"channels": (4, 8, 8, 8, 8), "residual_units": 1}}
        if spacing is not None:
            checkpoint["spacing_mm"] = spacing
        torch.save(checkpoint, tmp_path / name)
        paths.append(tmp_path / name)
    assert checkpoint_spacing(paths[:1]) == 1.0
    with pytest.raises(ValueError, match="different spacings"):
        checkpoint_spacing(paths[:2])
    with pytest.raises(ValueError, match="old.pt: the checkpoint does not record its plane spacing"):
        checkpoint_spacing(paths[2:])
    for unusable in (0.0, 1e-9, float("inf"), float("nan"), 50.0):
        with pytest.raises(ValueError, match="between 0.25 and 4.0 mm"):
            export_onnx(network, tmp_path / "model.onnx", unusable)

    from deepspine_training.segmentation import export

    # The command line exits with status 2 and names the file, and --spacing-mm overrides.
    with pytest.raises(SystemExit) as stopped:
        export.main([str(paths[2]), "--out", str(tmp_path / "model.onnx")])
    assert stopped.value.code == 2
    export.main([str(paths[2]), "--out", str(tmp_path / "model.onnx"), "--spacing-mm", "0.8"])
    assert json.loads((tmp_path / "model.json").read_text())["spacingMm"] == 0.8
    # Names without the .onnx suffix get .json appended, as the product looks for them.
    export.main([str(paths[0]), "--out", str(tmp_path / "model.v2")])
    assert json.loads((tmp_path / "model.v2.json").read_text())["spacingMm"] == 1.0
    # A checkpoint that records its spacing cannot be exported for another one.
    with pytest.raises(SystemExit) as stopped:
        export.main([str(paths[0]), "--out", str(tmp_path / "other.onnx"), "--spacing-mm", "1.25"])
    assert stopped.value.code == 2
    assert not (tmp_path / "other.json").exists()


def test_ensemble_export_averages_member_probabilities(tmp_path):
    torch.manual_seed(0)
    from deepspine_training.segmentation.model import build_segmentation_network

    members = [build_segmentation_network((4, 8, 8, 8, 8)).eval() for _ in range(2)]
    onnx_path = tmp_path / "ensemble.onnx"
    export_onnx(members, onnx_path, 1.25)
    image = np.random.default_rng(5).normal(size=(1, 1, 32, 48)).astype(np.float32)
    with torch.no_grad():
        member_outputs = [torch.sigmoid(m(torch.from_numpy(image))).numpy() for m in members]
    # The members differ, so a graph that kept only one of them would fail the comparison.
    assert np.abs(member_outputs[0] - member_outputs[1]).max() > 1e-3
    actual = onnxruntime.InferenceSession(str(onnx_path)).run(None, {"image": image})[0]
    np.testing.assert_allclose(actual, (member_outputs[0] + member_outputs[1]) / 2, atol=1e-5)

    write_parity_fixture(members, tmp_path / "parity")
    shapes = json.loads((tmp_path / "parity" / "shapes.json").read_text())
    reference_input = np.fromfile(tmp_path / "parity" / "input.f32", dtype="<f4").reshape(shapes["input"])
    reference = np.fromfile(tmp_path / "parity" / "expected.f32", dtype="<f4").reshape(shapes["expected"])
    replayed = onnxruntime.InferenceSession(str(onnx_path)).run(None, {"image": reference_input})[0]
    np.testing.assert_allclose(replayed, reference, atol=1e-5)

    with pytest.raises(ValueError, match="at least one network"):
        ProbabilityHead([])


def test_cross_validation_trains_each_seed(tmp_path):
    from deepspine_training.segmentation import cross_validate

    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)}, size=32)
    # The evaluation step runs the product's CLI, so a stand-in writes an empty report in its place.
    fake_cli = tmp_path / "fake_cli.py"
    fake_cli.write_text("import json, sys\nargs = sys.argv\nopen(args[args.index('--json') + 1], 'w').write(json.dumps({'cases': []}))\n")
    cross_validate.main([
        "--data", str(tmp_path / "data"), "--volumes", str(tmp_path), "--out", str(tmp_path / "cv"),
        "--folds", "2", "--only-folds", "0", "--steps", "2", "--threads", "1", "--seeds", "11", "12",
        "--cli", f"{sys.executable} {fake_cli}",
    ])
    fold = tmp_path / "cv" / "fold-0"
    assert torch.load(fold / "seed-11" / "last.pt", weights_only=False)["config"]["seed"] == 11
    assert torch.load(fold / "seed-12" / "last.pt", weights_only=False)["config"]["seed"] == 12
    # The fold model is one graph that contains both networks, so it is twice the size of one.
    single = tmp_path / "single.onnx"
    export_onnx(load_network(fold / "seed-11" / "last.pt"), single, 1.25)
    assert (fold / "segmentation.onnx").stat().st_size > 1.8 * single.stat().st_size
    assert json.loads((fold / "segmentation.json").read_text())["spacingMm"] == 1.25
    summary = json.loads((tmp_path / "cv" / "summary-folds-0.json").read_text())
    assert summary["seeds"] == [11, 12]
    assert "seed" not in summary["config"]


def test_cross_validation_takes_recipe_from_config(tmp_path):
    from deepspine_training.segmentation import cross_validate

    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)}, size=32)
    fake_cli = tmp_path / "fake_cli.py"
    fake_cli.write_text("import json, sys\nargs = sys.argv\nopen(args[args.index('--json') + 1], 'w').write(json.dumps({'cases': []}))\n")
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"steps": 3, "batch_size": 2, "crop": 32, "channels": [4, 8, 8, 8, 8], "residual_units": 2}))
    cross_validate.main([
        "--data", str(tmp_path / "data"), "--volumes", str(tmp_path), "--out", str(tmp_path / "cv"),
        "--folds", "2", "--only-folds", "1", "--threads", "1", "--seeds", "11", "--config", str(recipe),
        "--cli", f"{sys.executable} {fake_cli}",
    ])
    checkpoint = torch.load(tmp_path / "cv" / "fold-1" / "seed-11" / "last.pt", weights_only=False)
    assert checkpoint["step"] == 3
    assert checkpoint["network"] == {"channels": (4, 8, 8, 8, 8), "residual_units": 2}
    summary = json.loads((tmp_path / "cv" / "summary-folds-1.json").read_text())
    assert summary["config"]["channels"] == [4, 8, 8, 8, 8]
    assert summary["config"]["batch_size"] == 2


def test_cross_validation_rejects_invalid_recipe(tmp_path, capsys):
    from deepspine_training.segmentation import cross_validate

    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)}, size=32)
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"cases": "ivd-11"}))
    with pytest.raises(SystemExit) as stopped:
        cross_validate.main(["--data", str(tmp_path / "data"), "--volumes", str(tmp_path), "--out", str(tmp_path / "cv"), "--config", str(recipe)])
    assert stopped.value.code == 2
    assert "recipe.json: invalid cases 'ivd-11': expected null or a list of case names" in capsys.readouterr().err
    assert not (tmp_path / "cv").exists()


def test_training_runs_under_torchrun(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29571",
        "-m", "deepspine_training.segmentation.train",
        "--data", str(tmp_path / "data"), "--out", str(tmp_path / "run"),
        "--steps", "2", "--batch-size", "2", "--crop", "32", "--log-every", "1", "--threads", "1",
        "--channels", "4", "8", "8", "8", "8",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, cwd=TRAINING_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 ranks" in result.stderr
    assert torch.load(tmp_path / "run" / "last.pt", weights_only=False)["step"] == 2
    assert (tmp_path / "run" / "segmentation.onnx").exists()


def test_cross_validation_finds_repository_build():
    from deepspine_training.segmentation.cross_validate import REPOSITORY_ROOT

    # The default --cli runs dist/ of this repository whatever the working directory is.
    assert (REPOSITORY_ROOT / "training" / "deepspine_training" / "segmentation").is_dir()
    assert (REPOSITORY_ROOT / "package.json").is_file()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--crop", "50"], "invalid crop 50: expected a positive multiple of 16"),
        (["--crop", "18", "--channels", "4", "8", "16"], "invalid crop 18: expected a positive multiple of 4"),
        (["--steps", "0"], "invalid steps 0: expected at least 1"),
        (["--checkpoint-every", "0"], "invalid checkpoint_every 0: expected at least 1"),
        (["--log-every", "0"], "invalid log_every 0: expected at least 1"),
        (["--batch-size", "0"], "invalid batch_size 0: expected at least 1"),
        (["--channels", "8"], "invalid channels [8]: expected at least two values"),
        (["--learning-rate", "0"], "invalid learning_rate 0.0: expected a finite number greater than 0"),
        (["--learning-rate", "inf"], "invalid learning_rate inf: expected a finite number greater than 0"),
        (["--learning-rate", "nan"], "invalid learning_rate nan: expected a finite number greater than 0"),
    ],
)
def test_config_rejects_invalid_setting(tmp_path, capsys, arguments, message):
    with pytest.raises(SystemExit) as stopped:
        parse_config(["--out", str(tmp_path / "run"), *arguments])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_config_file_rejects_unknown_and_mistyped_keys(tmp_path, capsys):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps({"steps": 2, "bogus": 1}))
    with pytest.raises(SystemExit) as stopped:
        parse_config(["--config", str(config_file)])
    assert stopped.value.code == 2
    assert "unknown settings ['bogus']" in capsys.readouterr().err
    config_file.write_text(json.dumps({"steps": "2"}))
    with pytest.raises(SystemExit):
        parse_config(["--config", str(config_file)])
    assert "invalid steps '2': expected an integer" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"channels": [4, "a"]}, "invalid channels [4, 'a']: expected a list of integers"),
        ({"channels": [4.5, 8]}, "invalid channels [4.5, 8]: expected a list of integers"),
        ({"cases": 5}, "invalid cases 5: expected null or a list of case names"),
        ({"cases": "ivd-11"}, "invalid cases 'ivd-11': expected null or a list of case names"),
        ({"steps": True}, "invalid steps True: expected an integer"),
        ({"seed": -1}, "invalid seed -1: expected at least 0"),
        ([{"steps": 2}], "expected a JSON object of settings, got list"),
    ],
)
def test_config_file_rejects_wrong_types(tmp_path, capsys, values, message):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(values))
    with pytest.raises(SystemExit) as stopped:
        parse_config(["--config", str(config_file), "--out", str(tmp_path / "run")])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_output_under_file_rejected_before_writing(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,)})
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data" / "manifest.json"), out=str(blocker / "run"), steps=1, crop=32, channels=[4, 8])
    with pytest.raises(ValueError, match=f"invalid --out {blocker / 'run'}: {blocker} is a file, not a folder"):
        train(config, context)
    assert blocker.read_text() == "not a folder"


def test_train_validates_before_writing(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), steps=0, crop=32, channels=[4, 8, 8, 8, 8])
    with pytest.raises(ValueError, match="invalid steps 0"):
        train(config, context)
    assert not (tmp_path / "run").exists()


def test_default_folders_lie_in_repository():
    from deepspine_training.segmentation.train import REPOSITORY_ROOT

    config = SegmentationConfig()
    assert Path(config.out) == REPOSITORY_ROOT / "training" / "runs" / "segmentation"
    assert Path(config.data) == REPOSITORY_ROOT / "work" / "segdata"
    assert (REPOSITORY_ROOT / "training" / "deepspine_training").is_dir()


def test_help_describes_every_option(capsys):
    with pytest.raises(SystemExit):
        parse_config(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "resumes from OUT/last.pt when it exists" in text
    assert "crops per step on each rank" in text
    assert "(default: 8000)" in text
    assert "(default: all)" in text


def test_resume_rejects_fewer_steps(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), steps=3, batch_size=2, crop=32, checkpoint_every=3, log_every=1, channels=[4, 8, 8, 8, 8])
    checkpoint = train(config, context)
    with pytest.raises(ValueError, match="at step 3, past the requested 2 steps; pass --steps 3 or more"):
        train(dataclasses.replace(config, steps=2), context)
    assert torch.load(checkpoint, weights_only=False)["step"] == 3
    assert json.loads((tmp_path / "run" / "config.json").read_text())["steps"] == 3


def test_sampler_seeds_unique_per_rank_and_step():
    from deepspine_training.segmentation.train import sampler_rng

    # The earlier scheme, seed + 1000 * rank + step, gave rank 0 at step 1000 the stream of rank 1 at step 0.
    draws = {(rank, step): tuple(sampler_rng(7, rank, step).integers(2**62, size=4)) for rank in range(3) for step in (0, 1, 999, 1000, 2000)}
    assert len(set(draws.values())) == len(draws)
    # A single process starting afresh keeps the stream of the plain seed.
    assert draws[(0, 0)] == tuple(np.random.default_rng(7).integers(2**62, size=4))


def test_resume_reseeds_monai_augmentation(tmp_path, monkeypatch):
    from deepspine_training.segmentation import train as train_module

    first_draws = []

    class RecordingSampler(PlaneSampler):
        def __init__(self, *arguments, **keywords):
            super().__init__(*arguments, **keywords)
            # The first draw of the affine transform's generator stands for its seeded state.
            first_draws.append(int(self.augment.transforms[0].R.randint(2**31)))

    monkeypatch.setattr(train_module, "PlaneSampler", RecordingSampler)
    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), steps=2, batch_size=1, crop=32, checkpoint_every=2, log_every=1, channels=[4, 8, 8, 8, 8])
    train(config, context)
    train(dataclasses.replace(config, steps=4), context)
    train(dataclasses.replace(config, out=str(tmp_path / "again"), steps=2), context)
    assert len(first_draws) == 3
    # The resumed run's augmentation starts from another state than the run it continues ...
    assert first_draws[1] != first_draws[0]
    # ... while a fresh run with the same seed starts from the same state.
    assert first_draws[2] == first_draws[0]




def test_node_local_output_fails_on_every_rank(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    for node in ("node0", "node1"):
        (tmp_path / node).mkdir()
    arguments = ["--data", str(tmp_path / "data"), "--out", "run", "--batch-size", "2", "--crop", "32", "--log-every", "1", "--checkpoint-every", "2", "--threads", "1", "--channels", "4", "8", "8", "8", "8"]
    # Only node 0 has the checkpoint of an earlier run.
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    train(parse_config([*arguments[:3], str(tmp_path / "node0" / "run"), *arguments[4:], "--steps", "2"]), context)
    wrapper = tmp_path / "node_wrapper.py"
    wrapper.write_text(NODE_WRAPPER)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(wrapper), str(tmp_path),
        "deepspine_training.segmentation.train", *arguments, "--steps", "4",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(TRAINING_ROOT)}
    result = run_torchrun(command, TRAINING_ROOT, env, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "rank 1 cannot read run/last.pt, which rank 0 resumes from" in output
    assert "--out must be on storage that every node sees" in output
    # Neither rank trained on, so node 0's checkpoint and the missing export are as before.
    assert torch.load(tmp_path / "node0" / "run" / "last.pt", weights_only=False)["step"] == 2
    assert not (tmp_path / "node0" / "run" / "segmentation.onnx").exists()


def test_diverged_training_stops_with_error(tmp_path):
    from deepspine_training.run_checks import DivergedError

    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), steps=4, batch_size=2, crop=32, warmup_steps=0, checkpoint_every=1, log_every=1, channels=[4, 8], learning_rate=1e30)
    with pytest.raises(DivergedError, match=r"the loss became (nan|inf) at step \d of 4 .*train again with a lower learning rate"):
        train(config, context)
    # last.pt keeps the weights of the last finite step.
    checkpoint = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    assert not any(torch.isnan(value).any() for value in checkpoint["model"].values() if value.is_floating_point())


def test_export_rejects_non_finite_weights(tmp_path):
    network = build_segmentation_network((4, 8), 1)
    state = network.state_dict()
    first = next(iter(state))
    state[first] = torch.full_like(state[first], float("inf"))
    path = tmp_path / "last.pt"
    torch.save({"model": state, "network": {"channels": (4, 8), "residual_units": 1}, "step": 1}, path)
    with pytest.raises(ValueError, match=f"last.pt: the weights contain NaN or infinite values \\({first}\\)"):
        load_network(path)


def test_resume_compares_planes_not_paths(tmp_path, monkeypatch):
    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), steps=1, batch_size=2, crop=32, log_every=1, channels=[4, 8])
    checkpoint = train(config, context)
    # The same planes by a relative path, and by the path of their manifest.json, resume.
    monkeypatch.chdir(tmp_path)
    train(dataclasses.replace(config, data="data", steps=2), context)
    assert torch.load(checkpoint, weights_only=False)["step"] == 2
    train(dataclasses.replace(config, data="data/manifest.json", steps=3), context)
    assert torch.load(checkpoint, weights_only=False)["step"] == 3
    # Planes exported again with other contents are other data.
    manifest_path = tmp_path / "data" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["cases"][0]["annotated"] = [1, 2]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=r"last.pt was written by another training run \(different planes: .*data/manifest.json differs from the one the checkpoint was trained on\)"):
        train(dataclasses.replace(config, steps=4), context)
    assert torch.load(checkpoint, weights_only=False)["step"] == 3


def test_resume_rejects_other_checkpoint_on_another_rank(tmp_path, monkeypatch):
    import deepspine_training.segmentation.train as train_module
    from deepspine_training.distributed import RankMismatchError

    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(tmp_path / "node0" / "run"), steps=1, batch_size=2, crop=32, log_every=1, channels=[4, 8])
    train(config, context)
    # Node 1's local folder contains another run's checkpoint at the same step.
    other = dataclasses.replace(config, out=str(tmp_path / "node1" / "run"), learning_rate=0.01)
    train(other, context)
    rank0_result = train_module.read_resume_step(tmp_path / "node0" / "run" / "last.pt")
    assert rank0_result is not None
    assert rank0_result[0] == 1
    monkeypatch.setattr(train_module, "decide_on_main", lambda decide, context: rank0_result)
    rank1 = DistributedContext(rank=1, local_rank=0, world_size=1, device=torch.device("cpu"))
    with pytest.raises(RankMismatchError, match=r"rank 1 reads other contents from .*node1/run/last.pt than rank 0 \(SHA-256 [0-9a-f]{12}\.\.\. against [0-9a-f]{12}\.\.\., rank 0 resumes from step 1\)"):
        train(dataclasses.replace(config, out=other.out, steps=2), rank1)
    assert torch.load(tmp_path / "node1" / "run" / "last.pt", weights_only=False)["step"] == 1


def test_lock_file_rejects_second_run(tmp_path):
    write_planes(tmp_path / "data", {"discs": (2,), "bodies": (1,)})
    context = DistributedContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))
    out = tmp_path / "run"
    out.mkdir()
    (out / "train.lock").write_text("pid 4242 on node-a\n")
    config = SegmentationConfig(data=str(tmp_path / "data"), out=str(out), steps=1, batch_size=2, crop=32, log_every=1, channels=[4, 8])
    with pytest.raises(ValueError, match=r"run is in use by another training run \(pid 4242 on node-a\); .* delete .*run/train.lock and try again"):
        train(config, context)
    assert sorted(path.name for path in out.iterdir()) == ["train.lock"]
    (out / "train.lock").unlink()
    train(config, context)
    assert (out / "last.pt").exists()
    assert not (out / "train.lock").exists()
