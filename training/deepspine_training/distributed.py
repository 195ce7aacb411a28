"""Process-group helpers so that one training script runs alone or under torchrun (DDP)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

logger = logging.getLogger(__name__)


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
