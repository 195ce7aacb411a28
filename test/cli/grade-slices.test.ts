import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseCsvRecords } from '../../src/grading/csv.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'deepspine-grade-slices-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('deepspine grade-slices', () => {
  it('writes one row per disc with every head', { skip: skipWithoutSharedData('spider-slices', 'slices.csv') }, async () => {
    // A two-series copy of the slices folder, made in a temporary folder and deleted afterwards.
    const input = join(scratch, 'slices');
    mkdirSync(join(input, 'images'), { recursive: true });
    const lines = readFileSync(sharedPath('spider-slices', 'slices.csv'), 'utf8').split('\n');
    const kept = [lines[0]!, ...lines.slice(1).filter((line) => /^images\/(100_t2|104_t2)\.png,/.test(line))];
    assert.equal(kept.length, 3);
    writeFileSync(join(input, 'slices.csv'), kept.join('\n') + '\n');
    for (const name of ['100_t2.png', '104_t2.png']) copyFileSync(sharedPath('spider-slices', 'images', name), join(input, 'images', name));

    const out = join(scratch, 'grades.csv');
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, '--quiet', 'grade-slices', input, '--out', out], (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr });
      });
    });
    assert.equal(code, 0, stderr);
    // The untrained heads are warned about once.
    const untrainedWarnings = stderr.split('\n').filter((line) => line.startsWith('warn:') && line.includes('not findings'));
    assert.equal(untrainedWarnings.length, 1, stderr);
    assert.match(untrainedWarnings[0]!, /spinal_canal_stenosis/);
    const { columns, records } = parseCsvRecords(readFileSync(out, 'utf8'));
    for (const column of ['patient', 'series', 'ivd_label']) assert.ok(columns.includes(column), `missing column ${column} in ${columns.join(',')}`);
    assert.ok(columns.some((c) => c.startsWith('disc_bulge')), 'no disc bulge column');
    assert.ok(columns.some((c) => c.startsWith('spinal_canal_stenosis') && c.includes('not_trained')), 'untrained head not marked');
    assert.ok(records.length >= 6, `only ${records.length} discs`);
    assert.deepEqual([...new Set(records.map((r) => r['series']))].sort(), ['100_t2', '104_t2']);
    for (const record of records) {
      const label = Number(record['ivd_label']);
      assert.ok(Number.isInteger(label), `IVD label ${record['ivd_label']} is not a whole number`);
      assert.ok(label >= 1, `IVD label ${label} below 1`);
      assert.ok(label <= 9, `IVD label ${label} above 9`);
    }
  });

  it('nothing graded is exit 4', async () => {
    const input = join(scratch, 'missing-images');
    mkdirSync(input, { recursive: true });
    writeFileSync(join(input, 'slices.csv'), 'file,patient,series,source_pixel_spacing_mm\nimages/a.png,1,1_t2,0.5\\0.5\nimages/b.png,2,2_t2,0.5\\0.5\n');
    const out = join(scratch, 'nothing.csv');

    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, '--quiet', 'grade-slices', input, '--out', out], (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr });
      });
    });

    assert.equal(code, 4, stderr);
    assert.match(stderr, /no disc was graded on any of the 2 series/);
    assert.equal(existsSync(out), false);
  });

  it('refuses to overwrite its slice table', async () => {
    const input = join(scratch, 'own-table');
    mkdirSync(input, { recursive: true });
    const table = 'file,patient,series,source_pixel_spacing_mm\nimages/a.png,1,1_t2,0.5\\0.5\n';
    writeFileSync(join(input, 'slices.csv'), table);

    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, '--quiet', 'grade-slices', input, '--out', join(input, 'slices.csv')], (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr });
      });
    });

    assert.equal(code, 2, stderr);
    assert.match(stderr, /is the slice table .*slices\.csv that grade-slices reads/);
    assert.equal(readFileSync(join(input, 'slices.csv'), 'utf8'), table);
  });
});
