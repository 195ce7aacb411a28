"""Training configuration: defaults in code, overridden by a JSON file, then by `--set key=value`
options. The resolved configuration is saved beside the outputs as `config.json`."""

from __future__ import annotations

import dataclasses
import json
import math
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


# Settings that change only the resources a run uses, not its result: a resumed run, or a
# finished cross-validation fold, may differ in them.
RESOURCE_SETTINGS = ("threads", "num_workers")


def validate_config(config: TrainConfig) -> None:
    """Raise ValueError naming the first setting outside its allowed range."""
    augment = config.augment
    network = config.network
    checks: list[tuple[str, Any, bool, str]] = [
        ("seed", config.seed, config.seed >= 0, "at least 0"),
        ("split_seed", config.split_seed, config.split_seed >= 0, "at least 0"),
        ("epochs", config.epochs, config.epochs >= 1, "at least 1"),
        ("batch_size", config.batch_size, config.batch_size >= 1, "at least 1 (per rank under torchrun)"),
        ("learning_rate", config.learning_rate, math.isfinite(config.learning_rate) and config.learning_rate > 0, "a finite number greater than 0"),
        ("weight_decay", config.weight_decay, math.isfinite(config.weight_decay) and config.weight_decay >= 0, "a finite number, at least 0"),
        ("folds", config.folds, config.folds >= 1, "at least 1"),
        ("fold", config.fold, 0 <= config.fold < config.folds, f"0 to folds - 1 ({config.folds - 1})"),
        ("num_workers", config.num_workers, config.num_workers >= 0, "at least 0"),
        ("threads", config.threads, config.threads >= 0, "at least 0 (0 keeps PyTorch's default)"),
        ("positive_weight_cap", config.positive_weight_cap, math.isfinite(config.positive_weight_cap) and config.positive_weight_cap > 0, "a finite number greater than 0"),
        ("class_weight_cap", config.class_weight_cap, math.isfinite(config.class_weight_cap) and config.class_weight_cap > 0, "a finite number greater than 0"),
        ("min_labels_per_class", config.min_labels_per_class, config.min_labels_per_class >= 1, "at least 1"),
        ("augment.max_shift_px", augment.max_shift_px, augment.max_shift_px >= 0, "at least 0"),
        ("augment.gamma_range", augment.gamma_range, len(augment.gamma_range) == 2 and 0 < augment.gamma_range[0] <= augment.gamma_range[1], "two values [low, high] with 0 < low <= high"),
        ("augment.contrast_range", augment.contrast_range, len(augment.contrast_range) == 2 and augment.contrast_range[0] <= augment.contrast_range[1], "two values [low, high] with low <= high"),
        ("augment.noise_std", augment.noise_std, math.isfinite(augment.noise_std) and augment.noise_std >= 0, "a finite number, at least 0"),
        ("network.widths", network.widths, len(network.widths) >= 1 and all(w >= 2 for w in network.widths), "at least one value, each at least 2"),
        ("network.cardinality", network.cardinality, network.cardinality >= 1, "at least 1"),
        ("network.group_width", network.group_width, network.group_width >= 1, "at least 1"),
        ("network.axial_slices", network.axial_slices, network.axial_slices >= 1, "at least 1"),
        ("network.trunk_width", network.trunk_width, network.trunk_width >= 1, "at least 1"),
        ("network.dropout", network.dropout, 0 <= network.dropout < 1, "at least 0 and less than 1"),
    ]
    for name, value, valid, allowed in checks:
        if not valid:
            raise ValueError(f"invalid config {name} {_show(value)}: expected {allowed}")


def _show(value: Any) -> str:
    return json.dumps(list(value)) if isinstance(value, tuple) else repr(value)


def differing_keys(first: dict[str, Any], second: dict[str, Any], prefix: str = "") -> list[str]:
    """Return the dotted names of the settings whose values differ between two `to_json` dicts."""
    names = []
    for key in sorted(first.keys() | second.keys()):
        a, b = first.get(key), second.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            names.extend(differing_keys(a, b, prefix + key + "."))
        elif _normalized(a) != _normalized(b):
            names.append(prefix + key)
    return names


def _normalized(value: Any) -> Any:
    # A saved JSON list and a fresh tuple of the same items are the same setting.
    return list(value) if isinstance(value, tuple) else value


def _coerce(value: Any, reference: Any, key: str) -> Any:
    """Convert a JSON or command-line value to the type of the default it replaces; raises
    ValueError naming `key` when the value does not convert.

    Conversion is strict: a JSON number is no boolean, and a fraction or a boolean is no integer,
    so that `epochs=2.7` or `select_best=5` is an error instead of a silently different setting.
    Command-line values are strings and convert when they spell a value of the right type.
    """
    if isinstance(reference, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        raise ValueError(f"config {key}: expected true or false, got {value!r}")
    try:
        if isinstance(reference, int):
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise TypeError(f"not an integer: {value!r}")
            return int(value)
        if isinstance(reference, float):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise TypeError(f"not a number: {value!r}")
            return float(value)
        if isinstance(reference, tuple):
            items = json.loads(value) if isinstance(value, str) else value
            if not isinstance(items, (list, tuple)):
                raise ValueError(f"config {key}: expected a list, got {value!r}")
            return tuple(_coerce(item, reference[0], key) for item in items) if reference else tuple(items)
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"config {key}: expected a value like {_show(reference)}, got {value!r}") from error
    except ValueError as error:
        if str(error).startswith(f"config {key}:"):
            raise
        raise ValueError(f"config {key}: expected a value like {_show(reference)}, got {value!r}") from error
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
        config = _apply(config, read_config_file(Path(config_file)))
    return _apply(config, parse_assignments(assignments))


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a JSON object of settings from `path`.

    Raises ValueError naming `path` when the file cannot be read or is not a JSON object."""
    try:
        text = path.read_text()
    except OSError as error:
        raise ValueError(f"cannot read the config file {path} ({error.strerror or error})") from error
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: invalid JSON ({error})") from error
    if not isinstance(values, dict):
        raise ValueError(f"{path}: expected a JSON object of settings, got a JSON {type(values).__name__}")
    return values


def config_from_json(data: dict[str, Any]) -> TrainConfig:
    """Rebuild a configuration saved with `to_json` (for example from a checkpoint)."""
    return _apply(TrainConfig(), data)
