import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeVolume } from '../../src/geometry/volume.js';
import { limitKnownToAnnotatedRows } from '../../src/segmentation/pseudo-labels.js';

const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

test('known bit cleared above annotated rows', () => {
  // 2 columns x 6 rows x 1 plane; discs (class 2) labelled on rows 2 and 3 only.
  const labels = makeVolume([2, 6, 1], identity, Uint8Array.from([0, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0]));
  const known = new Uint8Array(12).fill(0b11);
  limitKnownToAnnotatedRows(labels, known, [2]);
  const rows = Array.from({ length: 6 }, (_, j) => [known[2 * j], known[2 * j + 1]]);
  // The disc bit (2) is cleared on rows 0-1 above the labelled discs, across both columns, and
  // kept below them; the body bit (1) is untouched.
  assert.deepEqual(rows, [[1, 1], [1, 1], [3, 3], [3, 3], [3, 3], [3, 3]]);
});

test('unlabelled class clears every row', () => {
  const labels = makeVolume([1, 3, 1], identity, new Uint8Array(3));
  const known = new Uint8Array(3).fill(0b01);
  limitKnownToAnnotatedRows(labels, known, [1]);
  assert.deepEqual([...known], [0, 0, 0]);
});
