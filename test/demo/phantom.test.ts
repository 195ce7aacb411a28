import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { add, dot, norm, scale, type Vec3 } from '../../src/geometry/affine.js';
import { axisDirection, patientToIndex, spacing, voxelAt, type Volume } from '../../src/geometry/volume.js';
import {
  createPhantom,
  phantomDiscLevels,
  samplePhantomVolumes,
  semanticClassOf,
  tissueSignal,
  type DiscTruth,
  type Phantom,
  type TissueSample,
} from '../../src/demo/index.js';

const standard = createPhantom({ seed: 1 });

function assertBetween(value: number, low: number, high: number, label: string): void {
  assert.ok(value > low, `${label} ${value} is not above ${low}`);
  assert.ok(value < high, `${label} ${value} is not below ${high}`);
}

/** Returns the noise-free signal of the phantom at a point. */
function signalAt(phantom: Phantom, point: Vec3): number {
  const out: TissueSample = { value: 0, label: 0 };
  phantom.sample(point[0], point[1], point[2], out);
  return out.value;
}

function labelAt(phantom: Phantom, point: Vec3): number {
  const out: TissueSample = { value: 0, label: 0 };
  phantom.sample(point[0], point[1], point[2], out);
  return out.label;
}

/** Samples a small label volume (0.5 mm) around one disc, without noise. */
function discNeighbourhood(phantom: Phantom, disc: DiscTruth): Volume {
  return samplePhantomVolumes(phantom, { spacingMm: 0.5, fieldOfViewMm: [50, 40, 2], center: disc.center, realistic: false }).instances;
}

function volumeLabel(volume: Volume, point: Vec3): number {
  const [i, j, k] = patientToIndex(volume, point).map(Math.round) as [number, number, number];
  return voxelAt(volume, i, j, k);
}

/** Measures the run of `id` voxels along `direction` through `origin`, stepping 0.05 mm (nearest voxel). */
function runLength(volume: Volume, id: number, origin: Vec3, direction: Vec3): number {
  if (volumeLabel(volume, origin) !== id) return 0;
  const step = 0.05;
  let up = 0;
  while (up < 40 && volumeLabel(volume, add(origin, scale(direction, up + step))) === id) up += step;
  let down = 0;
  while (down < 40 && volumeLabel(volume, add(origin, scale(direction, -(down + step)))) === id) down += step;
  return up + down;
}

/**
 * Extent (mm) of the CSF behind a disc: from the first to the last point along the disc's posterior
 * direction whose noise-free signal exceeds 900. Nerve roots inside the sac do not shorten it.
 */
function csfRunBehindDisc(phantom: Phantom, disc: DiscTruth): number {
  let first = Number.NaN;
  let last = Number.NaN;
  for (let t = 0; t < 60; t += 0.1) {
    if (signalAt(phantom, add(disc.center, scale(disc.posterior, t))) <= 900) continue;
    if (Number.isNaN(first)) first = t;
    last = t;
  }
  return Number.isNaN(first) ? 0 : last - first;
}

