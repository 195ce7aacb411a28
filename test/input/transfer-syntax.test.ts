import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { voxelAt } from '../../src/geometry/volume.js';
import { loadStudy } from '../../src/input/study.js';
import { deflatePart10, encodeSlice, makeTempDir, removeTempDirs, patternValue, sagittalT2, stackSlices, syntaxes, transcode, writeSeries, type FixtureSeries } from './dicom-fixtures.js';

interface SyntaxCase {
  readonly name: string;
  readonly uid: string;
  readonly array: 'uint16' | 'uint8' | 'int16';
  /** Largest allowed difference from the written values: 0 for lossless syntaxes. */
  readonly tolerance: number;
  readonly encode: (series: FixtureSeries, slice: FixtureSeries['slices'][number]) => Promise<ArrayBuffer> | ArrayBuffer;
}

const viaTranscoder =
  (uid: string, parameters: Record<string, unknown> = {}) =>
  (series: FixtureSeries, slice: FixtureSeries['slices'][number]): Promise<ArrayBuffer> =>
    transcode(encodeSlice(series, slice), uid, parameters);

const cases: SyntaxCase[] = [
  { name: 'Implicit VR Little Endian', uid: syntaxes.implicitLittle, array: 'uint16', tolerance: 0, encode: (s, slice) => encodeSlice({ ...s, transferSyntaxUid: syntaxes.implicitLittle }, slice) },
  { name: 'Deflated Explicit VR Little Endian', uid: syntaxes.deflated, array: 'uint16', tolerance: 0, encode: deflatePart10 },
  { name: 'RLE Lossless', uid: syntaxes.rle, array: 'uint16', tolerance: 0, encode: viaTranscoder(syntaxes.rle) },
  { name: 'RLE Lossless', uid: syntaxes.rle, array: 'int16', tolerance: 0, encode: viaTranscoder(syntaxes.rle) },
  { name: 'JPEG Lossless (Process 14, Selection Value 1)', uid: syntaxes.jpegLossless, array: 'uint16', tolerance: 0, encode: viaTranscoder(syntaxes.jpegLossless) },
  { name: 'JPEG-LS Lossless', uid: syntaxes.jpegLs, array: 'uint16', tolerance: 0, encode: viaTranscoder(syntaxes.jpegLs) },
  { name: 'JPEG-LS Lossless', uid: syntaxes.jpegLs, array: 'int16', tolerance: 0, encode: viaTranscoder(syntaxes.jpegLs) },
  { name: 'JPEG 2000 Lossless', uid: syntaxes.jpeg2000Lossless, array: 'uint16', tolerance: 0, encode: viaTranscoder(syntaxes.jpeg2000Lossless) },
  { name: 'JPEG 2000 Lossless', uid: syntaxes.jpeg2000Lossless, array: 'int16', tolerance: 0, encode: viaTranscoder(syntaxes.jpeg2000Lossless) },
  { name: 'HTJ2K Lossless', uid: syntaxes.htj2kLossless, array: 'uint16', tolerance: 0, encode: viaTranscoder(syntaxes.htj2kLossless) },
  { name: 'JPEG-LS Near-Lossless', uid: syntaxes.jpegLsNearLossless, array: 'uint16', tolerance: 3, encode: viaTranscoder(syntaxes.jpegLsNearLossless, { allowedLossyError: 3 }) },
  { name: 'JPEG 2000', uid: syntaxes.jpeg2000, array: 'uint16', tolerance: 30, encode: viaTranscoder(syntaxes.jpeg2000, { rate: 4 }) },
  // The JPEG baseline encoder of dcmjs-codecs 0.0.8 takes 8-bit samples only.
  { name: 'JPEG Baseline (Process 1)', uid: syntaxes.jpegBaseline, array: 'uint8', tolerance: 4, encode: viaTranscoder(syntaxes.jpegBaseline, { quality: 95 }) },
];

