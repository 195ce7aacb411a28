import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { DeepspineError } from '../../src/errors.js';
import { makeVolume } from '../../src/geometry/volume.js';
import { checkOutputFile, createOutputFolder, formatResultsJson, outputFileNames, writeOverlayPng, writeResults } from '../../src/outputs/write-results.js';
import type { AnalysisResult } from '../../src/pipeline/result.js';
import { sampleResult } from './fixtures.js';

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'deepspine-outputs-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Copies an object tree with every object's keys inserted in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reverseKeys(item)]));
}

test('writeResults round-trips results.json', async () => {
  await withTempDir(async (dir) => {
    const result = sampleResult();
    const path = await writeResults(join(dir, 'nested', 'out'), result);
    assert.equal(path, join(dir, 'nested', 'out', 'results.json'));
    const text = await readFile(path, 'utf8');
    assert.deepEqual(JSON.parse(text), result);
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(await readdir(join(dir, 'nested', 'out')), ['results.json']);
  });
});

test('results.json key order is stable', () => {
  const result = sampleResult();
  const text = formatResultsJson(result);
  assert.equal(formatResultsJson(reverseKeys(result) as AnalysisResult), text);
  const topKeys = Object.keys(JSON.parse(text) as object);
  assert.deepEqual(topKeys, ['format', 'deepspineVersion', 'imageContrast', 'input', 'levels', 'models', 'outputs', 'series', 'timingsMs', 'vertebrae', 'warnings']);
  assert.ok(text.startsWith('{\n  "format": "deepspine-results/1",\n  "deepspineVersion": "0.1.0",\n'));
});

test('results.json keeps number arrays on one line', () => {
  const text = formatResultsJson(sampleResult());
  assert.ok(text.includes('      "center": [1.25, 32.04, -80.46],\n'), text);
  assert.ok(text.includes('      "level": "L4-L5",\n'));
  assert.ok(text.includes('    "skippedFiles": []\n'));
});

test('results.json writes null for non-finite numbers', () => {
  const result = sampleResult({ timingsMs: { total: Number.NaN } });
  assert.deepEqual((JSON.parse(formatResultsJson(result)) as { timingsMs: unknown }).timingsMs, { total: null });
});

test('writeResults reports an unwritable folder', async () => {
  await withTempDir(async (dir) => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, 'not a folder');
    await assert.rejects(writeResults(blocker, sampleResult()), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'OUTPUT_FAILED');
      assert.equal(error.file, join(blocker, 'results.json'));
      return true;
    });
  });
});

test('writeOverlayPng writes the PNG file', async () => {
  await withTempDir(async (dir) => {
    const affine = [0, 0, 3, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1];
    const image = makeVolume([40, 64, 5], affine, Float32Array.from({ length: 40 * 64 * 5 }, (_, n) => n % 97));
    const labels = makeVolume([40, 64, 5], affine, new Uint8Array(40 * 64 * 5));
    const path = join(dir, 'nested', outputFileNames.overlay);
    await writeOverlayPng(path, image, labels, [{ name: 'L4-L5', center: [6, 20, -30], confidence: 0.8 }]);
    const png = decode(await readFile(path));
    assert.ok(png.height >= 512);
  });
});

/** Asserts that `promise` rejects with OUTPUT_FAILED and exactly `message`. */
async function assertOutputFailed(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DeepspineError, String(error));
    assert.equal(error.code, 'OUTPUT_FAILED');
    assert.equal(error.message, message);
    return true;
  });
}

test('checkOutputFile rejects a folder', async () => {
  await withTempDir(async (dir) => {
    await assertOutputFailed(checkOutputFile(dir, '--json'), `${dir}: cannot write the --json file (it is a folder); pass a file path to --json`);
  });
});

test('checkOutputFile rejects a missing folder', async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, 'missing');
    const path = join(missing, 'x.json');
    await assertOutputFailed(checkOutputFile(path, '--json'), `${path}: cannot write the --json file (folder ${missing} does not exist); create the folder or pass another --json`);
    assert.deepEqual(await readdir(dir), []);
  });
});

test('checkOutputFile rejects a file as folder', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'in the way');
    const path = join(file, 'x.json');
    await assertOutputFailed(checkOutputFile(path, '--json'), `${path}: cannot write the --json file (a parent of it is a file); pass another --json`);
  });
});

test('checkOutputFile accepts new and existing files', async () => {
  await withTempDir(async (dir) => {
    const existing = join(dir, 'old.json');
    await writeFile(existing, '{}');
    await checkOutputFile(existing, '--json');
    await checkOutputFile(join(dir, 'new.json'), '--json');
    // Only the file written above: the check creates nothing.
    assert.deepEqual(await readdir(dir), ['old.json']);
    assert.equal(await readFile(existing, 'utf8'), '{}');
  });
});

test('read-only output folder fails at once', { skip: process.getuid?.() === 0 ? 'root may write into any folder' : false }, async () => {
  const parent = await mkdtemp(join(tmpdir(), 'deepspine-readonly-'));
  const folder = join(parent, 'out');
  await mkdir(folder);
  await chmod(folder, 0o555);
  try {
    await assert.rejects(createOutputFolder(folder), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'OUTPUT_FAILED');
      assert.match(error.message, /out: the output folder is not writable \(EACCES\); pass another --out$/);
      return true;
    });
  } finally {
    await chmod(folder, 0o755);
    await rm(parent, { recursive: true, force: true });
  }
});
