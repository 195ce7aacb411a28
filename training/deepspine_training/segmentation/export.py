"""Export trained segmentation networks to ONNX with sigmoid probabilities as the output, and the
JSON sidecar beside it with the plane spacing that the networks were trained on and the range of
vertebral body intensity of their training cases.

Several checkpoints of one recipe, trained with different seeds, export as one ensemble graph that
averages their probabilities, so the product loads one file however many networks it holds."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from ..run_checks import check_finite_checkpoint
from .data import body_intensities
from .model import build_segmentation_network

logger = logging.getLogger(__name__)

ONNX_OPSET = 17

# Format tag of the sidecar, which src/segmentation/model.ts checks.
SIDECAR_FORMAT = "deepspine-segmentation-model/1"
# Plane spacings in mm that the product accepts in a sidecar (segmentationSpacingRangeMm).
SPACING_RANGE_MM = (0.25, 4.0)


class ProbabilityHead(nn.Module):
    """Wraps one network, or the members of an ensemble, so the exported graph returns per-class
    probabilities (the members' mean), not logits."""

    def __init__(self, networks: nn.Module | Sequence[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList([networks] if isinstance(networks, nn.Module) else list(networks))
        if len(self.members) == 0:
            raise ValueError("empty ensemble: pass at least one network")

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        total = torch.sigmoid(self.members[0](image))
        for member in self.members[1:]:
            total = total + torch.sigmoid(member(image))
        return total if len(self.members) == 1 else total / len(self.members)


def load_network(checkpoint_path: Path) -> nn.Module:
    """Load the network of a checkpoint that train.py wrote (last.pt).

    Raises ValueError naming the file when it is missing or is not such a checkpoint."""
    if checkpoint_path.is_dir():
        raise ValueError(f"{checkpoint_path}: a folder, not a checkpoint; pass the last.pt inside a segmentation training run's folder")
    if not checkpoint_path.is_file():
        raise ValueError(f"{checkpoint_path}: checkpoint not found; pass the last.pt of a segmentation training run")
    try:
        checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
        network = build_segmentation_network(**checkpoint["network"])
        network.load_state_dict(checkpoint["model"])
    except Exception as error:
        raise ValueError(f"{checkpoint_path}: not a segmentation checkpoint written by deepspine_training.segmentation.train ({type(error).__name__}: {error})") from error
    check_finite_checkpoint(checkpoint_path, checkpoint["model"])
    return network.eval()


def checkpoint_spacing(checkpoint_paths: Sequence[Path], given_mm: float | None = None) -> float:
    """Return the plane spacing in mm that the checkpoints were trained on.

    Every checkpoint that records a spacing must record `given_mm` when it is passed, and without
    it all must record one and the same spacing. Raises ValueError naming the file otherwise."""
    spacings = {}
    for path in checkpoint_paths:
        recorded = torch.load(path, map_location="cpu", weights_only=False).get("spacing_mm")
        if recorded is None:
            if given_mm is None:
                raise ValueError(f"{path}: the checkpoint does not record its plane spacing; pass --spacing-mm with the spacingMm of the planes' manifest.json")
            continue
        if given_mm is not None and float(recorded) != given_mm:
            raise ValueError(f"{path}: trained on planes of {recorded} mm, not {given_mm} mm; leave out --spacing-mm to use the recorded spacing")
        spacings[path] = float(recorded)
    if given_mm is not None:
        return given_mm
    if len(set(spacings.values())) > 1:
        listed = ", ".join(f"{path}: {spacing} mm" for path, spacing in spacings.items())
        raise ValueError(f"the checkpoints were trained on planes of different spacings ({listed}); an ensemble needs one")
    return next(iter(spacings.values()))


def checkpoint_body_intensity(checkpoint_paths: Sequence[Path], planes: Path | None = None) -> dict[str, float] | None:
    """Return the median body intensity of each training case of the checkpoints, by case name.
    The values come from the checkpoints, or for checkpoints written before they were recorded,
    from the manifest in `planes` for the cases the checkpoint names. The members of an ensemble
    contribute the union of their cases. Returns None, with a warning, when a checkpoint records no
    values and `planes` does not supply them. Raises ValueError when `planes` lacks its cases."""
    values: dict[str, float] = {}
    for path in checkpoint_paths:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
        recorded = checkpoint.get("body_intensity")
        if recorded is None and planes is not None and checkpoint.get("cases"):
            recorded = body_intensities(planes, list(checkpoint["cases"]))
        if recorded is None:
            hint = "" if planes is not None else " (pass --planes with the planes it was trained on)"
            logger.warning("%s records no body intensity of its training cases%s; the sidecar will lack them, so analyze cannot tell a contrast the network never saw", path, hint)
            return None
        values.update(recorded)
    return values


def sidecar_body_intensity(values: dict[str, float]) -> dict:
    """Return the sidecar's `bodyIntensity`: the lowest and highest value, the number of cases and
    the sorted values, which src/segmentation/model.ts reads."""
    ordered = sorted(values.values())
    return {"min": ordered[0], "max": ordered[-1], "cases": len(ordered), "values": ordered}


def sidecar_path(onnx_path: Path) -> Path:
    """Return the sidecar path: the ONNX path with `.json` for `.onnx` (any case), else with
    `.json` appended, which is where src/segmentation/model.ts looks for it."""
    if onnx_path.suffix.lower() == ".onnx":
        return onnx_path.with_suffix(".json")
    return onnx_path.with_name(onnx_path.name + ".json")


def export_onnx(networks: nn.Module | Sequence[nn.Module], path: Path, spacing_mm: float, body_intensity: dict[str, float] | None = None) -> None:
    """Write the network, or the ensemble of networks, as ONNX with a dynamic batch, height and
    width (multiples of 16), and the sidecar beside it with the plane spacing `spacing_mm` and,
    when known, the median body intensity of each training case (by case name)."""
    low, high = SPACING_RANGE_MM
    if not low <= spacing_mm <= high:
        raise ValueError(f"plane spacing must lie between {low} and {high} mm, got {spacing_mm}")
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 1, 160, 160)
    torch.onnx.export(
        ProbabilityHead(networks).eval(),
        (example,),
        str(path),
        input_names=["image"],
        output_names=["probabilities"],
        dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}, "probabilities": {0: "batch", 2: "height", 3: "width"}},
        opset_version=ONNX_OPSET,
        dynamo=False,
    )
    sidecar = {"format": SIDECAR_FORMAT, "spacingMm": spacing_mm}
    if body_intensity:
        sidecar["bodyIntensity"] = sidecar_body_intensity(body_intensity)
    sidecar_path(path).write_text(json.dumps(sidecar, indent=2) + "\n")
    logger.info("exported %s (%.1f MB) for planes of %g mm", path, path.stat().st_size / 1e6, spacing_mm)


