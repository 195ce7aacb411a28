import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultCropSpec, type CropSpec } from '../../src/crops/extract.js';
import { buildDataset, describeWorkers, type DatasetBuildOptions, type DatasetBuildResult } from '../../src/dataset/build.js';
import { datasetConditions } from '../../src/dataset/report-labels.js';
import { studyFolderNames } from '../../src/dataset/study-list.js';
import type { StudyResult } from '../../src/dataset/study-result.js';
import { writeDemoStudy } from '../../src/demo/index.js';
import { DeepspineError } from '../../src/errors.js';
import { fileSha256 } from '../../src/hash.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { defaultSegmentationModelPath, segmentationSidecarPath } from '../../src/segmentation/model.js';

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-dataset-build-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const studies = join(scratch, 'studies');
const reportsFile = join(scratch, 'reports.jsonl');

// Sorted ids and positions: alpha 0, beta 1, broken 2, delta 3, epsilon 4. Shard 0/2 takes alpha,
// broken and epsilon; shard 1/2 takes beta and delta.
const reports = [
  { id: 'alpha', text: 'FINDINGS:\nL4-5: Moderate central canal stenosis. Mild left foraminal stenosis. No disc herniation.\nL5-S1: Possible disc protrusion.\n' },
  { id: 'beta', text: 'FINDINGS:\nThere are six lumbar-type vertebrae.\nL5-L6: Severe central canal stenosis.\n' },
  { id: 'epsilon', text: 'L4-5: Mild disc bulge.' },
  { id: 'epsilon', text: 'L4-5: Severe central canal stenosis.' },
  { id: 'gamma', text: 'L3-4: Mild disc bulge.' },
  { id: 'broken', text: 'L3-4: Mild disc bulge.' },
];

interface ManifestRow {
  readonly cells: Record<string, string>;
}

function readManifest(out: string): ManifestRow[] {
  const [header, ...lines] = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => {
    const values = line.split(',');
    return { cells: Object.fromEntries(columns.map((column, index) => [column, values[index] ?? ''])) };
  });
}

function cell(rows: ManifestRow[], studyId: string, level: string, column: string): string | undefined {
  return rows.find((row) => row.cells['study_id'] === studyId && row.cells['level'] === level)?.cells[column];
}

function readResult(out: string, studyId: string): StudyResult {
  return JSON.parse(readFileSync(join(out, 'studies', studyId, 'result.json'), 'utf8')) as StudyResult;
}

function build(out: string, extra: { shard?: { index: number; count: number }; retryFailed?: boolean } = {}): Promise<DatasetBuildResult> {
  return buildDataset({ studies, reports: reportsFile, out, jobs: 2, ...extra }, silentLogger);
}

