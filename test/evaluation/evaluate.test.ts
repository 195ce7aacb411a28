import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeepspineError, type ErrorCode } from '../../src/errors.js';
import { dice, evaluateFolder, listEvaluationCases } from '../../src/evaluation/evaluate.js';
import { nameInstance, truthStructures } from '../../src/evaluation/truth.js';
import { makeVolume } from '../../src/geometry/volume.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { loadSegmentationModel } from '../../src/segmentation/model.js';
import { shippedSegmentationTrainingCases } from '../../src/segmentation/shipped-model.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

describe('dice', () => {
  const cases: [string, number[], number[], number, number][] = [
    ['identical', [0, 1, 1, 2], [0, 1, 1, 2], 1, 1],
    ['disjoint', [1, 1, 0, 0], [0, 0, 1, 1], 1, 0],
    ['half overlap', [1, 1, 0, 0], [0, 1, 1, 0], 1, 0.5],
    ['other class ignored', [2, 2, 1, 0], [2, 0, 1, 0], 1, 1],
    ['both empty', [0, 0], [0, 0], 2, 1],
  ];
  for (const [name, predicted, truth, label, expected] of cases) {
    it(name, () => assert.equal(dice(predicted, truth, label), expected));
  }
});

describe('nameInstance', () => {
  const cases: [number, string | null, string | null][] = [
    [20, 'L1', 'vertebra'],
    [24, 'L5', 'vertebra'],
    [26, 'S1', 'vertebra'],
    [19, 'T12', 'vertebra'],
    [120, 'L1-L2', 'disc'],
    [124, 'L5-S1', 'disc'],
    [118, 'T11-T12', 'disc'],
    [1001, null, null],
  ];
  for (const [id, name, kind] of cases) {
    it(`names id ${id}`, () => {
      const named = nameInstance(id);
      assert.equal(named?.name ?? null, name);
      assert.equal(named?.kind ?? null, kind);
    });
  }
});

describe('truthStructures', () => {
  it('computes centroids in patient space', () => {
    const data = new Uint16Array(4 * 4 * 2);
    data[0] = 124;
    data[1] = 124;
    data[15] = 24;
    const affine = [2, 0, 0, 10, 0, 1, 0, 20, 0, 0, 3, 30, 0, 0, 0, 1];
    const structures = truthStructures(makeVolume([4, 4, 2], affine, data));
    assert.equal(structures.length, 2);
    assert.deepEqual(structures[0], { id: 24, name: 'L5', kind: 'vertebra', center: [16, 23, 30] });
    assert.deepEqual(structures[1], { id: 124, name: 'L5-S1', kind: 'disc', center: [11, 20, 30] });
  });
});

