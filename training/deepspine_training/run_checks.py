"""Checks that grading and segmentation training share: data fingerprints, finite weights, the
output folder, and the lock file that keeps two runs out of one output folder."""

from __future__ import annotations

import hashlib
import io
import math
import os
import signal
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

import torch

LOCK_NAME = "train.lock"


class DivergedError(ValueError):
    """The training loss or the weights became NaN or infinite."""


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's contents."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_with_sha256(path: Path, map_location: str | torch.device = "cpu") -> tuple[object, str]:
    """Load a torch file and return it with the SHA-256 hex digest of the bytes it was read from."""
    contents = Path(path).read_bytes()
    return torch.load(io.BytesIO(contents), map_location=map_location, weights_only=False), hashlib.sha256(contents).hexdigest()


def non_finite_tensors(state: Mapping[str, torch.Tensor]) -> list[str]:
    """Return the names of the floating-point tensors in a state dict that contain NaN or infinity."""
    return [name for name, value in state.items() if torch.is_tensor(value) and value.is_floating_point() and not bool(torch.isfinite(value).all())]


def check_finite_checkpoint(path: Path, state: Mapping[str, torch.Tensor]) -> None:
    """Raise ValueError naming `path` when its weights contain NaN or infinity."""
    bad = non_finite_tensors(state)
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise ValueError(f"{path}: the weights contain NaN or infinite values ({shown}), so training diverged; train again with a lower learning rate")


def check_finite_loss(loss: float, where: str, learning_rate: float) -> None:
    """Raise DivergedError when `loss` is NaN or infinite; `where` names the step or epoch."""
    if not math.isfinite(loss):
        raise DivergedError(f"training diverged: the loss became {loss} at {where} (learning rate {learning_rate:g}); train again with a lower learning rate")


def check_output_folder(out: Path, option: str = "--out") -> None:
    """Raise ValueError when `out` or one of its parents exists but is not a folder."""
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                raise ValueError(f"invalid {option} {out}: {folder} is a file, not a folder; pass a folder path")
            return


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that `finally` blocks release the lock file when torchrun
    or a batch system stops the process.

    NOTE: a process blocked inside a collective call handles the signal only when the call
    returns, and SIGKILL still leaves a stale lock file.
    """
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))


def owner_has_ended(owner: str) -> bool:
    """Return True when a lock file's owner, written as "pid N on HOST", is a process of this host
    that has ended. An owner on another host cannot be checked, so it counts as running."""
    parts = owner.split()
    if len(parts) != 4 or parts[0] != "pid" or parts[2] != "on" or not parts[1].isdigit():
        return False
    if parts[3] != socket.gethostname():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


class OutputLock:
    """A lock file in an output folder, created atomically and holding the owner's pid and host.

    A second run into the same folder fails to create it and stops. A run that is killed without
    cleanup leaves the file behind, and the error message tells the user to delete it.
    """

    def __init__(self, out: Path):
        self.path = out / LOCK_NAME
        self.held = False
        self.created_folder = False

    def acquire(self) -> None:
        """Create the output folder when missing, and the lock file in it.

        Raises ValueError when the lock file already exists or the folder cannot be created."""
        folder = self.path.parent
        try:
            self.created_folder = not folder.exists()
            folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                owner = self.path.read_text().strip() or "unknown"
            except OSError:
                owner = "unknown"
            if owner_has_ended(owner):
                raise ValueError(
                    f"{self.path} was left by a training run ({owner}) that has ended without removing it, "
                    f"as a killed run does; delete {self.path} and try again"
                ) from None
            raise ValueError(
                f"{self.path.parent} is in use by another training run ({owner}); wait for it to finish, "
                f"or if no run uses the folder any more, delete {self.path} and try again"
            ) from None
        except OSError as error:
            raise ValueError(f"cannot create the output folder {folder} or its lock file ({error.strerror or error}); pass a writable --out") from error
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        self.held = True

    def release(self) -> None:
        """Delete the lock file, and the output folder too when `acquire` created it and it is
        still empty, as after a run rejected before it wrote anything."""
        if not self.held:
            return
        self.path.unlink(missing_ok=True)
        self.held = False
        folder = self.path.parent
        if self.created_folder and not any(folder.iterdir()):
            folder.rmdir()
