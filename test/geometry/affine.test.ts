import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyLinear, rotationAbout } from '../../src/geometry/affine.js';

function assertClose(actual: readonly number[], expected: readonly number[]): void {
  actual.forEach((value, index) => assert.ok(Math.abs(value - expected[index]!) < 1e-12, `${actual.join(', ')} against ${expected.join(', ')}`));
}

describe('rotationAbout', () => {
  it('turns right-handed about each axis', () => {
    // A quarter turn about one axis takes the next axis onto the one after it: about x, y onto z.
    assertClose(applyLinear(rotationAbout(0, 90), [0, 1, 0]), [0, 0, 1]);
    assertClose(applyLinear(rotationAbout(1, 90), [0, 0, 1]), [1, 0, 0]);
    assertClose(applyLinear(rotationAbout(2, 90), [1, 0, 0]), [0, 1, 0]);
  });

  it('keeps its own axis and adds no translation', () => {
    const rotation = rotationAbout(1, 35);
    assertClose(applyLinear(rotation, [0, 1, 0]), [0, 1, 0]);
    assertClose([rotation[3]!, rotation[7]!, rotation[11]!], [0, 0, 0]);
    assertClose(rotation.slice(12), [0, 0, 0, 1]);
  });
});