describe('buildDataset on phantom studies', () => {
  const outA = join(scratch, 'out-a');
  const outB = join(scratch, 'out-b');
  let shard0: DatasetBuildResult;
  let shard1: DatasetBuildResult;
  let final: DatasetBuildResult;
  let alphaBefore: StudyResult;

  before(async () => {
    await writeDemoStudy(join(studies, 'alpha'), { axialLayout: 'stack' });
    for (const name of ['beta', 'delta', 'epsilon']) cpSync(join(studies, 'alpha'), join(studies, name), { recursive: true });
    mkdirSync(join(studies, 'broken'));
    writeFileSync(join(studies, 'broken', 'notes.txt'), 'not an image\n');
    writeFileSync(reportsFile, reports.map((report) => JSON.stringify(report)).join('\n') + '\n');

    shard0 = await build(outA, { shard: { index: 0, count: 2 } });
    shard1 = await build(outB, { shard: { index: 1, count: 2 } });
    // Merge the second machine's results by copying its studies folder, then join everything.
    cpSync(join(outB, 'studies'), join(outA, 'studies'), { recursive: true });
    alphaBefore = readResult(outA, 'alpha');
    final = await build(outA);
  });

  it('processes only the studies of each shard', () => {
    assert.deepEqual(readdirSync(join(outA, 'studies')).sort(), ['alpha', 'beta', 'broken', 'delta', 'epsilon']);
    assert.deepEqual(readdirSync(join(outB, 'studies')).sort(), ['beta', 'delta']);
    assert.equal(shard0.summary.run.selected, 3);
    assert.equal(shard0.summary.run.processed, 3);
    assert.equal(shard1.summary.run.selected, 2);
    assert.equal(shard1.summary.run.processed, 2);
  });

  it('joins only the stored studies in a shard run', () => {
    assert.deepEqual(shard0.summary.studies.pending, ['beta', 'delta']);
    assert.deepEqual(shard0.summary.reports.studyPending, [], 'the report of pending beta is excluded, so it is not counted as pending');
    assert.deepEqual(shard0.summary.reports.withoutStudy, ['gamma']);
    const ids = new Set(readManifest(outB).map((row) => row.cells['study_id']));
    assert.deepEqual([...ids].sort(), ['beta', 'delta']);
  });

  it('records a failing study without stopping the others', () => {
    const broken = readResult(outA, 'broken');
    assert.equal(broken.status, 'failed');
    assert.ok(broken.error !== null);
    assert.ok(broken.error.exitCode > 1, `exit code ${broken.error.exitCode}`);
    assert.equal(shard0.exitCode, broken.error.exitCode);
    assert.equal(readResult(outA, 'alpha').status, 'done');
    assert.equal(readResult(outA, 'epsilon').status, 'done');
    assert.deepEqual(final.summary.studies.failedByExitCode, { [String(broken.error.exitCode)]: 1 });
    assert.deepEqual(final.summary.reports.studyFailed, ['broken']);
  });

  it('skips stored studies when run again', () => {
    assert.equal(final.summary.run.processed, 0);
    assert.equal(final.summary.run.skippedDone, 4);
    assert.equal(final.summary.run.skippedFailed, 1);
    assert.equal(readResult(outA, 'alpha').finishedAt, alphaBefore.finishedAt);
    assert.equal(final.exitCode, shard0.exitCode, 'the stored failure still sets the exit status');
  });

  it('writes every stored study into the final manifest', () => {
    const rows = readManifest(outA);
    const levels = ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'];
    for (const studyId of ['alpha', 'beta', 'delta', 'epsilon']) {
      assert.deepEqual(
        rows.filter((row) => row.cells['study_id'] === studyId).map((row) => row.cells['level']),
        levels,
        `levels of ${studyId}`,
      );
    }
    assert.equal(rows.length, 24);
    assert.deepEqual(final.summary.studies.pending, []);
    for (const row of rows) {
      assert.ok(existsSync(join(outA, row.cells['sagittal_path']!)), `${row.cells['sagittal_path']} exists`);
      assert.equal(row.cells['has_axial'], '1');
    }
    assert.ok(existsSync(join(outA, 'crop-spec.json')));
  });

  it('writes the level confidence and withholds uncertain labels', () => {
    const rows = readManifest(outA);
    for (const row of rows) {
      const name = `${row.cells['study_id']} ${row.cells['level']}`;
      const confidence = Number(row.cells['level_confidence']);
      assert.ok(confidence > 0, `${name} confidence ${row.cells['level_confidence']}`);
      assert.ok(confidence <= 1, `${name} confidence ${row.cells['level_confidence']}`);
      if (confidence >= 0.5) continue;
      for (const condition of datasetConditions) assert.equal(row.cells[condition], '', `${name} ${condition}`);
    }
    const alphaL45 = rows.find((row) => row.cells['study_id'] === 'alpha' && row.cells['level'] === 'L4-L5')!;
    assert.ok(Number(alphaL45.cells['level_confidence']) >= 0.5, 'the labelled level of alpha is named confidently');
  });

  it('writes the report values at their levels', () => {
    const rows = readManifest(outA);
    assert.equal(cell(rows, 'alpha', 'L4-L5', 'spinal_canal_stenosis'), '2');
    assert.equal(cell(rows, 'alpha', 'L4-L5', 'left_foraminal_stenosis'), '1');
    assert.equal(cell(rows, 'alpha', 'L4-L5', 'disc_herniation'), '0');
    assert.equal(cell(rows, 'alpha', 'L5-S1', 'disc_herniation'), '', 'a hedged presence is unknown');
    for (const condition of datasetConditions) assert.equal(cell(rows, 'alpha', 'L2-L3', condition), '', `${condition} at a level the report does not name`);
  });

  it('leaves excluded and missing reports unlabelled', () => {
    const rows = readManifest(outA);
    for (const studyId of ['beta', 'delta', 'epsilon']) {
      for (const row of rows.filter((entry) => entry.cells['study_id'] === studyId)) {
        for (const condition of datasetConditions) assert.equal(row.cells[condition], '', `${studyId} ${row.cells['level']} ${condition}`);
      }
    }
  });

  it('counts reports and studies by category', () => {
    const { reports: reportCounts, studies: studyCounts, rows } = final.summary;
    assert.equal(reportCounts.read, 6);
    assert.equal(reportCounts.joined, 1);
    assert.deepEqual(reportCounts.withoutStudy, ['gamma']);
    assert.deepEqual(reportCounts.excluded.SIXTH_LUMBAR_VERTEBRA, ['beta']);
    assert.deepEqual(reportCounts.excluded.DUPLICATE_ID, ['epsilon', 'epsilon']);
    assert.deepEqual(studyCounts.withoutReport, ['delta']);
    assert.equal(studyCounts.done, 4);
    assert.equal(rows.total, 24);
    // Rows of alpha named under confidence 0.5 (the phantom's L5-S1 when the model misses that disc) get no labels.
    const uncertain = readManifest(outA).filter((row) => row.cells['study_id'] === 'alpha' && Number(row.cells['level_confidence']) < 0.5);
    assert.equal(rows.withReport, 6);
    assert.equal(rows.labelled, 6 - uncertain.length);
    assert.equal(rows.withheldUncertainName, uncertain.length);
    assert.deepEqual(final.summary.labels.spinal_canal_stenosis['L4-L5'], { '2': 1 });
    const l5s1Labelled = !uncertain.some((row) => row.cells['level'] === 'L5-S1');
    assert.deepEqual(final.summary.labels.disc_herniation['L5-S1'], l5s1Labelled ? { uncertain: 1 } : undefined);
    const written = JSON.parse(readFileSync(join(outA, 'summary.json'), 'utf8')) as typeof final.summary;
    assert.deepEqual(written.reports, final.summary.reports);
  });

  it('writes the labeled reports beside the manifest', () => {
    const lines = readFileSync(join(outA, 'labels.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, reports.length);
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { id: string }).id),
      reports.map((report) => report.id),
    );
  });

  it('retries a stored failure only with retryFailed', async () => {
    const logged = await loggedBuild({ studies, reports: reportsFile, out: outA, jobs: 2, retryFailed: true });
    const retried = succeeded(logged);
    assert.equal(retried.summary.run.processed, 1);
    assert.ok(logged.log.includes('1 of 5 studies to process (4 done, 0 failed earlier, 1 failed earlier and retried), using 1 worker process with 2 inference threads'), logged.log.join('\n'));
    assert.equal(readResult(outA, 'broken').attempts, 2);
    assert.equal(readResult(outA, 'alpha').finishedAt, alphaBefore.finishedAt);
    assert.deepEqual(readdirSync(join(outA, 'studies')).filter((name) => name.startsWith('.')), [], 'no temporary folder is left');
  });
});

