import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { norm, subtract } from '../../src/geometry/affine.js';
import { axisDirection, indexToPatient, patientToIndex, spacing, voxelAt } from '../../src/geometry/volume.js';
import { loadStudy, type Study } from '../../src/input/study.js';
import { createPhantom, writeDemoStudy, type DemoTruth, type TissueSample } from '../../src/demo/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-demo-roundtrip-'));
let truth: DemoTruth;
let study: Study;

before(async () => {
  truth = await writeDemoStudy(scratch, { seed: 8 });
  study = await loadStudy(scratch);
});

after(() => rmSync(scratch, { recursive: true, force: true }));

describe('demo study through loadStudy', () => {
  test('sagittal series is chosen with its geometry', () => {
    const sagittal = truth.series.find((series) => series.key === 'sag_t2')!;
    assert.equal(study.sagittalSeries.seriesInstanceUid, sagittal.seriesInstanceUid);
    assert.deepEqual(study.sagittal.size, [320, 320, 15]);
    const [si, sj, sk] = spacing(study.sagittal);
    assert.ok(Math.abs(si - 0.9375) < 1e-6, `column spacing ${si}`);
    assert.ok(Math.abs(sj - 0.9375) < 1e-6, `row spacing ${sj}`);
    assert.ok(Math.abs(sk - 4.4) < 1e-6, `slice spacing ${sk}`);
    assert.deepEqual(axisDirection(study.sagittal, 0).map((v) => Math.round(v * 1e6) / 1e6), [0, 1, 0]);
    assert.deepEqual(axisDirection(study.sagittal, 1).map((v) => Math.round(v * 1e6) / 1e6), [0, 0, -1]);
    assert.deepEqual(axisDirection(study.sagittal, 2).map((v) => Math.round(v * 1e6) / 1e6), [-1, 0, 0]);
  });

  test('truth disc centres map to disc voxels', () => {
    const phantom = createPhantom(truth.options);
    const out: TissueSample = { value: 0, label: 0 };
    for (const disc of truth.levels) {
      const index = patientToIndex(study.sagittal, disc.center);
      const nearest = index.map(Math.round) as [number, number, number];
      // The centre lies on the mid-sagittal slice, so the slice index is a whole number.
      assert.ok(Math.abs(index[2] - nearest[2]) < 1e-6, `${disc.level} slice index ${index[2]}`);
      const voxelCenter = indexToPatient(study.sagittal, nearest);
      const distance = norm(subtract(voxelCenter, disc.center));
      assert.ok(distance <= 1, `${disc.level}: nearest voxel is ${distance.toFixed(2)} mm from the centre`);
      phantom.sample(voxelCenter[0], voxelCenter[1], voxelCenter[2], out);
      assert.equal(out.label, disc.id, `${disc.level}: voxel ${nearest.join(', ')} is not in the disc label`);
      // The loaded pixel there is disc signal: brighter than the vertebral body below it.
      const belowId = disc.level === 'L5-S1' ? 26 : disc.id - 100 + 1;
      const below = truth.vertebrae.find((vertebra) => vertebra.id === belowId)!;
      const body = patientToIndex(study.sagittal, below.center).map(Math.round) as [number, number, number];
      assert.ok(voxelAt(study.sagittal, ...nearest) > voxelAt(study.sagittal, ...body), `${disc.level} is not brighter than ${below.name}`);
    }
  });
});
