import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headToFeetAxis, keepPlanes, nearestVoxelAxis } from '../../src/geometry/crop.js';
import { indexToPatient, makeVolume } from '../../src/geometry/volume.js';

// Axis 0 runs posterior, axis 1 inferior (head to feet, 2 mm), axis 2 left.
const affine = [0, 0, 1, -15, 1, 0, 0, -50, 0, -2, 0, 100, 0, 0, 0, 1];
const volume = makeVolume([2, 5, 3], affine, Int16Array.from({ length: 30 }, (_, index) => index));

describe('keepPlanes', () => {
  it('finds the head-to-feet axis', () => {
    assert.equal(headToFeetAxis(volume), 1);
  });

  it('finds the voxel axis of each patient axis', () => {
    assert.equal(nearestVoxelAxis(volume, 0), 2);
    assert.equal(nearestVoxelAxis(volume, 1), 0);
    assert.equal(nearestVoxelAxis(volume, 2), 1);
  });

  it('keeps voxel values and positions', () => {
    const kept = keepPlanes(volume, 1, 1, 4);
    assert.deepEqual(kept.size, [2, 3, 3]);
    assert.ok(kept.data instanceof Int16Array);
    // Voxel (1, 0, 2) of the copy is voxel (1, 1, 2) of the original.
    assert.equal(kept.data[1 + 2 * (0 + 3 * 2)], volume.data[1 + 2 * (1 + 5 * 2)]);
    assert.deepEqual(indexToPatient(kept, [1, 0, 2]), indexToPatient(volume, [1, 1, 2]));
  });

  it('rejects an empty range', () => {
    assert.throws(() => keepPlanes(volume, 1, 3, 3), RangeError);
    assert.throws(() => keepPlanes(volume, 1, 0, 6), RangeError);
  });
});
