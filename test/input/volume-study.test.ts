import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import { findAxisMapping, reorientVolume } from '../../src/geometry/reorient.js';
import { makeVolume, spacing, voxelAt } from '../../src/geometry/volume.js';
import { createLogger } from '../../src/log.js';
import { loadStudy } from '../../src/input/study.js';
import { volumeSliceAxis } from '../../src/input/volume-study.js';
import { writeVolumeFile } from '../../src/input/volume-file.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';
import { makeTempDir, removeTempDirs, patternValue } from './dicom-fixtures.js';

/** Sets qform_code and sform_code of a NIfTI-1 file (.nii or .nii.gz) to 0, so it records no orientation. */
async function clearOrientationCodes(path: string): Promise<void> {
  const raw = await readFile(path);
  const gzipped = path.endsWith('.gz');
  const bytes = gzipped ? gunzipSync(raw) : raw;
  bytes.writeInt16LE(0, 252);
  bytes.writeInt16LE(0, 254);
  await writeFile(path, gzipped ? gzipSync(bytes) : bytes);
}

/** Returns a 6 x 5 x 4 volume with 1 mm voxels whose third axis runs along `sliceDirection` (LPS +x or +z). */
function isotropicVolume(sliceDirection: 'x' | 'z') {
  const data = new Int16Array(6 * 5 * 4);
  for (let k = 0; k < 4; k++) for (let j = 0; j < 5; j++) for (let i = 0; i < 6; i++) data[i + 6 * (j + 5 * k)] = patternValue(i, j, k);
  const affine = sliceDirection === 'x' ? [0, 0, 1, -6, 1, 0, 0, 2, 0, -1, 0, 30, 0, 0, 0, 1] : [1, 0, 0, -6, 0, 1, 0, 2, 0, 0, 1, 30, 0, 0, 0, 1];
  return makeVolume([6, 5, 4], affine, data);
}

/** Returns the affine of a 1 mm grid rotated by z * y * x Euler angles given in degrees. */
function rotatedAffine(xDegrees: number, yDegrees: number, zDegrees: number): number[] {
  const [x, y, z] = [xDegrees, yDegrees, zDegrees].map((degrees) => (degrees * Math.PI) / 180) as [number, number, number];
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(x), Math.sin(x), Math.cos(y), Math.sin(y), Math.cos(z), Math.sin(z)];
  const rows = [
    [cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx],
    [sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx],
    [-sy, cy * sx, cy * cx],
  ];
  return [...rows[0]!, 0, ...rows[1]!, 0, ...rows[2]!, 0, 0, 0, 0, 1];
}

/** Returns a 6 x 5 x 4 volume whose third axis has 4 mm spacing along `sliceDirection` (LPS). */
function thickSliceVolume(sliceDirection: 'x' | 'z') {
  const size = [6, 5, 4] as const;
  const data = new Int16Array(6 * 5 * 4);
  for (let k = 0; k < 4; k++) for (let j = 0; j < 5; j++) for (let i = 0; i < 6; i++) data[i + 6 * (j + 5 * k)] = patternValue(i, j, k);
  // Sagittal: i along +y, j along -z, k along +x. Axial: i along +x, j along +y, k along +z.
  const affine =
    sliceDirection === 'x'
      ? [0, 0, 4, -6, 0.7, 0, 0, 2, 0, -0.7, 0, 30, 0, 0, 0, 1]
      : [0.7, 0, 0, -6, 0, 0.7, 0, 2, 0, 0, 4, 30, 0, 0, 0, 1];
  return makeVolume(size, affine, data);
}

after(removeTempDirs);