describe('phantom anatomy', () => {
  test('same seed gives the same phantom', () => {
    const again = createPhantom({ seed: 1 });
    assert.deepEqual(again.discs, standard.discs);
    for (let n = 0; n < 200; n++) {
      const point: Vec3 = [((n * 37) % 60) - 30, ((n * 53) % 200) - 80, ((n * 71) % 280) - 140];
      assert.equal(signalAt(again, point), signalAt(standard, point), `signal differs at ${point.join(', ')}`);
    }
  });

  test('another seed changes the anatomy', () => {
    const other = createPhantom({ seed: 2 });
    const l4l5 = (phantom: Phantom) => phantom.discs.find((d) => d.level === 'L4-L5')!;
    assert.notDeepEqual(l4l5(other).center, l4l5(standard).center);
    assert.notEqual(l4l5(other).heights.middleMm, l4l5(standard).heights.middleMm);
  });

  test('disc levels run cranial to caudal', () => {
    assert.deepEqual(
      standard.discs.map((d) => d.level),
      [...phantomDiscLevels],
    );
    for (let n = 1; n < standard.discs.length; n++) {
      assert.ok(standard.discs[n]!.center[2] < standard.discs[n - 1]!.center[2], `${standard.discs[n]!.level} is not below the disc above`);
    }
    for (const disc of standard.discs) {
      assert.ok(Math.abs(norm(disc.normal) - 1) < 1e-9, `${disc.level} normal is not unit length`);
      assert.ok(Math.abs(norm(disc.posterior) - 1) < 1e-9, `${disc.level} posterior is not unit length`);
      assert.ok(Math.abs(dot(disc.normal, disc.posterior)) < 1e-9, `${disc.level} posterior is not in the disc plane`);
      assert.ok(disc.normal[2] > 0.6, `${disc.level} normal does not point cranially`);
      assert.ok(disc.posterior[1] > 0.6, `${disc.level} posterior does not point posteriorly`);
    }
  });

  test('each disc lies between its two vertebrae', () => {
    for (const disc of standard.discs) {
      const upperId = disc.id - 100;
      const lowerId = disc.level === 'L5-S1' ? 26 : upperId + 1;
      const half = disc.heights.middleMm / 2;
      assert.equal(labelAt(standard, disc.center), disc.id, `${disc.level} centre is not in its disc`);
      assert.equal(labelAt(standard, add(disc.center, scale(disc.normal, half + 3))), upperId, `above ${disc.level}`);
      assert.equal(labelAt(standard, add(disc.center, scale(disc.normal, -(half + 3)))), lowerId, `below ${disc.level}`);
    }
  });

  test('L5-S1 sits on the sacrum', () => {
    const l5s1 = standard.discs.find((d) => d.level === 'L5-S1')!;
    const s1 = standard.vertebrae.find((v) => v.name === 'S1')!;
    const l5 = standard.vertebrae.find((v) => v.name === 'L5')!;
    assert.equal(s1.id, 26);
    assert.ok(l5s1.center[2] > s1.center[2], 'L5-S1 is not above the S1 body');
    assert.ok(l5s1.center[2] < l5.center[2], 'L5-S1 is not below the L5 body');
    assert.equal(labelAt(standard, s1.center), 26);
  });

  test('disc heights and angles are realistic', () => {
    for (const disc of standard.discs.filter((d) => !d.level.startsWith('T1'))) {
      assertBetween(disc.heights.middleMm, 8, 14, `${disc.level} middle height`);
      assertBetween(disc.heights.anteriorMm, 6, 16, `${disc.level} anterior height`);
      assertBetween(disc.heights.posteriorMm, 5, 13, `${disc.level} posterior height`);
    }
    const l5s1 = standard.discs.find((d) => d.level === 'L5-S1')!;
    assert.ok(l5s1.heights.anteriorMm - l5s1.heights.posteriorMm > 3, 'L5-S1 is not wedge-shaped');
    assertBetween(l5s1.wedgeDeg, 10, 20, 'L5-S1 wedge');
    // The L5-S1 disc plane tilts forward more than any disc above it.
    const tilt = (disc: DiscTruth) => Math.atan2(-disc.normal[1], disc.normal[2]);
    for (const disc of standard.discs.slice(0, -1)) assert.ok(tilt(l5s1) > tilt(disc) + 0.1, `${disc.level} tilts as much as L5-S1`);
    assertBetween(standard.model.sacralSlopeDeg, 35, 45, 'sacral slope');
    assertBetween(standard.model.lumbarLordosisDeg, 35, 60, 'lumbar lordosis');
  });

  test('truth centres and heights match the label map', () => {
    for (const disc of standard.discs) {
      const labels = discNeighbourhood(standard, disc);
      assert.equal(volumeLabel(labels, disc.center), disc.id, `${disc.level} centre voxel`);
      const depth = standard.model.blocks.find((b) => b.name === disc.level)!;
      const offsets = {
        anteriorMm: -0.7 * depth.semiDepth,
        middleMm: 0,
        posteriorMm: 0.7 * depth.semiDepth * depth.posteriorDepthRatio,
      };
      for (const [key, offset] of Object.entries(offsets) as Array<[keyof DiscTruth['heights'], number]>) {
        const measured = runLength(labels, disc.id, add(disc.center, scale(disc.posterior, offset)), disc.normal);
        assert.ok(Math.abs(measured - disc.heights[key]) <= 1, `${disc.level} ${key}: label map ${measured.toFixed(2)}, truth ${disc.heights[key].toFixed(2)}`);
      }
    }
  });
});

