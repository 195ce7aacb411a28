"""Multi-task loss with unknown labels masked out."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .data import MISSING_LABEL
from .heads import HeadSpec


def grading_loss(
    logits: dict[str, torch.Tensor],
    targets: torch.Tensor,
    heads: tuple[HeadSpec, ...],
    positive_weights: dict[str, float],
    class_weights: dict[str, list[float]],
) -> tuple[torch.Tensor, dict[str, float]]:
    """Mean over heads of each head's loss on its labelled samples.

    `targets` is (B, heads) with class indices and MISSING_LABEL where unknown. Binary heads use
    binary cross-entropy with `positive_weights[name]` on positives; multi-class heads use
    cross-entropy weighted by `class_weights[name]`. A head without labelled samples in the batch
    adds nothing, so the total is 0 (with a graph) when no head has a label.
    Returns the total and each contributing head's loss as a float.
    """
    total = None
    per_head: dict[str, float] = {}
    for index, head in enumerate(heads):
        labelled = targets[:, index] != MISSING_LABEL
        if not bool(labelled.any()):
            continue
        head_logits = logits[head.name][labelled]
        head_targets = targets[labelled, index]
        if head.kind == "binary":
            weight = torch.tensor(positive_weights.get(head.name, 1.0), dtype=head_logits.dtype, device=head_logits.device)
            loss = F.binary_cross_entropy_with_logits(head_logits, head_targets.to(head_logits.dtype), pos_weight=weight)
        else:
            weights = torch.tensor(class_weights.get(head.name, [1.0] * head.num_outputs), dtype=head_logits.dtype, device=head_logits.device)
            per_sample = F.cross_entropy(head_logits, head_targets, reduction="none")
            sample_weights = weights[head_targets]
            if float(sample_weights.sum()) <= 0:
                continue
            loss = (per_sample * sample_weights).sum() / sample_weights.sum()
        per_head[head.name] = float(loss.detach())
        total = loss if total is None else total + loss
    if total is None:
        zero = sum(v.sum() for v in logits.values()) * 0.0
        return zero, per_head
    return total / len(per_head), per_head
