import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile, mkdir, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeepspineError, type ErrorCode } from '../../src/errors.js';
import { indexToPatient, voxelAt } from '../../src/geometry/volume.js';
import { createLogger } from '../../src/log.js';
import { loadStudy, scanStudy } from '../../src/input/study.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';
import {
  axialT2,
  damageElement,
  encodeEnhancedMr,
  encodeNonImage,
  encodeSlice,
  makeTempDir,
  removeTempDirs,
  newUid,
  orientations,
  patternValue,
  sagittalT2,
  sopClasses,
  stackSlices,
  transcode,
  syntaxes,
  writeSeries,
  type FixtureSeries,
} from './dicom-fixtures.js';

/** Asserts that `promise` rejects with a DeepspineError of `code` whose message matches `pattern`. */
async function assertRejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DeepspineError, `expected DeepspineError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

after(removeTempDirs);



/**
 * Writes a sagittal series "T2 TSE SAG DAMAGED" of `count` JPEG-LS slices `spacing` mm apart and
 * overwrites the middle of the compressed frame of each slice in `damaged` (indices from 0), so
 * that the decoder rejects it while the file stays complete. Returns the paths in slice order.
 */
async function writeDamagedJpegLsSeries(folder: string, count: number, spacing: number, damaged: readonly number[]): Promise<string[]> {
  const slices = stackSlices({ orientation: orientations.sagittal, rows: 10, columns: 12, count, origin: [20, -30, 40], spacing });
  const series = sagittalT2({ description: 'T2 TSE SAG DAMAGED', slices });
  const paths = await writeSeries(folder, series, { encode: (fixture, slice) => transcode(encodeSlice(fixture, slice), syntaxes.jpegLs) });
  for (const index of damaged) {
    const bytes = await readFile(paths[index]!);
    bytes.fill(0xff, bytes.length - 120, bytes.length - 20);
    await writeFile(paths[index]!, bytes);
  }
  return paths;
}
/** Returns `series` with every pixel value raised by `delta`, so that its images differ from the original's. */
function shifted(series: FixtureSeries, delta: number): FixtureSeries {
  return { ...series, slices: series.slices.map((slice) => ({ ...slice, pixels: slice.pixels.map((value) => value + delta) })) };
}
describe('loadStudy geometry', () => {
  it('builds the affine from IOP, PixelSpacing and IPP', async () => {
    const folder = await makeTempDir('geometry');
    const series = sagittalT2();
    await writeSeries(folder, series);

    const study = await loadStudy(folder);

    // Columns (i) run along the row cosines (0, 1, 0) at 0.9 mm, rows (j) along the column cosines
    // (0, 0, -1) at 0.8 mm, and k along the normal (-1, 0, 0) at 4 mm from the first slice.
    assert.deepEqual(study.sagittal.affine, [0, 0, -4, 14, 0.9, 0, 0, -30, 0, -0.8, 0, 40, 0, 0, 0, 1]);
    assert.deepEqual(study.sagittal.size, [12, 10, 8]);
    assert.equal(study.sagittal.data.constructor.name, 'Uint16Array');
    for (const [i, j, k] of [
      [0, 0, 0],
      [11, 0, 0],
      [0, 9, 0],
      [5, 7, 3],
      [11, 9, 7],
    ] as const) {
      assert.equal(voxelAt(study.sagittal, i, j, k), patternValue(i, j, k), `voxel ${i},${j},${k}`);
    }
    assert.deepEqual(indexToPatient(study.sagittal, [2, 5, 3]), [14 - 12, -30 + 1.8, 40 - 4]);
  });

  it('sorts slices by position, not file name or instance number', async () => {
    const folder = await makeTempDir('order');
    const base = sagittalT2();
    // Files named and numbered in reverse order of their positions along the normal.
    const slices = base.slices.map((slice, index) => ({ ...slice, instanceNumber: base.slices.length - index }));
    await writeSeries(folder, { ...base, slices }, { name: (index) => `slice-${String(base.slices.length - index).padStart(2, '0')}.dcm` });

    const study = await loadStudy(folder);

    assert.deepEqual(study.sagittalSeries.instanceNumbers, [8, 7, 6, 5, 4, 3, 2, 1]);
    assert.equal(voxelAt(study.sagittal, 3, 4, 6), patternValue(3, 4, 6));
    assert.deepEqual(study.sagittal.affine.slice(0, 4), [0, 0, -4, 14]);
  });

  it('reads nested folders and files without extension', async () => {
    const folder = await makeTempDir('nested');
    const sagittal = sagittalT2();
    await writeSeries(join(folder, 'patient', 'study', 'a'), { ...sagittal, slices: sagittal.slices.slice(0, 4) });
    await writeSeries(join(folder, 'patient', 'study', 'b', 'deeper'), { ...sagittal, slices: sagittal.slices.slice(4) }, { name: (index) => `x${index}.dcm` });
    await writeSeries(join(folder, 'axial'), axialT2());

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 8);
    assert.equal(study.axialSeries?.sliceCount, 6);
    assert.deepEqual(study.skippedFiles, []);
  });

  it('applies rescale slope and intercept as float32', async () => {
    const folder = await makeTempDir('rescale');
    await writeSeries(folder, sagittalT2({ rescaleSlope: 0.5, rescaleIntercept: -100 }));

    const study = await loadStudy(folder);

    assert.equal(study.sagittal.data.constructor.name, 'Float32Array');
    assert.equal(voxelAt(study.sagittal, 4, 3, 2), patternValue(4, 3, 2) * 0.5 - 100);
  });

  it('masks bits above BitsStored', async () => {
    const folder = await makeTempDir('bits-stored');
    const base = sagittalT2({ bitsStored: 12 });
    const value = (i: number, j: number, k: number): number => 0xf000 | patternValue(i, j, k);
    const slices = stackSlices({ orientation: base.orientation, rows: base.rows, columns: base.columns, count: 5, origin: [0, 0, 0], spacing: 4, value });
    await writeSeries(folder, { ...base, slices });

    const study = await loadStudy(folder);

    assert.equal(voxelAt(study.sagittal, 2, 3, 4), patternValue(2, 3, 4));
  });

  it('keeps signed 16-bit values', async () => {
    const folder = await makeTempDir('signed');
    const base = sagittalT2();
    const value = (i: number, j: number, k: number): number => patternValue(i, j, k) - 3000;
    const slices = stackSlices({ orientation: base.orientation, rows: base.rows, columns: base.columns, count: 5, origin: [0, 0, 0], spacing: 4, array: 'int16', value });
    await writeSeries(folder, { ...base, slices });

    const study = await loadStudy(folder);

    assert.equal(study.sagittal.data.constructor.name, 'Int16Array');
    assert.equal(voxelAt(study.sagittal, 0, 0, 0), value(0, 0, 0));
    assert.ok(voxelAt(study.sagittal, 0, 0, 0) < 0);
  });

  it('reads an enhanced multi-frame MR image', async () => {
    const folder = await makeTempDir('enhanced');
    const series = sagittalT2();
    // Frames stored in reverse order of position, to check that frames are sorted like files.
    await writeFile(join(folder, 'enhanced.dcm'), new Uint8Array(encodeEnhancedMr({ ...series, slices: [...series.slices].reverse() })));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.classification, 'sagittal-t2');
    assert.equal(study.sagittalSeries.sliceCount, 8);
    assert.deepEqual(study.sagittal.affine, [0, 0, -4, 14, 0.9, 0, 0, -30, 0, -0.8, 0, 40, 0, 0, 0, 1]);
    assert.equal(voxelAt(study.sagittal, 5, 6, 7), patternValue(5, 6, 7));
    assert.equal(voxelAt(study.sagittal, 1, 2, 0), patternValue(1, 2, 0));
  });

  it('warns about a missing slice', async () => {
    const folder = await makeTempDir('gap');
    const base = sagittalT2();
    await writeSeries(folder, { ...base, slices: base.slices.filter((_, index) => index !== 3) });

    const study = await loadStudy(folder);

    const warning = study.warnings.find((entry) => entry.code === 'NON_UNIFORM_SPACING');
    assert.ok(warning !== undefined, 'NON_UNIFORM_SPACING warning');
    assert.match(warning.message, /gaps range from 4\.00 to 8\.00 mm/);
    assert.equal(study.sagittalSeries.sliceSpacing, 28 / 6);
  });

  it('gives a single slice its SliceThickness as spacing', async () => {
    const folder = await makeTempDir('single');
    const base = sagittalT2();
    await writeSeries(join(folder, 'sagittal'), base);
    await writeSeries(join(folder, 'one'), { ...axialT2({ sliceThickness: 5 }), slices: axialT2().slices.slice(0, 1) });

    const study = await loadStudy(folder);

    const single = study.series.find((series) => series.sliceCount === 1);
    assert.equal(single?.sliceSpacing, 5);
    assert.equal(single?.classification, 'other');
    assert.match(single?.reasons[0] ?? '', /only 1 slice/);
  });
});

describe('loadStudy series grouping', () => {
  it('splits one UID with two orientations', async () => {
    const folder = await makeTempDir('split');
    const uid = newUid();
    await writeSeries(join(folder, 'sag'), sagittalT2({ seriesInstanceUid: uid }));
    await writeSeries(join(folder, 'ax'), axialT2({ seriesInstanceUid: uid }));

    const study = await loadStudy(folder);

    assert.deepEqual(study.series.map((series) => series.id).sort(), [`${uid}#1`, `${uid}#2`]);
    assert.equal(study.sagittalSeries.orientation, 'sagittal');
    assert.equal(study.axialSeries?.orientation, 'axial');
  });

  it('splits two echoes at the same positions', async () => {
    const folder = await makeTempDir('echoes');
    const base = sagittalT2();
    await writeSeries(join(folder, 'e1'), { ...base, slices: base.slices.map((slice) => ({ ...slice, echoNumber: 1, echoTime: 20 })) });
    await writeSeries(join(folder, 'e2'), { ...shifted(base, 1), slices: shifted(base, 1).slices.map((slice) => ({ ...slice, echoNumber: 2, echoTime: 100 })) });

    const study = await loadStudy(folder);

    assert.equal(study.series.length, 2);
    assert.deepEqual(study.series.map((series) => series.sliceCount), [8, 8]);
    // The 100 ms echo is T2 by timing; the description names T2 for both, so both are sagittal-t2.
    assert.ok(study.series.every((series) => series.problems.length === 0));
  });

  it('rejects positions that repeat without a reason', async () => {
    const folder = await makeTempDir('repeats');
    const base = sagittalT2();
    await writeSeries(join(folder, 'a'), base);
    await writeSeries(join(folder, 'b'), shifted(base, 1), { name: (index) => `copy${index}` });

    await assertRejectsWith(loadStudy(folder), 'NO_SAGITTAL_SERIES', /have the same slice position/);
  });

  it('skips an image sent again under a new SOPInstanceUID', async () => {
    const folder = await makeTempDir('resent');
    const base = sagittalT2();
    await writeSeries(join(folder, 'a'), base);
    // The fourth slice sent again: same series, position and pixels, a new SOPInstanceUID.
    await writeSeries(join(folder, 'b'), { ...base, slices: [base.slices[3]!] }, { name: () => 'resent' });

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 8);
    const entry = study.skippedFiles.find((skipped) => skipped.file === join('b', 'resent'));
    assert.equal(entry?.kind, 'duplicate');
    assert.equal(entry?.reason, `the same image as ${join('a', 'IM0004')} (same position and pixel data) under another SOPInstanceUID`);
    assert.deepEqual(study.warnings, []);
  });

  it('skips second copies of the same image quietly', async () => {
    const folder = await makeTempDir('copies');
    const paths = await writeSeries(folder, sagittalT2());
    await writeFile(join(folder, 'copy-of-first'), await readFile(paths[0]!));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 8);
    assert.deepEqual(study.skippedFiles.map((entry) => [entry.file, entry.kind]), [['copy-of-first', 'duplicate']]);
    assert.deepEqual(study.warnings, []);
  });
});

