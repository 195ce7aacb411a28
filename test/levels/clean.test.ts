import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeVolume } from '../../src/geometry/volume.js';
import { removeOffSpineComponents } from '../../src/levels/clean.js';

// 1 mm voxels with i along x (lateral), j along y (posterior), k along z (superior).
const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const size = [60, 60, 40] as const;

function boxes(...items: [label: number, x0: number, y0: number, z0: number, edge: number][]): Uint8Array {
  const data = new Uint8Array(size[0] * size[1] * size[2]);
  for (const [label, x0, y0, z0, edge] of items) {
    for (let z = z0; z < z0 + edge; z++) {
      for (let y = y0; y < y0 + edge; y++) {
        for (let x = x0; x < x0 + edge; x++) data[x + size[0] * (y + size[1] * z)] = label;
      }
    }
  }
  return data;
}

const count = (data: Uint8Array, label: number): number => data.filter((v) => v === label).length;

test('off-spine components removed', () => {
  // A body and a disc centred near x = y = 10, and a body and a disc 40 mm anterior of the curve.
  const data = boxes([1, 6, 6, 2, 8], [2, 6, 6, 12, 8], [1, 6, 46, 2, 8], [2, 46, 6, 25, 6]);
  const labels = makeVolume(size, identity, data);
  const levels = { allDiscs: [{ name: 'L4-L5', center: [10, 10, 16] as [number, number, number], confidence: 1 }], vertebrae: [{ name: 'L5', center: [10, 10, 6] as [number, number, number], confidence: 1 }] };
  const cleaned = removeOffSpineComponents(labels, levels);
  assert.equal(cleaned.removedVoxels, 8 * 8 * 8 + 6 * 6 * 6);
  assert.equal(count(cleaned.labels.data, 1), 8 * 8 * 8);
  assert.equal(count(cleaned.labels.data, 2), 8 * 8 * 8);
  // The input is left unchanged.
  assert.equal(count(labels.data as Uint8Array, 1), 2 * 8 * 8 * 8);
});

test('structures beyond the curve ends kept', () => {
  // A body 25 mm above the highest curve point, on the spine axis, is kept.
  const data = boxes([1, 6, 6, 30, 8]);
  const labels = makeVolume(size, identity, data);
  const levels = { allDiscs: [{ name: 'L4-L5', center: [10, 10, 9] as [number, number, number], confidence: 1 }], vertebrae: [] };
  assert.equal(removeOffSpineComponents(labels, levels).removedVoxels, 0);
});

test('empty curve removes nothing', () => {
  const labels = makeVolume(size, identity, boxes([1, 40, 40, 0, 5]));
  assert.equal(removeOffSpineComponents(labels, { allDiscs: [], vertebrae: [] }).removedVoxels, 0);
});
