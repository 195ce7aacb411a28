import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCropSpec } from '../../src/crops/extract.js';
import type { CropManifestRow } from '../../src/crops/write.js';
import { DeepspineError } from '../../src/errors.js';
import { joinProvenance, joinResults } from '../../src/dataset/join.js';
import type { DatasetProvenance } from '../../src/dataset/provenance.js';
import { datasetConditions, headLabel, indexReports } from '../../src/dataset/report-labels.js';
import type { StoredStudyResult, StudyResult } from '../../src/dataset/study-result.js';
import { formatSummary, summarize } from '../../src/dataset/summary.js';
import type { LabeledReport, LevelValues } from '../../src/reports/types.js';

function report(id: string, levels: LabeledReport['levels'], warningCodes: LabeledReport['warnings'][number]['code'][] = []): LabeledReport {
  return { id, rules: 'deepspine-rules/1', levels, evidence: {}, warnings: warningCodes.map((code) => ({ code, message: code })) };
}

function row(studyId: string, level: string, axial = true, levelConfidence = 0.9): CropManifestRow {
  return {
    studyId,
    seriesId: 'sag',
    level,
    levelConfidence,
    ivdLabel: null,
    sagittalPath: `crops/${studyId}/sag_${level}_sag.npy`,
    sagittalPlanes: 5,
    axialPath: axial ? `crops/${studyId}/sag_${level}_ax.npy` : null,
    labels: {},
  };
}

const provenance: DatasetProvenance = {
  segmentationModelSha256: 'a'.repeat(64),
  segmentationSpacingMm: 1.25,
  segmentationBodyIntensity: null,
  segmentationModelFile: '/models/a.onnx',
  cropSpec: defaultCropSpec,
};
const otherModel: DatasetProvenance = { ...provenance, segmentationModelSha256: 'b'.repeat(64), segmentationModelFile: '/models/b.onnx' };
const otherCrops: DatasetProvenance = { ...provenance, cropSpec: { ...defaultCropSpec, minAxialCoverage: 0.25 } };

function done(studyId: string, levels: string[], durationMs = 1000, madeWith: DatasetProvenance | null = provenance, levelConfidence = 0.9): StoredStudyResult {
  const result: StudyResult = {
    format: 'deepspine-dataset-study/1',
    studyId,
    source: `/studies/${studyId}`,
    status: 'done',
    attempts: 1,
    finishedAt: '2024-01-01T00:00:00.000Z',
    durationMs,
    timingsMs: {},
    rows: levels.map((level) => row(studyId, level, true, levelConfidence)),
    warnings: levelConfidence < 0.5 ? [{ code: 'SACRUM_NOT_IN_VIEW', message: 'the sacrum is not in view' }] : [],
    error: null,
    provenance: madeWith,
  };
  return { folderName: studyId, result };
}

function failed(studyId: string, code: string, exitCode: number): StoredStudyResult {
  const stored = done(studyId, []);
  return { folderName: studyId, result: { ...stored.result, status: 'failed', error: { code, exitCode, message: `${code} message` } } };
}

const lumbar = ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'];
const l45: LevelValues = { spinal_canal_stenosis: 2, left_foraminal_stenosis: 1, disc_herniation: 0, left_subarticular_stenosis: 3 };
const l5s1: LevelValues = { disc_bulge: 1, disc_herniation: 'uncertain', right_foraminal_stenosis: 0 };

describe('headLabel', () => {
  const cases: [Parameters<typeof headLabel>[0], number | null][] = [
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
    ['uncertain', null],
    [null, null],
  ];
  for (const [value, expected] of cases) {
    it(`maps ${String(value)} to ${String(expected)}`, () => assert.equal(headLabel(value), expected));
  }
});

