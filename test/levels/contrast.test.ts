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
  imagedPlanes: null,
};

/** Four body voxels of raw intensity `body` and four background voxels, with a window of 0 to 100. */
function study(body: number) {
  const image = makeVolume([8, 1, 1], identity, Float32Array.from([body, body, body, body, 0, 0, 100, 100]));
  const labels = makeVolume([8, 1, 1], identity, Uint8Array.from([1, 1, 1, 1, 0, 0, 2, 2]));
  return { image, labels, window: { low: 0, high: 100 } };
}

/** Two clusters of training contrasts, as in the shipped model: T1 and T2 bodies low, water-fat high. */
const training = { min: 0.07, max: 0.54, cases: 4, values: [0.07, 0.15, 0.24, 0.54] };

describe('checkContrast', () => {
  it('leaves a study near a training case as it is', () => {
    const { image, labels, window } = study(20);
    const { levels, contrast } = checkContrast(found, image, labels, window, training);
    assert.equal(levels, found);
    assert.deepEqual(contrast, { bodyIntensity: 0.2, trainingBodyIntensity: training, distanceToTraining: 0.04, likeTraining: true });
  });

  it('accepts a study within the margin', () => {
    const { image, labels, window } = study(100 * (0.24 + bodyIntensityMargin) - 0.5);
    assert.equal(checkContrast(found, image, labels, window, training).contrast.likeTraining, true);
  });

  it('flags a study between two training clusters', () => {
    // 0.39 lies within the lowest and highest training value, but 0.15 from the nearest.
    const { image, labels, window } = study(39);
    const { levels, contrast } = checkContrast(found, image, labels, window, training);
    assert.equal(contrast.distanceToTraining, 0.15);
    assert.equal(contrast.likeTraining, false);
    assert.equal(levels.warnings.at(-1)!.code, 'CONTRAST_UNLIKE_TRAINING');
    assert.match(levels.warnings.at(-1)!.message, /lie at 0\.39 of the series window, 0\.15 from the nearest of the model's 4 training cases \(0\.24, all between 0\.07 and 0\.54\)/);
  });

  it('lowers every confidence of an unseen contrast', () => {
    const narrow = { min: 0.07, max: 0.24, cases: 3, values: [0.07, 0.15, 0.24] };
    // The water-fat volume's bodies lie at about 0.53 of the window.
    const { image, labels, window } = study(53);
    const { levels, contrast } = checkContrast(found, image, labels, window, narrow);
    assert.equal(contrast.likeTraining, false);
    assert.equal(contrast.distanceToTraining, 0.29);
    const expected = 0.88 * unseenContrastConfidenceFactor;
    assert.equal(levels.levels[0]!.confidence, expected);
    assert.equal(levels.vertebrae[0]!.confidence, expected);
    assert.equal(levels.allDiscs[0]!.confidence, expected);
    assert.ok(expected < 0.5);
    assert.deepEqual(levels.warnings.map((w) => w.code), ['LEVELS_NOT_FOUND', 'CONTRAST_UNLIKE_TRAINING']);
    // The input is not changed.
    assert.equal(found.levels[0]!.confidence, 0.88);
  });

  it('flags a darker contrast', () => {
    const narrow = { min: 0.15, max: 0.24, cases: 2, values: [0.15, 0.24] };
    const { image, labels, window } = study(1);
    const { levels, contrast } = checkContrast(found, image, labels, window, narrow);
    assert.equal(contrast.distanceToTraining, 0.14);
    assert.match(levels.warnings.at(-1)!.message, /lie at 0\.01 of the series window, 0\.14 from the nearest/);
  });

  it('skips the check without training values or a segmented body', () => {
    const { image, labels, window } = study(39);
    const unchecked = checkContrast(found, image, labels, window, null);
    assert.deepEqual(unchecked.levels.levels, found.levels);
    assert.deepEqual(unchecked.contrast, { bodyIntensity: 0.39, trainingBodyIntensity: null, distanceToTraining: null, likeTraining: null });
    // A sidecar without training values raises a warning, because one check is missing.
    assert.deepEqual(unchecked.levels.warnings.map((w) => w.code), ['LEVELS_NOT_FOUND', 'CONTRAST_NOT_CHECKED']);
    const noBody = makeVolume([8, 1, 1], identity, new Uint8Array(8));
    const bodiless = checkContrast(found, image, noBody, window, training);
    assert.equal(bodiless.levels, found);
    assert.equal(bodiless.contrast.likeTraining, null);
  });
});
