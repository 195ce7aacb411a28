import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { readNpyFloat32 } from '../../src/crops/npy.js';
import { defaultCropSpec } from '../../src/crops/extract.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'deepspine-extract-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(...args: string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, '--quiet', ...args], (error) => resolve(error === null ? 0 : Number(error.code ?? 1)));
  });
}

describe('deepspine extract', () => {
  it('writes crops and one manifest row per level', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'one');
    assert.equal(await run('extract', sharedPath('dicom', 'ivd-11'), '--out', out), 0);
    const lines = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const rows = lines.slice(1).map((line) => line.split(','));
    const column = (row: string[], name: string): string => row[header.indexOf(name)]!;
    const levels = rows.map((row) => column(row, 'level'));
    for (const name of ['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']) assert.ok(levels.includes(name), `${name} missing from ${levels.join(' ')}`);
    for (const row of rows) {
      assert.equal(column(row, 'study_id'), 'ivd-11');
      assert.equal(column(row, 'has_axial'), '1', `${column(row, 'level')} has no axial crop`);
      assert.ok(Number(column(row, 'level_confidence')) > 0.8, `${column(row, 'level')} confidence ${column(row, 'level_confidence')}`);
      const sagittal = await readNpyFloat32(join(out, column(row, 'sagittal_path')));
      const { slices, height, width } = defaultCropSpec.sagittal;
      assert.deepEqual(sagittal.shape, [slices, height, width]);
    }
  });

  it('writes a shard into its own folder', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'sharded');
    const code = await run('extract', sharedPath('dicom', 'vb2-02'), sharedPath('dicom', 'ivd-11'), '--out', out, '--shard', '1/2');
    assert.equal(code, 0);
    const manifest = readFileSync(join(out, 'shard-1-of-2', 'manifest.csv'), 'utf8');
    assert.match(manifest, /^vb2-02,/m);
    assert.doesNotMatch(manifest, /^ivd-11,/m);
    assert.ok(!existsSync(join(out, 'manifest.csv')));
  });
});