def write_parity_fixture(networks: nn.Module | Sequence[nn.Module], folder: Path, seed: int = 7) -> None:
    """Write a fixed input and the PyTorch probabilities for it, so the TypeScript tests can check
    that onnxruntime-node reproduces PyTorch on the shipped model (float32, little-endian)."""
    folder.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(1, 1, 64, 80, generator=generator) * 1.5 - 0.25
    with torch.no_grad():
        probabilities = ProbabilityHead(networks).eval()(image)
    image.numpy().astype("<f4").tofile(folder / "input.f32")
    probabilities.numpy().astype("<f4").tofile(folder / "expected.f32")
    (folder / "shapes.json").write_text(json.dumps({"input": list(image.shape), "expected": list(probabilities.shape)}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export segmentation checkpoints to ONNX; several checkpoints become one ensemble that averages their probabilities.")
    parser.add_argument("checkpoints", type=Path, nargs="+", help="last.pt of one or more training runs of the same recipe")
    parser.add_argument("--out", type=Path, required=True, help="path of the .onnx file to write")
    parser.add_argument("--parity", type=Path, help="folder for a PyTorch reference input and output")
    parser.add_argument("--spacing-mm", type=float, help="plane spacing the networks were trained on, for checkpoints that do not record it (default: as the checkpoints record it)")
    parser.add_argument("--planes", type=Path, help="folder (or manifest.json) of the planes the networks were trained on, for checkpoints that do not record their cases' body intensity (default: as the checkpoints record it)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        networks = [load_network(path) for path in args.checkpoints]
        spacing_mm = checkpoint_spacing(args.checkpoints, args.spacing_mm)
        body_intensity = checkpoint_body_intensity(args.checkpoints, args.planes)
        export_onnx(networks, args.out, spacing_mm, body_intensity)
    except (ValueError, FileNotFoundError) as error:
        parser.exit(2, f"error: {error}\n")
    except OSError as error:
        parser.exit(9, f"error: {error.filename or args.out}: cannot write the model ({error.strerror or error})\n")
    if args.parity:
        write_parity_fixture(networks, args.parity)


if __name__ == "__main__":
    main()