describe('indexReports', () => {
  it('excludes duplicated ids, missing ids and sixth lumbar vertebrae', async () => {
    const index = await indexReports([
      report('a', {}),
      report('dup', {}),
      report('dup', {}, ['DUPLICATE_ID']),
      report('', {}, ['MISSING_ID']),
      report('l6', {}, ['SIXTH_LUMBAR_VERTEBRA']),
    ]);
    assert.equal(index.total, 5);
    assert.deepEqual([...index.byId.keys()], ['a']);
    assert.deepEqual(index.excluded, [
      { id: 'dup', reason: 'DUPLICATE_ID' },
      { id: 'dup', reason: 'DUPLICATE_ID' },
      { id: '', reason: 'MISSING_ID' },
      { id: 'l6', reason: 'SIXTH_LUMBAR_VERTEBRA' },
    ]);
  });

  it('counts unparseable lines apart from missing ids', async () => {
    // The labeler writes an unparseable row with the id "", which is no missing id of a report.
    const index = await indexReports([report('a', {}), report('', {}, ['UNPARSEABLE_ROW']), report('', {}, ['MISSING_ID'])]);
    assert.equal(index.unparseable, 1);
    assert.equal(index.total, 2);
    assert.deepEqual(index.excluded, [{ id: '', reason: 'MISSING_ID' }]);
    const joined = joinResults([], index, [], provenance);
    assert.equal(joined.reports.unparseable, 1);
    const run = { shard: null, selected: 0, processed: 0, redone: 0, skippedDone: 0, skippedFailed: 0, notStored: 0 };
    assert.match(formatSummary(summarize(run, 0, [], joined)), /^reports: .*, 1 excluded \(MISSING_ID 1\), 1 unparseable rows$/m);
  });
});

