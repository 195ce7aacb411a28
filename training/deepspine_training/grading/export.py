"""Export a trained grading network to ONNX with a JSON sidecar that the TypeScript product reads.

    python -m deepspine_training.grading.export --checkpoint RUN/model.pt --out models/grading/grading.onnx [--parity-dir DIR] [--metrics FILE]

The graph takes `sagittal` (batch, S, H, W), `axial` (batch, A, H', W') and `has_axial` (batch, 1),
all float32. The batch is dynamic, and the slice counts and sizes are those of the training crop
spec. It returns one probability output per head, named after the head: shape (batch,) for binary
heads (probability of "present") and (batch, classes) for multi-class heads (softmax).
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .heads import HeadSpec
from ..run_checks import check_finite_checkpoint
from .model import CHECKPOINT_FORMAT, GradingNetwork, NetworkConfig, probabilities

logger = logging.getLogger(__name__)

ONNX_OPSET = 17
SIDECAR_FORMAT = "deepspine-grading-model/1"
INPUT_NAMES = ("sagittal", "axial", "has_axial")


class ProbabilityModel(nn.Module):
    """Wraps the network so the exported graph returns probabilities in head order."""

    def __init__(self, network: GradingNetwork):
        super().__init__()
        self.network = network

    def forward(self, sagittal: torch.Tensor, axial: torch.Tensor, has_axial: torch.Tensor) -> tuple[torch.Tensor, ...]:
        result = probabilities(self.network(sagittal, axial, has_axial), self.network.head_specs)
        return tuple(result[head.name] for head in self.network.head_specs)


def heads_from_json(items: list[dict]) -> tuple[HeadSpec, ...]:
    return tuple(
        HeadSpec(item["name"], item["kind"], tuple(item["classes"]), tuple(item["values"]), item["description"], item.get("ordinal", False)) for item in items
    )


def load_network(checkpoint_path: Path) -> tuple[GradingNetwork, dict]:
    """Rebuild the network stored in a training checkpoint (model.pt or checkpoint-*.pt).

    Raises FileNotFoundError for a missing file and ValueError for a file that is no grading
    checkpoint, such as a segmentation checkpoint.
    """
    if not checkpoint_path.is_file():
        raise FileNotFoundError(f"{checkpoint_path}: checkpoint not found; pass model.pt or checkpoint-*.pt of a grading training run")
    try:
        checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
    except (RuntimeError, EOFError, pickle.UnpicklingError) as error:
        raise ValueError(f"{checkpoint_path}: not a grading checkpoint ({error})") from error
    found = checkpoint.get("format") if isinstance(checkpoint, dict) else type(checkpoint).__name__
    if found != CHECKPOINT_FORMAT:
        raise ValueError(f"{checkpoint_path}: not a grading checkpoint (format {found!r}, expected {CHECKPOINT_FORMAT!r}); pass model.pt or checkpoint-*.pt of a grading training run")
    check_finite_checkpoint(checkpoint_path, checkpoint["model"])
    network_config = NetworkConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in checkpoint["network"].items()})
    network = GradingNetwork(network_config, heads_from_json(checkpoint["heads"]))
    network.load_state_dict(checkpoint["model"])
    return network.eval(), checkpoint


def input_shapes(crop_spec: dict) -> dict[str, tuple[int, ...]]:
    """Per-sample input shapes (without the batch axis) for a crop spec."""
    sagittal = crop_spec["sagittal"]
    axial = crop_spec["axial"]
    return {
        "sagittal": (sagittal["slices"], sagittal["height"], sagittal["width"]),
        "axial": (axial["slices"], axial["height"], axial["width"]),
        "has_axial": (1,),
    }


def export_onnx(network: GradingNetwork, path: Path, crop_spec: dict) -> None:
    """Write the network as ONNX (opset 17) with a dynamic batch axis."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shapes = input_shapes(crop_spec)
    example = tuple(torch.zeros(2, *shapes[name]) for name in INPUT_NAMES)
    output_names = [head.name for head in network.head_specs]
    dynamic_axes = {name: {0: "batch"} for name in (*INPUT_NAMES, *output_names)}
    torch.onnx.export(
        ProbabilityModel(network.eval()),
        example,
        str(path),
        input_names=list(INPUT_NAMES),
        output_names=output_names,
        dynamic_axes=dynamic_axes,
        opset_version=ONNX_OPSET,
        dynamo=False,
    )


