import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyAffine, dot, norm } from '../../src/geometry/affine.js';
import { makeVolume, type Volume } from '../../src/geometry/volume.js';
import type { DiscLevel } from '../../src/levels/types.js';
import {
  axialCropAffine,
  decodeNpyFloat32,
  defaultCropSpec,
  discFrame,
  encodeNpyFloat32,
  extractCrops,
  extractDiscCrops,
  normalizeIntensity,
  percentileOfSorted,
  readNpyFloat32,
  resampleGrid,
  sagittalCropAffine,
} from '../../src/crops/index.js';

/** Builds a volume in the canonical sagittal layout (i posterior, j inferior, k left) with the LPS origin at index 0. */
function phantom(size: [number, number, number], value: (x: number, y: number, z: number) => number, spacingMm = 1): Volume<Float32Array> {
  const affine = [0, 0, spacingMm, 0, spacingMm, 0, 0, 0, 0, -spacingMm, 0, 0, 0, 0, 0, 1];
  const data = new Float32Array(size[0] * size[1] * size[2]);
  let n = 0;
  for (let k = 0; k < size[2]; k++) {
    for (let j = 0; j < size[1]; j++) {
      for (let i = 0; i < size[0]; i++) {
        const [x, y, z] = applyAffine(affine, [i, j, k]);
        data[n++] = value(x, y, z);
      }
    }
  }
  return makeVolume(size, affine, data);
}

function level(center: [number, number, number], normal: [number, number, number] = [0, 0, 1], posterior: [number, number, number] = [0, 1, 0]): DiscLevel {
  return { level: 'L4-L5', center, normal, posterior, confidence: 1, measurements: null };
}

test('discFrame is orthonormal and right-handed', () => {
  const frame = discFrame(level([0, 0, 0], [0, 0.2, 1], [0, 1, 0.1]));
  assert.ok(Math.abs(norm(frame.normal) - 1) < 1e-12);
  assert.ok(Math.abs(norm(frame.posterior) - 1) < 1e-12);
  assert.ok(Math.abs(dot(frame.normal, frame.posterior)) < 1e-12);
  assert.ok(Math.abs(dot(frame.left, frame.normal)) < 1e-12);
  // Posterior x normal points to the patient's left (+x in LPS) for an upright spine.
  assert.ok(frame.left[0] > 0.9);
});

test('discFrame rejects a posterior parallel to the normal', () => {
  assert.throws(() => discFrame(level([0, 0, 0], [0, 0, 1], [0, 0, 2])), /parallel/);
});

test('sagittal crop axes follow the documented directions', () => {
  const frame = discFrame(level([10, 20, 30]));
  const affine = sagittalCropAffine(frame, defaultCropSpec.sagittal);
  const { width, height, slices, posteriorOffsetMm } = defaultCropSpec.sagittal;
  const middle = applyAffine(affine, [(width - 1) / 2, (height - 1) / 2, (slices - 1) / 2]);
  assert.deepEqual(middle.map((v) => Math.round(v * 1e9) / 1e9), [10, 20 + posteriorOffsetMm, 30]);
  const nextColumn = applyAffine(affine, [(width + 1) / 2, (height - 1) / 2, (slices - 1) / 2]);
  assert.ok(nextColumn[1] > middle[1], 'columns run posteriorly');
  const nextRow = applyAffine(affine, [(width - 1) / 2, (height + 1) / 2, (slices - 1) / 2]);
  assert.ok(nextRow[2] < middle[2], 'rows run inferiorly');
  const nextSlice = applyAffine(affine, [(width - 1) / 2, (height - 1) / 2, (slices + 1) / 2]);
  assert.ok(nextSlice[0] > middle[0], 'slices run to the left');
});

test('axial crop lies in the disc plane', () => {
  const frame = discFrame(level([0, 0, 0], [0, -0.3, 1], [0, 1, 0.3]));
  const affine = axialCropAffine(frame, defaultCropSpec.axial);
  const a = applyAffine(affine, [0, 0, 1]);
  const b = applyAffine(affine, [95, 95, 1]);
  const along: [number, number, number] = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  assert.ok(Math.abs(dot(along, frame.normal)) < 1e-9);
});

