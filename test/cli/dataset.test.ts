import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { DatasetSummary } from '../../src/dataset/summary.js';
import { fileSha256 } from '../../src/dataset/provenance.js';
import type { StudyResult } from '../../src/dataset/study-result.js';
import { writeDemoStudy } from '../../src/demo/index.js';
import { defaultSegmentationModelPath } from '../../src/segmentation/model.js';
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
    const mixed = await build(studies, out, '--model', otherModel);
    assert.equal(mixed.code, 2, mixed.stderr);
    assert.match(mixed.stderr, /different segmentation models or crop settings/);
    assert.match(mixed.stderr, /No manifest was written\./);
    assert.match(mixed.stderr, /no longer in the studies folder, because no run processes them again: studies\/phantom-2\./);
    assert.equal(existsSync(join(out, 'manifest.csv')), false);
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
    const l5s1 = rows.find((row) => row.split(',')[2] === 'L5-S1')!.split(',');
    assert.equal(l5s1[10], '2', 'right_foraminal_stenosis at L5-S1');
  });
});
