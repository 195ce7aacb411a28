import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeVolume } from '../../src/geometry/volume.js';
import { medianWindowedIntensity } from '../../src/segmentation/contrast.js';

const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

describe('medianWindowedIntensity', () => {
  // Raw intensities 0, 100, ..., 900 in a row of ten voxels, and a window of 100 to 500.
  const image = makeVolume([10, 1, 1], identity, Float32Array.from({ length: 10 }, (_, index) => index * 100));
  const window = { low: 100, high: 500 };

  it('takes the median of the labelled voxels in window units', () => {
    const labels = Uint8Array.from([0, 1, 1, 1, 2, 2, 0, 0, 0, 0]);
    // Voxels 100, 200 and 300 map to 0, 0.25 and 0.5.
    assert.equal(medianWindowedIntensity(image, labels, 1, window), 0.25);
    // An even count takes the lower middle value: 400 and 500 map to 0.75 and 1.
    assert.equal(medianWindowedIntensity(image, labels, 2, window), 0.75);
  });

  it('clips as the network input is clipped', () => {
    // 0 maps to -0.25, 800 to 1.75 and 900 to 2.
    const labels = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    assert.equal(medianWindowedIntensity(image, labels, 1, window), 1.75);
    // With a window of 800 to 840, 900 maps to 2.5, which the network input clips to 2.
    assert.equal(medianWindowedIntensity(image, Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 1, { low: 800, high: 840 }), 2);
  });

  it('returns null without labelled voxels', () => {
    assert.equal(medianWindowedIntensity(image, new Uint8Array(10), 1, window), null);
  });

  it('rejects a label map of another size', () => {
    assert.throws(() => medianWindowedIntensity(image, new Uint8Array(9), 1, window), /label map has 9 voxels but the image has 10/);
  });
});