test('resampleGrid reproduces a linear intensity ramp', () => {
  const ramp = (x: number, y: number, z: number): number => 100 + 2 * x + 3 * y + 5 * z;
  const volume = phantom([120, 120, 60], ramp);
  // Disc centre well inside: i 60 (y 60), j 60 (z -60), k 30 (x 30); tilted disc plane.
  const frame = discFrame(level([30, 60, -60], [0, -0.2, 1], [0, 1, 0.2]));
  const spec = { ...defaultCropSpec.sagittal, width: 20, height: 16 };
  const affine = sagittalCropAffine(frame, spec);
  const grid = resampleGrid(volume, affine, [spec.width, spec.height, spec.slices]);
  let maxError = 0;
  let n = 0;
  for (let s = 0; s < spec.slices; s++) {
    for (let r = 0; r < spec.height; r++) {
      for (let c = 0; c < spec.width; c++, n++) {
        const [x, y, z] = applyAffine(affine, [c, r, s]);
        maxError = Math.max(maxError, Math.abs(grid.data[n]! - ramp(x, y, z)));
        assert.equal(grid.inside[n], 1);
      }
    }
  }
  assert.ok(maxError < 1e-3, `max error ${maxError}`);
});

test('resampleGrid marks voxels outside the source', () => {
  const volume = phantom([40, 40, 40], () => 7);
  const frame = discFrame(level([20, 0, -20]));
  const spec = { ...defaultCropSpec.sagittal, width: 10, height: 10, slices: 1, posteriorOffsetMm: 0 };
  const grid = resampleGrid(volume, sagittalCropAffine(frame, spec), [10, 10, 1]);
  // Columns at y < -0.5 mm fall outside (the grid spans y = -3.375 .. 3.375 mm).
  assert.equal(grid.inside[0], 0);
  assert.equal(grid.data[0], 0);
  assert.equal(grid.inside[9], 1);
  assert.equal(grid.data[9], 7);
});

test('single-plane source repeats its plane in every slice', () => {
  const volume = phantom([80, 80, 1], (_x, y, z) => y - z);
  const [crop] = extractDiscCrops({ studyId: 's', sagittal: volume, axial: null }, [level([0, 40, -40])]);
  assert.ok(crop);
  assert.equal(crop.sagittal.sourcePlanes, 1);
  const planeSize = crop.sagittal.size[0] * crop.sagittal.size[1];
  const middle = crop.sagittal.data.subarray(2 * planeSize, 3 * planeSize);
  for (let s = 0; s < crop.sagittal.size[2]; s++) {
    assert.deepEqual(crop.sagittal.data.subarray(s * planeSize, (s + 1) * planeSize), middle, `slice ${s} differs from the middle slice`);
  }
});

test('crop centre finds a bright disc phantom', () => {
  // A bright ellipsoidal "disc" 40 mm wide and 10 mm high at LPS (30, 60, -60).
  const disc = (x: number, y: number, z: number): number => (((x - 30) / 20) ** 2 + ((y - 60) / 20) ** 2 + ((z + 60) / 5) ** 2 <= 1 ? 1000 : 100);
  const volume = phantom([120, 120, 60], disc);
  const [crop] = extractDiscCrops({ studyId: 's', sagittal: volume, axial: volume }, [level([30, 60, -60])]);
  assert.ok(crop);
  assert.ok(crop.axial);
  const [width, height] = crop.sagittal.size;
  const centreColumn = Math.round((width - 1) / 2 - defaultCropSpec.sagittal.posteriorOffsetMm / defaultCropSpec.sagittal.pixelSpacingMm);
  const middleSlice = 2 * width * height;
  assert.equal(crop.sagittal.data[middleSlice + Math.round((height - 1) / 2) * width + centreColumn], 1);
  assert.equal(crop.sagittal.data[middleSlice + 2 * width + centreColumn], 0, 'vertebra above the disc is dark');
  const ax = crop.axial;
  const axCentre = 1 * ax.size[0] * ax.size[1] + Math.round((ax.size[1] - 1) / 2 - 10 / 0.75) * ax.size[0] + Math.round((ax.size[0] - 1) / 2);
  assert.equal(ax.data[axCentre], 1);
  assert.equal(crop.axialMissingReason, null);
});

test('axial crop is missing without axial coverage', () => {
  const volume = phantom([120, 120, 60], (x) => x);
  const farAway = phantom([20, 20, 20], (x) => x);
  const levels = [level([30, 60, -60])];
  const [none] = extractDiscCrops({ studyId: 's', sagittal: volume, axial: null }, levels);
  assert.equal(none?.axial, null);
  assert.match(none?.axialMissingReason ?? '', /no axial series/);
  const [uncovered] = extractDiscCrops({ studyId: 's', sagittal: volume, axial: farAway }, levels);
  assert.equal(uncovered?.axial, null);
  assert.match(uncovered?.axialMissingReason ?? '', /covers \d+ %/);
});

