import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeVolume } from '../../src/geometry/volume.js';
import type { GradingModel } from '../../src/grading/model.js';
import type { DiscLevel } from '../../src/levels/types.js';
import { gradeLevels, loadGradingModel, minSagittalCoverage, notGradedStatus } from '../../src/pipeline/grade-levels.js';

/** Returns a level at `center` with an axial disc plane and the canal behind it (LPS: +y is posterior). */
function level(name: DiscLevel['level'], center: [number, number, number]): DiscLevel {
  return { level: name, center, normal: [0, 0, 1], posterior: [0, 1, 0], confidence: 0.9, measurements: null };
}

describe('gradeLevels near the image edge', () => {
  let model: GradingModel;
  before(async () => {
    model = await loadGradingModel();
  });

  it('does not grade a disc near the lower edge', async () => {
    // A sagittal grid of 1 mm voxels: i posterior (+y), j inferior (-z), k left (+x); z runs from 0 down to -199.
    const size = [120, 200, 30] as const;
    const affine = [0, 0, 1, -15, 1, 0, 0, -60, 0, -1, 0, 0, 0, 0, 0, 1];
    const data = new Float32Array(size[0] * size[1] * size[2]).map((_, index) => 100 + 50 * Math.sin(index / 17) + (index % 13));
    const sagittal = makeVolume(size, affine, data);
    // The crop reaches 24 mm above and below the disc: the upper disc lies inside, the lower one 4 mm above the edge.
    const levels = [level('L4-L5', [0, 0, -100]), level('L5-S1', [0, 0, -195])];

    const grades = await gradeLevels(sagittal, null, levels, model);

    assert.equal(grades[0]!.sagittalCoverage, 1);
    assert.ok(grades[1]!.sagittalCoverage < minSagittalCoverage, `coverage ${grades[1]!.sagittalCoverage}`);
    const trainedHeads = model.info.heads.filter((head) => head.trained);
    assert.ok(trainedHeads.length > 0);
    for (const head of trainedHeads) {
      assert.equal(grades[0]!.heads[head.name]!.status, 'trained', head.name);
      const lower = grades[1]!.heads[head.name]!;
      assert.equal(lower.status, notGradedStatus, head.name);
      assert.ok('note' in lower, head.name);
      assert.match(lower.note, /of the sagittal crop at L5-S1 lies outside the image/, head.name);
    }
    for (const head of model.info.heads.filter((entry) => !entry.trained)) assert.equal(grades[1]!.heads[head.name]!.status, 'not trained', head.name);
  });

  it('counts padding planes as outside the image', async () => {
    const size = [120, 200, 30] as const;
    const affine = [0, 0, 1, -15, 1, 0, 0, -60, 0, -1, 0, 0, 0, 0, 0, 1];
    const data = new Float32Array(size[0] * size[1] * size[2]).map((_, index) => 100 + 50 * Math.sin(index / 17) + (index % 13));
    const sagittal = makeVolume(size, affine, data);
    // The grid goes on for 100 rows under the disc, but the image ends 4 rows under it (z = -104).
    const imaged = { axis: 1, first: 0, last: 104 } as const;

    const [whole] = await gradeLevels(sagittal, null, [level('L5-S1', [0, 0, -100])], model);
    const [padded] = await gradeLevels(sagittal, null, [level('L5-S1', [0, 0, -100])], model, imaged);

    assert.equal(whole!.sagittalCoverage, 1);
    // The crop reaches 24 mm above and below the disc, so 28.5 of its 48 mm lie inside.
    assert.ok(Math.abs(padded!.sagittalCoverage - 28.5 / 48) < 0.03, `coverage ${padded!.sagittalCoverage}`);
    for (const head of model.info.heads.filter((entry) => entry.trained)) assert.equal(padded!.heads[head.name]!.status, notGradedStatus, head.name);
  });

  it('grades a disc on a thin slab', async () => {
    // Three sagittal planes 1 mm apart: the crop's outer slices, 3.5 and 7 mm to the sides, lie outside.
    const size = [120, 200, 3] as const;
    const affine = [0, 0, 1, -1, 1, 0, 0, -60, 0, -1, 0, 0, 0, 0, 0, 1];
    const data = new Float32Array(size[0] * size[1] * size[2]).map((_, index) => 100 + 50 * Math.sin(index / 17) + (index % 13));

    const grades = await gradeLevels(makeVolume(size, affine, data), null, [level('L4-L5', [0, 0, -100])], model);

    assert.equal(grades[0]!.sagittalCoverage, 1);
    for (const head of model.info.heads.filter((entry) => entry.trained)) assert.equal(grades[0]!.heads[head.name]!.status, 'trained', head.name);
  });
});