def build_sidecar(checkpoint: dict, onnx_path: Path, metrics: dict | None = None) -> dict:
    """Describe the exported model: inputs, heads with their trained status, crop spec and training facts."""
    trained = checkpoint["trained_heads"]
    counts = checkpoint["labelled_counts"]
    shapes = input_shapes(checkpoint["crop_spec"])
    return {
        "format": SIDECAR_FORMAT,
        "onnx": onnx_path.name,
        "opset": ONNX_OPSET,
        "inputs": {name: ["batch", *shapes[name]] for name in INPUT_NAMES},
        "heads": [
            {
                "name": head["name"],
                "kind": head["kind"],
                "classes": head["classes"],
                "values": head["values"],
                "description": head["description"],
                "ordinal": head.get("ordinal", False),
                "trained": bool(trained[head["name"]]),
                "trainingLabelCounts": counts[head["name"]],
            }
            for head in checkpoint["heads"]
        ],
        "axialBranchTrained": checkpoint.get("axial_training_records", 0) > 0,
        "sagittalPlanesSeen": checkpoint.get("sagittal_planes_seen", []),
        "cropSpec": checkpoint["crop_spec"],
        "training": {"config": checkpoint["config"], "epoch": checkpoint["epoch"]},
        "metrics": metrics,
    }


def write_parity_reference(network: GradingNetwork, folder: Path, crop_spec: dict, samples: int = 2, seed: int = 0) -> None:
    """Write random inputs and the PyTorch probabilities for them as .npy files plus reference.json,
    so onnxruntime-node can be checked against PyTorch. The last sample has no axial crop."""
    folder.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    shapes = input_shapes(crop_spec)
    inputs = {
        "sagittal": torch.rand(samples, *shapes["sagittal"], generator=generator),
        "axial": torch.rand(samples, *shapes["axial"], generator=generator),
        "has_axial": torch.ones(samples, 1),
    }
    inputs["has_axial"][-1] = 0.0
    inputs["axial"][-1] = 0.0
    with torch.no_grad():
        outputs = ProbabilityModel(network.eval())(*(inputs[name] for name in INPUT_NAMES))
    for name, value in inputs.items():
        np.save(folder / f"input_{name}.npy", value.numpy().astype(np.float32))
    names = [head.name for head in network.head_specs]
    for name, value in zip(names, outputs):
        np.save(folder / f"output_{name}.npy", value.numpy().astype(np.float32))
    reference = {"inputs": list(INPUT_NAMES), "outputs": names, "samples": samples}
    (folder / "reference.json").write_text(json.dumps(reference, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deepspine_training.grading.export", description="Export a grading checkpoint to ONNX with its JSON sidecar.")
    parser.add_argument("--checkpoint", type=Path, required=True, help="model.pt or checkpoint-*.pt from training")
    parser.add_argument("--out", type=Path, required=True, help="ONNX file to write; the sidecar goes beside it with the .json suffix")
    parser.add_argument("--parity-dir", type=Path, default=None, help="also write random inputs and PyTorch outputs here for the onnxruntime-node parity test")
    parser.add_argument("--metrics", type=Path, default=None, help="JSON file of measured metrics to copy into the sidecar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        network, checkpoint = load_network(args.checkpoint)
        metrics = json.loads(args.metrics.read_text()) if args.metrics else None
    except (ValueError, FileNotFoundError) as error:
        parser.exit(2, f"error: {error}\n")
    export_onnx(network, args.out, checkpoint["crop_spec"])
    sidecar = build_sidecar(checkpoint, args.out, metrics)
    args.out.with_suffix(".json").write_text(json.dumps(sidecar, indent=2) + "\n")
    if args.parity_dir is not None:
        write_parity_reference(network, args.parity_dir, checkpoint["crop_spec"])
    logger.info("wrote %s (%.2f MB) and %s", args.out, args.out.stat().st_size / 1e6, args.out.with_suffix(".json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