describe('loadStudy with a volume file', () => {
  it('reads a sagittal NIfTI volume', { skip: skipWithoutSharedData('volumes', 'ivd-11', 'image.nii.gz') }, async () => {
    const study = await loadStudy(sharedPath('volumes', 'ivd-11', 'image.nii.gz'));

    assert.equal(study.source, 'volume-file');
    assert.equal(study.axial, null);
    assert.equal(study.series.length, 1);
    assert.equal(study.sagittalSeries.id, 'image.nii.gz');
    assert.equal(study.sagittalSeries.orientation, 'sagittal');
    assert.equal(study.sagittalSeries.sliceCount, study.sagittal.size[2]);
    assert.deepEqual(spacing(study.sagittal), [1, 1, 1]);
    assert.deepEqual(study.warnings, []);
  });

  const formats = ['nii.gz', 'mha'] as const;
  for (const format of formats) {
    it(`reads a thick-slice sagittal .${format} file`, async () => {
      const folder = await makeTempDir('volume');
      const path = join(folder, `t2_sag.${format}`);
      await writeVolumeFile(path, thickSliceVolume('x'));

      const study = await loadStudy(path);

      assert.equal(study.sagittalSeries.orientation, 'sagittal');
      // The weighting comes from the file name.
      assert.equal(study.sagittalSeries.classification, 'sagittal-t2');
      assert.equal(study.sagittalSeries.weighting, 't2');
      assert.equal(study.sagittalSeries.sliceSpacing, 4);
      assert.equal(voxelAt(study.sagittal, 4, 3, 2), patternValue(4, 3, 2));
    });
  }

  it('raises NO_SAGITTAL_SERIES for a thick-slice axial file', async () => {
    const folder = await makeTempDir('volume-axial');
    const path = join(folder, 'axial.nii.gz');
    await writeVolumeFile(path, thickSliceVolume('z'));

    await assert.rejects(loadStudy(path), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'NO_SAGITTAL_SERIES');
      assert.match(error.message, /stack of axial slices 4\.0 mm apart/);
      return true;
    });
  });

  it('raises UNREADABLE_INPUT for a damaged file', async () => {
    const folder = await makeTempDir('volume-damaged');
    const path = join(folder, 'broken.nii.gz');
    await writeFile(path, 'not a gzip stream');

    await assert.rejects(loadStudy(path), (error: unknown) => error instanceof DeepspineError && error.code === 'UNREADABLE_INPUT');
    // ITK-Wasm sets process.exitCode on a failed read; readVolumeFile restores it.
    assert.equal(process.exitCode, undefined);
  });
});

describe('near-isotropic volume files', () => {
  for (const [storage, sliceDirection] of [['left-right', 'x'], ['head-to-feet', 'z']] as const) {
    it(`reads ${storage} storage as sagittal`, async () => {
      const folder = await makeTempDir('volume-isotropic');
      const path = join(folder, 't2_iso.nii.gz');
      await writeVolumeFile(path, isotropicVolume(sliceDirection));

      const study = await loadStudy(path);

      assert.deepEqual(study.warnings, []);
      assert.equal(study.sagittalSeries.orientation, 'sagittal');
      assert.equal(study.sagittalSeries.classification, 'sagittal-t2');
      // The planes run along the voxel axis closest to left-right: k for 'x', i for 'z'.
      assert.equal(study.sagittalSeries.sliceCount, sliceDirection === 'x' ? 4 : 6);
    });
  }

  it('warns about a 45-degree oblique volume', async () => {
    const folder = await makeTempDir('volume-oblique');
    const path = join(folder, 't2_oblique.nii.gz');
    const volume = isotropicVolume('z');
    await writeVolumeFile(path, { ...volume, affine: rotatedAffine(80, 45, 25) });

    const study = await loadStudy(path);

    // The axis closest to left-right in this rotation points (0.64, 0.30, 0.71) in LPS, mostly head to feet.
    assert.equal(study.sagittalSeries.orientation, 'axial');
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['VOLUME_FILE_ORIENTATION']);
    assert.equal(
      study.warnings[0]!.message,
      't2_oblique.nii.gz: a near-isotropic volume whose voxel axis closest to left-right still points axial, ' +
        'so it is oblique by more than 45 degrees; it is used as the sagittal volume',
    );
  });

  it('reads RAS-ordered real MRI as sagittal', { skip: skipWithoutSharedData('volumes', 'ivd-11', 'image.nii.gz') }, async () => {
    const original = await loadStudy(sharedPath('volumes', 'ivd-11', 'image.nii.gz'));
    // The axis order of nibabel's as_closest_canonical: i to the patient's right, j anterior, k superior (LPS -x, -y, +z).
    const mapping = findAxisMapping(original.sagittal.affine, [[-1, 0, 0], [0, -1, 0], [0, 0, 1]]);
    const canonical = reorientVolume(original.sagittal, mapping);
    const folder = await makeTempDir('volume-canonical');
    const path = join(folder, 'image.nii.gz');
    await writeVolumeFile(path, canonical);

    const study = await loadStudy(path);

    assert.deepEqual(canonical.size, [67, 221, 221]);
    assert.deepEqual(study.warnings, []);
    assert.equal(study.sagittalSeries.orientation, 'sagittal');
    assert.equal(study.sagittalSeries.classification, original.sagittalSeries.classification);
    assert.equal(study.sagittalSeries.sliceCount, 67);
    assert.equal(study.sagittalSeries.rows, original.sagittalSeries.rows);
    assert.equal(study.sagittalSeries.columns, original.sagittalSeries.columns);
  });
});

