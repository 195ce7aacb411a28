"""Python reads the crops that the TypeScript extraction writes (the one preprocessing implementation)."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from deepspine_training.grading.data import CropDataset, collate_crops, read_crop_spec, read_manifest
from deepspine_training.grading.heads import HEAD_BY_NAME, HEADS

from .test_grading_support import REPO_ROOT

CROPS_MODULE = REPO_ROOT / "dist" / "src" / "crops" / "index.js"
VOLUME_MODULE = REPO_ROOT / "dist" / "src" / "geometry" / "volume.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_dataset_reads_typescript_crops(tmp_path):
    if not CROPS_MODULE.exists():
        pytest.skip(f"{CROPS_MODULE} not found; run `npm run build` first so the TypeScript crops code is compiled")
    # A 1 mm ramp phantom with two discs; the axial series covers only the upper one.
    script = f"""
import {{ extractCrops }} from {json.dumps(CROPS_MODULE.as_uri())};
import {{ makeVolume }} from {json.dumps(VOLUME_MODULE.as_uri())};
const size = [100, 140, 60];
const data = new Float32Array(size[0] * size[1] * size[2]).map((_, n) => n % 997);
const sagittal = makeVolume(size, [0, 0, 1, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1], data);
const axial = makeVolume([60, 100, 40], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1, -20, 0, 0, 0, 1], new Float32Array(60 * 100 * 40).map((_, n) => n % 389));
const level = (name, z) => ({{ level: name, center: [30, 50, z], normal: [0, 0, 1], posterior: [0, 1, 0], confidence: 1, measurements: null }});
await extractCrops({{ studyId: 'phantom-1', sagittal, axial }}, [level('L4-L5', -40), level('L5-S1', -100)], {json.dumps(str(tmp_path))}, {{
  labels: new Map([['L5-S1', {{ disc_bulge: 1, pfirrmann_grade: 4 }}]]),
  labelColumns: ['disc_bulge', 'pfirrmann_grade'],
}});
"""
    result = subprocess.run(["node", "--input-type=module", "-e", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = tmp_path / "manifest.csv"
    records = read_manifest(manifest)
    assert [r.level for r in records] == ["L4-L5", "L5-S1"]
    assert records[0].axial_path is not None
    assert records[1].axial_path is None
    bulge = [h.name for h in HEADS].index("disc_bulge")
    pfirrmann = [h.name for h in HEADS].index("pfirrmann_grade")
    assert records[1].targets[bulge] == 1
    assert records[1].targets[pfirrmann] == HEAD_BY_NAME["pfirrmann_grade"].class_index(4)
    spec = read_crop_spec(manifest)
    dataset = CropDataset(records, spec)
    batch = collate_crops([dataset[0], dataset[1]])
    assert batch["sagittal"].shape == (2, 5, 64, 96)
    assert batch["axial"].shape == (2, 3, 96, 96)
    assert batch["has_axial"][:, 0].tolist() == [1.0, 0.0]
    sagittal = np.load(tmp_path / records[0].sagittal_path.relative_to(tmp_path))
    assert sagittal.dtype == np.float32
    assert float(sagittal.min()) >= 0.0
    assert float(sagittal.max()) <= 1.0
    sidecar = json.loads(records[0].sagittal_path.with_suffix(".json").read_text())
    assert len(sidecar["affine"]) == 16
