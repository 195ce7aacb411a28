import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import { makeVolume, voxelAt, type Volume } from '../../src/geometry/volume.js';
import { createLogger } from '../../src/log.js';
import { loadStudy } from '../../src/input/study.js';
import { niftiExpectedBytes, niftiNonFiniteVoxels, niftiOrientationCodes, readVolumeFile, writeVolumeFile } from '../../src/input/volume-file.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';
import { makeTempDir, patternValue, removeTempDirs } from './dicom-fixtures.js';

after(removeTempDirs);

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Returns a 6 x 5 x 4 sagittal volume with 0.7 mm pixels and 4 mm slices (LPS). */
function sagittalVolume(): Volume {
  const data = new Int16Array(6 * 5 * 4);
  for (let k = 0; k < 4; k++) for (let j = 0; j < 5; j++) for (let i = 0; i < 6; i++) data[i + 6 * (j + 5 * k)] = patternValue(i, j, k);
  return makeVolume([6, 5, 4], [0, 0, 4, -6, 0.7, 0, 0, 2, 0, -0.7, 0, 30, 0, 0, 0, 1], data);
}

/** Writes a small volume into one temporary folder and a symbolic link to it into another. */
async function volumeBehindLink(extension: string): Promise<{ target: string; link: string }> {
  const targetFolder = await makeTempDir('volume-target');
  const linkFolder = await makeTempDir('volume-link');
  const target = join(targetFolder, `t2_sag${extension}`);
  await writeVolumeFile(target, sagittalVolume());
  const link = join(linkFolder, `linked${extension}`);
  await symlink(target, link);
  return { target, link };
}

function captureLogger(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }) };
}

/** Runs `task` with console.log and console.error recording into the returned list. */
async function consoleLinesDuring(task: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  console.error = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    await task().catch(() => undefined);
  } finally {
    Object.assign(console, saved);
  }
  return lines;
}

describe('readVolumeFile through a symbolic link', () => {
  for (const extension of ['.nii.gz', '.mha']) {
    it(`reads a ${extension} link to another folder`, async () => {
      const { link } = await volumeBehindLink(extension);

      const volume = await readVolumeFile(link);

      assert.deepEqual(volume.size, [6, 5, 4]);
      assert.equal(voxelAt(volume, 4, 3, 2), patternValue(4, 3, 2));
    });
  }

  it('loads a linked volume as a study', async () => {
    const { link } = await volumeBehindLink('.nii.gz');

    const study = await loadStudy(link);

    assert.equal(study.source, 'volume-file');
    assert.equal(study.sagittalSeries.orientation, 'sagittal');
    assert.equal(study.sagittalSeries.id, 'linked.nii.gz');
  });

  it('reads a relative link to another folder', async () => {
    const { target } = await volumeBehindLink('.nii.gz');
    const linkFolder = await makeTempDir('volume-relative-link');
    const nested = join(linkFolder, 'nested');
    await mkdir(nested);
    const link = join(nested, 'relative.nii.gz');
    await symlink(join('..', '..', target.split('/').slice(-2).join('/')), link);

    const volume = await readVolumeFile(link);

    assert.deepEqual(volume.size, [6, 5, 4]);
  });

  it('dangling link is INPUT_NOT_FOUND', async () => {
    const folder = await makeTempDir('volume-dangling');
    const link = join(folder, 'dangling.nii.gz');
    await symlink(join(folder, 'absent.nii.gz'), link);

    await assert.rejects(readVolumeFile(link), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'INPUT_NOT_FOUND');
      assert.match(error.message, /dangling\.nii\.gz/);
      return true;
    });
  });

  it('reads a link to the real ivd-11 image', { skip: skipWithoutSharedData('volumes', 'ivd-11', 'image.nii.gz') }, async () => {
    const target = sharedPath('volumes', 'ivd-11', 'image.nii.gz');
    const folder = await makeTempDir('volume-shared-link');
    const link = join(folder, 'ivd.nii.gz');
    await symlink(target, link);

    const direct = await readVolumeFile(target);
    const linked = await readVolumeFile(link);

    assert.deepEqual(linked.size, direct.size);
    assert.deepEqual(linked.affine, direct.affine);
  });
});