describe('loadStudy damaged and foreign files', () => {
  it('names a symbolic link loop and a FIFO given as the study', async (t) => {
    const folder = await makeTempDir('odd-inputs');
    const loop = join(folder, 'loop');
    await symlink(loop, loop);
    await assertRejectsWith(loadStudy(loop), 'UNREADABLE_INPUT', /loop: the path is a loop of symbolic links \(ELOOP\)/);
    try {
      execFileSync('mkfifo', [join(folder, 'pipe')]);
    } catch {
      t.diagnostic('mkfifo is not available; the FIFO case is not checked');
      return;
    }
    await assertRejectsWith(loadStudy(join(folder, 'pipe')), 'UNREADABLE_INPUT', /pipe: not a file or folder \(a FIFO, socket or device\)/);
  });

  it('reads files padded with zero bytes', async () => {
    const folder = await makeTempDir('zero-padded');
    const paths = await writeSeries(join(folder, 'sag'), sagittalT2());
    for (const path of [paths[0]!, paths[3]!]) await writeFile(path, Buffer.concat([await readFile(path), Buffer.alloc(512)]));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 8);
    assert.deepEqual(study.skippedFiles, []);
    assert.deepEqual(study.warnings, []);
  });

  it('lists files it cannot open', async (t) => {
    const folder = await makeTempDir('odd-names');
    const paths = await writeSeries(join(folder, 'sag'), sagittalT2());
    // A copy of a slice under a Latin-1 name, as old CD exports write them.
    const latin1Name = Buffer.concat([Buffer.from(join(folder, 'sag', 'sl')), Buffer.from([0xe9]), Buffer.from('ce.dcm')]);
    await writeFile(latin1Name, await readFile(paths[0]!));
    await symlink(join(folder, 'absent.dcm'), join(folder, 'dangling.dcm'));
    let fifo = false;
    try {
      execFileSync('mkfifo', [join(folder, 'pipe')]);
      fifo = true;
    } catch {
      t.diagnostic('mkfifo is not available; the FIFO case is not checked');
    }

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 8);
    const byFile = new Map(study.skippedFiles.map((entry) => [entry.file, entry]));
    const latin1 = study.skippedFiles.find((entry) => entry.file.startsWith(join('sag', 'sl')));
    assert.equal(latin1?.kind, 'unreadable');
    assert.match(latin1?.reason ?? '', /the file name is not valid UTF-8, so it cannot be opened; rename it/);
    assert.equal(byFile.get('dangling.dcm')?.kind, 'unreadable');
    assert.match(byFile.get('dangling.dcm')?.reason ?? '', /symbolic link whose target cannot be read/);
    if (fifo) assert.equal(byFile.get('pipe')?.reason, 'not a regular file (a FIFO, socket or device)');
  });

  it('says what to do with a file cut inside its data set', async () => {
    const folder = await makeTempDir('cut-early');
    const paths = await writeSeries(join(folder, 'sag'), sagittalT2());
    await writeFile(paths[0]!, (await readFile(paths[0]!)).subarray(0, 200));
    const study = await loadStudy(folder);
    const entry = study.skippedFiles.find((skipped) => skipped.file === join('sag', 'IM0001'));
    assert.equal(entry?.kind, 'unreadable');
    assert.match(entry?.reason ?? '', /^truncated or corrupt DICOM file \(200 bytes\): its data set ends early or is damaged; copy or export it again \(parser: .+\)$/);
  });

  it('skips a truncated file and a text file', async () => {
    const folder = await makeTempDir('truncated');
    const paths = await writeSeries(join(folder, 'sag'), sagittalT2());
    await writeSeries(join(folder, 'ax'), axialT2());
    const last = paths[paths.length - 1]!;
    const bytes = await readFile(last);
    await writeFile(last, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    await writeFile(join(folder, 'notes.txt'), 'scanner export notes\n');
    await writeFile(join(folder, 'DICOMDIR'), new Uint8Array(encodeNonImage(sopClasses.mediaStorageDirectory)));

    const lines: string[] = [];
    const study = await loadStudy(folder, {}, createLogger({ level: 'debug', write: (line) => lines.push(line) }));

    assert.equal(study.sagittalSeries.sliceCount, 7);
    assert.equal(study.axialSeries?.sliceCount, 6);
    const byFile = new Map(study.skippedFiles.map((entry) => [entry.file, entry]));
    assert.equal(byFile.get(join('sag', 'IM0008'))?.kind, 'unreadable');
    assert.match(byFile.get(join('sag', 'IM0008'))?.reason ?? '', /truncated/);
    assert.equal(byFile.get('notes.txt')?.kind, 'not-dicom');
    assert.equal(byFile.get('DICOMDIR')?.kind, 'not-image');
    assert.deepEqual(
      study.warnings.map((warning) => [warning.code, warning.file]),
      [['FILE_SKIPPED', join('sag', 'IM0008')]],
    );
    assert.ok(lines.some((line) => line.startsWith('warn: skipped sag/IM0008')));
    assert.ok(lines.some((line) => line.startsWith('debug: skipped notes.txt')));
    assert.ok(!lines.some((line) => line.startsWith('warn:') && line.includes('notes.txt')));
  });

  it('names the unreadable files when no sagittal series is left', async () => {
    const folder = await makeTempDir('sagittal-truncated');
    const paths = await writeSeries(join(folder, 'sag'), sagittalT2());
    await writeSeries(join(folder, 'ax'), axialT2());
    for (const path of paths) {
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, bytes.length - 50));
    }

    await assertRejectsWith(
      loadStudy(folder),
      'NO_SAGITTAL_SERIES',
      /"T2 TSE AX": axial.*; 8 file\(s\) could not be read and may hold the sagittal series \(sag\/IM0001: truncated.*and 6 more\)$/,
    );
  });

  it('raises UNREADABLE_INPUT naming the files when nothing is readable', async () => {
    const folder = await makeTempDir('all-truncated');
    const paths = await writeSeries(folder, { ...sagittalT2(), slices: sagittalT2().slices.slice(0, 2) });
    for (const path of paths) {
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, bytes.length - 50));
    }

    await assertRejectsWith(loadStudy(folder), 'UNREADABLE_INPUT', /IM0001 \(truncated.*IM0002 \(truncated/);
  });

  it('raises UNREADABLE_INPUT for an empty folder', async () => {
    const folder = await makeTempDir('empty');
    await assertRejectsWith(loadStudy(folder), 'UNREADABLE_INPUT', /is empty/);
  });

  it('raises NO_MR_SERIES for a CT-only folder', async () => {
    const folder = await makeTempDir('ct');
    await writeSeries(folder, sagittalT2({ modality: 'CT', description: 'CT L-SPINE SAG' }));
    await assertRejectsWith(loadStudy(folder), 'NO_MR_SERIES', /found modality CT/);
  });

  it('raises NO_MR_SERIES for a folder of non-images', async () => {
    const folder = await makeTempDir('non-image');
    await writeFile(join(folder, 'readme.txt'), 'not an image\n');
    await writeFile(join(folder, 'report.dcm'), new Uint8Array(encodeNonImage(sopClasses.basicTextStructuredReport)));
    await assertRejectsWith(loadStudy(folder), 'NO_MR_SERIES', /none an image/);
  });

  it('raises UNREADABLE_INPUT for a folder without any DICOM file', async () => {
    const folder = await makeTempDir('no-dicom');
    await writeFile(join(folder, 'readme.txt'), 'not an image\n');
    await writeFile(join(folder, 'slice.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    await assertRejectsWith(loadStudy(folder), 'UNREADABLE_INPUT', /no DICOM file in .*\(2 files, none a DICOM Part 10 file\)/);
  });

  it('raises NO_SAGITTAL_SERIES for an axial-only study', async () => {
    const folder = await makeTempDir('axial-only');
    await writeSeries(folder, axialT2());
    await assertRejectsWith(loadStudy(folder), 'NO_SAGITTAL_SERIES', /no usable sagittal MR series.*"T2 TSE AX": axial/);
  });

  it('raises NO_SAGITTAL_SERIES when only a localizer is sagittal', async () => {
    const folder = await makeTempDir('localizer-only');
    await writeSeries(folder, sagittalT2({ description: 'LOCALIZER', imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }));
    await writeSeries(join(folder, 'ax'), axialT2());
    await assertRejectsWith(loadStudy(folder), 'NO_SAGITTAL_SERIES', /localizer/);
  });

  it('raises INPUT_NOT_FOUND for a missing path', async () => {
    const folder = await makeTempDir('missing');
    await rm(folder, { recursive: true });
    await assertRejectsWith(loadStudy(join(folder, 'study')), 'INPUT_NOT_FOUND', /input not found/);
  });

  it('reads the folder of a single DICOM file', async () => {
    const folder = await makeTempDir('one-file');
    const paths = await writeSeries(folder, sagittalT2());
    const study = await loadStudy(paths[2]!);
    assert.equal(study.sagittalSeries.sliceCount, 8);
  });

  it('rejects a single non-image file', async () => {
    // The folder around the file contains a valid series, which must not be read instead.
    const folder = await makeTempDir('stray-file');
    await writeSeries(folder, sagittalT2());
    await writeFile(join(folder, 'notes.txt'), 'not an image');
    await assertRejectsWith(loadStudy(join(folder, 'notes.txt')), 'UNREADABLE_INPUT', /notes\.txt: neither a DICOM Part 10 file nor a NIfTI/);
  });

  it('skips an unsupported transfer syntax with a warning', async () => {
    const folder = await makeTempDir('big-endian');
    await writeSeries(join(folder, 'sag'), sagittalT2());
    const other = sagittalT2({ seriesNumber: 9 });
    await mkdir(join(folder, 'be'));
    const bytes = new Uint8Array(encodeSlice(other, other.slices[0]!));
    await writeFile(join(folder, 'be', 'IM1'), bytes);
    // Patch the transfer syntax UID in the file meta information to Explicit VR Big Endian. Both
    // UIDs are 20 bytes when padded, so no lengths change.
    const text = Buffer.from(bytes);
    const at = text.indexOf('1.2.840.10008.1.2.1\0');
    assert.ok(at > 0);
    text.write('1.2.840.10008.1.2.2\0', at, 'latin1');
    await writeFile(join(folder, 'be', 'IM1'), text);

    const study = await loadStudy(folder);

    assert.equal(study.skippedFiles[0]?.kind, 'unsupported');
    assert.match(study.skippedFiles[0]?.reason ?? '', /Explicit VR Big Endian \(retired\) is not supported/);
    assert.equal(study.warnings[0]?.code, 'FILE_SKIPPED');
  });

  it('skips a slice that fails to decode', async () => {
    const folder = await makeTempDir('decode-failure');
    await writeDamagedJpegLsSeries(join(folder, 'sag'), 12, 3, [5]);

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 11);
    const warning = study.warnings.find((entry) => entry.code === 'FILE_SKIPPED');
    assert.ok(warning !== undefined);
    assert.match(warning.message, /^skipped sag\/IM0006: its pixel data cannot be decoded \(.+\); the rest of the series is tried without it$/);
    assert.equal(warning.file, join('sag', 'IM0006'));
    assert.ok(study.warnings.some((entry) => entry.code === 'NON_UNIFORM_SPACING'));
    assert.equal(study.skippedFiles.find((entry) => entry.file === join('sag', 'IM0006'))?.kind, 'unreadable');
  });

  it('names decode failures without series left', async () => {
    const folder = await makeTempDir('decode-none-left');
    await writeDamagedJpegLsSeries(join(folder, 'sag'), 12, 3, [5, 7]);

    await assertRejectsWith(
      loadStudy(folder),
      'UNREADABLE_INPUT',
      /^no sagittal series can be used: sag\/IM0006: decoding JPEG-LS Lossless pixel data failed .* \(1 more file failed to decode: sag\/IM0008\)$/,
    );
  });

  it('skips a tenth of a long series', async () => {
    const folder = await makeTempDir('decode-many');
    // Twelve damaged frames make the codec trap twelve times, and the healthy files must still decode.
    const damaged = Array.from({ length: 12 }, (_, offset) => 100 + offset);
    const paths = await writeDamagedJpegLsSeries(join(folder, 'sag'), 120, 0.5, damaged);

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 108);
    const skipped = study.skippedFiles.filter((entry) => entry.kind === 'unreadable').map((entry) => entry.file);
    assert.deepEqual(
      skipped,
      damaged.map((index) => join('sag', basename(paths[index]!))),
    );
  });

  it('stops when slices keep failing to decode', async () => {
    const folder = await makeTempDir('decode-fallback');
    // Two damaged frames of twelve are more than the tenth that may be skipped.
    await writeDamagedJpegLsSeries(join(folder, 'better'), 12, 3, [5, 7]);
    await writeSeries(join(folder, 'plain'), sagittalT2());

    const study = await loadStudy(folder, { sagittalSeries: 'T2 TSE SAG DAMAGED' }).catch((error: unknown) => error);

    assert.ok(study instanceof DeepspineError);
    assert.equal(study.code, 'UNREADABLE_INPUT');
    assert.match(study.message, /^better\/IM0006: decoding JPEG-LS Lossless pixel data failed .* \(1 more file failed to decode: better\/IM0008\)$/);
  });
});