/** Returns a smooth pattern that lossy JPEG can follow closely; the signed pattern goes below zero. */
function smoothValue(array: SyntaxCase['array']): (i: number, j: number, k: number) => number {
  if (array === 'uint8') return (i, j, k) => 40 + 6 * i + 5 * j + 3 * k;
  if (array === 'int16') return (i, j, k) => patternValue(i, j, k) - 2000;
  return (i, j, k) => patternValue(i, j, k);
}

const bitsStoredFor = { uint8: 8, int16: 16, uint16: 12 } as const;

after(removeTempDirs);

describe('transfer syntaxes', () => {
  for (const testCase of cases) {
    it(`decodes ${testCase.name} (${testCase.array})`, async (t) => {
      const folder = await makeTempDir('syntax');
      const value = smoothValue(testCase.array);
      const base = sagittalT2();
      const series: FixtureSeries = {
        ...base,
        bitsStored: bitsStoredFor[testCase.array],
        slices: stackSlices({ orientation: base.orientation, rows: base.rows, columns: base.columns, count: 5, origin: [14, -30, 40], spacing: 4, array: testCase.array, value }),
      };
      await writeSeries(join(folder, 'series'), series, { encode: testCase.encode });

      const study = await loadStudy(folder);

      assert.deepEqual(study.sagittalSeries.transferSyntaxes, [{ uid: testCase.uid, name: testCase.name }]);
      assert.deepEqual(study.sagittal.size, [base.columns, base.rows, 5]);
      const expectedType = { uint16: 'Uint16Array', uint8: 'Uint8Array', int16: 'Int16Array' }[testCase.array];
      assert.equal(study.sagittal.data.constructor.name, expectedType);
      let maxDifference = 0;
      for (let k = 0; k < 5; k++) {
        for (let j = 0; j < base.rows; j++) {
          for (let i = 0; i < base.columns; i++) {
            maxDifference = Math.max(maxDifference, Math.abs(voxelAt(study.sagittal, i, j, k) - value(i, j, k)));
          }
        }
      }
      t.diagnostic(`max difference ${maxDifference}`);
      assert.ok(maxDifference <= testCase.tolerance, `max difference ${maxDifference}, allowed ${testCase.tolerance}`);
      const lossyWarnings = study.warnings.filter((warning) => warning.code === 'LOSSY_COMPRESSION');
      assert.equal(lossyWarnings.length, testCase.tolerance > 0 ? 1 : 0);
    });
  }
});

