import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpyFloat32 } from '../../src/crops/npy.js';
import { makeVolume } from '../../src/geometry/volume.js';
import { parseCsv, parseCsvRecords } from '../../src/grading/csv.js';
import { dropOffChain } from '../../src/grading/slice-discs.js';
import { extractSliceCrops } from '../../src/grading/slice-crops.js';
import { findPlaneDiscs, numberDiscsFromCaudal, type PlaneDisc } from '../../src/grading/plane-discs.js';
import { estimatePngSpacing, loadSliceImage, readGradings, readSliceTable, type SliceEntry } from '../../src/grading/slices-folder.js';
import { silentLogger } from '../../src/log.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';
import { thresholdFinder, writeSliceFolder } from './slice-fixtures.js';

test('parseCsv handles quotes, commas and line breaks', () => {
  assert.deepEqual(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\n'), [
    ['a', 'b'],
    ['x, y', 'say "hi"\nthere'],
  ]);
  assert.deepEqual(parseCsv('a,,c'), [['a', '', 'c']]);
  const { columns, records } = parseCsvRecords('\uFEFFp,q\n1,2\n\n');
  assert.deepEqual(columns, ['p', 'q']);
  assert.deepEqual(records, [{ p: '1', q: '2' }]);
});

const entry: SliceEntry = {
  file: 'a.png',
  patient: '1',
  series: '1_t2',
  sequence: 't2',
  sourcePixelSpacingMm: [0.5, 0.6],
  originalSize: [400, 300],
  sliceThicknessMm: 4,
  numDiscs: 6,
};

test('estimatePngSpacing scales by original size', () => {
  assert.deepEqual(estimatePngSpacing(entry, 400, 300), { columnMm: 0.6, rowMm: 0.5, method: 'source spacing scaled by original size' });
  const half = estimatePngSpacing(entry, 200, 150);
  assert.ok(half);
  assert.ok(Math.abs(half.columnMm - 1.2) < 1e-12);
  assert.ok(Math.abs(half.rowMm - 1.0) < 1e-12);
  assert.equal(estimatePngSpacing({ ...entry, originalSize: null }, 200, 150)?.method, 'source spacing');
  assert.equal(estimatePngSpacing({ ...entry, sourcePixelSpacingMm: null }, 200, 150), null);
});

/** Draws a one-plane label volume with 0.8 mm pixels in the canonical sagittal layout. */
function labelPlane(width: number, height: number, draw: (c: number, r: number) => boolean) {
  const data = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) if (draw(c, r)) data[r * width + c] = 2;
  return makeVolume([width, height, 1], [0, 0, 4, 0, 0.8, 0, 0, 0, 0, -0.8, 0, 0, 0, 0, 0, 1], data);
}

test('findPlaneDiscs describes tilted discs', () => {
  // Two ellipses tilted by 20 degrees (posterior end lower), and a small blob of noise.
  const tilt = (20 * Math.PI) / 180;
  const ellipse = (c: number, r: number, cc: number, rc: number): boolean => {
    const u = (c - cc) * Math.cos(tilt) + (r - rc) * Math.sin(tilt);
    const v = -(c - cc) * Math.sin(tilt) + (r - rc) * Math.cos(tilt);
    return (u / 25) ** 2 + (v / 6) ** 2 <= 1;
  };
  const labels = labelPlane(150, 200, (c, r) => ellipse(c, r, 70, 60) || ellipse(c, r, 70, 140) || (Math.abs(c - 10) < 2 && Math.abs(r - 10) < 2));
  const discs = findPlaneDiscs(labels, 2);
  assert.equal(discs.length, 2);
  const [upper, lower] = discs as [PlaneDisc, PlaneDisc];
  assert.ok(upper.center[2] > lower.center[2], 'sorted cranial first');
  assert.ok(Math.abs(upper.pixel[0] - 70) < 0.5);
  assert.ok(Math.abs(upper.pixel[1] - 60) < 0.5);
  // Posterior runs along +y and down the image (row increases, z decreases) by the tilt.
  assert.ok(upper.posterior[1] > 0.9);
  assert.ok(Math.abs(Math.atan2(-upper.posterior[2], upper.posterior[1]) - tilt) < 0.03);
  assert.ok(upper.normal[2] > 0.9);
  // sqrt(12) standard deviations of a filled ellipse is sqrt(3) times its semi-axis.
  assert.ok(Math.abs(upper.depthMm - Math.sqrt(3) * 25 * 0.8) < 1, `depth ${upper.depthMm}`);
  assert.ok(Math.abs(upper.heightMm - Math.sqrt(3) * 6 * 0.8) < 1, `height ${upper.heightMm}`);
});

test('numberDiscsFromCaudal counts from the bottom', () => {
  const labels = labelPlane(100, 200, (c, r) => ((c - 50) / 25) ** 2 + ((r - 40) / 5) ** 2 <= 1 || ((c - 50) / 25) ** 2 + ((r - 150) / 5) ** 2 <= 1);
  const numbered = numberDiscsFromCaudal(findPlaneDiscs(labels, 2));
  assert.deepEqual(numbered.map((d) => d.ivdLabel), [1, 2]);
  assert.ok(Math.abs(numbered[0]!.disc.pixel[1] - 150) < 0.5);
  assert.equal(numbered[0]!.level.level, 'IVD 1');
});

