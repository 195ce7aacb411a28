import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cross, dot, subtract, type Vec3 } from '../../src/geometry/affine.js';
import { DeepspineError } from '../../src/errors.js';
import { createDemoStudy, writeDemoStudy, type DemoTruth } from '../../src/demo/index.js';
import { numberOf, numbers, readNatural, readSeries, type NaturalFile } from './read-dicom.js';

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-demo-test-'));
let studyDir = '';
let truth: DemoTruth;
let generationCpuMs = 0;

before(async () => {
  studyDir = join(scratch, 'study');
  const cpu = process.cpuUsage();
  truth = await writeDemoStudy(studyDir, { seed: 3 });
  const used = process.cpuUsage(cpu);
  generationCpuMs = (used.user + used.system) / 1000;
});

after(() => rmSync(scratch, { recursive: true, force: true }));

/** Returns every file of a study folder as relative path → bytes. */
function studyFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), readFileSync(path));
  }
  return files;
}

function vec(file: NaturalFile, keyword: string, from = 0): Vec3 {
  const values = numbers(file, keyword);
  return [values[from]!, values[from + 1]!, values[from + 2]!];
}

function assertClose(actual: readonly number[], expected: readonly number[], tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  actual.forEach((value, n) => assert.ok(Math.abs(value - expected[n]!) <= tolerance, `${label}[${n}]: ${value} vs ${expected[n]}`));
}

/** Mean of the 3x3 pixels around the pixel nearest to an LPS point on a slice. */
function patchMean(file: NaturalFile, point: Vec3): number {
  const position = vec(file, 'ImagePositionPatient');
  const row = vec(file, 'ImageOrientationPatient', 0);
  const column = vec(file, 'ImageOrientationPatient', 3);
  const [rowSpacing, columnSpacing] = numbers(file, 'PixelSpacing') as [number, number];
  const offset = subtract(point, position);
  const c = Math.round(dot(offset, row) / columnSpacing);
  const r = Math.round(dot(offset, column) / rowSpacing);
  const columns = numberOf(file, 'Columns');
  let sum = 0;
  for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) sum += file.pixels[(r + dr) * columns + c + dc]!;
  return sum / 9;
}

describe('writeDemoStudy', () => {
  test('writes three series and truth.json', () => {
    assert.deepEqual(readdirSync(studyDir).sort(), ['ax_t2', 'localizer', 'sag_t2', 'truth.json']);
    assert.equal(readdirSync(join(studyDir, 'sag_t2')).length, 15);
    assert.equal(readdirSync(join(studyDir, 'ax_t2')).length, 18);
    assert.equal(readdirSync(join(studyDir, 'localizer')).length, 1);
    assert.deepEqual(JSON.parse(readFileSync(join(studyDir, 'truth.json'), 'utf8')), JSON.parse(JSON.stringify(truth)));
  });

  test('same seed writes identical bytes', async () => {
    const again = join(scratch, 'again');
    await writeDemoStudy(again, { seed: 3 });
    const first = studyFiles(studyDir);
    const second = studyFiles(again);
    assert.deepEqual([...second.keys()].sort(), [...first.keys()].sort());
    for (const [path, bytes] of first) assert.ok(bytes.equals(second.get(path)!), `${path} differs`);
  });

  test('another seed changes pixels and UIDs', async () => {
    const other = join(scratch, 'other');
    const otherTruth = await writeDemoStudy(other, { seed: 4 });
    assert.notEqual(otherTruth.studyInstanceUid, truth.studyInstanceUid);
    const a = readNatural(join(studyDir, 'sag_t2', '0008.dcm'));
    const b = readNatural(join(other, 'sag_t2', '0008.dcm'));
    assert.notDeepEqual(b.pixels, a.pixels);
  });

  test('generation takes under 2 s of CPU', () => {
    assert.ok(generationCpuMs < 2000, `writing the study used ${generationCpuMs.toFixed(0)} ms of CPU`);
  });

  test('levels run cranial to caudal down to L5-S1', () => {
    assert.deepEqual(
      truth.levels.map((level) => level.level),
      ['T11-T12', 'T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'],
    );
    for (let n = 1; n < truth.levels.length; n++) assert.ok(truth.levels[n]!.center[2] < truth.levels[n - 1]!.center[2]);
    assert.ok(truth.lumbosacralAngleDeg > 10, `lumbosacral angle ${truth.lumbosacralAngleDeg}`);
    assert.ok(truth.lumbosacralAngleDeg < 20, `lumbosacral angle ${truth.lumbosacralAngleDeg}`);
  });
});