describe('readVolumeFile on a damaged file', () => {
  /** Writes the first 30% of an MHA file, on which ITK-Wasm's pipeline throws and prints to the console. */
  async function damagedFile(): Promise<string> {
    const folder = await makeTempDir('volume-damaged');
    const complete = join(folder, 'complete.mha');
    await writeVolumeFile(complete, sagittalVolume());
    const bytes = await readFile(complete);
    const path = join(folder, 'broken.mha');
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length * 0.3)));
    return path;
  }

  it('file that is not gzip names the file', async () => {
    const folder = await makeTempDir('volume-not-gzip');
    const path = join(folder, 'broken.nii.gz');
    await writeFile(path, 'not a gzip stream');

    await assert.rejects(readVolumeFile(path), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'UNREADABLE_INPUT');
      assert.ok(error.message.startsWith(`${path}: named .gz but not gzip-compressed, and not a NIfTI-1 or NIfTI-2 file`), error.message);
      return true;
    });
  });

  it('names a gzip-compressed file named .nii', async () => {
    const folder = await makeTempDir('volume-gzip-named-nii');
    const written = join(folder, 'written.nii.gz');
    await writeVolumeFile(written, sagittalVolume());
    const path = join(folder, 'compressed.nii');
    await writeFile(path, await readFile(written));

    await assert.rejects(readVolumeFile(path), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'UNREADABLE_INPUT');
      assert.match(error.message, /compressed\.nii: .*the file is gzip-compressed but named \.nii; rename it to \.nii\.gz/);
      return true;
    });
  });

  it('rejects a header with zero spacing', async () => {
    const folder = await makeTempDir('volume-zero-spacing');
    const path = join(folder, 'flat.mha');
    const header = 'ObjectType = Image\nNDims = 3\nDimSize = 4 4 4\nElementSpacing = 0 1 1\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n';
    await writeFile(path, Buffer.concat([Buffer.from(header), Buffer.alloc(64)]));

    await assert.rejects(readVolumeFile(path), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'UNREADABLE_INPUT');
      assert.match(error.message, /flat\.mha: the header gives an invalid voxel geometry \(spacing 0 x 1 x 1 mm/);
      return true;
    });
  });

  it('message names the file, no library text', async () => {
    const path = await damagedFile();

    await assert.rejects(readVolumeFile(path), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'UNREADABLE_INPUT');
      assert.ok(error.message.startsWith(`${path}: cannot read the volume`), error.message);
      assert.doesNotMatch(error.message, /\(\d+\)/);
      return true;
    });
  });

  it('prints nothing on the console', async () => {
    const path = await damagedFile();

    const lines = await consoleLinesDuring(() => readVolumeFile(path));

    assert.deepEqual(lines, []);
  });

  it('logs library output at debug level', async () => {
    const path = await damagedFile();
    const { lines, logger } = captureLogger();

    await assert.rejects(readVolumeFile(path, logger), /--verbose logs the output of ITK-Wasm/);

    assert.ok(lines.length > 0, 'expected debug lines');
    for (const line of lines) assert.match(line, /^debug: /);
    assert.ok(lines.some((line) => line.includes(`ITK-Wasm failed to read ${path}`)), lines.join('\n'));
    assert.ok(lines.some((line) => line.includes('MetaImage')), lines.join('\n'));
  });

  it('restores the console afterwards', async () => {
    const saved = console.error;
    await readVolumeFile(await damagedFile()).catch(() => undefined);
    assert.equal(console.error, saved);
  });

  it('analyze prints only the error line', async () => {
    const path = await damagedFile();
    const out = await makeTempDir('volume-damaged-out');

    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, 'analyze', path, '--out', out], (error, stdout, stderr) => {
        let code = 0;
        if (error !== null) code = typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      });
    });

    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, /broken\.mha: cannot read the volume/);
    assert.doesNotMatch(result.stderr + result.stdout, /Build module in Debug mode/);
    assert.doesNotMatch(result.stderr + result.stdout, /^stderr:/m);
    assert.doesNotMatch(result.stderr + result.stdout, /Exception while running pipeline/);
  });
});

describe('readVolumeFile on a truncated NIfTI file', () => {
  for (const extension of ['.nii', '.nii.gz']) {
    it(`rejects a cut ${extension}`, async () => {
      const folder = await makeTempDir('volume-truncated');
      const whole = join(folder, `whole${extension}`);
      await writeVolumeFile(whole, sagittalVolume());
      const bytes = await readFile(whole);
      const cut = join(folder, `cut${extension}`);
      await writeFile(cut, bytes.subarray(0, bytes.length - 40));
      await assert.rejects(readVolumeFile(cut), (error: unknown) => {
        assert.ok(error instanceof DeepspineError);
        assert.equal(error.code, 'UNREADABLE_INPUT');
        assert.ok(error.message.includes(cut), error.message);
        assert.match(error.message, /truncated/);
        return true;
      });
      // The whole file still reads.
      assert.deepEqual((await readVolumeFile(whole)).size, [6, 5, 4]);
    });
  }

  it('header size matches a shared volume', { skip: skipWithoutSharedData() }, async () => {
    const bytes = gunzipSync(await readFile(sharedPath('volumes/ivd-11/image.nii.gz')));
    assert.equal(niftiExpectedBytes(bytes), bytes.length);
  });
});

