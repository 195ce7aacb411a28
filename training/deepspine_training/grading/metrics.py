"""Classification metrics with confidence intervals from a bootstrap over patients (studies)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import cohen_kappa_score, roc_auc_score


def auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve; NaN when only one class is present."""
    labels = np.asarray(labels)
    if len(np.unique(labels)) < 2:
        return float("nan")
    return float(roc_auc_score(labels, np.asarray(scores)))


def quadratic_weighted_kappa(labels: Sequence[int], predictions: Sequence[int], classes: Sequence[int]) -> float:
    """Cohen's kappa with quadratic weights over the ordered `classes`; NaN when undefined."""
    labels = np.asarray(labels)
    predictions = np.asarray(predictions)
    if len(labels) == 0:
        return float("nan")
    value = cohen_kappa_score(labels, predictions, weights="quadratic", labels=list(classes))
    return float(value)


def bootstrap_ci(
    groups: Sequence[str],
    metric: Callable[[np.ndarray], float],
    iterations: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Point estimate and percentile confidence interval of `metric` under resampling of groups.

    `metric` receives an array of row indices. Whole groups (patients) are drawn with replacement,
    so rows of one patient stay together. Resamples where the metric is NaN are dropped.
    Returns (estimate, lower, upper).
    """
    groups = np.asarray(groups)
    unique = np.unique(groups)
    rows_of = {g: np.flatnonzero(groups == g) for g in unique}
    estimate = metric(np.arange(len(groups)))
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(iterations):
        drawn = rng.choice(unique, size=len(unique), replace=True)
        rows = np.concatenate([rows_of[g] for g in drawn])
        value = metric(rows)
        if not np.isnan(value):
            values.append(value)
    if not values:
        return estimate, float("nan"), float("nan")
    tail = (1.0 - level) / 2.0 * 100.0
    return estimate, float(np.percentile(values, tail)), float(np.percentile(values, 100.0 - tail))