describe('joinResults', () => {
  const reports = [
    report('a', { 'L4-L5': l45, 'L5-S1': l5s1, 'L6-S1': { disc_bulge: 1 } }),
    report('l6', { 'L4-L5': l45 }, ['SIXTH_LUMBAR_VERTEBRA']),
    report('dup', { 'L4-L5': l45 }),
    report('dup', { 'L4-L5': l45 }, ['DUPLICATE_ID']),
    report('failing', { 'L4-L5': l45 }),
    report('later', { 'L4-L5': l45 }),
    report('nostudy', { 'L4-L5': l45 }),
  ];
  const results = [done('a', lumbar, 1000), done('l6', lumbar, 3000), done('dup', ['L4-L5'], 2000), done('noreport', ['L4-L5']), done('empty', []), failed('failing', 'NO_MR_SERIES', 5)];
  const listed = ['a', 'dup', 'empty', 'failing', 'l6', 'later', 'noreport'];

  it('labels the levels that the report names', async () => {
    const joined = joinResults(results, await indexReports(reports), listed, provenance);
    const rowsOfA = joined.rows.filter((entry) => entry.studyId === 'a');
    assert.deepEqual(
      rowsOfA.map((entry) => entry.level),
      lumbar,
    );
    const atL45 = rowsOfA.find((entry) => entry.level === 'L4-L5')!.labels;
    assert.equal(atL45['spinal_canal_stenosis'], 2);
    assert.equal(atL45['left_foraminal_stenosis'], 1);
    assert.equal(atL45['disc_herniation'], 0);
    assert.equal(atL45['right_foraminal_stenosis'], null);
    assert.equal(atL45['left_subarticular_stenosis'], undefined, 'subarticular stenosis has no head and no column');
    const atL5S1 = rowsOfA.find((entry) => entry.level === 'L5-S1')!.labels;
    assert.equal(atL5S1['disc_bulge'], 1);
    assert.equal(atL5S1['disc_herniation'], null, 'uncertain is unknown to training');
    assert.equal(atL5S1['right_foraminal_stenosis'], 0);
    const atL1L2 = rowsOfA.find((entry) => entry.level === 'L1-L2')!.labels;
    for (const condition of datasetConditions) assert.equal(atL1L2[condition], null, `${condition} at a level the report does not name`);
  });

  it('prefixes crop paths with the study folder', async () => {
    const joined = joinResults(results, await indexReports(reports), listed, provenance);
    const first = joined.rows[0]!;
    assert.equal(first.sagittalPath, 'studies/a/crops/a/sag_T12-L1_sag.npy');
    assert.equal(first.axialPath, 'studies/a/crops/a/sag_T12-L1_ax.npy');
  });

  it('keeps unlabelled rows of studies without a joinable report', async () => {
    const joined = joinResults(results, await indexReports(reports), listed, provenance);
    for (const studyId of ['l6', 'dup', 'noreport']) {
      const rows = joined.rows.filter((entry) => entry.studyId === studyId);
      assert.ok(rows.length > 0, `${studyId} has rows`);
      for (const entry of rows) assert.deepEqual(entry.labels, {}, `${studyId} ${entry.level} has no labels`);
    }
  });

  it('counts studies and reports by category', async () => {
    const joined = joinResults(results, await indexReports(reports), listed, provenance);
    assert.equal(joined.studies.withResult, 6);
    assert.equal(joined.studies.done, 5);
    assert.deepEqual(joined.studies.doneWithoutLevels, ['empty']);
    assert.deepEqual(
      joined.studies.failures.map((failure) => [failure.studyId, failure.exitCode]),
      [['failing', 5]],
    );
    assert.deepEqual(joined.studies.pending, ['later']);
    assert.deepEqual(joined.studies.withoutReport, ['empty', 'noreport']);
    assert.equal(joined.studies.medianSeconds, 1);
    assert.equal(joined.reports.read, 7);
    assert.equal(joined.reports.joined, 1);
    assert.deepEqual(joined.reports.withoutStudy, ['nostudy']);
    assert.deepEqual(joined.reports.studyFailed, ['failing']);
    assert.deepEqual(joined.reports.studyPending, ['later']);
    assert.deepEqual(joined.reports.excluded, { MISSING_ID: [], DUPLICATE_ID: ['dup', 'dup'], SIXTH_LUMBAR_VERTEBRA: ['l6'] });
    assert.deepEqual(joined.reports.studyDuplicated, []);
  });

  it('counts reports of duplicated study ids apart', async () => {
    const index = await indexReports([report('twice', {}), report('nostudy', {})]);
    const joined = joinResults([], index, [], provenance, ['twice']);
    assert.deepEqual(joined.reports.studyDuplicated, ['twice']);
    assert.deepEqual(joined.reports.withoutStudy, ['nostudy']);
    const run = { shard: null, selected: 0, processed: 0, redone: 0, skippedDone: 0, skippedFailed: 0, notStored: 0 };
    const text = formatSummary(summarize(run, 0, ['/studies/twice', '/studies/twice.mha'], joined));
    assert.match(text, /0 listed, .*, 2 entries with a duplicated id$/m);
    assert.match(text, /2 read, 0 joined, 1 without study, .*, 1 with a duplicated study id, 0 excluded$/m);
  });

  it('counts label values over joined rows', async () => {
    const joined = joinResults(results, await indexReports(reports), listed, provenance);
    assert.equal(joined.labelledRows, 6);
    assert.deepEqual(joined.labels.spinal_canal_stenosis['L4-L5'], { '2': 1 });
    assert.deepEqual(joined.labels.spinal_canal_stenosis['L1-L2'], { unknown: 1 });
    assert.deepEqual(joined.labels.disc_herniation['L5-S1'], { uncertain: 1 });
    assert.deepEqual(joined.labels.disc_bulge['L5-S1'], { '1': 1 });
    assert.equal(joined.labels.disc_bulge['L6-S1'], undefined, 'a report level without an image level is not counted');
  });
});