describe('evaluateFolder on real volumes', () => {
  it('segments and names ivd-11 and vb2-02', { skip: skipWithoutSharedData('volumes', 'ivd-11') }, async () => {
    const model = await loadSegmentationModel();
    try {
      const summary = await evaluateFolder(sharedPath('volumes'), model, silentLogger, ['ivd-11', 'vb2-02']);
      assert.equal(summary.cases.length, 2);
      const [ivd, vb] = summary.cases;
      assert.equal(ivd!.diceVertebralBody, null);
      assert.ok(ivd!.diceDisc! > 0.75, `disc Dice ${ivd!.diceDisc}`);
      assert.ok(vb!.diceVertebralBody! > 0.8, `body Dice ${vb!.diceVertebralBody}`);
      assert.equal(vb!.diceDisc, null);
      assert.equal(summary.namingTotal, 12);
      assert.equal(summary.namingCorrect, summary.namingTotal, JSON.stringify(summary.cases.map((c) => c.naming)));
      assert.equal(summary.namingWrongConfident, 0);
      // Each name carries its confidence, high on these T2 cases, and each case its body intensity.
      for (const check of summary.cases.flatMap((c) => c.naming)) assert.ok(check.confidence !== null && check.confidence > 0.8, JSON.stringify(check));
      for (const c of summary.cases) assert.ok(c.bodyIntensity !== null && c.bodyIntensity > 0.15 && c.bodyIntensity < 0.28, `${c.case}: ${c.bodyIntensity}`);
    } finally {
      await model.release();
    }
  });

  it('reads a case folder that is a symbolic link', { skip: skipWithoutSharedData('volumes', 'ivd-11') }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'deepspine-evaluate-links-'));
    const model = await loadSegmentationModel();
    try {
      symlinkSync(resolve(sharedPath('volumes', 'ivd-11')), join(folder, 'linked-ivd-11'), 'dir');
      const summary = await evaluateFolder(folder, model, silentLogger);
      assert.deepEqual(summary.cases.map((c) => c.case), ['linked-ivd-11']);
      assert.ok(summary.cases[0]!.diceDisc! > 0.75, `disc Dice ${summary.cases[0]!.diceDisc}`);
    } finally {
      await model.release();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('listEvaluationCases', () => {
  // Empty files stand in for the volumes, because listing only checks that they exist.
  const folder = mkdtempSync(join(tmpdir(), 'deepspine-evaluate-cases-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  const cases: Record<string, string[]> = {
    complete: ['image.nii.gz', 'labels.nii.gz', 'instances.nii.gz'],
    'also-complete': ['image.nii.gz', 'labels.nii.gz'],
    'no-labels': ['image.nii.gz', 'meta.json'],
    'no-image': ['labels.nii.gz'],
  };
  for (const [name, files] of Object.entries(cases)) {
    mkdirSync(join(folder, name));
    for (const file of files) writeFileSync(join(folder, name, file), '');
  }
  writeFileSync(join(folder, 'README.md'), 'not a case');

  function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
    const lines: string[] = [];
    return { logger: createLogger({ level: 'info', write: (line) => lines.push(line) }), lines };
  }

  async function assertRejects(promise: Promise<unknown>, code: ErrorCode, message: string): Promise<void> {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof DeepspineError, String(error));
      assert.equal(error.code, code);
      assert.equal(error.message, message);
      return true;
    });
  }

  it('logs each skipped case', async () => {
    const { logger, lines } = recordingLogger();
    assert.deepEqual(await listEvaluationCases(folder, logger), ['also-complete', 'complete']);
    assert.deepEqual(lines, ['no-image: skipped, no image.nii.gz', 'no-labels: skipped, no labels.nii.gz']);
  });

  it('returns the requested cases', async () => {
    const { logger, lines } = recordingLogger();
    assert.deepEqual(await listEvaluationCases(folder, logger, ['complete', 'also-complete', 'complete']), ['also-complete', 'complete']);
    assert.deepEqual(lines, []);
  });

  it('names unknown requested cases', async () => {
    const message = `${folder}: cannot evaluate the --cases "README.md" (folder not found), "no-labels" (no labels.nii.gz), "nonexist" (folder not found); pass names of its subfolders that contain image.nii.gz and labels.nii.gz`;
    await assertRejects(listEvaluationCases(folder, silentLogger, ['nonexist', 'complete', 'no-labels', 'README.md']), 'INPUT_NOT_FOUND', message);
  });

  it('rejects a file', async () => {
    const file = join(folder, 'README.md');
    await assertRejects(listEvaluationCases(file, silentLogger), 'INVALID_ARGUMENT', `${file}: not a folder; pass the folder that contains one subfolder per labelled case`);
  });

  it('rejects a missing folder', async () => {
    const missing = join(folder, 'absent');
    await assertRejects(listEvaluationCases(missing, silentLogger), 'INPUT_NOT_FOUND', `${missing}: evaluation folder not found`);
  });

  it('rejects a folder without cases', async () => {
    const empty = join(folder, 'no-image');
    await assertRejects(listEvaluationCases(empty, silentLogger), 'INPUT_NOT_FOUND', `${empty}: no case folder with image.nii.gz and labels.nii.gz`);
  });

  it('lists the shipped training cases', { skip: skipWithoutSharedData('volumes') }, async () => {
    // The shipped model was trained on every labelled case of the shared volumes.
    const { logger, lines } = recordingLogger();
    assert.deepEqual(await listEvaluationCases(sharedPath('volumes'), logger), [...shippedSegmentationTrainingCases]);
    assert.deepEqual(lines, ['sct-t2-lumbar: skipped, no labels.nii.gz', 'tptbox-cervical: skipped, no labels.nii.gz']);
  });
});