describe('demo DICOM headers', () => {
  test('every file is MR Image Storage in Explicit VR Little Endian', () => {
    for (const folder of ['sag_t2', 'ax_t2', 'localizer']) {
      for (const file of readSeries(join(studyDir, folder))) {
        assert.equal(file.meta['TransferSyntaxUID'], '1.2.840.10008.1.2.1');
        assert.equal(file.meta['MediaStorageSOPClassUID'], '1.2.840.10008.5.1.4.1.1.4');
        assert.equal(file.meta['MediaStorageSOPInstanceUID'], file.dataset['SOPInstanceUID']);
        assert.equal(file.dataset['SOPClassUID'], '1.2.840.10008.5.1.4.1.1.4');
        assert.equal(file.dataset['Modality'], 'MR');
        assert.equal(file.dataset['PhotometricInterpretation'], 'MONOCHROME2');
        assert.equal(file.dataset['BitsAllocated'], 16);
        assert.equal(file.dataset['BitsStored'], 12);
        assert.equal(file.dataset['PixelRepresentation'], 0);
        assert.equal(file.pixels.length, numberOf(file, 'Rows') * numberOf(file, 'Columns'));
        assert.ok(Math.max(...file.pixels) <= 4095);
      }
    }
  });

  test('identifiers are synthetic', () => {
    const uids = new Set<string>();
    for (const folder of ['sag_t2', 'ax_t2', 'localizer']) {
      for (const file of readSeries(join(studyDir, folder))) {
        assert.deepEqual(file.dataset['PatientName'], [{ Alphabetic: 'PHANTOM^DEMO' }]);
        assert.equal(file.dataset['PatientID'], 'DEMO');
        assert.equal(file.dataset['StudyDate'], '20000101');
        assert.match(String(file.dataset['ImageComments']), /^Synthetic lumbar spine phantom/);
        assert.equal(file.dataset['StudyInstanceUID'], truth.studyInstanceUid);
        assert.equal(file.dataset['FrameOfReferenceUID'], truth.frameOfReferenceUid);
        for (const keyword of ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'FrameOfReferenceUID']) {
          const uid = String(file.dataset[keyword]);
          assert.match(uid, /^2\.25\.(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/, `${keyword} ${uid}`);
          assert.ok(uid.length <= 64, `${keyword} ${uid} is longer than 64 characters`);
        }
        const sop = String(file.dataset['SOPInstanceUID']);
        assert.ok(!uids.has(sop), `SOPInstanceUID ${sop} repeats`);
        uids.add(sop);
      }
    }
  });

  test('sagittal slices step along the normal', () => {
    const files = readSeries(join(studyDir, 'sag_t2'));
    const plan = truth.series.find((series) => series.key === 'sag_t2')!;
    for (const [n, file] of files.entries()) {
      assert.equal(file.dataset['SeriesDescription'], 'T2 TSE SAG');
      assert.equal(file.dataset['SeriesInstanceUID'], plan.seriesInstanceUid);
      assert.equal(numberOf(file, 'InstanceNumber'), n + 1);
      assert.deepEqual(numbers(file, 'ImageOrientationPatient'), [0, 1, 0, 0, 0, -1]);
      assert.deepEqual(numbers(file, 'PixelSpacing'), [0.9375, 0.9375]);
      assert.equal(numberOf(file, 'Rows'), 320);
      assert.equal(numberOf(file, 'Columns'), 320);
      assert.equal(numberOf(file, 'SliceThickness'), 4);
      assert.equal(numberOf(file, 'SpacingBetweenSlices'), 4.4);
      assert.ok(numberOf(file, 'RepetitionTime') > 2000, 'TR is too short for a T2-weighted series');
      assert.ok(numberOf(file, 'EchoTime') > 80, 'TE is too short for a T2-weighted series');
      const normal = cross(vec(file, 'ImageOrientationPatient', 0), vec(file, 'ImageOrientationPatient', 3));
      assert.ok(Math.abs(numberOf(file, 'SliceLocation') - dot(vec(file, 'ImagePositionPatient'), normal)) < 1e-5);
      if (n > 0) {
        const step = subtract(vec(file, 'ImagePositionPatient'), vec(files[n - 1]!, 'ImagePositionPatient'));
        assertClose(step, [-4.4, 0, 0], 1e-6, `IPP step to instance ${n + 1}`);
      }
    }
    // The middle slice is the mid-sagittal plane.
    assert.equal(vec(files[7]!, 'ImagePositionPatient')[0], 0);
  });

  test('axial blocks lie on the disc planes', () => {
    const files = readSeries(join(studyDir, 'ax_t2'));
    const plan = truth.series.find((series) => series.key === 'ax_t2')!;
    assert.deepEqual(Object.keys(plan.instancesByLevel!), ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']);
    for (const [level, instances] of Object.entries(plan.instancesByLevel!)) {
      const disc = truth.levels.find((entry) => entry.level === level)!;
      assert.equal(instances.length, 3);
      const block = instances.map((instance) => files[instance - 1]!);
      for (const file of block) {
        assertClose(vec(file, 'ImageOrientationPatient', 0), [1, 0, 0], 1e-6, `${level} row direction`);
        assertClose(vec(file, 'ImageOrientationPatient', 3), disc.posterior, 1e-5, `${level} column direction`);
        const normal = cross(vec(file, 'ImageOrientationPatient', 0), vec(file, 'ImageOrientationPatient', 3));
        assertClose(normal, disc.normal, 1e-5, `${level} slice normal`);
      }
      const middle = block[1]!;
      assert.ok(Math.abs(dot(subtract(disc.center, vec(middle, 'ImagePositionPatient')), disc.normal)) < 1e-3, `${level} middle slice misses the disc centre`);
      const locations = block.map((file) => numberOf(file, 'SliceLocation'));
      assertClose([locations[0]! - locations[1]!, locations[1]! - locations[2]!], [4, 4], 1e-5, `${level} slice steps`);
    }
  });

  test('localizer is one coronal slice', () => {
    const [file, ...rest] = readSeries(join(studyDir, 'localizer'));
    assert.equal(rest.length, 0);
    assert.deepEqual(numbers(file!, 'ImageOrientationPatient'), [1, 0, 0, 0, 0, -1]);
    assert.ok((file!.dataset['ImageType'] as string[]).includes('LOCALIZER'));
  });
});

describe('demo pixels', () => {
  test('mid-sagittal slice shows T2 contrast at the truth positions', () => {
    const middle = readNatural(join(studyDir, 'sag_t2', '0008.dcm'));
    for (const disc of truth.levels.filter((level) => level.level.startsWith('L'))) {
      const above = truth.vertebrae.find((vertebra) => vertebra.id === disc.id - 100)!;
      const quarter = disc.heights.middleMm / 4;
      const nucleus = patchMean(middle, [disc.center[0], disc.center[1] + quarter * disc.normal[1], disc.center[2] + quarter * disc.normal[2]]);
      const marrow = patchMean(middle, above.center);
      assert.ok(nucleus > 1.8 * marrow, `${disc.level}: nucleus ${nucleus.toFixed(0)}, ${above.name} marrow ${marrow.toFixed(0)}`);
      let csf = 0;
      for (let t = 10; t < 40; t += 0.5) {
        csf = Math.max(csf, patchMean(middle, [0, disc.center[1] + t * disc.posterior[1], disc.center[2] + t * disc.posterior[2]]));
      }
      assert.ok(csf > nucleus, `${disc.level}: CSF ${csf.toFixed(0)} is not brighter than the nucleus ${nucleus.toFixed(0)}`);
    }
  });
});

describe('demo study folder', () => {
  test('rejects a folder with other files', async () => {
    const occupied = mkdtempSync(join(scratch, 'occupied-'));
    writeFileSync(join(occupied, 'notes.txt'), 'not a demo study');
    await assert.rejects(writeDemoStudy(occupied), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, /notes\.txt/);
      return true;
    });
  });

  test('replaces an earlier demo study', async () => {
    const dir = join(scratch, 'rewrite');
    await writeDemoStudy(dir, { seed: 6 });
    writeFileSync(join(dir, 'sag_t2', '0099.dcm'), 'stale');
    await writeDemoStudy(dir, { seed: 6 });
    assert.ok(!existsSync(join(dir, 'sag_t2', '0099.dcm')), 'stale instance survived');
    assert.equal(readdirSync(join(dir, 'sag_t2')).length, 15);
  });

  test('createDemoStudy writes into a new temporary folder', async () => {
    const { dir, truth: created } = await createDemoStudy({ seed: 3 });
    try {
      assert.ok(dir.startsWith(join(tmpdir(), 'deepspine-demo-')));
      assert.equal(created.studyInstanceUid, truth.studyInstanceUid);
      assert.ok(existsSync(join(dir, 'sag_t2', '0015.dcm')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stack layout writes one true axial stack', async () => {
    const dir = join(scratch, 'stack');
    const stack = await writeDemoStudy(dir, { seed: 3, axialLayout: 'stack' });
    assert.equal(stack.axialLayout, 'stack');
    assert.notEqual(stack.studyInstanceUid, truth.studyInstanceUid);
    const files = readSeries(join(dir, 'ax_t2'));
    assert.ok(files.length > 30, `${files.length} axial slices`);
    for (const [n, file] of files.entries()) {
      assert.deepEqual(numbers(file, 'ImageOrientationPatient'), [1, 0, 0, 0, 1, 0]);
      if (n > 0) assertClose(subtract(vec(file, 'ImagePositionPatient'), vec(files[n - 1]!, 'ImagePositionPatient')), [0, 0, -4], 1e-6, 'IPP step');
    }
    await assert.rejects(writeDemoStudy(join(scratch, 'bad'), { axialLayout: 'diagonal' as never }), RangeError);
  });
});