describe('phantom contrast', () => {
  test('nucleus is brighter than marrow', () => {
    for (const disc of standard.discs) {
      const above = standard.vertebrae.find((v) => v.id === disc.id - 100)!;
      const nucleus = signalAt(standard, add(disc.center, scale(disc.normal, disc.heights.middleMm / 4)));
      const marrow = signalAt(standard, above.center);
      assert.ok(nucleus > 2 * marrow, `${disc.level}: nucleus ${nucleus.toFixed(0)}, ${above.name} marrow ${marrow.toFixed(0)}`);
    }
  });

  test('CSF is the brightest tissue', () => {
    const slice = samplePhantomVolumes(standard, { spacingMm: 1, fieldOfViewMm: [300, 300, 1], realistic: false });
    let maxValue = 0;
    let maxIndex = 0;
    slice.image.data.forEach((value, index) => {
      if (value > maxValue) {
        maxValue = value;
        maxIndex = index;
      }
    });
    assert.equal(maxValue, tissueSignal.csf);
    assert.ok(tissueSignal.nucleus < tissueSignal.csf);
    assert.ok(tissueSignal.subcutaneousFat < tissueSignal.csf);
    // The brightest voxel lies behind the column, in the canal.
    const [i, j] = [maxIndex % slice.image.size[0], Math.floor(maxIndex / slice.image.size[0]) % slice.image.size[1]];
    assert.equal(voxelAt(slice.instances, i, j, 0), 0);
    const l3 = standard.discs.find((d) => d.level === 'L3-L4')!;
    assert.ok(csfRunBehindDisc(standard, l3) > 12, 'no CSF column behind L3-L4');
  });
});

describe('phantom options', () => {
  test('heightFactor lowers one disc', () => {
    const collapsed = createPhantom({ seed: 1, discs: { 'L4-L5': { heightFactor: 0.5 } } });
    const before = standard.discs.find((d) => d.level === 'L4-L5')!;
    const after = collapsed.discs.find((d) => d.level === 'L4-L5')!;
    assert.ok(after.heights.middleMm < 0.7 * before.heights.middleMm, `middle ${after.heights.middleMm} vs ${before.heights.middleMm}`);
    assert.ok(after.heights.posteriorMm > 2, 'collapsed disc lost its posterior height');
    assert.equal(after.heightFactor, 0.5);
    const l3l4 = (phantom: Phantom) => phantom.discs.find((d) => d.level === 'L3-L4')!.heights.middleMm;
    assert.ok(Math.abs(l3l4(collapsed) - l3l4(standard)) < 1e-9, 'another disc changed');
  });

  test('degeneration darkens the nucleus', () => {
    const degenerate = createPhantom({ seed: 1, discs: { 'L5-S1': { degeneration: 1 } } });
    const disc = degenerate.discs.find((d) => d.level === 'L5-S1')!;
    const point = add(disc.center, scale(disc.normal, disc.heights.middleMm / 4));
    assert.ok(signalAt(degenerate, point) < 0.4 * signalAt(standard, point));
    assert.equal(disc.degeneration, 1);
  });

  test('canalStenosis narrows the CSF at one level', () => {
    const stenosis = createPhantom({ seed: 1, canalStenosis: { level: 'L4-L5', severity: 0.6 } });
    const narrowed = stenosis.discs.find((d) => d.level === 'L4-L5')!;
    const normal = standard.discs.find((d) => d.level === 'L4-L5')!;
    assert.ok(Math.abs(narrowed.canalDiameterMm - 0.4 * normal.canalDiameterMm) < 0.1, `diameter ${narrowed.canalDiameterMm}`);
    const measured = csfRunBehindDisc(stenosis, narrowed);
    assert.ok(Math.abs(measured - narrowed.canalDiameterMm) < 1.5, `CSF run ${measured.toFixed(1)} mm, truth ${narrowed.canalDiameterMm.toFixed(1)} mm`);
    assert.ok(csfRunBehindDisc(standard, normal) - measured > 6, 'CSF run did not shrink');
    const l2l3 = stenosis.discs.find((d) => d.level === 'L2-L3')!;
    assert.ok(Math.abs(csfRunBehindDisc(stenosis, l2l3) - l2l3.canalDiameterMm) < 1.5, 'another level changed');
  });

  test('invalid options are rejected', () => {
    assert.throws(() => createPhantom({ seed: -1 }), RangeError);
    assert.throws(() => createPhantom({ seed: 1.5 }), RangeError);
    assert.throws(() => createPhantom({ discs: { 'L4-L5': { heightFactor: 0.1 } } }), /heightFactor must be in \[0\.3, 1\.5\]/);
    assert.throws(() => createPhantom({ discs: { 'L4-L5': { degeneration: 2 } } }), /degeneration must be in \[0, 1\]/);
    assert.throws(() => createPhantom({ discs: { 'L6-S1': {} } as never }), /unknown level 'L6-S1'/);
    assert.throws(() => createPhantom({ canalStenosis: { level: 'L4-L5', severity: 1 } }), /severity must be in \[0, 0\.9\]/);
    assert.throws(() => createPhantom({ noiseSigma: -1 }), RangeError);
  });
});

