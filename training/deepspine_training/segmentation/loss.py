"""Loss for partially annotated segmentation: pixels whose class is unknown add nothing."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def masked_dice_bce_loss(logits: torch.Tensor, target: torch.Tensor, known: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """Binary cross-entropy plus soft Dice per output channel over known pixels only.

    logits, target and known are (B, C, H, W); known is 1 where the sample's label for channel C is
    known. An unannotated structure is unlabelled, not absent, so it must not be pushed towards
    background. Channels without any known pixel in a sample are left out of the mean.
    """
    if logits.shape != target.shape or known.shape != target.shape:
        raise ValueError(f"logits shape {tuple(logits.shape)}, target shape {tuple(target.shape)} and known shape {tuple(known.shape)} must match")
    known_pixels = known.sum(dim=(2, 3))
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    bce_per_channel = (bce * known).sum(dim=(2, 3)) / known_pixels.clamp(min=1.0)
    probabilities = torch.sigmoid(logits) * known
    masked_target = target * known
    intersection = (probabilities * masked_target).sum(dim=(2, 3))
    denominator = probabilities.sum(dim=(2, 3)) + masked_target.sum(dim=(2, 3))
    dice_loss = 1.0 - (2.0 * intersection + smooth) / (denominator + smooth)
    per_channel = bce_per_channel + dice_loss
    present = (known_pixels > 0).float()
    return (per_channel * present).sum() / present.sum().clamp(min=1.0)