test('axial crop is missing when flat', () => {
  const volume = phantom([120, 120, 60], (x) => x);
  const flat = phantom([120, 120, 60], () => 500);
  const [crop] = extractDiscCrops({ studyId: 's', sagittal: volume, axial: flat }, [level([30, 60, -60])]);
  assert.equal(crop?.axial, null);
  assert.equal(crop?.axialMissingReason, 'the axial crop at L4-L5 has a flat intensity');
});

test('normalizeIntensity maps percentiles to 0 and 1', () => {
  const data = new Float32Array(101).map((_, i) => i);
  const inside = new Uint8Array(101).fill(1);
  const window = normalizeIntensity({ data, inside }, { lowPercentile: 10, highPercentile: 90 });
  assert.deepEqual(window, { low: 10, high: 90 });
  assert.equal(data[0], 0);
  assert.equal(data[50], 0.5);
  assert.equal(data[100], 1);
});

test('normalizeIntensity returns null on a flat crop', () => {
  const grid = { data: new Float32Array(10).fill(3), inside: new Uint8Array(10).fill(1) };
  assert.equal(normalizeIntensity(grid, { lowPercentile: 1, highPercentile: 99 }), null);
  assert.ok(grid.data.every((v) => v === 0));
});

test('percentileOfSorted interpolates like numpy', () => {
  assert.equal(percentileOfSorted([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentileOfSorted([5], 99), 5);
  assert.throws(() => percentileOfSorted([], 50), RangeError);
});

test('npy encoding round-trips with an aligned header', () => {
  const data = new Float32Array([1.5, -2, 3.25, 0, 7, 8]);
  const bytes = encodeNpyFloat32(data, [2, 3]);
  assert.equal((10 + bytes.readUInt16LE(8)) % 64, 0);
  const decoded = decodeNpyFloat32(bytes);
  assert.deepEqual(decoded.shape, [2, 3]);
  assert.deepEqual(decoded.data, data);
  assert.throws(() => encodeNpyFloat32(data, [4, 2]), /has 8 values/);
  assert.throws(() => decodeNpyFloat32(Buffer.from('hello world')), /magic/);
});

test('extractCrops writes arrays, sidecars and manifest', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'deepspine-crops-'));
  try {
    const volume = phantom([120, 120, 60], (x, y, z) => x + y - z);
    const levels = [level([30, 60, -40]), { ...level([30, 60, -80]), level: 'L5-S1' }];
    const rows = await extractCrops({ studyId: 'study 1', sagittal: volume, axial: null }, levels, outDir, {
      labels: new Map([['L5-S1', { disc_bulge: 1, pfirrmann_grade: 4 }]]),
      labelColumns: ['disc_bulge', 'pfirrmann_grade'],
    });
    assert.equal(rows.length, 2);
    const manifest = (await readFile(join(outDir, 'manifest.csv'), 'utf8')).trim().split('\n');
    assert.equal(manifest[0], 'study_id,series_id,level,level_confidence,ivd_label,sagittal_path,sagittal_planes,axial_path,has_axial,disc_bulge,pfirrmann_grade');
    assert.equal(manifest[1], 'study 1,sag,L4-L5,1,,crops/study_1/sag_L4-L5_sag.npy,5,,0,,');
    assert.equal(manifest[2], 'study 1,sag,L5-S1,1,,crops/study_1/sag_L5-S1_sag.npy,5,,0,1,4');
    const array = await readNpyFloat32(join(outDir, 'crops/study_1/sag_L5-S1_sag.npy'));
    assert.deepEqual(array.shape, [5, 64, 96]);
    const sidecar = JSON.parse(await readFile(join(outDir, 'crops/study_1/sag_L5-S1_sag.json'), 'utf8')) as { affine: number[]; shape: number[] };
    assert.equal(sidecar.affine.length, 16);
    assert.deepEqual(sidecar.shape, [5, 64, 96]);
    const spec = JSON.parse(await readFile(join(outDir, 'crop-spec.json'), 'utf8')) as { sagittal: { width: number } };
    assert.equal(spec.sagittal.width, 96);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