describe('volume file warnings', () => {
  for (const extension of ['.nii', '.nii.gz']) {
    it(`warns about a ${extension} file without orientation`, async () => {
      const folder = await makeTempDir('volume-no-orientation');
      const path = join(folder, `t2_sag${extension}`);
      await writeVolumeFile(path, isotropicVolume('x'));
      await clearOrientationCodes(path);

      const lines: string[] = [];
      const study = await loadStudy(path, {}, createLogger({ level: 'info', write: (line) => lines.push(line) }));

      // ITK-Wasm gives such a file the identity direction and origin, so the sagittal volume reads as axial.
      assert.deepEqual(study.sagittal.affine, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
      assert.deepEqual(study.warnings.map((entry) => entry.code), ['VOLUME_FILE_NO_ORIENTATION']);
      const warning = study.warnings.find((entry) => entry.code === 'VOLUME_FILE_NO_ORIENTATION');
      assert.ok(warning !== undefined, 'VOLUME_FILE_NO_ORIENTATION warning');
      assert.equal(warning.file, `t2_sag${extension}`);
      assert.match(
        warning.message,
        new RegExp(`^t2_sag${extension.replace('.', '\\.')}: the file records no orientation \\(qform_code and sform_code are both 0\\), ` +
          "so its voxel axes i, j, k are assumed to point to the patient's left, posterior and superior"),
      );
      assert.ok(lines.includes(`warn: ${warning.message}`));
    });
  }

  it('explains an unoriented thick-slice file that reads as axial', async () => {
    const folder = await makeTempDir('volume-no-orientation-thick');
    const path = join(folder, 'sagittal.nii.gz');
    await writeVolumeFile(path, thickSliceVolume('x'));
    await clearOrientationCodes(path);

    await assert.rejects(loadStudy(path), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'NO_SAGITTAL_SERIES');
      assert.match(error.message, /stack of axial slices 4\.0 mm apart, not sagittal \(the file records no orientation because qform_code and sform_code are both 0/);
      return true;
    });
  });

  it('warns about a shared volume without orientation', { skip: skipWithoutSharedData('volumes', 'ivd-11', 'image.nii.gz') }, async () => {
    const folder = await makeTempDir('volume-shared-no-orientation');
    const path = join(folder, 'image.nii.gz');
    await writeFile(path, await readFile(sharedPath('volumes', 'ivd-11', 'image.nii.gz')));
    await clearOrientationCodes(path);

    const study = await loadStudy(path);

    assert.deepEqual(study.warnings.map((warning) => [warning.code, warning.file]), [['VOLUME_FILE_NO_ORIENTATION', 'image.nii.gz']]);
    assert.ok(!JSON.stringify(study.warnings).includes(folder), 'the folder appears in a warning');
    // With the identity direction, the planes are cut along i, which in this file runs head to feet.
    assert.equal(study.sagittalSeries.orientation, 'sagittal');
    assert.equal(study.sagittalSeries.sliceCount, 221);
  });
});

describe('volumeSliceAxis', () => {
  const cases: { name: string; affine: number[]; axis: number; isotropic: boolean }[] = [
    { name: 'isotropic LPS', affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], axis: 0, isotropic: true },
    { name: 'isotropic RAS', affine: [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], axis: 0, isotropic: true },
    { name: 'isotropic sagittal-stored', affine: [0, 0, 1, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1], axis: 2, isotropic: true },
    { name: 'isotropic, left-right second', affine: [0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1], axis: 1, isotropic: true },
    { name: 'thick first axis', affine: [3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], axis: 0, isotropic: false },
    { name: 'thick third axis', affine: [0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 4, 0, 0, 0, 0, 1], axis: 2, isotropic: false },
    { name: 'slightly thicker', affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1.2, 0, 0, 0, 0, 1], axis: 0, isotropic: true },
  ];
  for (const testCase of cases) {
    it(`finds the slice axis of a ${testCase.name} grid`, () => {
      assert.deepEqual(volumeSliceAxis({ affine: testCase.affine }), { axis: testCase.axis, isotropic: testCase.isotropic });
    });
  }
});

describe('loadStudy series options on a volume file', () => {
  it('warns that they are ignored', async () => {
    const folder = await makeTempDir('volume-options');
    const path = join(folder, 'image.nii.gz');
    await writeVolumeFile(path, thickSliceVolume('x'));
    const lines: string[] = [];

    const study = await loadStudy(path, { sagittalSeries: '3', axialSeries: 'AX' }, createLogger({ level: 'warn', write: (line) => lines.push(line) }));

    assert.equal(study.source, 'volume-file');
    assert.ok(lines.includes('warn: --sagittal-series is ignored: image.nii.gz is a volume file, which contains a single series'), lines.join('\n'));
    assert.ok(lines.includes('warn: --axial-series is ignored: image.nii.gz is a volume file, which contains a single series'), lines.join('\n'));
  });
});
