import math

import numpy as np
import pytest

from deepspine_training.grading.metrics import auc, bootstrap_ci, quadratic_weighted_kappa


def test_auc_perfect_and_undefined():
    assert auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert math.isnan(auc([1, 1], [0.2, 0.3]))


def test_qwk_perfect_and_chance():
    assert quadratic_weighted_kappa([0, 1, 2, 3], [0, 1, 2, 3], range(4)) == pytest.approx(1.0)
    assert quadratic_weighted_kappa([0, 1, 2, 3], [3, 2, 1, 0], range(4)) < 0


def test_bootstrap_ci_brackets_estimate():
    rng = np.random.default_rng(0)
    groups = np.repeat([f"p{i}" for i in range(40)], 3)
    labels = rng.integers(0, 2, size=len(groups))
    scores = labels + rng.normal(0, 0.8, size=len(groups))
    estimate, low, high = bootstrap_ci(groups, lambda rows: auc(labels[rows], scores[rows]), iterations=300)
    assert low <= estimate <= high
    assert 0.5 < estimate < 1.0
    assert high - low < 0.4


def test_bootstrap_ci_is_seeded():
    groups = np.array(["a", "a", "b", "c", "c", "d"])
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    first = bootstrap_ci(groups, lambda rows: float(values[rows].mean()), iterations=50, seed=4)
    second = bootstrap_ci(groups, lambda rows: float(values[rows].mean()), iterations=50, seed=4)
    assert first == second
