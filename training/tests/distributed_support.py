"""Helpers for tests that start torchrun: a per-rank working folder, and a run that cannot
leave workers behind."""

from __future__ import annotations

import os
import signal
import subprocess

# Run with `torchrun ... node_wrapper.py ROOT MODULE ARGS...`: each rank works in ROOT/nodeRANK,
# as processes on separate nodes with local disks would, then runs MODULE's main(ARGS).
NODE_WRAPPER = """
import os, sys
os.chdir(os.path.join(sys.argv[1], "node" + os.environ["RANK"]))
module = __import__(sys.argv[2], fromlist=["main"])
sys.exit(module.main(sys.argv[3:]))
"""


def run_torchrun(command: list[str], cwd: os.PathLike, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Run a torchrun command and return its result. On timeout, kill the launcher and its
    workers (one process group) before raising TimeoutExpired, so a hang leaves no processes."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