/** A build's outcome with the lines it logged at level info and above; `error` is set when it threw. */
interface LoggedBuild {
  readonly result: DatasetBuildResult | null;
  readonly error: unknown;
  readonly log: string[];
}

async function loggedBuild(options: DatasetBuildOptions): Promise<LoggedBuild> {
  const log: string[] = [];
  const logger = createLogger({ level: 'info', write: (line) => log.push(line) });
  try {
    return { result: await buildDataset(options, logger), error: null, log };
  } catch (error) {
    return { result: null, error, log };
  }
}

function succeeded(build: LoggedBuild): DatasetBuildResult {
  assert.equal(build.error, null, `the build threw ${String(build.error)}`);
  return build.result!;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

describe('buildDataset provenance', () => {
  const twoStudies = join(scratch, 'two-studies');
  const twoReports = join(scratch, 'two-reports.jsonl');
  // A second segmentation model that onnxruntime loads, with a different SHA-256: the shipped file
  // followed by one more ModelProto.doc_string field (field 6, length-delimited), which a protobuf
  // parser reads as the model's doc_string.
  const otherModel = join(scratch, 'other-segmentation.onnx');
  const otherCrops: CropSpec = { ...defaultCropSpec, minAxialCoverage: 0.4 };
  const outP = join(scratch, 'out-provenance');
  const outQ = join(scratch, 'out-merge-q');
  const outR = join(scratch, 'out-merge-r');
  let shippedSha256: string;
  let otherSha256: string;
  const builds: Record<string, LoggedBuild> = {};
  let betaBeforeMerge: StudyResult;
  let manifestBeforeRejectedJoin = false;
  let manifestAfterRejectedJoin = true;

  before(async () => {
    await writeDemoStudy(join(twoStudies, 'alpha'), { axialLayout: 'stack' });
    cpSync(join(twoStudies, 'alpha'), join(twoStudies, 'beta'), { recursive: true });
    writeFileSync(twoReports, JSON.stringify({ id: 'alpha', text: 'L4-5: Mild disc bulge.' }) + '\n');
    writeFileSync(otherModel, Buffer.concat([readFileSync(defaultSegmentationModelPath), Buffer.from([0x32, 4]), Buffer.from('copy')]));
    cpSync(segmentationSidecarPath(defaultSegmentationModelPath), segmentationSidecarPath(otherModel));
    shippedSha256 = await fileSha256(defaultSegmentationModelPath);
    otherSha256 = await fileSha256(otherModel);
    const options = { studies: twoStudies, reports: twoReports, jobs: 1 };

    builds['shipped'] = await loggedBuild({ ...options, out: outP });
    builds['other model'] = await loggedBuild({ ...options, out: outP, model: otherModel });
    builds['other model again'] = await loggedBuild({ ...options, out: outP, model: otherModel });
    // A result.json of an older deepspine has no provenance field.
    const alphaPath = join(outP, 'studies', 'alpha', 'result.json');
    const { provenance: _dropped, ...withoutProvenance } = readJson<StudyResult>(alphaPath);
    writeFileSync(alphaPath, JSON.stringify(withoutProvenance));
    builds['other crops'] = await loggedBuild({ ...options, out: outP, model: otherModel, cropSpec: otherCrops });

    // Two machines with different models, merged by copying: alpha made with the shipped model, beta with the other.
    builds['shard q'] = await loggedBuild({ ...options, out: outQ, shard: { index: 0, count: 2 } });
    builds['shard r'] = await loggedBuild({ ...options, out: outR, shard: { index: 1, count: 2 }, model: otherModel });
    cpSync(join(outR, 'studies'), join(outQ, 'studies'), { recursive: true });
    betaBeforeMerge = readResult(outQ, 'beta');
    manifestBeforeRejectedJoin = existsSync(join(outQ, 'manifest.csv'));
    builds['merged shard'] = await loggedBuild({ ...options, out: outQ, shard: { index: 0, count: 2 } });
    manifestAfterRejectedJoin = existsSync(join(outQ, 'manifest.csv'));
    builds['merged'] = await loggedBuild({ ...options, out: outQ });
  });

  it('records the model hash and crop settings', () => {
    const shipped = succeeded(builds['shipped']!);
    assert.notEqual(otherSha256, shippedSha256);
    assert.equal(shipped.summary.run.processed, 2);
    assert.equal(shipped.summary.run.redone, 0);
    assert.equal(shipped.summary.provenance.segmentationModelSha256, shippedSha256);
    assert.equal(shipped.summary.provenance.segmentationModelFile, defaultSegmentationModelPath);
    assert.deepEqual(shipped.summary.provenance.cropSpec, defaultCropSpec);
  });

  it('processes again after a model change', () => {
    const other = succeeded(builds['other model']!);
    assert.equal(other.summary.run.processed, 2);
    assert.equal(other.summary.run.redone, 2);
    assert.ok(
      builds['other model']!.log.includes(
        '2 studies are processed again, because their stored result was made with another segmentation model or crop settings: 2 with another segmentation model',
      ),
      builds['other model']!.log.join('\n'),
    );
    assert.equal(other.summary.provenance.segmentationModelSha256, otherSha256);
    const again = succeeded(builds['other model again']!);
    assert.equal(again.summary.run.processed, 0);
    assert.equal(again.summary.run.redone, 0);
    assert.equal(again.summary.run.skippedDone, 2);
  });

  it('processes again after a crop settings change', () => {
    const build = builds['other crops']!;
    const crops = succeeded(build);
    assert.equal(crops.summary.run.processed, 2);
    assert.equal(crops.summary.run.redone, 2);
    assert.ok(
      build.log.includes(
        '2 studies are processed again, because their stored result was made with another segmentation model or crop settings: ' +
          '1 with no recorded model or crop settings, 1 with other crop settings',
      ),
      build.log.join('\n'),
    );
    for (const studyId of ['alpha', 'beta']) {
      const result = readResult(outP, studyId);
      assert.equal(result.attempts, 3, `${studyId} was processed by three runs`);
      assert.equal(result.provenance?.segmentationModelSha256, otherSha256, `model of ${studyId}`);
      assert.equal(result.provenance?.segmentationModelFile, otherModel, `model file of ${studyId}`);
      assert.deepEqual(result.provenance?.cropSpec, otherCrops, `crop settings of ${studyId}`);
    }
  });

  it('writes the provenance beside the manifest', () => {
    const summary = readJson<DatasetBuildResult['summary']>(join(outP, 'summary.json'));
    assert.equal(summary.provenance.segmentationModelSha256, otherSha256);
    assert.deepEqual(summary.provenance.cropSpec, otherCrops);
    const cropSpec = readJson<CropSpec & { format: string; segmentationModelSha256: string; segmentationSpacingMm: number }>(join(outP, 'crop-spec.json'));
    assert.equal(cropSpec.format, 'deepspine-crops/1');
    assert.equal(cropSpec.segmentationModelSha256, otherSha256);
    assert.equal(cropSpec.segmentationSpacingMm, summary.provenance.segmentationSpacingMm);
    assert.equal(cropSpec.segmentationSpacingMm, 1.25);
    assert.equal(cropSpec.minAxialCoverage, 0.4);
    assert.deepEqual(cropSpec.sagittal, defaultCropSpec.sagittal);
  });

  it('rejects joining results of two models', () => {
    succeeded(builds['shard q']!);
    succeeded(builds['shard r']!);
    const { error, result } = builds['merged shard']!;
    assert.equal(result, null);
    assert.ok(error instanceof DeepspineError, `expected a DeepspineError, got ${String(error)}`);
    assert.equal(error.code, 'DATASET_MIXED_PROVENANCE');
    assert.match(error.message, new RegExp(`"alpha" with segmentation model sha256 ${shippedSha256.slice(0, 12)} .*, as in this run;`));
    assert.match(error.message, new RegExp(`"beta" with segmentation model sha256 ${otherSha256.slice(0, 12)} `));
    assert.match(error.message, /No manifest was written/);
    assert.equal(manifestBeforeRejectedJoin, true, 'the first shard run wrote a manifest');
    assert.equal(manifestAfterRejectedJoin, false, 'the manifest of the first shard run is removed');
  });

  it('joins after a full rerun of the merge', () => {
    const merged = succeeded(builds['merged']!);
    assert.equal(betaBeforeMerge.provenance?.segmentationModelSha256, otherSha256);
    assert.equal(merged.summary.run.processed, 1);
    assert.equal(merged.summary.run.redone, 1);
    assert.equal(merged.summary.run.skippedDone, 1);
    assert.equal(readResult(outQ, 'beta').provenance?.segmentationModelSha256, shippedSha256);
    assert.equal(merged.summary.provenance.segmentationModelSha256, shippedSha256);
    assert.equal(readManifest(outQ).length, 12, 'six levels of each study');
  });
});

describe('describeWorkers', () => {
  const cases: [number, number, string][] = [
    [1, 1, '1 worker process with 1 inference thread'],
    [1, 2, '1 worker process with 2 inference threads'],
    [3, 1, '3 worker processes with 1 inference thread each'],
    [2, 4, '2 worker processes with 4 inference threads each'],
  ];
  for (const [workers, threads, expected] of cases) {
    it(`describes ${workers} workers of ${threads} threads`, () => assert.equal(describeWorkers(workers, threads), expected));
  }
});

describe('buildDataset study folders', () => {
  const phantom = join(scratch, 'folder-phantom');
  const sameSafeName = join(scratch, 'same-safe-name');
  const onlySpace = join(scratch, 'only-space');
  const onlyUnderscore = join(scratch, 'only-underscore');
  const folderReports = join(scratch, 'folder-reports.jsonl');
  const outS = join(scratch, 'out-same-safe-name');
  const outMoved = join(scratch, 'out-legacy-moved');
  const outBoth = join(scratch, 'out-legacy-both');
  const outOther = join(scratch, 'out-legacy-other');
  const outAborted = join(scratch, 'out-aborted');
  const spaceFolder = studyFolderNames(['a b']).get('a b')!;
  const builds: Record<string, LoggedBuild> = {};

  before(async () => {
    await writeDemoStudy(phantom, { axialLayout: 'stack' });
    for (const dir of [sameSafeName, onlySpace, onlyUnderscore]) mkdirSync(dir);
    symlinkSync(phantom, join(sameSafeName, 'a b'));
    symlinkSync(phantom, join(sameSafeName, 'a_b'));
    // A true duplicate: two entries with the id "x". Neither is read, so they need no image.
    mkdirSync(join(sameSafeName, 'x'));
    writeFileSync(join(sameSafeName, 'x.nii.gz'), '');
    symlinkSync(phantom, join(onlySpace, 'a b'));
    symlinkSync(phantom, join(onlyUnderscore, 'a_b'));
    const folderReportLines = [
      { id: 'a b', text: 'L4-5: Severe central canal stenosis.' },
      { id: 'a_b', text: 'L4-5: Mild central canal stenosis.' },
      { id: 'x', text: 'L4-5: Mild disc bulge.' },
    ];
    writeFileSync(folderReports, folderReportLines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const options = { reports: folderReports, jobs: 2 };
    builds['same safe name'] = await loggedBuild({ ...options, studies: sameSafeName, out: outS });

    // OUT folders as an older deepspine wrote them: the study "a b" in studies/a_b.
    cpSync(join(outS, 'studies', spaceFolder), join(outMoved, 'studies', 'a_b'), { recursive: true });
    builds['legacy moved'] = await loggedBuild({ ...options, studies: onlySpace, out: outMoved });
    cpSync(join(outS, 'studies', spaceFolder), join(outBoth, 'studies', 'a_b'), { recursive: true });
    cpSync(join(outS, 'studies', spaceFolder), join(outBoth, 'studies', spaceFolder), { recursive: true });
    builds['legacy both'] = await loggedBuild({ ...options, studies: onlySpace, out: outBoth });
    cpSync(join(outS, 'studies', spaceFolder), join(outOther, 'studies', 'a_b'), { recursive: true });
    builds['legacy other'] = await loggedBuild({ ...options, studies: onlyUnderscore, out: outOther });

    builds['aborted'] = await loggedBuild({ ...options, studies: onlySpace, out: outAborted, signal: AbortSignal.abort(new Error('stop requested')) });
  });

  it('processes both studies of one safe name', () => {
    const result = succeeded(builds['same safe name']!);
    assert.notEqual(spaceFolder, 'a_b');
    assert.match(spaceFolder, /^a_b-[0-9a-f]{8}$/);
    assert.equal(result.exitCode, 0);
    assert.equal(result.summary.run.processed, 2);
    assert.equal(result.summary.studies.listed, 2);
    assert.equal(result.summary.studies.done, 2);
    assert.equal(readResult(outS, spaceFolder).studyId, 'a b');
    assert.equal(readResult(outS, 'a_b').studyId, 'a_b');
    assert.deepEqual(readdirSync(join(outS, 'studies')).sort(), ['a_b', spaceFolder].sort());
  });

  it('joins each study to its own report', () => {
    const result = succeeded(builds['same safe name']!);
    const rows = readManifest(outS);
    assert.equal(rows.length, 12);
    assert.equal(cell(rows, 'a b', 'L4-L5', 'spinal_canal_stenosis'), '3');
    assert.equal(cell(rows, 'a_b', 'L4-L5', 'spinal_canal_stenosis'), '1');
    const spaceRow = rows.find((row) => row.cells['study_id'] === 'a b')!;
    assert.ok(spaceRow.cells['sagittal_path']!.startsWith(`studies/${spaceFolder}/`), spaceRow.cells['sagittal_path']);
    assert.ok(existsSync(join(outS, spaceRow.cells['sagittal_path']!)));
    assert.equal(result.summary.reports.joined, 2);
    assert.deepEqual(result.summary.reports.withoutStudy, []);
  });

  it('skips and reports entries of one id', () => {
    const build = builds['same safe name']!;
    const result = succeeded(build);
    assert.deepEqual(result.summary.studies.duplicateEntries, [join(sameSafeName, 'x'), join(sameSafeName, 'x.nii.gz')]);
    assert.deepEqual(result.summary.reports.studyDuplicated, ['x']);
    const warnings = build.log.filter((line) => line.startsWith('warn: '));
    assert.deepEqual(warnings, [
      `warn: ${join(sameSafeName, 'x')} and ${join(sameSafeName, 'x.nii.gz')}: skipped, because these entries have the same study id "x"; rename or remove all but one`,
    ]);
  });

  it('logs the worker processes and threads', () => {
    const line = builds['same safe name']!.log.find((entry) => entry.startsWith('2 of 2 studies to process'));
    assert.match(line ?? '', /^2 of 2 studies to process \(0 done, 0 failed earlier\), using 2 worker processes with \d+ inference threads? each$/);
  });

  it('moves a result from its legacy folder', () => {
    const build = builds['legacy moved']!;
    const result = succeeded(build);
    assert.equal(result.summary.run.processed, 0);
    assert.equal(result.summary.run.skippedDone, 1);
    assert.deepEqual(readdirSync(join(outMoved, 'studies')), [spaceFolder]);
    assert.ok(build.log.includes(`a b: moved the stored result from studies/a_b to studies/${spaceFolder}, the result folder of this study id`), build.log.join('\n'));
    const rows = readManifest(outMoved);
    assert.equal(rows.length, 6);
    assert.ok(existsSync(join(outMoved, rows[0]!.cells['sagittal_path']!)), rows[0]!.cells['sagittal_path']);
  });

  it('removes a legacy folder beside the current one', () => {
    const build = builds['legacy both']!;
    const result = succeeded(build);
    assert.equal(result.summary.run.processed, 0);
    assert.deepEqual(readdirSync(join(outBoth, 'studies')), [spaceFolder]);
    assert.equal(readManifest(outBoth).length, 6, 'the study is joined once');
  });

  it('reprocesses a folder of another id', () => {
    const build = builds['legacy other']!;
    const result = succeeded(build);
    assert.equal(result.summary.run.processed, 1);
    assert.equal(readResult(outOther, 'a_b').studyId, 'a_b');
    assert.equal(readResult(outOther, 'a_b').attempts, 1);
    assert.ok(build.log.includes('warn: a_b: studies/a_b contains the result of study "a b"; processing "a_b" again'), build.log.join('\n'));
  });

  it('stops with the abort reason', () => {
    const { error, result } = builds['aborted']!;
    assert.equal(result, null);
    assert.ok(error instanceof Error);
    assert.equal(error.message, 'stop requested');
    assert.deepEqual(readdirSync(join(outAborted, 'studies')), []);
    assert.equal(existsSync(join(outAborted, 'manifest.csv')), false);
  });
});

describe('dataset build output folder', () => {
  const place = join(scratch, 'out-place');
  const placeStudies = join(place, 'studies');
  before(() => {
    mkdirSync(join(placeStudies, 'd1'), { recursive: true });
    writeFileSync(join(placeStudies, 'd1', 'IM0001'), 'an image of study d1');
  });

  for (const [name, out, where] of [
    ['the studies folder', placeStudies, 'is the studies folder'],
    ['a study', join(placeStudies, 'd1'), 'is a study of the studies folder'],
    ['inside a study', join(placeStudies, 'd1', 'dataset'), 'lies inside a study of the studies folder'],
  ] as const) {
    it(`rejects ${name} as --out`, async () => {
      const error = await buildDataset({ studies: placeStudies, reports: reportsFile, out, jobs: 1 }, silentLogger).then(
        () => null,
        (caught: unknown) => caught,
      );

      assert.ok(error instanceof DeepspineError, String(error));
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, new RegExp(`--out .* ${where} `));
      assert.deepEqual(readdirSync(join(placeStudies, 'd1')), ['IM0001']);
    });
  }
});