describe('scanStudy', () => {
  it('lists series without choosing one', async () => {
    const folder = await makeTempDir('scan');
    await writeSeries(join(folder, 'ct'), sagittalT2({ modality: 'CT', description: 'CT SAG' }));
    await writeSeries(join(folder, 'ax'), axialT2());
    await writeFile(join(folder, 'notes.txt'), 'notes\n');

    const scan = await scanStudy(folder);

    assert.equal(scan.source, 'dicom');
    assert.deepEqual(
      scan.series.map((series) => [series.description, series.modality, series.classification, series.sliceCount]),
      [
        ['T2 TSE AX', 'MR', 'axial-t2', 6],
        ['CT SAG', 'CT', 'other', 8],
      ],
    );
    assert.deepEqual(scan.skippedFiles.map((entry) => entry.file), ['notes.txt']);
    assert.deepEqual(scan.warnings, []);
  });
});

describe('loadStudy privacy', () => {
  it('keeps patient identifiers out of logs and results', async () => {
    const folder = await makeTempDir('privacy');
    const extra = { PatientName: 'Zyxwvut^Qponm', PatientID: 'PID-987654', PatientBirthDate: '19520317', StudyDate: '20240229', SeriesDate: '20240229' };
    await writeSeries(folder, sagittalT2({ extra }));
    await writeSeries(join(folder, 'ax'), axialT2({ extra }));
    await writeFile(join(folder, 'broken'), (await readFile(join(folder, 'IM0001'))).subarray(0, 200));

    const lines: string[] = [];
    const study = await loadStudy(folder, {}, createLogger({ level: 'debug', write: (line) => lines.push(line) }));

    const { sagittal: _sagittal, axial: _axial, ...fields } = study;
    const text = [...lines, JSON.stringify(fields)].join('\n');
    assert.ok(lines.length > 5, 'debug log written');
    for (const value of ['Zyxwvut', 'Qponm', 'PID-987654', '19520317', '20240229']) {
      assert.ok(!text.includes(value), `"${value}" appears in the log or the study`);
    }
  });
});

