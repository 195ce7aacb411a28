"""The segmentation network: a 2-D MONAI U-Net with one sigmoid output per structure class."""

from __future__ import annotations

from monai.networks.nets import UNet
from torch import nn

# Output channel c predicts segmentation class c + 1: channel 0 vertebral body, channel 1 disc.
OUTPUT_CLASSES = (1, 2)


def build_segmentation_network(channels: tuple[int, ...] = (16, 32, 64, 128, 256), residual_units: int = 1) -> nn.Module:
    """Build the 2-D U-Net; four stride-2 stages, so inputs must be multiples of 16 pixels."""
    return UNet(
        spatial_dims=2,
        in_channels=1,
        out_channels=len(OUTPUT_CLASSES),
        channels=channels,
        strides=(2,) * (len(channels) - 1),
        num_res_units=residual_units,
        norm="instance",
    )