describe('niftiOrientationCodes', () => {
  it('reads the codes of a written NIfTI-1 file', async () => {
    const folder = await makeTempDir('nifti-codes');
    const path = join(folder, 'volume.nii');
    await writeVolumeFile(path, sagittalVolume());
    const bytes = await readFile(path);
    assert.equal(bytes.readInt32LE(0), 348);
    bytes.writeInt16LE(2, 252);
    bytes.writeInt16LE(0, 254);

    assert.deepEqual(niftiOrientationCodes(bytes), { qformCode: 2, sformCode: 0 });
  });

  it('reads the codes of a NIfTI-2 header', () => {
    for (const littleEndian of [true, false]) {
      const bytes = Buffer.alloc(544);
      if (littleEndian) {
        bytes.writeInt32LE(540, 0);
        bytes.writeInt32LE(1, 344);
        bytes.writeInt32LE(4, 348);
      } else {
        bytes.writeInt32BE(540, 0);
        bytes.writeInt32BE(1, 344);
        bytes.writeInt32BE(4, 348);
      }
      assert.deepEqual(niftiOrientationCodes(bytes), { qformCode: 1, sformCode: 4 }, littleEndian ? 'little endian' : 'big endian');
    }
  });

  it('returns null for a header that is not NIfTI', () => {
    assert.equal(niftiOrientationCodes(Buffer.alloc(400)), null);
  });

  it('reads the codes of a shared volume', { skip: skipWithoutSharedData('volumes', 'ivd-11', 'image.nii.gz') }, async () => {
    const bytes = gunzipSync(await readFile(sharedPath('volumes/ivd-11/image.nii.gz')));
    assert.deepEqual(niftiOrientationCodes(bytes), { qformCode: 1, sformCode: 1 });
  });
});

describe('niftiNonFiniteVoxels', () => {
  it('finds NaN and infinite voxels of a float32 NIfTI-1 file', async () => {
    const folder = await makeTempDir('nifti-non-finite');
    const path = join(folder, 'volume.nii');
    const data = new Float32Array(6 * 5 * 4).fill(3);
    data[7] = NaN;
    data[50] = Infinity;
    data[119] = -Infinity;
    await writeVolumeFile(path, makeVolume([6, 5, 4], sagittalVolume().affine, data));

    assert.deepEqual(Array.from(niftiNonFiniteVoxels(await readFile(path))), [7, 50, 119]);
  });

  it('finds them in a big-endian float64 NIfTI-2 file', () => {
    // Header fields: sizeof_hdr, datatype 64 (float64), bitpix, dim[0..3] = 3, 2, 1, 1, vox_offset 544.
    const bytes = Buffer.alloc(560);
    bytes.writeInt32BE(540, 0);
    bytes.writeInt16BE(64, 12);
    bytes.writeInt16BE(64, 14);
    for (const [index, value] of [3, 2, 1, 1].entries()) bytes.writeBigInt64BE(BigInt(value), 16 + 8 * index);
    bytes.writeBigInt64BE(544n, 168);
    bytes.writeDoubleBE(1.5, 544);
    bytes.writeDoubleBE(-Infinity, 552);

    assert.deepEqual(Array.from(niftiNonFiniteVoxels(bytes)), [1]);
  });

  it('finds none in an integer file', async () => {
    const folder = await makeTempDir('nifti-integer');
    const path = join(folder, 'volume.nii');
    await writeVolumeFile(path, sagittalVolume());

    assert.equal(niftiNonFiniteVoxels(await readFile(path)).length, 0);
  });

  it('finds none in a truncated file', async () => {
    const folder = await makeTempDir('nifti-truncated-float');
    const path = join(folder, 'volume.nii');
    await writeVolumeFile(path, makeVolume([6, 5, 4], sagittalVolume().affine, new Float32Array(120).fill(NaN)));
    const bytes = await readFile(path);

    assert.equal(niftiNonFiniteVoxels(bytes.subarray(0, bytes.length - 4)).length, 0);
  });
});