describe('loadStudy series choice', () => {
  it('prefers sagittal T2 over T1 and STIR', async () => {
    const folder = await makeTempDir('choice');
    await writeSeries(join(folder, 't1'), sagittalT2({ seriesNumber: 4, description: 'T1 TSE SAG', repetitionTime: 500, echoTime: 10 }));
    await writeSeries(join(folder, 'stir'), sagittalT2({ seriesNumber: 5, description: 'STIR SAG' }));
    await writeSeries(join(folder, 't2'), sagittalT2({ seriesNumber: 6, description: 'T2 TSE SAG' }));
    await writeSeries(join(folder, 'loc'), sagittalT2({ seriesNumber: 1, description: 'SURVEY' }));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.number, 6);
    assert.deepEqual(
      study.series.map((series) => [series.number, series.classification]).sort(),
      [
        [1, 'other'],
        [4, 'sagittal-t1'],
        [5, 'other'],
        [6, 'sagittal-t2'],
      ],
    );
    assert.equal(study.axial, null);
  });

  it('falls back to sagittal T1 with a warning', async () => {
    const folder = await makeTempDir('t1-fallback');
    await writeSeries(folder, sagittalT2({ description: 'T1 TSE SAG', repetitionTime: 500, echoTime: 10 }));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.classification, 'sagittal-t1');
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['SAGITTAL_FALLBACK']);
  });

  const overrideCases = [
    { name: 'series number', query: '7' },
    { name: 'description', query: 't2 space sag' },
    { name: 'UID', query: 'uid' },
  ];
  for (const overrideCase of overrideCases) {
    it(`honours a sagittal override by ${overrideCase.name}`, async () => {
      const folder = await makeTempDir('override');
      const wantedUid = newUid();
      await writeSeries(join(folder, 'a'), sagittalT2({ seriesNumber: 6, description: 'T2 TSE SAG' }));
      await writeSeries(join(folder, 'b'), sagittalT2({ seriesNumber: 7, description: 'T2 SPACE SAG', seriesInstanceUid: wantedUid, slices: sagittalT2().slices.slice(0, 5) }));

      const query = overrideCase.query === 'uid' ? wantedUid : overrideCase.query;
      const study = await loadStudy(folder, { sagittalSeries: query });

      assert.equal(study.sagittalSeries.seriesInstanceUid, wantedUid);
    });
  }

  it('warns when an override has another orientation', async () => {
    const folder = await makeTempDir('override-axial');
    await writeSeries(join(folder, 'sag'), sagittalT2());
    await writeSeries(join(folder, 'ax'), axialT2());

    const study = await loadStudy(folder, { sagittalSeries: 'T2 TSE AX' });

    assert.equal(study.sagittalSeries.orientation, 'axial');
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['SERIES_OVERRIDE_ORIENTATION']);
  });

  it('rejects an override naming an unusable series', async () => {
    const folder = await makeTempDir('override-unusable');
    const base = sagittalT2({ seriesNumber: 8, description: 'T2 REPEATS' });
    await writeSeries(join(folder, 'a'), base);
    await writeSeries(join(folder, 'b'), shifted(base, 1), { name: (index) => `copy${index}` });
    await writeSeries(join(folder, 'good'), sagittalT2());

    await assertRejectsWith(loadStudy(folder, { sagittalSeries: '8' }), 'INVALID_ARGUMENT', /"8" cannot be read as a volume.*same slice position/);
  });

  it('raises INVALID_ARGUMENT for an override that matches nothing', async () => {
    const folder = await makeTempDir('bad-override');
    await writeSeries(folder, sagittalT2());
    await assertRejectsWith(loadStudy(folder, { axialSeries: '42' }), 'INVALID_ARGUMENT', /no series matches "42" for the axial series.*2 "T2 TSE SAG"/);
  });
});

