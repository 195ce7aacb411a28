import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { loadStudy } from '../../src/input/study.js';
import { axialT2, makeTempDir, newUid, orientations, removeTempDirs, sagittalT2, stackSlices, writeSeries } from './dicom-fixtures.js';

after(removeTempDirs);

function captureLogger(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', write: (line) => lines.push(line) }) };
}

/** Returns the message of the DeepspineError that `promise` rejects with, after checking its code. */
async function rejectionMessage(promise: Promise<unknown>, code: string): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeepspineError, `expected DeepspineError, got ${String(error)}`);
    assert.equal(error.code, code);
    return error.message;
  }
  assert.fail('expected a rejection');
}

describe('series override with several matches', () => {
  it('prefers the orientation of the role', async () => {
    // The axial series is found first (folder "a") and has more slices, so ordering by
    // compareCandidates alone would pick it as the sagittal series.
    const folder = await makeTempDir('override-orientation');
    const axialSlices = stackSlices({ orientation: orientations.axial, rows: 11, columns: 9, count: 12, origin: [-20, -40, -10], spacing: 3.5 });
    await writeSeries(join(folder, 'a'), axialT2({ description: 'T2_TSE', slices: axialSlices }));
    await writeSeries(join(folder, 'b'), sagittalT2({ description: 'T2_TSE' }));

    const study = await loadStudy(folder, { sagittalSeries: 'T2_TSE', axialSeries: 'T2_TSE' });

    assert.equal(study.sagittalSeries.orientation, 'sagittal');
    assert.equal(study.sagittalSeries.sliceCount, 8);
    assert.equal(study.axialSeries?.orientation, 'axial');
    assert.equal(study.axialSeries?.sliceCount, 12);
    assert.deepEqual(study.warnings, []);
  });

  it('prefers T2 over T1 with the same number', async () => {
    const folder = await makeTempDir('override-tier');
    await writeSeries(join(folder, 'a'), sagittalT2({ seriesNumber: 2, description: 'T1 SAG', repetitionTime: 500, echoTime: 10 }));
    await writeSeries(join(folder, 'b'), sagittalT2({ seriesNumber: 2, description: 'T2 SAG' }));

    const study = await loadStudy(folder, { sagittalSeries: '2' });

    assert.equal(study.sagittalSeries.description, 'T2 SAG');
    assert.equal(study.sagittalSeries.classification, 'sagittal-t2');
    assert.deepEqual(study.warnings, []);
  });

  it('keeps the order found when matches tie', async () => {
    const folder = await makeTempDir('override-tie');
    const firstUid = newUid();
    await writeSeries(join(folder, 'a'), sagittalT2({ seriesInstanceUid: firstUid, description: 'T2 SAG' }));
    await writeSeries(join(folder, 'b'), sagittalT2({ description: 'T2 SAG' }));

    const { lines, logger } = captureLogger();
    const study = await loadStudy(folder, { sagittalSeries: 'T2 SAG' }, logger);

    assert.equal(study.sagittalSeries.seriesInstanceUid, firstUid);
    assert.ok(lines.some((line) => line.startsWith(`"T2 SAG" matches 2 stacks; using 2 "T2 SAG" [${firstUid}]`)), lines.join('\n'));
  });
});

describe('selection warnings in the log', () => {
  it('logs SAGITTAL_FALLBACK at warn level', async () => {
    const folder = await makeTempDir('fallback-logged');
    await writeSeries(folder, sagittalT2({ description: 'T1 TSE SAG', repetitionTime: 500, echoTime: 10 }));

    const { lines, logger } = captureLogger();
    const study = await loadStudy(folder, {}, logger);

    assert.deepEqual(study.warnings.map((warning) => warning.code), ['SAGITTAL_FALLBACK']);
    assert.deepEqual(lines.filter((line) => line.startsWith('warn: ')), [`warn: ${study.warnings[0]!.message}`]);
  });

  it('logs SERIES_OVERRIDE_ORIENTATION at warn level', async () => {
    const folder = await makeTempDir('override-logged');
    await writeSeries(join(folder, 'sag'), sagittalT2());
    await writeSeries(join(folder, 'ax'), axialT2());

    const { lines, logger } = captureLogger();
    const study = await loadStudy(folder, { sagittalSeries: 'T2 TSE AX' }, logger);

    assert.deepEqual(study.warnings.map((warning) => warning.code), ['SERIES_OVERRIDE_ORIENTATION']);
    assert.ok(lines.includes('warn: the sagittal series 3 "T2 TSE AX" chosen by option is axial, not sagittal'), lines.join('\n'));
  });
});

