import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyLinear, multiply4, normalize, rotationAbout, type Mat4 } from '../../src/geometry/affine.js';
import { makeVolume } from '../../src/geometry/volume.js';
import { findLevels } from '../../src/levels/find-levels.js';
import { inverseRotation, rotatedVolume, sagittalSeriesFrame } from '../../src/levels/series-frame.js';
import { findStudyLevels } from '../../src/levels/study-levels.js';
import type { Segmentation } from '../../src/segmentation/segment.js';
import { syntheticSpine } from './synthetic-spine.js';

const lumbar = [8, 9, 10, 11, 12, 10];

function tilted(segmentation: Segmentation, rotation: Mat4): Segmentation {
  return {
    ...segmentation,
    labels: rotatedVolume(segmentation.labels, rotation),
    vertebraProbability: rotatedVolume(segmentation.vertebraProbability, rotation),
    discProbability: rotatedVolume(segmentation.discProbability, rotation),
  };
}

function assertClose(actual: readonly number[], expected: readonly number[], tolerance: number, label: string): void {
  actual.forEach((value, index) => assert.ok(Math.abs(value - expected[index]!) <= tolerance, `${label}: ${actual.join(', ')} against ${expected.join(', ')}`));
}

describe('sagittalSeriesFrame', () => {
  it('is null for sagittal planes', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar });
    assert.equal(sagittalSeriesFrame(segmentation.labels), null);
    // A series whose slices run from left to right instead of right to left needs no turn either.
    const mirrored = [...segmentation.labels.affine];
    for (const row of [0, 1, 2]) mirrored[row * 4 + 2] = -mirrored[row * 4 + 2]!;
    assert.equal(sagittalSeriesFrame(makeVolume(segmentation.labels.size, mirrored, segmentation.labels.data)), null);
  });

  for (const [axis, degrees] of [[1, 25], [1, -30], [2, 20], [2, -15]] as const) {
    it(`undoes a ${degrees} degree turn about axis ${axis}`, () => {
      const { segmentation } = syntheticSpine({ discHeights: lumbar });
      const frame = sagittalSeriesFrame(rotatedVolume(segmentation.labels, rotationAbout(axis, degrees)));
      assert.ok(frame !== null);
      // The straight grid's slice axis is +x, so the frame undoes the tilt exactly.
      assertClose(frame, rotationAbout(axis, -degrees), 1e-9, 'frame');
      assertClose(inverseRotation(frame), rotationAbout(axis, degrees), 1e-9, 'inverse');
    });
  }

  it('keeps head-to-feet up when tilted and turned', () => {
    // The smallest turn onto left-right would also turn the planes about left-right, by 8 degrees
    // here, and the lean of the spine from head-to-feet would change by that much.
    const { segmentation } = syntheticSpine({ discHeights: lumbar });
    const rotation = multiply4(rotationAbout(2, 30), rotationAbout(1, 30));
    const frame = sagittalSeriesFrame(rotatedVolume(segmentation.labels, rotation));
    assert.ok(frame !== null);
    const normal = applyLinear(rotation, [1, 0, 0]);
    assertClose(applyLinear(frame, normal), [1, 0, 0], 1e-9, 'plane normal');
    const head = normalize([-normal[2] * normal[0], -normal[2] * normal[1], 1 - normal[2] * normal[2]]);
    assertClose(applyLinear(frame, head), [0, 0, 1], 1e-9, 'head-to-feet in the planes');
  });

  it('finds planes on any voxel axis', () => {
    // Voxel axis 0 runs left, 1 posterior and 2 inferior, as in volumes stored plane by plane from the side.
    const grid = makeVolume([4, 5, 6], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1], new Uint8Array(120));
    const frame = sagittalSeriesFrame(rotatedVolume(grid, rotationAbout(1, 25)));
    assert.ok(frame !== null);
    assertClose(frame, rotationAbout(1, -25), 1e-9, 'frame');
  });

  it('keeps a tilt within the planes', () => {
    // A turn about left-right leaves the slice normal on left-right, so nothing is undone.
    const { segmentation } = syntheticSpine({ discHeights: lumbar });
    assert.equal(sagittalSeriesFrame(rotatedVolume(segmentation.labels, rotationAbout(0, 15))), null);
  });
});

describe('findStudyLevels on an oblique series', () => {
  for (const [axis, degrees] of [[1, 25], [1, -25], [2, 25]] as const) {
    it(`names a ${degrees} degree turn about axis ${axis} as straight`, () => {
      const { segmentation } = syntheticSpine({ discHeights: lumbar, lateralSlices: 40 });
      const straight = findStudyLevels(segmentation, segmentation.vertebraProbability, 'straight', null).levels;
      const rotation = rotationAbout(axis, degrees);
      const oblique = tilted(segmentation, rotation);
      const result = findStudyLevels(oblique, oblique.vertebraProbability, 'oblique', null);

      assert.deepEqual(result.levels.levels.map((l) => l.level), straight.levels.map((l) => l.level));
      assert.deepEqual(result.levels.levels.map((l) => l.confidence), straight.levels.map((l) => l.confidence));
      assert.deepEqual(result.levels.warnings.map((w) => w.code), straight.warnings.map((w) => w.code));
      result.levels.levels.forEach((level, index) => {
        const expected = straight.levels[index]!;
        assertClose(level.center, applyLinear(rotation, expected.center), 1e-6, `${level.level} centre`);
        assertClose(level.normal, applyLinear(rotation, expected.normal), 1e-9, `${level.level} normal`);
        assertClose(level.posterior, applyLinear(rotation, expected.posterior), 1e-9, `${level.level} posterior`);
        assert.ok(level.measurements !== null);
        assert.ok(expected.measurements !== null);
        assertClose(Object.values(level.measurements), Object.values(expected.measurements), 1e-6, `${level.level} measurements`);
      });
      result.levels.vertebrae.forEach((vertebra, index) => assertClose(vertebra.center, applyLinear(rotation, straight.vertebrae[index]!.center), 1e-6, vertebra.name));
      // The written label map stays on the series' own grid.
      assert.deepEqual(result.labels.affine, oblique.labels.affine);
    });
  }

  it('mismeasures a tilt without the frame', () => {
    // Found in patient axes, the discs of a spine tilted 25 degrees about front-to-back get normals
    // in the patient's sagittal plane. Their heights come out too large, and the chain's lean reads
    // as a wrong header. This is why levels are found in the series' frame.
    const { segmentation } = syntheticSpine({ discHeights: lumbar, lateralSlices: 40 });
    const oblique = tilted(segmentation, rotationAbout(1, 25));
    const result = findLevels(oblique, 'oblique', oblique.vertebraProbability);
    assert.ok(result.warnings.some((w) => w.code === 'ORIENTATION_SUSPECTED'));
    const height = result.levels[0]!.measurements?.middleHeightMm ?? 0;
    assert.ok(height > 8.5, `T12-L1 middle height ${height}, drawn 8 mm`);
  });

  it('keeps every disc at 35 degrees', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar, lateralSlices: 40 });
    const oblique = tilted(segmentation, rotationAbout(1, 35));
    assert.equal(findLevels(oblique, 'oblique', oblique.vertebraProbability).levels.length, 4);
    const result = findStudyLevels(oblique, oblique.vertebraProbability, 'oblique', null);
    assert.deepEqual(result.levels.levels.map((l) => l.level), ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']);
  });
});