describe('loadStudy corrupt headers', () => {
  it('warns about images whose header is damaged', async () => {
    const folder = await makeTempDir('corrupt-header');
    const paths = await writeSeries(folder, sagittalT2({ extra: { PatientName: 'TEST^DAMAGED' } }));
    for (const [index, damage] of [
      [3, 'length'],
      [5, 'vr'],
    ] as const) {
      const bytes = await readFile(paths[index]!);
      // PatientName (0010,0010) lies before the image attributes, so parsing loses all of them.
      damageElement(bytes, 0x0010, 0x0010, 'PN', damage);
      await writeFile(paths[index]!, bytes);
    }

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 6);
    assert.deepEqual(
      study.skippedFiles.map((entry) => [entry.file, entry.kind]),
      [
        ['IM0004', 'unreadable'],
        ['IM0006', 'unreadable'],
      ],
    );
    for (const entry of study.skippedFiles) assert.match(entry.reason, /^corrupt DICOM header: the file is an image \(MR Image Storage\)/);
    assert.deepEqual(
      study.warnings.filter((warning) => warning.code === 'FILE_SKIPPED').map((warning) => warning.file),
      ['IM0004', 'IM0006'],
    );
  });

  it('recognises an image by attributes read before the damage', async () => {
    const folder = await makeTempDir('corrupt-attributes');
    await writeSeries(join(folder, 'sag'), sagittalT2());
    const other = sagittalT2({ seriesNumber: 9 });
    const bytes = new Uint8Array(encodeSlice(other, other.slices[0]!));
    // An unlisted SOP class (same length as MR Image Storage), so only the attributes tell.
    const text = Buffer.from(bytes.buffer);
    for (let at = text.indexOf('1.2.840.10008.5.1.4.1.1.4\0'); at >= 0; at = text.indexOf('1.2.840.10008.5.1.4.1.1.4\0', at + 1)) {
      text.write('1.2.840.10008.5.1.4.1.1.8', at, 'latin1');
    }
    // ImageOrientationPatient (0020,0037) follows ImagePositionPatient (0020,0032).
    damageElement(bytes, 0x0020, 0x0037, 'DS', 'length');
    await writeFile(join(folder, 'damaged'), bytes);

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 8);
    assert.equal(study.skippedFiles[0]?.file, 'damaged');
    assert.equal(study.skippedFiles[0]?.kind, 'unreadable');
    // The damaged element itself is still listed, with a garbled value.
    assert.match(study.skippedFiles[0]?.reason ?? '', /the file has image attributes \(ImagePositionPatient, ImageOrientationPatient\), but Rows/);
    assert.deepEqual(study.warnings.map((warning) => [warning.code, warning.file]), [['FILE_SKIPPED', 'damaged']]);
  });

  it('keeps a damaged structured report quiet', async () => {
    const folder = await makeTempDir('corrupt-report');
    await writeSeries(folder, sagittalT2());
    const report = new Uint8Array(encodeNonImage(sopClasses.basicTextStructuredReport));
    damageElement(report, 0x0008, 0x0060, 'CS', 'vr');
    await writeFile(join(folder, 'report.dcm'), report);

    const study = await loadStudy(folder);

    assert.deepEqual(study.skippedFiles.map((entry) => [entry.file, entry.kind]), [['report.dcm', 'not-image']]);
    assert.deepEqual(study.warnings, []);
  });
});