describe('joinResults with uncertain level names', () => {
  const reports = [report('sure', { 'L4-L5': l45 }), report('shifted', { 'L4-L5': l45 })];
  const results = [done('sure', ['L4-L5', 'L5-S1']), done('shifted', ['L4-L5', 'L5-S1'], 1000, provenance, 0.24), done('unreported', ['L4-L5'], 1000, provenance, 0.3)];

  it('withholds labels under the minimum confidence', async () => {
    const joined = joinResults(results, await indexReports(reports), ['sure', 'shifted', 'unreported'], provenance);
    assert.equal(joined.minLevelConfidence, 0.5);
    const labelsAt = (studyId: string) => joined.rows.find((entry) => entry.studyId === studyId && entry.level === 'L4-L5')!.labels;
    assert.equal(labelsAt('sure')['spinal_canal_stenosis'], 2);
    assert.deepEqual(labelsAt('shifted'), {});
    assert.equal(joined.rows.filter((entry) => entry.studyId === 'shifted').length, 2, 'the crops stay in the manifest');
    assert.equal(joined.labelledRows, 2);
    assert.equal(joined.withheldRows, 2);
    assert.deepEqual(joined.labels.spinal_canal_stenosis['L4-L5'], { '2': 1 });
  });

  it('lists the studies with uncertain names', async () => {
    const joined = joinResults(results, await indexReports(reports), ['sure', 'shifted', 'unreported'], provenance);
    // Only studies with a report lose labels; "unreported" has uncertain names but nothing to withhold.
    assert.deepEqual(joined.studies.uncertainNames, [{ studyId: 'shifted', rows: 2, warnings: ['SACRUM_NOT_IN_VIEW'] }]);
  });

  it('labels every row with a minimum of 0', async () => {
    const joined = joinResults(results, await indexReports(reports), ['sure', 'shifted', 'unreported'], provenance, [], 0);
    assert.equal(joined.rows.find((entry) => entry.studyId === 'shifted' && entry.level === 'L4-L5')!.labels['spinal_canal_stenosis'], 2);
    assert.equal(joined.withheldRows, 0);
    assert.deepEqual(joined.studies.uncertainNames, []);
  });

  it('prints the withheld rows in the summary', async () => {
    const joined = joinResults(results, await indexReports(reports), ['sure', 'shifted', 'unreported'], provenance);
    const run = { shard: null, selected: 3, processed: 3, redone: 0, skippedDone: 0, skippedFailed: 0, notStored: 0 };
    const summary = summarize(run, 3, [], joined);
    assert.equal(summary.rows.withheldUncertainName, 2);
    assert.equal(summary.rows.withReport, 4);
    assert.equal(summary.rows.labelled, 2);
    assert.match(formatSummary(summary), /^rows: +5 levels, 4 of studies with a report, of them 2 labelled and 2 unlabelled for a level name under confidence 0\.5, 0 without axial crop$/m);
  });
});

describe('formatSummary', () => {
  it('prints the counts and one line per condition and level', async () => {
    const joined = joinResults([done('a', ['L4-L5', 'L1-L2']), failed('f', 'UNREADABLE_INPUT', 4)], await indexReports([report('a', { 'L4-L5': l45 }), report('x', {})]), ['a', 'f'], provenance);
    const run = { shard: '0/2', selected: 1, processed: 1, redone: 0, skippedDone: 0, skippedFailed: 0, notStored: 0 };
    const text = formatSummary(summarize(run, 2, [], joined));
    assert.match(text, /shard 0\/2, 1 selected, 1 processed/);
    assert.match(text, /2 listed, 1 done, 1 failed \(exit 4: 1\), 0 pending, 0 without report/);
    assert.match(text, /2 read, 1 joined, 1 without study/);
    assert.match(text, /^spinal_canal_stenosis\s+L4-L5\s+0\s+0\s+1\s+0\s+0\s+0$/m);
    const canalLines = text.split('\n').filter((line) => line.startsWith('spinal_canal_stenosis '));
    assert.deepEqual(
      canalLines.map((line) => line.split(/\s+/)[1]),
      ['L1-L2', 'L4-L5'],
    );
    assert.match(text, /^crops: +segmentation model sha256 aaaaaaaaaaaa on 1\.25 mm planes \(\/models\/a\.onnx\), crop settings sha256 [0-9a-f]{12}$/m);
    assert.doesNotMatch(text, /made before with another model/);
    assert.doesNotMatch(text, /duplicated/);
  });

  it('prints the studies redone for another provenance', async () => {
    const joined = joinResults([done('a', ['L4-L5'])], await indexReports([]), ['a'], provenance);
    const run = { shard: null, selected: 1, processed: 1, redone: 1, skippedDone: 0, skippedFailed: 0, notStored: 0 };
    const text = formatSummary(summarize(run, 1, [], joined));
    assert.match(text, /all studies, 1 selected, 1 processed \(1 made before with another model or crop settings\), 0 skipped as done/);
  });
});

