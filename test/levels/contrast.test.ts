import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeVolume } from '../../src/geometry/volume.js';
import { bodyIntensityMargin, checkContrast, unseenContrastConfidenceFactor } from '../../src/levels/contrast.js';
import type { LevelResult } from '../../src/levels/find-levels.js';

const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

const found: LevelResult = {
  levels: [{ level: 'L5-S1', center: [0, 0, 0], normal: [0, 0, 1], posterior: [0, 1, 0], confidence: 0.88, measurements: null }],
  vertebrae: [{ name: 'S1', center: [0, 0, -20], confidence: 0.88 }],
  allDiscs: [{ name: 'L5-S1', center: [0, 0, 0], confidence: 0.88 }],
  warnings: [{ code: 'LEVELS_NOT_FOUND', message: 'no disc was found for L1-L2' }],
};

/** Four body voxels of raw intensity `body` and four background voxels, with a window of 0 to 100. */
function study(body: number) {
  const image = makeVolume([8, 1, 1], identity, Float32Array.from([body, body, body, body, 0, 0, 100, 100]));
  const labels = makeVolume([8, 1, 1], identity, Uint8Array.from([1, 1, 1, 1, 0, 0, 2, 2]));
  return { image, labels, window: { low: 0, high: 100 } };
}

const range = { min: 0.07, max: 0.24, cases: 12 };

describe('checkContrast', () => {
  it('leaves a study within the training range as it is', () => {
    const { image, labels, window } = study(20);
    const { levels, contrast } = checkContrast(found, image, labels, window, range);
    assert.equal(levels, found);
    assert.deepEqual(contrast, { bodyIntensity: 0.2, trainingRange: range, withinTrainingRange: true });
  });

  it('accepts a study within the margin', () => {
    const { image, labels, window } = study(100 * (range.max + bodyIntensityMargin) - 0.5);
    assert.equal(checkContrast(found, image, labels, window, range).contrast.withinTrainingRange, true);
  });

  it('lowers every confidence of a brighter contrast and says why', () => {
    // The water-fat volume's bodies lie at about 0.53 of the window.
    const { image, labels, window } = study(53);
    const { levels, contrast } = checkContrast(found, image, labels, window, range);
    assert.deepEqual(contrast, { bodyIntensity: 0.53, trainingRange: range, withinTrainingRange: false });
    const expected = 0.88 * unseenContrastConfidenceFactor;
    assert.equal(levels.levels[0]!.confidence, expected);
    assert.equal(levels.vertebrae[0]!.confidence, expected);
    assert.equal(levels.allDiscs[0]!.confidence, expected);
    assert.ok(expected < 0.5);
    assert.deepEqual(levels.warnings.map((w) => w.code), ['LEVELS_NOT_FOUND', 'CONTRAST_UNLIKE_TRAINING']);
    assert.match(levels.warnings[1]!.message, /brighter in the series window \(median 0\.53\) than in any of the model's 12 training cases \(0\.07 to 0\.24\)/);
    // The input is not changed.
    assert.equal(found.levels[0]!.confidence, 0.88);
  });

  it('names a darker contrast', () => {
    const { image, labels, window } = study(1);
    const { levels } = checkContrast(found, image, labels, window, range);
    assert.match(levels.warnings.at(-1)!.message, /darker in the series window \(median 0\.01\)/);
  });

  it('skips the check without a training range or a segmented body', () => {
    const { image, labels, window } = study(53);
    const unranged = checkContrast(found, image, labels, window, null);
    assert.equal(unranged.levels, found);
    assert.deepEqual(unranged.contrast, { bodyIntensity: 0.53, trainingRange: null, withinTrainingRange: null });
    const noBody = makeVolume([8, 1, 1], identity, new Uint8Array(8));
    const bodiless = checkContrast(found, image, noBody, window, range);
    assert.equal(bodiless.levels, found);
    assert.equal(bodiless.contrast.withinTrainingRange, null);
  });
});