describe('loadStudy slices without geometry', () => {
  const attributes = ['ImagePositionPatient', 'PixelSpacing', 'ImageOrientationPatient'] as const;
  for (const attribute of attributes) {
    it(`drops one slice without ${attribute}`, async () => {
      const folder = await makeTempDir('slice-geometry');
      await writeSeries(join(folder, 'sag'), sagittalT2(), {
        encode: (series, slice) => encodeSlice(slice.instanceNumber === 5 ? { ...series, extra: { [attribute]: undefined } } : series, slice),
      });
      await writeSeries(join(folder, 'ax'), axialT2());

      const lines: string[] = [];
      const study = await loadStudy(folder, {}, createLogger({ level: 'info', write: (line) => lines.push(line) }));

      const file = join('sag', 'IM0005');
      assert.equal(study.sagittalSeries.description, 'T2 TSE SAG');
      assert.equal(study.sagittalSeries.sliceCount, 7);
      assert.deepEqual(study.sagittalSeries.instanceNumbers, [1, 2, 3, 4, 6, 7, 8]);
      assert.equal(study.series.length, 2);
      assert.deepEqual(study.skippedFiles.map((entry) => [entry.file, entry.kind]), [[file, 'unreadable']]);
      assert.match(study.skippedFiles[0]!.reason, new RegExp(`^${attribute} is missing.*unlike in the other slices of series 2 "T2 TSE SAG"`));
      assert.deepEqual(
        study.warnings.map((warning) => [warning.code, warning.file]),
        [
          ['FILE_SKIPPED', file],
          ['NON_UNIFORM_SPACING', join('sag', 'IM0001')],
        ],
      );
      assert.ok(lines.some((line) => line.startsWith(`warn: skipped ${file}: ${attribute} is missing`)), lines.join('\n'));
    });
  }

  it('names a slice set apart by its size', async () => {
    const folder = await makeTempDir('set-apart');
    const uid = newUid();
    await writeSeries(join(folder, 'sag'), sagittalT2({ seriesInstanceUid: uid }));
    const small = stackSlices({ orientation: orientations.sagittal, rows: 5, columns: 5, count: 1, origin: [0, -30, 40], spacing: 4 });
    await writeSeries(join(folder, 'x'), sagittalT2({ seriesInstanceUid: uid, rows: 5, columns: 5, slices: small }));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 8);
    const warning = study.warnings.find((entry) => entry.code === 'SLICES_SET_APART');
    assert.ok(warning !== undefined, study.warnings.map((entry) => entry.code).join(', '));
    assert.equal(warning.file, join('x', 'IM0001'));
    assert.match(warning.message, /^1 slice\(s\) of series 2 "T2 TSE SAG" differ from the rest in size, orientation or pixel spacing and are left out of it: x\/IM0001$/);
  });

  it('names the stack and files of an unusable split stack', async () => {
    const folder = await makeTempDir('unusable-stack');
    const uid = newUid();
    await writeSeries(join(folder, 'sag'), sagittalT2({ seriesInstanceUid: uid }));
    // Two slices of another size at one position form a second stack that cannot be ordered.
    const small = stackSlices({ orientation: orientations.sagittal, rows: 5, columns: 5, count: 1, origin: [0, -30, 40], spacing: 4 });
    await writeSeries(join(folder, 'x'), sagittalT2({ seriesInstanceUid: uid, rows: 5, columns: 5, slices: [small[0]!, { ...small[0]!, instanceNumber: 2, pixels: small[0]!.pixels.map((value) => value + 1) }] }));

    const study = await loadStudy(folder);

    const warning = study.warnings.find((entry) => entry.code === 'SERIES_UNUSABLE');
    assert.ok(warning !== undefined, 'SERIES_UNUSABLE warning');
    assert.match(warning.message, /^series 2 "T2 TSE SAG" stack #2 \(2 slices in x\/IM0001, x\/IM0002\) cannot be used: .*same slice position/);
    assert.equal(study.sagittalSeries.id, `${uid}#1`);
    assert.equal(study.sagittalSeries.sliceCount, 8);
  });
});

