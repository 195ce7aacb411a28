"""Training configuration: defaults in code, overridden by a JSON file, then by `--set key=value`
options. The resolved configuration is saved beside the outputs as `config.json`."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data import AugmentConfig
from .model import NetworkConfig


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run, apart from the manifest and output folder."""

    seed: int = 0
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    # Studies are dealt into `folds` groups by `split_seed`; group `fold` validates. folds = 1 trains on everything.
    folds: int = 5
    fold: int = 0
    split_seed: int = 0
    num_workers: int = 0
    # Intra-op threads per process; 0 keeps PyTorch's default.
    threads: int = 0
    positive_weight_cap: float = 10.0
    class_weight_cap: float = 10.0
    # A head counts as trained when its training split has at least this many labelled samples
    # in each of at least two classes.
    min_labels_per_class: int = 10
    # True keeps the epoch with the lowest validation loss as model.pt. False keeps the last epoch,
    # so validation metrics are not biased by choosing the epoch on the same validation fold.
    select_best: bool = True
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _coerce(value: Any, reference: Any, key: str) -> Any:
    """Convert a JSON or command-line value to the type of the default it replaces."""
    if isinstance(reference, bool):
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"config {key}: expected true or false, got {value!r}")
            return value.lower() in ("true", "1")
        return bool(value)
    if isinstance(reference, int):
        return int(value)
    if isinstance(reference, float):
        return float(value)
    if isinstance(reference, tuple):
        items = json.loads(value) if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"config {key}: expected a list, got {value!r}")
        return tuple(type(reference[0])(v) for v in items) if reference else tuple(items)
    return value


def _apply(obj: Any, overrides: dict[str, Any], prefix: str = "") -> Any:
    changes = {}
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in overrides.items():
        if key not in names:
            raise ValueError(f"unknown config key {prefix + key!r}; valid keys: {sorted(names)}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ValueError(f"config {prefix + key}: expected an object, got {value!r}")
            changes[key] = _apply(current, value, prefix + key + ".")
        else:
            changes[key] = _coerce(value, current, prefix + key)
    return dataclasses.replace(obj, **changes)


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """Turn ["a.b=1", "epochs=3"] into nested dicts; raises ValueError on an item without "="."""
    nested: dict[str, Any] = {}
    for item in assignments:
        if "=" not in item:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        target = nested
        parts = key.strip().split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return nested


def resolve_config(config_file: Path | None, assignments: list[str]) -> TrainConfig:
    """Defaults, then the JSON file (when given), then `--set` assignments."""
    config = TrainConfig()
    if config_file is not None:
        config = _apply(config, json.loads(Path(config_file).read_text()))
    return _apply(config, parse_assignments(assignments))


def config_from_json(data: dict[str, Any]) -> TrainConfig:
    """Rebuild a configuration saved with `to_json` (for example from a checkpoint)."""
    return _apply(TrainConfig(), data)
