"""The grading network: two small 2-D ResNeXt encoders (sagittal slab, axial slab) feeding one
shared trunk with a classifier per head."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .heads import HEADS, HeadSpec

# The format that training writes into every checkpoint and that the export checks.
CHECKPOINT_FORMAT = "deepspine-grading-checkpoint/1"


class ResNeXtBlock(nn.Module):
    """Bottleneck residual block whose 3x3 convolution is split into `cardinality` groups."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, cardinality: int, group_width: int):
        super().__init__()
        width = cardinality * group_width
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, width, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=cardinality, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        if stride != 1 or in_channels != out_channels:
            self.shortcut: nn.Module = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.shortcut = nn.Identity()
        self.activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.body(x) + self.shortcut(x))


class ResNeXtEncoder(nn.Module):
    """Stride-2 stem, then one ResNeXt block per entry of `widths` (the first keeps the resolution,
    the others halve it). Returns the last feature map."""

    def __init__(self, in_channels: int, widths: tuple[int, ...], cardinality: int, group_width: int):
        super().__init__()
        stem_width = widths[0] // 2
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, stem_width, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(stem_width),
            nn.ReLU(inplace=True),
        )
        blocks = []
        previous = stem_width
        for index, width in enumerate(widths):
            blocks.append(ResNeXtBlock(previous, width, 1 if index == 0 else 2, cardinality, group_width))
            previous = width
        self.blocks = nn.Sequential(*blocks)
        self.out_channels = previous

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))


@dataclass(frozen=True)
class NetworkConfig:
    """Architecture settings; stored in checkpoints so a model can be rebuilt without the config file."""

    widths: tuple[int, ...] = (32, 64, 128, 192)
    cardinality: int = 8
    group_width: int = 4
    axial_slices: int = 3
    trunk_width: int = 256
    dropout: float = 0.3


class GradingNetwork(nn.Module):
    """Multi-task grading network.

    Inputs: `sagittal` (B, S, H, W) with any number S of sagittal slices, `axial` (B, A, H', W')
    with A = `axial_slices`, and `has_axial` (B, 1) holding 1.0 where the axial crop exists.

    Each sagittal slice goes through the same encoder. The slice features are combined as their
    mean and a left-minus-right contrast, with weights linearly spaced from -1 on the patient's
    right to +1 on the left and divided by S. A slab of S identical slices therefore gives exactly
    the features of one slice, so 2-D training images stand in for slabs of repeated slices.

    The axial encoder's map is pooled over the whole plane and over its right and left halves (the
    columns run from the patient's right to left), so the foraminal and facet heads can tell sides
    apart. Where `has_axial` is 0 the axial features are replaced by a learned placeholder vector,
    so a missing series never reaches the heads as a black image. When a whole training batch has
    no axial crop the axial encoder is skipped.

    Returns a dict of logits per head name: shape (B,) for binary heads, (B, K) for K-class heads.
    """

    def __init__(self, config: NetworkConfig = NetworkConfig(), heads: tuple[HeadSpec, ...] = HEADS):
        super().__init__()
        self.config = config
        self.head_specs = heads
        self.sagittal_encoder = ResNeXtEncoder(1, config.widths, config.cardinality, config.group_width)
        self.axial_encoder = ResNeXtEncoder(config.axial_slices, config.widths, config.cardinality, config.group_width)
        features = self.sagittal_encoder.out_channels
        self.axial_features = 3 * self.axial_encoder.out_channels
        self.axial_placeholder = nn.Parameter(torch.zeros(self.axial_features))
        self.trunk = nn.Sequential(
            nn.Linear(2 * features + self.axial_features + 1, config.trunk_width),
            nn.ReLU(inplace=True),
            nn.Dropout(config.dropout),
        )
        self.classifiers = nn.ModuleDict({head.name: nn.Linear(config.trunk_width, head.num_outputs) for head in heads})

    def encode_sagittal(self, sagittal: torch.Tensor) -> torch.Tensor:
        batch, slices, height, width = sagittal.shape
        per_slice = self.sagittal_encoder(sagittal.reshape(batch * slices, 1, height, width)).mean(dim=(2, 3))
        per_slice = per_slice.reshape(batch, slices, -1)
        mean = per_slice.mean(dim=1)
        if slices > 1:
            side = torch.linspace(-1.0, 1.0, slices, device=sagittal.device, dtype=sagittal.dtype) / slices
        else:
            side = torch.zeros(1, device=sagittal.device, dtype=sagittal.dtype)
        lateral = (per_slice * side[None, :, None]).sum(dim=1)
        return torch.cat([mean, lateral], dim=1)

    def encode_axial(self, axial: torch.Tensor, has_axial: torch.Tensor) -> torch.Tensor:
        batch = axial.shape[0]
        placeholder = self.axial_placeholder[None, :].expand(batch, -1)
        if self.training and not bool((has_axial > 0.5).any()):
            return placeholder
        feature_map = self.axial_encoder(axial)
        half = feature_map.shape[3] // 2
        pooled = torch.cat(
            [feature_map.mean(dim=(2, 3)), feature_map[..., :half].mean(dim=(2, 3)), feature_map[..., half:].mean(dim=(2, 3))],
            dim=1,
        )
        return has_axial * pooled + (1.0 - has_axial) * placeholder

    def forward(self, sagittal: torch.Tensor, axial: torch.Tensor, has_axial: torch.Tensor) -> dict[str, torch.Tensor]:
        features = torch.cat([self.encode_sagittal(sagittal), self.encode_axial(axial, has_axial), has_axial], dim=1)
        shared = self.trunk(features)
        outputs = {}
        for head in self.head_specs:
            logits = self.classifiers[head.name](shared)
            outputs[head.name] = logits[:, 0] if head.kind == "binary" else logits
        return outputs


def probabilities(logits: dict[str, torch.Tensor], heads: tuple[HeadSpec, ...] = HEADS) -> dict[str, torch.Tensor]:
    """Convert logits to probabilities: sigmoid for binary heads, softmax for multi-class heads."""
    return {head.name: torch.sigmoid(logits[head.name]) if head.kind == "binary" else torch.softmax(logits[head.name], dim=1) for head in heads}


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