describe('loadStudy with several studies', () => {
  const studyA = '2.25.1001';
  const studyB = '2.25.1002';
  const frameA = '2.25.2001';
  const frameB = '2.25.2002';

  it('does not pair an axial series of another study', async () => {
    const folder = await makeTempDir('two-studies');
    await writeSeries(join(folder, 'sag'), sagittalT2({ extra: { StudyInstanceUID: studyA, FrameOfReferenceUID: frameA } }));
    await writeSeries(join(folder, 'ax'), axialT2({ extra: { StudyInstanceUID: studyB, FrameOfReferenceUID: frameB } }));

    const lines: string[] = [];
    const study = await loadStudy(folder, {}, createLogger({ level: 'info', write: (line) => lines.push(line) }));

    assert.equal(study.sagittalSeries.description, 'T2 TSE SAG');
    assert.equal(study.axial, null);
    assert.equal(study.axialSeries, null);
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['MULTIPLE_STUDIES', 'AXIAL_NOT_PAIRED']);
    assert.equal(
      study.warnings[0]!.message,
      'the input holds 2 studies (different StudyInstanceUIDs): study 1 has series 3 "T2 TSE AX"; study 2 has series 2 "T2 TSE SAG"; ' +
        'the axial series is taken only from the study of the sagittal series; give one study per input folder',
    );
    assert.equal(
      study.warnings[1]!.message,
      'the axial series 3 "T2 TSE AX" is not used with the sagittal series 2 "T2 TSE SAG": it belongs to another study (StudyInstanceUID differs); ' +
        'the study is analyzed without an axial series',
    );
    for (const uid of [studyA, studyB, frameA, frameB]) assert.ok(!lines.join('\n').includes(uid), `${uid} in the log`);
    assert.equal(lines.filter((line) => line.startsWith('warn: ')).length, 2);
  });

  it('takes the axial series of the sagittal study', async () => {
    const folder = await makeTempDir('two-studies-axial');
    await writeSeries(join(folder, 'a-ax'), axialT2({ seriesNumber: 3, description: 'T2 AX OTHER', extra: { StudyInstanceUID: studyB } }));
    await writeSeries(join(folder, 'b-sag'), sagittalT2({ extra: { StudyInstanceUID: studyA } }));
    await writeSeries(join(folder, 'c-ax'), axialT2({ seriesNumber: 4, description: 'T2 AX SAME', extra: { StudyInstanceUID: studyA } }));

    const study = await loadStudy(folder);

    assert.equal(study.axialSeries?.description, 'T2 AX SAME');
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['MULTIPLE_STUDIES']);
  });

  it('does not pair another frame of reference', async () => {
    const folder = await makeTempDir('two-frames');
    await writeSeries(join(folder, 'sag'), sagittalT2({ extra: { StudyInstanceUID: studyA, FrameOfReferenceUID: frameA } }));
    await writeSeries(join(folder, 'ax'), axialT2({ extra: { StudyInstanceUID: studyA, FrameOfReferenceUID: frameB } }));

    const study = await loadStudy(folder);

    assert.equal(study.axial, null);
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['AXIAL_NOT_PAIRED']);
    assert.match(study.warnings[0]!.message, /its FrameOfReferenceUID differs, so its patient coordinates do not match/);
  });

  it('does not pair an axial override of another study', async () => {
    const folder = await makeTempDir('two-studies-override');
    await writeSeries(join(folder, 'sag'), sagittalT2({ extra: { StudyInstanceUID: studyA } }));
    await writeSeries(join(folder, 'ax'), axialT2({ extra: { StudyInstanceUID: studyB } }));

    const study = await loadStudy(folder, { axialSeries: '3' });

    assert.equal(study.axial, null);
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['MULTIPLE_STUDIES', 'AXIAL_NOT_PAIRED']);
  });

  it('pairs series without the UIDs', async () => {
    const folder = await makeTempDir('no-study-uids');
    await writeSeries(join(folder, 'sag'), sagittalT2());
    await writeSeries(join(folder, 'ax'), axialT2({ extra: { StudyInstanceUID: studyB, FrameOfReferenceUID: frameB } }));

    const study = await loadStudy(folder);

    assert.equal(study.axialSeries?.description, 'T2 TSE AX');
    assert.deepEqual(study.warnings, []);
  });

  it('keeps two shared studies apart', { skip: skipWithoutSharedData('dicom', 'vb2-02', 'sag_t2') }, async () => {
    const folder = await makeTempDir('shared-two-studies');
    await symlink(sharedPath('dicom', 'ivd-11'), join(folder, 'ivd'));
    await symlink(sharedPath('dicom', 'vb2-02', 'sag_t2'), join(folder, 'vb2'));

    const study = await loadStudy(folder);

    // vb2-02's sagittal series has more slices (19 against 17), so it is chosen.
    assert.equal(study.sagittalSeries.sliceCount, 19);
    assert.equal(study.axial, null);
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['MULTIPLE_STUDIES', 'AXIAL_NOT_PAIRED']);
    assert.match(study.warnings[1]!.message, /^the axial series 3 "T2 TSE AX" is not used with the sagittal series 2 "T2 TSE SAG"/);
    for (const text of ['ivd-11', 'IVD-11', 'vb2-02', 'VB2-02', '20000101']) {
      assert.ok(!JSON.stringify(study.warnings).includes(text), `"${text}" in a warning`);
    }
  });
});

