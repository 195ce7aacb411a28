import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { trainingCasesNote } from '../../src/cli/evaluate-command.js';
import { defaultSegmentationModelPath } from '../../src/segmentation/model.js';
import { isShippedSegmentationModel, segmentationModelCardPath } from '../../src/segmentation/shipped-model.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'deepspine-evaluate-cli-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the built CLI in a child process and captures its exit status and output. */
function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
    });
  });
}

describe('deepspine evaluate', () => {
  it('file as folder is exit 2', async () => {
    const file = join(scratch, 'afile');
    writeFileSync(file, 'not a folder');
    const result = await run('evaluate', file);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr, `error: ${file}: not a folder; pass the folder that contains one subfolder per labelled case\n`);
  });

  it('folder as --json is exit 9', async () => {
    // An empty evaluation folder fails with exit 3 once read, so exit 9 shows that --json is checked first.
    const volumes = join(scratch, 'no-cases');
    const folder = join(scratch, 'json-folder');
    mkdirSync(volumes);
    mkdirSync(folder);
    const result = await run('evaluate', volumes, '--json', folder);
    assert.equal(result.code, 9, result.stderr);
    assert.equal(result.stderr, `error: ${folder}: cannot write the --json file (it is a folder); pass a file path to --json\n`);
    assert.equal(result.stdout, '');
    assert.deepEqual(readdirSync(folder), []);
  });

  it('--json in missing folder is exit 9', async () => {
    const missing = join(scratch, 'missing-folder');
    const json = join(missing, 'x.json');
    const result = await run('evaluate', join(scratch, 'no-such-volumes'), '--json', json);
    assert.equal(result.code, 9, result.stderr);
    assert.equal(result.stderr, `error: ${json}: cannot write the --json file (folder ${missing} does not exist); create the folder or pass another --json\n`);
    assert.equal(existsSync(missing), false);
  });

  it('empty --json is exit 2', async () => {
    const result = await run('evaluate', join(scratch, 'no-such-volumes'), '--json', '');
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr, 'error: --json is empty; pass the path of the JSON file to write\n');
  });

  it('writes --json only on success', { skip: skipWithoutSharedData('volumes', 'ivd-20') }, async () => {
    const failed = join(scratch, 'failed.json');
    const failedRun = await run('evaluate', sharedPath('volumes'), '--cases', 'nonexist', '--json', failed);
    assert.equal(failedRun.code, 3, failedRun.stderr);
    assert.equal(existsSync(failed), false);

    const json = join(scratch, 'evaluation.json');
    const result = await run('evaluate', sharedPath('volumes'), '--cases', 'ivd-20', '--json', json);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as { cases: { case: string; diceDisc: number; naming: unknown[] }[] };
    assert.deepEqual(summary.cases.map((c) => c.case), ['ivd-20']);
    assert.ok(summary.cases[0]!.diceDisc > 0.8, `disc Dice ${summary.cases[0]!.diceDisc}`);
    assert.equal(summary.cases[0]!.naming.length, 5);
    assert.deepEqual(readdirSync(scratch).filter((name) => name.endsWith('.tmp')), []);
  });

  it('names an unknown case', { skip: skipWithoutSharedData('volumes', 'ivd-11') }, async () => {
    const result = await run('evaluate', sharedPath('volumes'), '--cases', 'nonexist', 'ivd-11');
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /cannot evaluate the --cases "nonexist" \(folder not found\);/);
    assert.doesNotMatch(result.stderr, /ivd-11/);
    assert.equal(result.stdout, '');
  });

  it('notes training cases and skipped cases', { skip: skipWithoutSharedData('volumes', 'ivd-11') }, async () => {
    // A labelled training case and an unlabelled case of the shared volumes, linked into one folder.
    const volumes = join(scratch, 'volumes');
    mkdirSync(volumes);
    for (const name of ['ivd-11', 'sct-t2-lumbar']) symlinkSync(sharedPath('volumes', name), join(volumes, name), 'dir');
    const result = await run('evaluate', volumes);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^sct-t2-lumbar: skipped, no labels\.nii\.gz$/m);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[1]!, /^ivd-11 /);
    assert.match(lines[2]!, /^mean /);
    assert.equal(lines[3], 'wrong names at confidence 0.5 or more: 0 of 5');
    assert.equal(lines[4], trainingCasesNote(['ivd-11']));
    assert.equal(lines.length, 5);
  });
});

describe('trainingCasesNote', () => {
  // The note gives the card's path relative to the working folder when it lies inside it.
  const fromHere = relative(process.cwd(), segmentationModelCardPath);
  const card = fromHere.startsWith('..') ? segmentationModelCardPath : fromHere;

  it('says when every case is a training case', () => {
    assert.equal(
      trainingCasesNote(['ivd-11', 'vb3-01']),
      `note: the shipped model was trained on both of these cases, so these figures are not held-out; the cross-validated figures are in ${card}`,
    );
  });

  it('says so for one case', () => {
    assert.match(trainingCasesNote(['vb1-02'])!, /^note: the shipped model was trained on this case, so these figures are not held-out;/);
  });

  it('names the training cases among others', () => {
    assert.equal(
      trainingCasesNote(['mine-1', 'vb2-02', 'ivd-20']),
      `note: the shipped model was trained on 2 of these 3 cases (vb2-02, ivd-20), so their figures are not held-out; the cross-validated figures are in ${card}`,
    );
  });

  it('is null without training cases', () => {
    assert.equal(trainingCasesNote(['mine-1', 'mine-2']), null);
  });
});

describe('isShippedSegmentationModel', () => {
  it('is true for the default', async () => {
    assert.equal(await isShippedSegmentationModel(undefined), true);
    assert.equal(await isShippedSegmentationModel(defaultSegmentationModelPath), true);
  });

  it('is true for a link or a copy', async () => {
    const link = join(scratch, 'linked.onnx');
    symlinkSync(defaultSegmentationModelPath, link);
    const copy = join(scratch, 'copy.onnx');
    copyFileSync(defaultSegmentationModelPath, copy);
    assert.equal(await isShippedSegmentationModel(link), true);
    assert.equal(await isShippedSegmentationModel(copy), true);
  });

  it('is false for another model', async () => {
    // Like a fold model of cross-validation, this file has the shipped model's format but other bytes.
    const other = join(scratch, 'fold-0.onnx');
    copyFileSync(defaultSegmentationModelPath, other);
    const bytes = Buffer.from('changed');
    const handle = await open(other, 'r+');
    await handle.write(bytes, 0, bytes.length, 100);
    await handle.close();
    assert.equal(await isShippedSegmentationModel(other), false);
    assert.equal(await isShippedSegmentationModel(join(scratch, 'absent.onnx')), false);
  });
});