test('dropOffChain removes a disc far from the column', () => {
  const disc = (y: number, z: number): PlaneDisc => ({ center: [0, y, z], normal: [0, 0, 1], posterior: [0, 1, 0], pixel: [0, 0], areaMm2: 300, depthMm: 40, heightMm: 10, meanProbability: 1 });
  // A lordotic curve (y = z^2 / 400) with one detection 60 mm in front of it.
  const chain = [0, -35, -70, -105, -140, -175].map((z) => disc(z * z / 400, z));
  chain[2] = disc(60, -70);
  const kept = dropOffChain(chain);
  assert.equal(kept.length, 5);
  assert.ok(!kept.includes(chain[2]!));
  assert.equal(dropOffChain(chain.slice(0, 2)).length, 2);
  const straight = [0, -35, -70, -105].map((z) => disc(z * z / 400, z));
  assert.equal(dropOffChain(straight).length, 4);
});

test('extractSliceCrops matches gradings by count', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'deepspine-slices-'));
  try {
    await writeSliceFolder(join(dir, 'in'), [
      { patient: '1', series: '1_t2', discs: 3 },
      { patient: '2', series: '2_t2', discs: 4 },
    ]);
    const summary = await extractSliceCrops(join(dir, 'in'), join(dir, 'out'), { finders: [thresholdFinder], logger: silentLogger });
    assert.equal(summary.rows, 3, 'the 4-disc series of a 3-disc patient is left out');
    assert.deepEqual(summary.results.map((r) => [r.series, r.found, r.graded, r.matched]), [
      ['1_t2', 3, 3, true],
      ['2_t2', 4, 3, false],
    ]);
    // Discs 40 px apart at 0.8 mm.
    assert.ok(Math.abs(summary.results[0]!.medianDiscSpacingMm! - 32) < 0.5);
    const manifest = (await readFile(join(dir, 'out', 'manifest.csv'), 'utf8')).trim().split('\n');
    assert.equal(manifest[0], 'study_id,series_id,level,level_confidence,ivd_label,sagittal_path,sagittal_planes,axial_path,has_axial,disc_bulge,pfirrmann_grade,disc_herniation,disc_narrowing,modic_type,spondylolisthesis,upper_endplate_defect,lower_endplate_defect');
    assert.equal(manifest[1], 'slices-1,1_t2,IVD 1,,1,crops/slices-1/1_t2_IVD_1_sag.npy,1,,0,1,2,0,1,0,0,0,1');
    const crop = await readNpyFloat32(join(dir, 'out', 'crops/slices-1/1_t2_IVD_1_sag.npy'));
    assert.deepEqual(crop.shape, [5, 64, 96]);
    // The disc sits 8 mm anterior of the crop centre; its pixel there is bright.
    const centre = 2 * 64 * 96 + 32 * 96 + Math.round(47.5 - 8 / 0.75);
    assert.ok(crop.data[centre]! > 0.9, `crop value ${crop.data[centre]} at the disc centre`);
    const report = (await readFile(join(dir, 'out', 'disc-finding.csv'), 'utf8')).trim().split('\n');
    assert.equal(report.length, 3);
    assert.match(report[2]!, /^2_t2,2,t2,threshold \(test\),4,3,0,/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadSliceImage builds a sagittal one-plane volume', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'deepspine-slices-'));
  try {
    await writeSliceFolder(dir, [{ patient: '1', series: '1_t2', discs: 2 }]);
    const [first] = await readSliceTable(dir);
    assert.ok(first);
    const image = await loadSliceImage(dir, first);
    assert.deepEqual(image.volume.size, [200, 300, 1]);
    assert.deepEqual(image.volume.affine, [0, 0, 4, 0, 0.8, 0, 0, 0, 0, -0.8, 0, 0, 0, 0, 0, 1]);
    assert.equal(image.volume.data[0], 30);
    await assert.rejects(loadSliceImage(dir, { ...first, sourcePixelSpacingMm: null, sourcePixelSpacingText: '' }), /slices\.csv gives no source_pixel_spacing_mm for series 1_t2/);
    await assert.rejects(loadSliceImage(dir, { ...first, sourcePixelSpacingMm: null, sourcePixelSpacingText: 'abc' }), /slices\.csv gives source_pixel_spacing_mm "abc", not two positive numbers, for series 1_t2/);
    await assert.rejects(loadSliceImage(dir, { ...first, file: 'missing.png' }), /cannot read the PNG/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SPIDER slice table and gradings parse', { skip: skipWithoutSharedData('spider-slices', 'slices.csv') }, async () => {
  const dir = sharedPath('spider-slices');
  const entries = await readSliceTable(dir);
  assert.equal(entries.length, 360);
  assert.ok(entries.every((e) => e.sourcePixelSpacingMm !== null && e.originalSize !== null));
  const gradings = await readGradings(dir);
  assert.ok(gradings);
  assert.equal(gradings.size, 179);
  assert.deepEqual(gradings.get('1')?.get(1), {
    disc_bulge: 1,
    pfirrmann_grade: 3,
    disc_herniation: 0,
    disc_narrowing: 1,
    modic_type: 0,
    spondylolisthesis: 0,
    upper_endplate_defect: 0,
    lower_endplate_defect: 0,
  });
});

test('extractSliceCrops tries the next finder on a count mismatch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'deepspine-slices-'));
  try {
    await writeSliceFolder(join(dir, 'in'), [{ patient: '1', series: '1_t2', discs: 3 }]);
    const blind = { name: 'blind', find: async () => [] };
    const summary = await extractSliceCrops(join(dir, 'in'), join(dir, 'out'), { finders: [blind, thresholdFinder], logger: silentLogger });
    assert.equal(summary.rows, 3);
    assert.equal(summary.results[0]!.finder, 'threshold (test)');
    assert.equal(summary.results[0]!.matched, true);
    const unmatched = await extractSliceCrops(join(dir, 'in'), join(dir, 'out2'), { finders: [blind], logger: silentLogger });
    assert.equal(unmatched.rows, 0);
    assert.equal(unmatched.results[0]!.finder, 'blind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