describe('override with few slices', () => {
  it('warns when the named sagittal series has three slices', async () => {
    const folder = await makeTempDir('override-few');
    await writeSeries(join(folder, 'sag'), sagittalT2());
    const base = sagittalT2({ description: 'T2 SAG SHORT' });
    await writeSeries(join(folder, 'short'), { ...base, slices: base.slices.slice(0, 3) });

    const study = await loadStudy(folder, { sagittalSeries: 'T2 SAG SHORT' });

    assert.equal(study.sagittalSeries.sliceCount, 3);
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['SERIES_OVERRIDE_FEW_SLICES']);
    assert.match(study.warnings[0]!.message, /chosen by option has 3 of the 4 slices that the automatic choice requires/);
  });
});

describe('series override contrast', () => {
  it('warns when the named sagittal series is not T2', async () => {
    const folder = await makeTempDir('override-stir');
    await writeSeries(join(folder, 't2'), sagittalT2());
    await writeSeries(join(folder, 'stir'), sagittalT2({ seriesNumber: 7, description: 'STIR SAG' }));

    const study = await loadStudy(folder, { sagittalSeries: 'STIR SAG' });

    assert.equal(study.sagittalSeries.description, 'STIR SAG');
    assert.deepEqual(study.warnings.map((warning) => warning.code), ['SERIES_OVERRIDE_CONTRAST']);
    assert.match(study.warnings[0]!.message, /^the sagittal series 7 "STIR SAG" chosen by option is STIR, not T2 as the automatic choice prefers/);
  });

  it('stays quiet for a named T2 series', async () => {
    const folder = await makeTempDir('override-t2');
    await writeSeries(join(folder, 't2'), sagittalT2({ seriesNumber: 4, description: 'T2 SAG' }));

    const study = await loadStudy(folder, { sagittalSeries: '4' });

    assert.deepEqual(study.warnings, []);
  });
});

describe('NO_SAGITTAL_SERIES hint', () => {
  it('does not suggest an override for axial series', async () => {
    const folder = await makeTempDir('hint-axial');
    await writeSeries(folder, axialT2());

    const message = await rejectionMessage(loadStudy(folder), 'NO_SAGITTAL_SERIES');

    assert.ok(message.endsWith('; add the sagittal T2 series to the input'), message);
    assert.doesNotMatch(message, /--sagittal-series/);
  });

  it('names --sagittal-series for a sagittal localizer', async () => {
    const folder = await makeTempDir('hint-localizer');
    await writeSeries(folder, sagittalT2({ seriesNumber: 5, description: 'SCOUT SAG' }));

    const message = await rejectionMessage(loadStudy(folder), 'NO_SAGITTAL_SERIES');

    assert.match(message, /add the sagittal T2 series to the input, or, if 5 "SCOUT SAG" is a full sagittal series and not a localizer, name it with --sagittal-series$/);
  });

  it('does not suggest an override when no series is readable', async () => {
    const folder = await makeTempDir('hint-unreadable');
    await writeSeries(folder, sagittalT2({ extra: { ImagePositionPatient: undefined } }));

    const message = await rejectionMessage(loadStudy(folder), 'NO_SAGITTAL_SERIES');

    assert.match(message, /ImagePositionPatient is missing or invalid in all 8 slices/);
    assert.doesNotMatch(message, /--sagittal-series/);
  });

  it('points at the defect of a sagittal series', async () => {
    const folder = await makeTempDir('hint-defect');
    await writeSeries(folder, sagittalT2({ seriesNumber: 2, description: 'T2 SAG', extra: { PixelSpacing: undefined } }));

    const message = await rejectionMessage(loadStudy(folder), 'NO_SAGITTAL_SERIES');

    assert.match(message, /; fix the problem named for 2 "T2 SAG" \(or remove the files it names\), or add another sagittal T2 series$/);
    assert.doesNotMatch(message, /add the sagittal T2 series to the input/);
  });
});