describe('samplePhantomVolumes', () => {
  test('grid has the sagittal series layout', () => {
    const volumes = samplePhantomVolumes(standard, { spacingMm: 2, fieldOfViewMm: [240, 260, 40], realistic: false });
    assert.deepEqual(volumes.image.size, [120, 130, 20]);
    assert.deepEqual(spacing(volumes.image), [2, 2, 2]);
    assert.deepEqual(axisDirection(volumes.image, 0), [0, 1, 0]);
    assert.deepEqual(axisDirection(volumes.image, 1), [0, 0, -1]);
    assert.deepEqual(axisDirection(volumes.image, 2), [-1, 0, 0]);
    assert.deepEqual(volumes.labels.affine, volumes.image.affine);
    assert.deepEqual(volumes.instances.affine, volumes.image.affine);
    const allowed = new Set([0, 17, 18, 19, 20, 21, 22, 23, 24, 26, 117, 118, 119, 120, 121, 122, 123, 124]);
    const seen = new Set<number>();
    for (let n = 0; n < volumes.instances.data.length; n++) {
      const id = volumes.instances.data[n]!;
      seen.add(id);
      assert.equal(volumes.labels.data[n], semanticClassOf(id));
    }
    for (const id of seen) assert.ok(allowed.has(id), `unexpected instance id ${id}`);
    for (const id of [19, 20, 21, 22, 23, 24, 26, 119, 120, 121, 122, 123, 124]) assert.ok(seen.has(id), `instance ${id} missing`);
    const l3 = standard.vertebrae.find((v) => v.name === 'L3')!;
    assert.equal(volumeLabel(volumes.instances, l3.center), 22);
  });

  test('realistic volume adds noise but keeps labels', () => {
    const options = { spacingMm: 2, fieldOfViewMm: [100, 100, 4] as const, realistic: false };
    const clean = samplePhantomVolumes(standard, options);
    const noisy = samplePhantomVolumes(standard, { ...options, realistic: true });
    assert.deepEqual(noisy.instances.data, clean.instances.data);
    let differences = 0;
    for (let n = 0; n < clean.image.data.length; n++) if (clean.image.data[n] !== noisy.image.data[n]) differences++;
    assert.ok(differences > 0.9 * clean.image.data.length, `only ${differences} voxels changed`);
  });

  test('invalid grid is rejected', () => {
    assert.throws(() => samplePhantomVolumes(standard, { spacingMm: 0 }), /spacingMm must be positive/);
    assert.throws(() => samplePhantomVolumes(standard, { fieldOfViewMm: [10, -1, 10] }), /fieldOfViewMm must be positive/);
  });
});
