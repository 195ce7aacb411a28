import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { DatasetSummary } from '../../src/dataset/summary.js';
import type { StudyResult } from '../../src/dataset/study-result.js';
import { writeDemoStudy } from '../../src/demo/index.js';
import { fileSha256 } from '../../src/hash.js';
import { defaultSegmentationModelPath, segmentationSidecarPath } from '../../src/segmentation/model.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'deepspine-dataset-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }));
  });
}

describe('deepspine dataset build', () => {
  const studies = join(scratch, 'studies');
  const reports = join(scratch, 'reports.csv');

  before(async () => {
    await writeDemoStudy(join(studies, 'phantom-1'), { axialLayout: 'stack' });
    writeFileSync(reports, 'id,text\nphantom-1,"FINDINGS:\nL4-5: Severe central canal stenosis. Mild disc bulge.\nL3-4: Normal."\nno-study,"L4-5: Mild disc bulge."\n');
  });

  it('prints the summary table and writes the manifest', async () => {
    const out = join(scratch, 'out');
    const { code, stdout } = await run('--quiet', 'dataset', 'build', '--studies', studies, '--reports', reports, '--out', out, '--jobs', '1');
    assert.equal(code, 0);
    assert.match(stdout, /1 listed, 1 done, 0 failed/);
    assert.match(stdout, /2 read, 1 joined, 1 without study/);
    assert.match(stdout, /^spinal_canal_stenosis\s+L4-L5\s+0\s+0\s+0\s+1\s+0\s+0$/m);
    assert.match(stdout, /^disc_bulge\s+L4-L5\s+0\s+1\s+-\s+-\s+0\s+0$/m);
    const manifest = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n');
    assert.equal(manifest.length, 7, 'header and six levels');
    assert.ok(manifest[0]!.endsWith(',epidural_lipomatosis,disc_herniation'), manifest[0]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as DatasetSummary;
    assert.equal(summary.format, 'deepspine-dataset-summary/1');
    assert.equal(summary.rows.total, 6);
  });

  it('returns the exit status of a failed study', async () => {
    const withBroken = join(scratch, 'with-broken');
    mkdirSync(join(withBroken, 'broken'), { recursive: true });
    symlinkSync(join(studies, 'phantom-1'), join(withBroken, 'phantom-1'));
    const out = join(scratch, 'out-broken');
    const { code, stdout } = await run('--quiet', 'dataset', 'build', '--studies', withBroken, '--reports', reports, '--out', out, '--jobs', '2');
    const broken = JSON.parse(readFileSync(join(out, 'studies', 'broken', 'result.json'), 'utf8')) as StudyResult;
    assert.equal(broken.status, 'failed');
    assert.equal(code, broken.error!.exitCode);
    assert.match(stdout, /2 listed, 1 done, 1 failed \(exit \d+: 1\)/);
  });

  it('processes again with another --model', async () => {
    // The shipped model followed by one more ModelProto.doc_string field: it loads, and its SHA-256 differs.
    const otherModel = join(scratch, 'other-segmentation.onnx');
    writeFileSync(otherModel, Buffer.concat([readFileSync(defaultSegmentationModelPath), Buffer.from([0x32, 4]), Buffer.from('copy')]));
    cpSync(segmentationSidecarPath(defaultSegmentationModelPath), segmentationSidecarPath(otherModel));
    const shippedSha256 = await fileSha256(defaultSegmentationModelPath);
    const otherSha256 = await fileSha256(otherModel);
    const out = join(scratch, 'out-models');
    const build = (studiesDir: string, outDir: string, ...extra: string[]) =>
      run('--quiet', 'dataset', 'build', '--studies', studiesDir, '--reports', reports, '--out', outDir, '--jobs', '1', ...extra);

    const shipped = await build(studies, out);
    assert.equal(shipped.code, 0, shipped.stderr);
    assert.match(shipped.stdout, new RegExp(`^crops: +segmentation model sha256 ${shippedSha256.slice(0, 12)} `, 'm'));

    const other = await build(studies, out, '--model', otherModel);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /1 selected, 1 processed \(1 made before with another model or crop settings\), 0 skipped as done/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as DatasetSummary;
    assert.equal(summary.provenance.segmentationModelSha256, otherSha256);
    const cropSpec = JSON.parse(readFileSync(join(out, 'crop-spec.json'), 'utf8')) as { segmentationModelSha256: string };
    assert.equal(cropSpec.segmentationModelSha256, otherSha256);

    // A result of the shipped model for a study that this --studies folder does not list.
    const moreStudies = join(scratch, 'more-studies');
    mkdirSync(moreStudies);
    symlinkSync(join(studies, 'phantom-1'), join(moreStudies, 'phantom-2'));
    const moreOut = join(scratch, 'out-more');
    assert.equal((await build(moreStudies, moreOut)).code, 0);
    cpSync(join(moreOut, 'studies', 'phantom-2'), join(out, 'studies', 'phantom-2'), { recursive: true });
    // The join leaves it out, so its other model does not mix the manifest.
    const unlisted = await run('dataset', 'build', '--studies', studies, '--reports', reports, '--out', out, '--jobs', '1', '--model', otherModel);
    assert.equal(unlisted.code, 0, unlisted.stderr);
    assert.match(unlisted.stderr, /1 stored results of studies that are not in the studies folder are left out of the manifest: studies\/phantom-2; delete these folders/);
    const studyIds = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[0]);
    assert.deepEqual([...new Set(studyIds)], ['phantom-1']);
    const leftOut = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as DatasetSummary).studies.leftOut;
    assert.deepEqual(leftOut, { unlisted: ['phantom-2'], duplicated: [] });
  });

  it('rejects an invalid --jobs', async () => {
    const { code, stderr } = await run('dataset', 'build', '--studies', studies, '--reports', reports, '--out', join(scratch, 'unused'), '--jobs', '0');
    assert.equal(code, 2);
    assert.match(stderr, /--jobs 0/);
  });

  it('fails on a missing report file', async () => {
    const out = join(scratch, 'no-reports');
    const { code, stderr } = await run('dataset', 'build', '--studies', studies, '--reports', join(scratch, 'absent.csv'), '--out', out);
    assert.equal(code, 3);
    assert.match(stderr, /absent\.csv/);
  });

  it('rejects a missing --reports', async () => {
    const { code } = await run('dataset', 'build', '--studies', studies, '--out', join(scratch, 'unused'));
    assert.equal(code, 2);
  });

  it('builds a real DICOM study', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async (t) => {
    const realStudies = join(scratch, 'real');
    mkdirSync(realStudies);
    symlinkSync(sharedPath('dicom', 'ivd-11'), join(realStudies, 'ivd-11'));
    const realReports = join(scratch, 'real-reports.jsonl');
    writeFileSync(realReports, JSON.stringify({ id: 'ivd-11', text: 'L5-S1: Moderate right foraminal stenosis.' }) + '\n');
    const out = join(scratch, 'out-real');
    const { code } = await run('--quiet', 'dataset', 'build', '--studies', realStudies, '--reports', realReports, '--out', out, '--jobs', '1');
    assert.equal(code, 0);
    const result = JSON.parse(readFileSync(join(out, 'studies', 'ivd-11', 'result.json'), 'utf8')) as StudyResult;
    t.diagnostic(`ivd-11 processed in ${result.durationMs} ms (${JSON.stringify(result.timingsMs)})`);
    const rows = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n').slice(1);
    const levels = rows.map((row) => row.split(',')[2]);
    for (const name of ['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']) assert.ok(levels.includes(name), `${name} missing from ${levels.join(' ')}`);
    const header = readFileSync(join(out, 'manifest.csv'), 'utf8').split('\n')[0]!.split(',');
    const l5s1 = rows.find((row) => row.split(',')[2] === 'L5-S1')!.split(',');
    assert.equal(l5s1[header.indexOf('right_foraminal_stenosis')], '2', 'right_foraminal_stenosis at L5-S1');
    assert.ok(Number(l5s1[header.indexOf('level_confidence')]) > 0.8, 'level_confidence at L5-S1');
  });

  it('withholds labels of a study named without the sacrum', { skip: skipWithoutSharedData('dicom', 'vb3-01') }, async () => {
    // vb3-01 ends right under L5-S1, so its names get SACRUM_NOT_IN_VIEW and a confidence under 0.5.
    const realStudies = join(scratch, 'real-uncertain');
    mkdirSync(realStudies);
    symlinkSync(sharedPath('dicom', 'vb3-01'), join(realStudies, 'vb3-01'));
    const realReports = join(scratch, 'real-uncertain.jsonl');
    writeFileSync(realReports, JSON.stringify({ id: 'vb3-01', text: 'L4-5: Mild central canal stenosis.' }) + '\n');
    const canalAtL45 = (out: string): string => {
      const [header, ...rows] = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n').map((line) => line.split(','));
      return rows.find((row) => row[2] === 'L4-L5')![header!.indexOf('spinal_canal_stenosis')]!;
    };
    const out = join(scratch, 'out-uncertain');
    const withheld = await run('dataset', 'build', '--studies', realStudies, '--reports', realReports, '--out', out, '--jobs', '1');
    assert.equal(withheld.code, 0);
    assert.equal(canalAtL45(out), '');
    assert.match(withheld.stderr, /vb3-01: \d levels in [\d.]+ s \(warnings: [A-Z_, ]*SACRUM_NOT_IN_VIEW/);
    assert.match(withheld.stderr, /1 studies have levels named with confidence under 0\.5, and those rows got no report labels: vb3-01 \([A-Z_, ]*SACRUM_NOT_IN_VIEW/);
    assert.match(withheld.stdout, /^rows: +6 levels, 6 of studies with a report, of them 0 labelled and 6 unlabelled for a level name under confidence 0\.5,/m);

    const labelledAll = await run('--quiet', 'dataset', 'build', '--studies', realStudies, '--reports', realReports, '--out', out, '--jobs', '1', '--min-level-confidence', '0');
    assert.equal(labelledAll.code, 0);
    assert.equal(canalAtL45(out), '1');
  });

  it('warns about a report id that differs in case', async () => {
    const caseReports = join(scratch, 'case-reports.csv');
    writeFileSync(caseReports, 'id,text\nPhantom-1,"L4-5: Mild disc bulge."\n');
    const { code, stderr } = await run('dataset', 'build', '--studies', studies, '--reports', caseReports, '--out', join(scratch, 'out-case'), '--jobs', '1');
    assert.equal(code, 0);
    assert.match(stderr, /report "Phantom-1": no study has this id, but study "phantom-1" differs from it only in letter case/);
  });

  for (const value of ['1.5', '0x1', ' 0.7', '-0.1', 'abc']) {
    it(`rejects --min-level-confidence "${value}"`, async () => {
      const { code, stderr } = await run('dataset', 'build', '--studies', studies, '--reports', reports, '--out', join(scratch, 'unused'), '--min-level-confidence', value);
      assert.equal(code, 2);
      assert.ok(stderr.includes(`--min-level-confidence ${value}: expected a number from 0 to 1`), stderr);
    });
  }
});

/** Outcome of a build that was sent a signal while its worker processed the first study. */
interface InterruptedBuild {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Standard error of the build and of its worker, which inherits it. */
  readonly stderr: string;
  /** The worker process that was processing the study, read from its temporary folder name. */
  readonly workerPid: number;
}

const interruptTimeoutMs = 120_000;

/** Polls `probe` every 10 ms until it returns a value, failing after `timeoutMs`. */
async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Temporary study folders under OUT/studies/ (".partial-<folder>-<host>-<pid>-<random>"). */
function partialFolders(out: string): string[] {
  const studiesDir = join(out, 'studies');
  if (!existsSync(studiesDir)) return [];
  return readdirSync(studiesDir).filter((name) => name.startsWith('.partial-'));
}

/**
 * Runs the CLI and sends it `signal` as soon as a worker has started the study `folder`, then
 * waits until standard error closes, which happens only after the worker has exited too.
 */
async function interruptDuringStudy(args: string[], out: string, folder: string, signal: NodeJS.Signals): Promise<InterruptedBuild> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, closeSignal) => resolve([code, closeSignal])));
  const prefix = `.partial-${folder}-`;
  const partial = await waitFor(() => partialFolders(out).find((name) => name.startsWith(prefix)), interruptTimeoutMs, `a worker to start ${folder}`);
  child.kill(signal);
  const [code, closeSignal] = await Promise.race([
    closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the build or its worker still runs ${interruptTimeoutMs} ms after ${signal}`)), interruptTimeoutMs).unref()),
  ]);
  // The host part has every character other than a letter or digit replaced by "_", so it has no "-".
  const workerPid = Number(partial.slice(prefix.length).split('-')[1]);
  return { code, signal: closeSignal, stderr, workerPid };
}

/** True while process `pid` exists and is not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const statPath = `/proc/${pid}/stat`;
  if (!existsSync(statPath)) return true;
  // The state follows the command name in parentheses, which may itself contain spaces.
  const stat = readFileSync(statPath, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

describe('deepspine dataset build interrupted', () => {
  const studies = join(scratch, 'interrupt-studies');
  const reports = join(scratch, 'interrupt-reports.csv');
  const out = join(scratch, 'out-interrupted');
  const args = (): string[] => ['dataset', 'build', '--studies', studies, '--reports', reports, '--out', out, '--jobs', '1'];

  before(async () => {
    await writeDemoStudy(join(scratch, 'interrupt-phantom'), { axialLayout: 'stack' });
    mkdirSync(studies);
    for (const id of ['p1', 'p2']) symlinkSync(join(scratch, 'interrupt-phantom'), join(studies, id));
    writeFileSync(reports, 'id,text\np1,"L4-5: Mild disc bulge."\np2,"L4-5: Mild disc bulge."\n');
  });

  function assertNothingStored(run: InterruptedBuild): void {
    assert.doesNotMatch(run.stderr, /ERR_IPC_CHANNEL_CLOSED/);
    for (const id of ['p1', 'p2']) assert.equal(existsSync(join(out, 'studies', id, 'result.json')), false, `${id} has no result`);
    assert.deepEqual(partialFolders(out), [], 'no temporary study folder is left');
    assert.ok(Number.isInteger(run.workerPid), `worker pid ${run.workerPid}`);
    assert.ok(run.workerPid > 0, `worker pid ${run.workerPid}`);
    assert.equal(isRunning(run.workerPid), false, `worker ${run.workerPid} has exited`);
  }

  for (const [signal, exitCode] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`stops its worker on ${signal}`, async () => {
      const run = await interruptDuringStudy(args(), out, 'p1', signal);
      assert.equal(run.code, exitCode, run.stderr);
      const lines = run.stderr.split('\n').filter((line) => line.includes('interrupted'));
      assert.deepEqual(lines, [
        `error: dataset build interrupted by ${signal}; stopping the worker processes. ` +
          'Run the same command again to resume: it processes every study without a stored result, the interrupted ones included',
      ]);
      assertNothingStored(run);
      assert.equal(existsSync(join(out, 'manifest.csv')), false, 'no join after an interruption');
    });
  }

  it('stops its worker when killed', async () => {
    const run = await interruptDuringStudy(args(), out, 'p1', 'SIGKILL');
    assert.equal(run.signal, 'SIGKILL');
    assert.match(run.stderr, /^p1: warn: stopped without storing a result, because the dataset build process exited/m);
    assertNothingStored(run);
  });

  it('completes when run again', async () => {
    const { code, stdout, stderr } = await run('--quiet', ...args());
    assert.equal(code, 0, stderr);
    assert.match(stdout, /2 listed, 2 done, 0 failed/);
    const result = JSON.parse(readFileSync(join(out, 'studies', 'p1', 'result.json'), 'utf8')) as StudyResult;
    assert.equal(result.attempts, 1, 'interrupted runs store no attempt');
  });
});