describe('loadStudy checks of the sagittal series', () => {
  // 12 columns and 10 rows of 100 mm pixels, 8 slices 4 mm apart, as from a PixelSpacing in decimetres.
  const oversized = (): FixtureSeries => sagittalT2({ pixelSpacing: [100, 100] });
  const oversizedPattern =
    /voxel spacing 100 x 100 x 4 mm and field of view 1200 x 1000 x 32 mm along the voxel axes i, j, k \(antero-posterior, head-to-feet, left-right\), which is a voxel spacing over 20 mm along i, j and a field of view over 1000 mm along i;/;

  it('rejects a sagittal series of implausible geometry', async () => {
    const folder = await makeTempDir('oversized');
    await writeSeries(folder, oversized());

    await assertRejectsWith(loadStudy(folder), 'UNREADABLE_INPUT', /^no sagittal series can be used: the sagittal series 2 "T2 TSE SAG": implausible geometry for a lumbar spine MRI: /);
    await assertRejectsWith(loadStudy(folder), 'UNREADABLE_INPUT', oversizedPattern);
  });

  it('rejects a named sagittal series of implausible geometry', async () => {
    const folder = await makeTempDir('oversized-override');
    await writeSeries(join(folder, 'big'), oversized());
    await writeSeries(join(folder, 't1'), sagittalT2({ seriesNumber: 4, description: 'T1 TSE SAG', repetitionTime: 500, echoTime: 10 }));

    await assertRejectsWith(loadStudy(folder, { sagittalSeries: '2' }), 'UNREADABLE_INPUT', /^the sagittal series 2 "T2 TSE SAG": implausible geometry/);
  });

  it('uses the next sagittal series after one of implausible geometry', async () => {
    const folder = await makeTempDir('oversized-fallback');
    await writeSeries(join(folder, 'big'), oversized());
    await writeSeries(join(folder, 't1'), sagittalT2({ seriesNumber: 4, description: 'T1 TSE SAG', repetitionTime: 500, echoTime: 10 }));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.number, 4);
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['SERIES_UNREADABLE', 'SAGITTAL_FALLBACK']);
    assert.match(study.warnings[0]!.message, oversizedPattern);
    assert.equal(study.warnings[0]!.file, 'big/IM0001');
  });

  // A RescaleSlope of 1e38 makes every stored value above 3 overflow float32 to infinity.
  const halfZero = (i: number, j: number, k: number): number => (i < 6 ? 0 : patternValue(i, j, k));

  it('replaces infinite voxels of a rescaled series', async () => {
    const folder = await makeTempDir('infinite');
    const base = sagittalT2({ rescaleSlope: 1e38, rescaleIntercept: -50 });
    const slices = stackSlices({ orientation: base.orientation, rows: base.rows, columns: base.columns, count: 8, origin: [14, -30, 40], spacing: 4, value: halfZero });
    await writeSeries(folder, { ...base, slices });

    const study = await loadStudy(folder);

    assert.equal(voxelAt(study.sagittal, 2, 3, 2), -50);
    assert.equal(voxelAt(study.sagittal, 7, 3, 2), -50);
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['NON_FINITE_VOXELS']);
    assert.equal(
      study.warnings[0]!.message,
      'the sagittal series 2 "T2 TSE SAG": 480 of 960 voxels (50 %) are NaN or infinite; they were set to the lowest finite value, -50, ' +
        'so they read as background; levels found in or next to those voxels are unreliable',
    );
  });

  it('rejects a series whose voxels are all infinite', async () => {
    const folder = await makeTempDir('all-infinite');
    await writeSeries(folder, sagittalT2({ rescaleSlope: 1e38 }));

    await assertRejectsWith(
      loadStudy(folder),
      'UNREADABLE_INPUT',
      /^no sagittal series can be used: the sagittal series 2 "T2 TSE SAG": all 960 voxels are NaN or infinite, so the image holds no data/,
    );
  });
});
