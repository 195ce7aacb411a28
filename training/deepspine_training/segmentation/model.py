"""The segmentation network: a 2-D MONAI U-Net with one sigmoid output per structure class."""

from __future__ import annotations

from monai.networks.nets import UNet
from torch import nn

# Output channel c predicts segmentation class c + 1: channel 0 vertebral body, channel 1 disc.
OUTPUT_CLASSES = (1, 2)


def build_segmentation_network(channels: tuple[int, ...] = (16, 32, 64, 128, 256), residual_units: int = 1, input_channels: int = 1) -> nn.Module:
    """Build the 2-D U-Net; four stride-2 stages, so inputs must be multiples of 16 pixels.
    `input_channels` is 1 (the plane) or 3 (the plane between its two neighbours)."""
    if input_channels not in (1, 3):
        raise ValueError(f"input_channels must be 1 or 3, got {input_channels}")
    return UNet(
        spatial_dims=2,
        in_channels=input_channels,
        out_channels=len(OUTPUT_CLASSES),
        channels=channels,
        strides=(2,) * (len(channels) - 1),
        num_res_units=residual_units,
        norm="instance",
    )
