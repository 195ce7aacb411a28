import json
import shutil
import subprocess

import numpy as np
import onnx
import onnxruntime
import pytest

from deepspine_training.grading.export import export_onnx, build_sidecar, load_network, write_parity_reference
from deepspine_training.grading.train import train

from .test_grading_support import REPO_ROOT, write_synthetic_manifest
from .test_grading_train import tiny_config

TOLERANCE = 1e-4
NODE_MODULE = REPO_ROOT / "dist" / "src" / "grading" / "model.js"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny trained model exported to ONNX with its sidecar and a PyTorch parity reference."""
    folder = tmp_path_factory.mktemp("grading-export")
    manifest = write_synthetic_manifest(folder / "crops", studies=6, levels=2, with_axial=True)
    train(manifest, folder / "run", tiny_config("epochs=1"))
    network, checkpoint = load_network(folder / "run" / "model.pt")
    onnx_path = folder / "model" / "grading.onnx"
    export_onnx(network, onnx_path, checkpoint["crop_spec"])
    onnx_path.with_suffix(".json").write_text(json.dumps(build_sidecar(checkpoint, onnx_path)))
    write_parity_reference(network, folder / "reference", checkpoint["crop_spec"], samples=3)
    return onnx_path, folder / "reference"


def test_onnx_graph_has_dynamic_batch_and_opset(exported):
    onnx_path, _ = exported
    model = onnx.load(str(onnx_path))
    onnx.checker.check_model(model)
    assert max(op.version for op in model.opset_import if op.domain in ("", "ai.onnx")) >= 17
    batch = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param == "batch"
    assert [i.name for i in model.graph.input] == ["sagittal", "axial", "has_axial"]


def test_sidecar_marks_untrained_heads(exported):
    onnx_path, _ = exported
    sidecar = json.loads(onnx_path.with_suffix(".json").read_text())
    trained = {head["name"]: head["trained"] for head in sidecar["heads"]}
    assert trained["disc_bulge"] is True
    assert trained["spinal_canal_stenosis"] is False
    assert sidecar["axialBranchTrained"] is True
    assert sidecar["inputs"]["sagittal"] == ["batch", 5, 16, 24]


def test_onnxruntime_python_matches_pytorch(exported):
    onnx_path, reference = exported
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    names = json.loads((reference / "reference.json").read_text())["outputs"]
    feeds = {name: np.load(reference / f"input_{name}.npy") for name in ("sagittal", "axial", "has_axial")}
    # A batch size other than the export example's checks the dynamic batch axis.
    assert feeds["sagittal"].shape[0] == 3
    for name, value in zip(names, session.run(names, feeds)):
        np.testing.assert_allclose(value, np.load(reference / f"output_{name}.npy"), atol=TOLERANCE, err_msg=name)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_onnxruntime_node_matches_pytorch(exported):
    if not NODE_MODULE.exists():
        pytest.skip(f"{NODE_MODULE} not found; run `npm run build` first so the TypeScript grading model is compiled")
    onnx_path, reference = exported
    script = (
        f"import {{ GradingModel, compareWithReference }} from {json.dumps(NODE_MODULE.as_uri())};"
        f"const model = await GradingModel.load({json.dumps(str(onnx_path))});"
        f"console.log(JSON.stringify(await compareWithReference(model, {json.dumps(str(reference))})));"
    )
    result = subprocess.run(["node", "--input-type=module", "-e", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["samples"] == 3
    assert len(report["maxAbsDifference"]) == 16
    for name, difference in report["maxAbsDifference"].items():
        assert difference < TOLERANCE, f"{name}: onnxruntime-node differs from PyTorch by {difference}"


def test_export_rejects_non_grading_checkpoint(tmp_path, capsys):
    import torch

    from deepspine_training.grading import export
    from deepspine_training.segmentation.model import build_segmentation_network

    segmentation = tmp_path / "last.pt"
    torch.save({"model": build_segmentation_network((4, 8)).state_dict(), "network": {"channels": (4, 8), "residual_units": 1}, "step": 1}, segmentation)
    for path, message in ((segmentation, "last.pt: not a grading checkpoint (format None"), (tmp_path / "missing.pt", "missing.pt: checkpoint not found")):
        with pytest.raises(SystemExit) as stopped:
            export.main(["--checkpoint", str(path), "--out", str(tmp_path / "grading.onnx")])
        assert stopped.value.code == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "grading.onnx").exists()


def test_export_rejects_non_finite_weights(exported, tmp_path, capsys):
    import torch

    from deepspine_training.grading import export

    onnx_path, _ = exported
    checkpoint = torch.load(onnx_path.parent.parent / "run" / "model.pt", weights_only=False)
    first = next(iter(checkpoint["model"]))
    checkpoint["model"][first] = torch.full_like(checkpoint["model"][first], float("nan"))
    diverged = tmp_path / "diverged.pt"
    torch.save(checkpoint, diverged)
    with pytest.raises(SystemExit) as stopped:
        export.main(["--checkpoint", str(diverged), "--out", str(tmp_path / "grading.onnx")])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert f"{diverged}: the weights contain NaN or infinite values ({first})" in error
    assert not (tmp_path / "grading.onnx").exists()
