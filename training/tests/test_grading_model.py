import pytest
import torch

from deepspine_training.grading.heads import HEAD_BY_NAME, HEADS
from deepspine_training.grading.model import GradingNetwork, count_parameters, probabilities


@pytest.fixture(scope="module")
def network():
    torch.manual_seed(0)
    return GradingNetwork().eval()


def test_outputs_have_one_entry_per_head(network):
    out = network(torch.rand(3, 5, 64, 96), torch.rand(3, 3, 96, 96), torch.ones(3, 1))
    assert set(out) == {head.name for head in HEADS}
    assert out["disc_bulge"].shape == (3,)
    assert out["spinal_canal_stenosis"].shape == (3, 4)
    assert out["pfirrmann_grade"].shape == (3, 5)
    assert out["modic_type"].shape == (3, 4)


def test_probabilities_sum_to_one(network):
    out = probabilities(network(torch.rand(2, 5, 64, 96), torch.rand(2, 3, 96, 96), torch.ones(2, 1)))
    assert torch.allclose(out["pfirrmann_grade"].sum(dim=1), torch.ones(2), atol=1e-6)
    assert ((out["disc_bulge"] >= 0) & (out["disc_bulge"] <= 1)).all()


def test_single_slice_equals_repeated_slab(network):
    plane = torch.rand(2, 1, 64, 96)
    axial = torch.zeros(2, 3, 96, 96)
    has_axial = torch.zeros(2, 1)
    one = network(plane, axial, has_axial)
    slab = network(plane.expand(2, 5, 64, 96), axial, has_axial)
    for name in one:
        assert torch.allclose(one[name], slab[name], atol=1e-5), name


def test_missing_axial_ignores_axial_content(network):
    sagittal = torch.rand(2, 5, 64, 96)
    missing = torch.zeros(2, 1)
    a = network(sagittal, torch.zeros(2, 3, 96, 96), missing)
    b = network(sagittal, torch.rand(2, 3, 96, 96), missing)
    present = network(sagittal, torch.rand(2, 3, 96, 96), torch.ones(2, 1))
    assert torch.allclose(a["disc_bulge"], b["disc_bulge"])
    assert not torch.allclose(a["disc_bulge"], present["disc_bulge"])


def test_slice_order_changes_lateral_features(network):
    sagittal = torch.rand(1, 5, 64, 96)
    features = network.encode_sagittal(sagittal)
    flipped = network.encode_sagittal(sagittal.flip(1))
    half = features.shape[1] // 2
    assert torch.allclose(features[:, :half], flipped[:, :half], atol=1e-5)
    assert torch.allclose(features[:, half:], -flipped[:, half:], atol=1e-5)


def test_network_is_small(network):
    assert count_parameters(network) < 1_000_000


def test_head_class_index_checks_values():
    assert HEAD_BY_NAME["pfirrmann_grade"].class_index(3) == 2
    assert HEAD_BY_NAME["modic_type"].class_index(0) == 0
    with pytest.raises(ValueError, match="pfirrmann_grade"):
        HEAD_BY_NAME["pfirrmann_grade"].class_index(0)
    with pytest.raises(ValueError, match="disc_bulge"):
        HEAD_BY_NAME["disc_bulge"].class_index(0.5)
