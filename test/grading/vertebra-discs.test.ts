import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeVolume } from '../../src/geometry/volume.js';
import { describePlaneComponents } from '../../src/grading/plane-discs.js';
import { discsFromVertebrae } from '../../src/grading/vertebra-discs.js';

/** Draws a 1 mm one-plane label volume of 120 x 260 px, where pixel (c, r) is at LPS y = c, z = -r. */
function plane(draw: (c: number, r: number) => number) {
  const width = 120;
  const height = 260;
  const data = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) data[r * width + c] = draw(c, r);
  return makeVolume([width, height, 1], [0, 0, 4, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1], data);
}

/** Vertebral bodies 40 x 28 mm, one every 38 mm from row `firstTop` (10 mm discs between them). */
function bodies(count: number, firstTop: number, skip: number[] = []) {
  return (c: number, r: number): number => {
    for (let b = 0; b < count; b++) {
      if (skip.includes(b)) continue;
      const top = firstTop + 38 * b;
      if (c >= 40 && c < 80 && r >= top && r < top + 28) return 1;
    }
    return 0;
  };
}

test('discsFromVertebrae puts one disc below each body', () => {
  const labels = plane(bodies(5, 12));
  const vertebrae = describePlaneComponents(labels, 1, 150);
  // The top body starts 12 mm below the image top, less than half a spacing: no disc above it.
  const discs = discsFromVertebrae(vertebrae, [], 0);
  assert.equal(discs.length, 5);
  discs.slice(0, 4).forEach((disc, index) => {
    // Disc i lies halfway between the last row of body i (12 + 38 i + 27) and the first of body i + 1.
    const expectedZ = -(12 + 38 * index + 27 + 5.5);
    assert.ok(Math.abs(disc.center[2] - expectedZ) < 0.6, `disc ${index} at z ${disc.center[2]}, expected ${expectedZ}`);
    assert.ok(Math.abs(disc.center[1] - 59.5) < 0.6);
    assert.ok(disc.normal[2] > 0.99);
    assert.ok(disc.posterior[1] > 0.99);
  });
  // Below the lowest body by half the measured disc gap (11 mm between pixel centres).
  assert.ok(Math.abs(discs[4]!.center[2] - -(12 + 38 * 4 + 27 + 5.5)) < 0.6, `lowest disc at z ${discs[4]!.center[2]}`);
});

test('discsFromVertebrae fills a missed body', () => {
  const discs = discsFromVertebrae(describePlaneComponents(plane(bodies(6, 12, [2])), 1, 150), [], 0);
  assert.equal(discs.length, 6);
});

test('discsFromVertebrae adds the disc below a partly visible top body', () => {
  const discs = discsFromVertebrae(describePlaneComponents(plane(bodies(5, 40)), 1, 150), [], 0);
  assert.equal(discs.length, 6);
  assert.ok(Math.abs(discs[0]!.center[2] - -(40 - 5.5)) < 0.6, `top disc at z ${discs[0]!.center[2]}`);
});

test('discsFromVertebrae merges fragments and snaps to disc components', () => {
  // Body 1 split in two halves by a 1 px line; a disc component drawn in the gap below body 0.
  const base = bodies(4, 12);
  const labels = plane((c, r) => {
    if (r === 64 && c >= 40 && c < 80) return 0;
    if (c >= 45 && c < 75 && r >= 41 && r < 48) return 2;
    return base(c, r);
  });
  const vertebrae = describePlaneComponents(labels, 1, 30);
  assert.equal(vertebrae.length, 5);
  const discComponents = describePlaneComponents(labels, 2, 30);
  const discs = discsFromVertebrae(vertebrae, discComponents, 0);
  assert.equal(discs.length, 4);
  assert.ok(Math.abs(discs[0]!.center[2] - -44) < 0.01, `snapped disc at z ${discs[0]!.center[2]}`);
  assert.ok(discs[0]!.areaMm2 > 0);
});

test('discsFromVertebrae needs two bodies', () => {
  assert.deepEqual(discsFromVertebrae(describePlaneComponents(plane(bodies(1, 12)), 1, 150), [], 0), []);
});
