"""Process-group helpers so that one training script runs alone or under torchrun (DDP)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist

logger = logging.getLogger(__name__)

T = TypeVar("T")


class RankMismatchError(RuntimeError):
    """Ranks see different files or values where they must agree, as when an output folder is
    storage local to each node."""


@dataclass(frozen=True)
class DistributedContext:
    rank: int
    local_rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed() -> DistributedContext:
    """Join the process group that torchrun describes in WORLD_SIZE/RANK/LOCAL_RANK, if any.

    NCCL is used when CUDA is available and gloo otherwise, so the same command runs on CPU
    machines, one GPU, or several GPUs on several nodes.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world_size > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
        logger.info("joined process group: rank %d of %d, backend %s", rank, world_size, backend)
    return DistributedContext(rank=rank, local_rank=local_rank, world_size=world_size, device=device)


def all_reduce_mean(value: torch.Tensor, context: DistributedContext) -> torch.Tensor:
    """Average a tensor over all ranks (a no-op in a single process)."""
    if context.world_size > 1:
        value = value.clone()
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        value /= context.world_size
    return value


def barrier(context: DistributedContext) -> None:
    if context.world_size > 1:
        dist.barrier()


def cleanup(context: DistributedContext) -> None:
    if context.world_size > 1 and dist.is_initialized():
        dist.destroy_process_group()


def broadcast_from_main(value: T, context: DistributedContext) -> T:
    """Return rank 0's `value` on every rank (any picklable object; `value` itself in one process)."""
    if context.world_size == 1:
        return value
    holder = [value]
    dist.broadcast_object_list(holder, src=0)
    return holder[0]


def decide_on_main(decide: Callable[[], T], context: DistributedContext) -> T:
    """Call `decide` on rank 0 only and return its result on every rank.

    An exception raised by `decide` is sent to the other ranks and raised on all of them, so that
    every rank stops instead of waiting in a collective call for rank 0.
    """
    result: tuple[bool, object] = (True, None)
    if context.is_main:
        try:
            result = (True, decide())
        except Exception as error:
            result = (False, error)
    succeeded, value = broadcast_from_main(result, context)
    if not succeeded:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


def raise_if_any_rank_failed(error: Exception | None, context: DistributedContext) -> None:
    """Raise on every rank when any rank passes an error: the lowest failing rank's exception.

    Each rank calls this with the exception it caught (or None), so a step that fails on some ranks
    only, such as reading a file that one node lacks, stops the whole job and no rank hangs.
    """
    if context.world_size == 1:
        if error is not None:
            raise error
        return
    gathered: list[Exception | None] = [None] * context.world_size
    dist.all_gather_object(gathered, error)
    for failed in gathered:
        if failed is not None:
            raise failed
