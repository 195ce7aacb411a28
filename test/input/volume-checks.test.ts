import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import { makeVolume, voxelAt, type Volume } from '../../src/geometry/volume.js';
import { loadStudy } from '../../src/input/study.js';
import { checkSagittalGeometry, replaceNonFiniteVoxels, sagittalGeometryLimits } from '../../src/input/volume-checks.js';
import { writeVolumeFile } from '../../src/input/volume-file.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';
import { makeTempDir, removeTempDirs } from './dicom-fixtures.js';

after(removeTempDirs);

/**
 * Returns the affine of a sagittal grid in LPS with `spacing` mm voxels: i runs posterior, j
 * inferior and k to the left, as in the canonical sagittal layout.
 */
function sagittalAffine(spacing: readonly [number, number, number]): number[] {
  const [si, sj, sk] = spacing;
  return [0, 0, sk, -30, si, 0, 0, -100, 0, -sj, 0, 120, 0, 0, 0, 1];
}

/** Returns the DeepspineError that `task` throws, failing the test when it throws none. */
function thrownBy(task: () => unknown): DeepspineError {
  try {
    task();
  } catch (error) {
    assert.ok(error instanceof DeepspineError, `expected DeepspineError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

describe('checkSagittalGeometry', () => {
  const accepted: { name: string; size: [number, number, number]; spacing: [number, number, number] }[] = [
    { name: 'a 1 mm isotropic lumbar volume', size: [221, 221, 67], spacing: [1, 1, 1] },
    { name: 'a thick-slice series', size: [512, 512, 15], spacing: [0.6, 0.6, 4.4] },
    { name: 'a whole-spine series 990 mm long', size: [320, 900, 13], spacing: [1.1, 1.1, 4] },
    { name: 'a small synthetic volume', size: [6, 5, 4], spacing: [0.7, 0.7, 4] },
  ];
  for (const testCase of accepted) {
    it(`accepts ${testCase.name}`, () => {
      assert.doesNotThrow(() => checkSagittalGeometry({ size: testCase.size, affine: sagittalAffine(testCase.spacing) }, 'volume.nii.gz'));
    });
  }

  it('rejects 50 mm voxels', () => {
    const error = thrownBy(() => checkSagittalGeometry({ size: [221, 221, 67], affine: sagittalAffine([50, 50, 50]) }, 'x50.nii.gz', '/data/x50.nii.gz'));

    assert.equal(error.code, 'UNREADABLE_INPUT');
    assert.equal(error.exitCode, 4);
    assert.equal(error.file, '/data/x50.nii.gz');
    assert.match(error.message, /^x50\.nii\.gz: implausible geometry for a lumbar spine MRI: /);
    assert.match(error.message, /voxel spacing 50 x 50 x 50 mm and field of view 11100 x 11100 x 3350 mm along the voxel axes i, j, k/);
    assert.match(error.message, /\(antero-posterior, head-to-feet, left-right\)/);
    assert.match(error.message, /a voxel spacing over 20 mm along i, j, k and a field of view over 1000 mm along i, j, k/);
  });

  it('rejects voxels of 1000 mm from a header in metres', () => {
    const error = thrownBy(() => checkSagittalGeometry({ size: [221, 221, 67], affine: sagittalAffine([1000, 1000, 1000]) }, 'metre.nii.gz'));

    assert.match(error.message, /field of view 221000 x 221000 x 67000 mm/);
    assert.equal(error.file, undefined);
  });

  it('rejects voxels of 0.001 mm from a header in micrometres', () => {
    const error = thrownBy(() => checkSagittalGeometry({ size: [221, 221, 67], affine: sagittalAffine([0.001, 0.001, 0.001]) }, 'micrometre.nii.gz'));

    assert.match(error.message, /voxel spacing 0\.001 x 0\.001 x 0\.001 mm and field of view 0\.221 x 0\.221 x 0\.067 mm/);
    assert.match(error.message, /which is a voxel spacing under 0\.05 mm along i, j, k;/);
  });

  it('rejects a field of view just over the limit on one axis', () => {
    const error = thrownBy(() => checkSagittalGeometry({ size: [200, 1001, 20], affine: sagittalAffine([1, 1, 4]) }, 'long.mha'));

    assert.match(error.message, /which is a field of view over 1000 mm along j;/);
  });

  it('accepts a field of view at the limit', () => {
    const size: [number, number, number] = [200, sagittalGeometryLimits.maxFieldOfViewMm, 20];
    assert.doesNotThrow(() => checkSagittalGeometry({ size, affine: sagittalAffine([1, 1, 4]) }, 'long.mha'));
  });
});

/** Returns a 3 x 2 x 1 volume of the given values on a 1 mm grid. */
function smallVolume<T extends Float32Array | Float64Array | Int16Array>(data: T): Volume<T> {
  return makeVolume([3, 2, 1], sagittalAffine([1, 1, 1]), data);
}

describe('replaceNonFiniteVoxels', () => {
  it('sets NaN and infinite voxels to the lowest finite value', () => {
    const volume = smallVolume(new Float32Array([5, NaN, -3, Infinity, 7, -Infinity]));

    const warning = replaceNonFiniteVoxels(volume, 'image.nii', 'image.nii');

    assert.deepEqual(Array.from(volume.data), [5, -3, -3, -3, 7, -3]);
    assert.ok(warning !== undefined, 'NON_FINITE_VOXELS warning');
    assert.equal(warning.code, 'NON_FINITE_VOXELS');
    assert.equal(warning.file, 'image.nii');
    assert.match(warning.message, /^image\.nii: 3 of 6 voxels \(50 %\) are NaN or infinite; they were set to the lowest finite value, -3, /);
  });

  it('handles float64 volumes', () => {
    const volume = smallVolume(new Float64Array([NaN, 2.5, 4, 4, 4, 4]));

    const warning = replaceNonFiniteVoxels(volume, 'the sagittal series 2 "T2"');

    assert.equal(volume.data[0], 2.5);
    assert.equal(warning?.file, undefined);
    assert.match(warning?.message ?? '', /^the sagittal series 2 "T2": 1 of 6 voxels \(17 %\)/);
  });

  it('returns no warning when every voxel is finite', () => {
    const volume = smallVolume(new Float32Array([1, 2, 3, 4, 5, 6]));

    assert.equal(replaceNonFiniteVoxels(volume, 'image.nii'), undefined);
    assert.deepEqual(Array.from(volume.data), [1, 2, 3, 4, 5, 6]);
  });

  it('leaves integer volumes alone', () => {
    const volume = smallVolume(new Int16Array([1, -2, 3, 4, 5, 6]));

    assert.equal(replaceNonFiniteVoxels(volume, 'image.nii'), undefined);
    assert.deepEqual(Array.from(volume.data), [1, -2, 3, 4, 5, 6]);
  });

  it('rejects a volume without any finite voxel', () => {
    const volume = smallVolume(new Float32Array([NaN, NaN, Infinity, -Infinity, NaN, NaN]));

    const error = thrownBy(() => replaceNonFiniteVoxels(volume, 'empty.nii.gz', 'empty.nii.gz'));

    assert.equal(error.code, 'UNREADABLE_INPUT');
    assert.equal(error.file, 'empty.nii.gz');
    assert.equal(error.message, 'empty.nii.gz: all 6 voxels are NaN or infinite, so the image holds no data; export the image again');
  });
});

/** NIfTI-1 xyzt_units codes of the spatial unit (the low three bits of the byte at offset 123). */
const niftiSpatialUnits = { metre: 1, millimetre: 2, micrometre: 3 } as const;

/** Rewrites the spatial unit of a .nii.gz file, keeping the time unit bits. */
async function setSpatialUnit(path: string, unit: keyof typeof niftiSpatialUnits): Promise<void> {
  const bytes = gunzipSync(await readFile(path));
  bytes[123] = (bytes[123]! & ~0x07) | niftiSpatialUnits[unit];
  await writeFile(path, gzipSync(bytes));
}

/** Returns a 40 x 60 x 8 sagittal volume of 1 mm pixels and 4 mm slices, with float voxels. */
function floatSagittalVolume(): Volume<Float32Array> {
  const size = [40, 60, 8] as const;
  const data = new Float32Array(size[0] * size[1] * size[2]);
  for (let index = 0; index < data.length; index++) data[index] = 100 + (index % 97);
  return makeVolume(size, sagittalAffine([1, 1, 4]), data);
}

describe('loadStudy checks of a volume file', () => {
  for (const [unit, pattern] of [
    ['metre', /voxel spacing 1000 x 1000 x 4000 mm and field of view 40000 x 60000 x 32000 mm/],
    ['micrometre', /voxel spacing 0\.001 x 0\.001 x 0\.004 mm and field of view 0\.04 x 0\.06 x 0\.032 mm/],
  ] as const) {
    it(`rejects a NIfTI file whose unit is the ${unit}`, async () => {
      const folder = await makeTempDir('volume-unit');
      const path = join(folder, `t2_${unit}.nii.gz`);
      await writeVolumeFile(path, floatSagittalVolume());
      await setSpatialUnit(path, unit);

      await assert.rejects(loadStudy(path), (error: unknown) => {
        assert.ok(error instanceof DeepspineError);
        assert.equal(error.code, 'UNREADABLE_INPUT');
        assert.equal(error.file, path);
        assert.ok(error.message.startsWith(`${path}: implausible geometry`), error.message);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }

  it('reads the same file in millimetres', async () => {
    const folder = await makeTempDir('volume-unit');
    const path = join(folder, 't2_mm.nii.gz');
    await writeVolumeFile(path, floatSagittalVolume());
    await setSpatialUnit(path, 'millimetre');

    const study = await loadStudy(path);

    assert.deepEqual(study.warnings, []);
    assert.equal(study.sagittalSeries.sliceSpacing, 4);
  });

  for (const extension of ['nii.gz', 'mha', 'nrrd']) {
    it(`replaces NaN and infinite voxels of a .${extension} file`, async () => {
      const folder = await makeTempDir('volume-nan');
      const path = join(folder, `t2_sag.${extension}`);
      const volume = floatSagittalVolume();
      // The lowest finite value is 100, at every 97th voxel.
      volume.data[10] = NaN;
      volume.data[2000] = Infinity;
      volume.data[2001] = -Infinity;
      await writeVolumeFile(path, volume);

      const study = await loadStudy(path);

      assert.equal(study.sagittal.data[10], 100);
      assert.equal(study.sagittal.data[2000], 100);
      assert.equal(study.sagittal.data[2001], 100);
      assert.equal(study.sagittal.data[11], volume.data[11]);
      assert.ok(study.sagittal.data.every(Number.isFinite), 'a voxel is still not finite');
      assert.deepEqual(study.warnings.map((warning) => [warning.code, warning.file]), [['NON_FINITE_VOXELS', `t2_sag.${extension}`]]);
      assert.match(study.warnings[0]!.message, new RegExp(`^t2_sag\\.${extension.replace('.', '\\.')}: 3 of 19200 voxels \\(0\\.016 %\\) are NaN or infinite`));
      assert.ok(!study.warnings[0]!.message.includes(folder), 'the folder appears in the warning');
    });
  }

  it('rejects a file whose voxels are all NaN', async () => {
    const folder = await makeTempDir('volume-all-nan');
    const path = join(folder, 'blank.nii.gz');
    const volume = floatSagittalVolume();
    volume.data.fill(NaN);
    await writeVolumeFile(path, volume);

    await assert.rejects(loadStudy(path), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'UNREADABLE_INPUT');
      assert.equal(error.message, 'blank.nii.gz: all 19200 voxels are NaN or infinite, so the image holds no data; export the image again');
      return true;
    });
  });

  it('warns about NaN rows in real MRI', { skip: skipWithoutSharedData('volumes', 'ivd-11', 'image.nii.gz') }, async () => {
    const original = await loadStudy(sharedPath('volumes', 'ivd-11', 'image.nii.gz'));
    const [width, height, depth] = original.sagittal.size;
    const data = Float32Array.from(original.sagittal.data);
    // Voxel rows i = 10-19 of every plane, a band 10 mm high near the top of the image.
    for (let k = 0; k < depth; k++) for (let j = 0; j < height; j++) data.fill(NaN, width * (j + height * k) + 10, width * (j + height * k) + 20);
    const folder = await makeTempDir('volume-shared-nan');
    const path = join(folder, 'ivd-11-nan.nii.gz');
    await writeVolumeFile(path, makeVolume(original.sagittal.size, original.sagittal.affine, data));

    const study = await loadStudy(path);

    assert.deepEqual(study.warnings.map((warning) => warning.code), ['NON_FINITE_VOXELS']);
    assert.match(study.warnings[0]!.message, /^ivd-11-nan\.nii\.gz: 148070 of 3272347 voxels \(4\.5 %\) are NaN or infinite; they were set to the lowest finite value, 1, /);
    assert.equal(voxelAt(study.sagittal, 15, 100, 30), 1);
    assert.equal(voxelAt(study.sagittal, 25, 100, 30), voxelAt(original.sagittal, 25, 100, 30));
  });

  it('rejects real MRI with 50 mm voxels', { skip: skipWithoutSharedData('volumes', 'ivd-11', 'image.nii.gz') }, async () => {
    const folder = await makeTempDir('volume-x50');
    const path = join(folder, 'ivd-11-x50.nii.gz');
    const original = await loadStudy(sharedPath('volumes', 'ivd-11', 'image.nii.gz'));
    const affine = original.sagittal.affine.map((value, index) => (index % 4 !== 3 && index < 12 ? value * 50 : value));
    await writeVolumeFile(path, makeVolume(original.sagittal.size, affine, original.sagittal.data));

    await assert.rejects(loadStudy(path), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.exitCode, 4);
      assert.match(error.message, /voxel spacing 50 x 50 x 50 mm and field of view 11100 x 11100 x 3350 mm along the voxel axes i, j, k/);
      return true;
    });
  });
});
