import csv
import json

import numpy as np
import onnxruntime
import torch

from deepspine_training.grading.detector import (
    DetectorConfig,
    HeatmapModel,
    build_detector,
    export_detector,
    find_peaks,
    gaussian_heatmap,
    read_detection_data,
    sample_batch,
    train_detector,
)


def write_detection_data(folder, planes=4):
    """Planes with bright bars at known centres, in the layout exportDiscDetectionData writes."""
    (folder / "planes").mkdir(parents=True)
    rows = []
    for index in range(planes):
        image = np.zeros((96, 64), dtype=np.float32)
        centres = [(32.0, 20.0 + 28 * k) for k in range(3)]
        for c, r in centres:
            image[int(r) - 2 : int(r) + 3, int(c) - 12 : int(c) + 13] = 1.0
        np.save(folder / f"planes/p{index}.npy", image)
        rows.append({"series": f"s{index}", "patient": str(index), "sequence": "t2", "plane_path": f"planes/p{index}.npy", "width": 64, "height": 96, "centres": ";".join(f"{c} {r}" for c, r in centres)})
    with (folder / "detection.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_gaussian_heatmap_peaks_at_centres():
    heatmap = gaussian_heatmap(40, 30, np.array([[10.0, 12.0], [20.0, 30.0]]), 2.0)
    assert heatmap[12, 10] == 1.0
    assert heatmap[30, 20] == 1.0
    peaks = find_peaks(heatmap)
    assert sorted(map(tuple, peaks.tolist())) == [(10.0, 12.0), (20.0, 30.0)]


def test_sample_batch_keeps_targets_aligned(tmp_path):
    write_detection_data(tmp_path)
    planes = read_detection_data(tmp_path)
    assert planes[0].centres.shape == (3, 2)
    images, targets = sample_batch(planes, DetectorConfig(batch_size=2, crop=64), np.random.default_rng(0))
    assert images.shape == (2, 1, 64, 64)
    assert targets.shape == images.shape
    assert float(targets.max()) <= 1.0


def test_detector_trains_and_exports(tmp_path):
    write_detection_data(tmp_path / "data")
    config = DetectorConfig(steps=3, batch_size=2, crop=64, channels=(4, 8), validation_fraction=0.25)
    summary = train_detector(tmp_path / "data", tmp_path / "run", config)
    assert summary["validation"]["planes"] == 1
    assert json.loads((tmp_path / "run" / "config.json").read_text())["steps"] == 3
    export_detector(tmp_path / "run" / "detector.pt", tmp_path / "detector.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "detector.onnx"), providers=["CPUExecutionProvider"])
    image = np.random.default_rng(0).uniform(0, 1, size=(1, 1, 96, 64)).astype(np.float32)
    (heatmap,) = session.run(None, {"image": image})
    assert heatmap.shape == (1, 1, 96, 64)
    assert float(heatmap.min()) >= 0.0
    assert float(heatmap.max()) <= 1.0
    network = build_detector(config)
    network.load_state_dict(torch.load(tmp_path / "run" / "detector.pt", weights_only=False)["model"])
    with torch.no_grad():
        expected = HeatmapModel(network).eval()(torch.from_numpy(image)).numpy()
    np.testing.assert_allclose(heatmap, expected, atol=1e-4)