/** Returns the DeepspineError that `task` throws, failing the test when it throws none or another error. */
function thrownError(task: () => unknown): DeepspineError {
  try {
    task();
  } catch (error) {
    assert.ok(error instanceof DeepspineError, `expected a DeepspineError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error, but none was thrown');
}

describe('joinProvenance', () => {
  it('returns the provenance of the done results', () => {
    const results = [done('a', lumbar), done('b', lumbar)];
    assert.equal(joinProvenance(results, otherModel), provenance, 'the results made the rows, not the current run');
  });

  it('returns the current provenance when no study is done', () => {
    assert.equal(joinProvenance([failed('f', 'NO_MR_SERIES', 5)], otherModel), otherModel);
    assert.equal(joinProvenance([], otherModel), otherModel);
  });

  it('ignores failed results of another provenance', () => {
    const stale = failed('f', 'NO_MR_SERIES', 5);
    const results = [done('a', lumbar), { ...stale, result: { ...stale.result, provenance: otherModel } }];
    assert.equal(joinProvenance(results, provenance), provenance);
  });

  it('rejects results of two segmentation models', () => {
    const results = [done('a', lumbar), done('b', lumbar), done('c', lumbar, 1000, otherModel)];
    const error = thrownError(() => joinResults(results, { byId: new Map(), excluded: [], total: 0, unparseable: 0 }, ['a', 'b', 'c'], provenance));
    assert.equal(error.code, 'DATASET_MIXED_PROVENANCE');
    assert.match(error.message, /made with different segmentation models or crop settings/);
    assert.match(error.message, /"a" and 1 other study with segmentation model sha256 aaaaaaaaaaaa on 1\.25 mm planes \(\/models\/a\.onnx\), crop settings sha256 [0-9a-f]{12}, as in this run;/);
    assert.match(error.message, /"c" with segmentation model sha256 bbbbbbbbbbbb on 1\.25 mm planes \(\/models\/b\.onnx\)/);
    assert.match(error.message, /No manifest was written\./);
    assert.match(error.message, /again without --shard/);
    assert.doesNotMatch(error.message, /Delete the result folders/, 'every result of another model belongs to a listed study');
  });

  it('rejects results of other crop settings', () => {
    const error = thrownError(() => joinProvenance([done('a', lumbar), done('b', lumbar, 1000, otherCrops)], provenance));
    assert.equal(error.code, 'DATASET_MIXED_PROVENANCE');
    assert.match(error.message, /"b" with segmentation model sha256 aaaaaaaaaaaa/);
  });

  it('rejects results that record no provenance', () => {
    const mixed = thrownError(() => joinProvenance([done('a', lumbar), done('old', lumbar, 1000, null)], provenance));
    assert.match(mixed.message, /"old" with no recorded segmentation model or crop settings/);
    const onlyOld = thrownError(() => joinProvenance([done('old', lumbar, 1000, null)], provenance));
    assert.equal(onlyOld.code, 'DATASET_MIXED_PROVENANCE');
    assert.match(onlyOld.message, /record no segmentation model or crop settings/);
  });

  it('leaves out unlisted and duplicated results', async () => {
    const results = [done('a', lumbar), done('gone', lumbar, 1000, otherModel), done('twice', lumbar)];
    const index = await indexReports([report('twice', { 'L4-L5': l45 }), report('gone', { 'L4-L5': l45 })]);
    const joined = joinResults(results, index, ['a'], provenance, ['twice']);
    assert.deepEqual(joined.studies.leftOut, { unlisted: ['gone'], duplicated: ['twice'] });
    assert.deepEqual([...new Set(joined.rows.map((entry) => entry.studyId))], ['a'], 'only the listed study has rows');
    assert.equal(joined.provenance, provenance, 'the unlisted result of another model does not mix the provenance');
    assert.equal(joined.labelledRows, 0);
    assert.deepEqual(joined.reports.studyDuplicated, ['twice']);
    assert.deepEqual(joined.reports.withoutStudy, ['gone']);
    assert.equal(joined.studies.withResult, 1);
  });
});