describe('truncated compressed files', () => {
  for (const uid of [syntaxes.rle, syntaxes.jpegLs]) {
    it(`skips a cut ${uid} slice`, async () => {
      const folder = await makeTempDir('syntax-truncated');
      const base = sagittalT2();
      const series: FixtureSeries = {
        ...base,
        slices: stackSlices({ orientation: base.orientation, rows: base.rows, columns: base.columns, count: 6, origin: [14, -30, 40], spacing: 4, array: 'uint16', value: patternValue }),
      };
      const paths = await writeSeries(join(folder, 'series'), series, { encode: viaTranscoder(uid) });
      // Cut the last 40 bytes, which hold the end of the last compressed fragment and the delimiter.
      const last = paths[paths.length - 1]!;
      const bytes = await readFile(last);
      await writeFile(last, bytes.subarray(0, bytes.length - 40));

      const study = await loadStudy(folder);

      assert.equal(study.sagittalSeries.sliceCount, 5);
      const skipped = study.skippedFiles.find((entry) => entry.file === join('series', 'IM0006'));
      assert.equal(skipped?.kind, 'unreadable');
      assert.match(skipped?.reason ?? '', /ends before its sequence delimiter/);
      assert.deepEqual(
        study.warnings.map((warning) => warning.code),
        ['FILE_SKIPPED'],
      );
      for (let k = 0; k < 5; k++) assert.equal(voxelAt(study.sagittal, 3, 4, k), patternValue(3, 4, k));
    });
  }

  it('skips a cut slice whose header holds a sequence', async () => {
    const folder = await makeTempDir('syntax-truncated-sequence');
    const base = sagittalT2();
    const series: FixtureSeries = {
      ...base,
      slices: stackSlices({ orientation: base.orientation, rows: base.rows, columns: base.columns, count: 6, origin: [14, -30, 40], spacing: 4, array: 'uint16', value: patternValue }),
    };
    const paths = await writeSeries(join(folder, 'series'), series, { encode: viaTranscoder(syntaxes.rle) });
    // An empty sequence of undefined length (0008,1140) before SeriesInstanceUID ends with the same
    // bytes as the delimiter of the pixel data, which the cut then removes.
    const last = paths[paths.length - 1]!;
    const bytes = Buffer.from(await readFile(last));
    const seriesUid = bytes.indexOf(Buffer.from([0x20, 0x00, 0x0e, 0x00, 0x55, 0x49]));
    assert.ok(seriesUid > 132);
    const sequence = Buffer.from([0x08, 0x00, 0x40, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    const withSequence = Buffer.concat([bytes.subarray(0, seriesUid), sequence, bytes.subarray(seriesUid)]);
    await writeFile(last, withSequence.subarray(0, withSequence.length - 40));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 5);
    assert.match(study.skippedFiles.find((entry) => entry.file === join('series', 'IM0006'))?.reason ?? '', /ends before its sequence delimiter/);
  });

  it('reads a compressed file padded with zero bytes', async () => {
    const folder = await makeTempDir('syntax-zero-padded');
    const base = sagittalT2();
    const series: FixtureSeries = {
      ...base,
      slices: stackSlices({ orientation: base.orientation, rows: base.rows, columns: base.columns, count: 5, origin: [14, -30, 40], spacing: 4, array: 'uint16', value: patternValue }),
    };
    const paths = await writeSeries(join(folder, 'series'), series, { encode: viaTranscoder(syntaxes.rle) });
    await writeFile(paths[2]!, Buffer.concat([await readFile(paths[2]!), Buffer.alloc(512)]));

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 5);
    assert.deepEqual(study.skippedFiles, []);
    assert.equal(voxelAt(study.sagittal, 3, 4, 2), patternValue(3, 4, 2));
  });

  it('reads a series without an undecodable slice', async () => {
    const folder = await makeTempDir('syntax-damaged');
    const base = sagittalT2();
    const series: FixtureSeries = {
      ...base,
      slices: stackSlices({ orientation: base.orientation, rows: base.rows, columns: base.columns, count: 6, origin: [14, -30, 40], spacing: 4, array: 'uint16', value: patternValue }),
    };
    const paths = await writeSeries(join(folder, 'series'), series, { encode: viaTranscoder(syntaxes.jpegLs) });
    // Overwrite the start of the JPEG-LS stream of the third slice, which keeps the file complete but undecodable.
    const damaged = paths[2]!;
    const bytes = new Uint8Array(await readFile(damaged));
    const streamStart = Buffer.from(bytes).indexOf(Buffer.from([0xff, 0xd8]));
    assert.ok(streamStart > 0);
    bytes.fill(0x55, streamStart, streamStart + 64);
    await writeFile(damaged, bytes);

    const study = await loadStudy(folder);

    assert.equal(study.sagittalSeries.sliceCount, 5);
    const skipped = study.skippedFiles.find((entry) => entry.file === join('series', 'IM0003'));
    assert.equal(skipped?.kind, 'unreadable');
    assert.match(skipped?.reason ?? '', /^its pixel data cannot be decoded \(.+\); the rest of the series is tried without it$/);
    assert.ok(study.warnings.some((warning) => warning.code === 'FILE_SKIPPED' && warning.file === join('series', 'IM0003')));
    assert.equal(voxelAt(study.sagittal, 3, 4, 2), patternValue(3, 4, 3));
  });
});
