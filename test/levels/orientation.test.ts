import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Vec3 } from '../../src/geometry/affine.js';
import { nameLevels } from '../../src/levels/naming.js';
import { checkOrientation } from '../../src/levels/orientation.js';
import type { Structure } from '../../src/levels/structures.js';

/** A disc at height z (LPS mm) whose plane normal, pointing cranially, has front-to-back component `normalY`. */
function disc(z: number, volumeMm3: number, normalY = 0): Structure {
  const thinAxis: Vec3 = [0, normalY, Math.sqrt(1 - normalY * normalY)];
  const posteriorAxis: Vec3 = [0, thinAxis[2], -normalY];
  return { kind: 'disc', center: [0, 0, z], volumeMm3, thinAxis, posteriorAxis, thickness: 10, depth: 35, meanProbability: 1 };
}

const heights = [175, 140, 105, 70, 35, 0];
/** Volumes of T12-L1 to L5-S1 growing towards the sacrum, with a smaller L5-S1, as is common. */
const growing = [6000, 7000, 8000, 9000, 10000, 9500];
/** Normals turning forwards going down, the lowest disc tilted 30 degrees. */
const lordotic = [0.1, 0.05, 0, -0.1, -0.25, -0.5];
const wideView = { distanceToEdge: () => 100 };

describe('checkOrientation', () => {
  it('accepts a lumbar chain', () => {
    const check = checkOrientation(heights.map((z, index) => disc(z, growing[index]!, lordotic[index])));
    assert.deepEqual(check.warnings, []);
    assert.ok(Math.abs(check.caudalGrowthFraction! - 14 / 15) < 1e-9);
    assert.ok(Math.abs(check.lordosisTurn! - -0.6) < 1e-9);
  });

  it('warns when the discs shrink towards the feet', () => {
    // The same chain upside down: sizes reversed, as a head-to-feet flipped header gives.
    const check = checkOrientation(heights.map((z, index) => disc(z, growing[5 - index]!, lordotic[index])));
    assert.deepEqual(check.warnings.map((w) => w.code), ['ORIENTATION_SUSPECTED']);
    assert.match(check.warnings[0]!.message, /the lower disc is the larger in only 7 % of the disc pairs/);
    assert.match(check.warnings[0]!.message, /head and feet swapped/);
  });

  it('warns when the curve bends backwards', () => {
    const check = checkOrientation(heights.map((z, index) => disc(z, growing[index]!, -lordotic[index]!)));
    assert.deepEqual(check.warnings.map((w) => w.code), ['ORIENTATION_SUSPECTED']);
    assert.match(check.warnings[0]!.message, /turn to face backwards going down \(0\.60\)/);
  });

  it('gives both reasons in one warning', () => {
    const check = checkOrientation(heights.map((z, index) => disc(z, growing[5 - index]!, -lordotic[index]!)));
    assert.equal(check.warnings.length, 1);
    assert.match(check.warnings[0]!.message, /head and feet swapped\?\); the disc planes turn/);
  });

  it('reads the normals as pointing cranially whichever way they were fitted', () => {
    const chain = heights.map((z, index) => {
      const d = disc(z, growing[index]!, lordotic[index]);
      return { ...d, thinAxis: [-d.thinAxis[0], -d.thinAxis[1], -d.thinAxis[2]] as Vec3 };
    });
    assert.deepEqual(checkOrientation(chain).warnings, []);
  });

  it('does not judge a short chain, equal sizes or added discs', () => {
    const short = checkOrientation(heights.slice(0, 3).map((z, index) => disc(z, growing[5 - index]!)));
    assert.deepEqual(short, { caudalGrowthFraction: null, lordosisTurn: null, warnings: [] });
    const equal = checkOrientation(heights.map((z) => disc(z, 9000)));
    assert.equal(equal.caudalGrowthFraction, null);
    assert.deepEqual(equal.warnings, []);
    // A faint disc added under the chain has no volume, and is left out of both measures.
    const added = checkOrientation([...heights.map((z, index) => disc(z, growing[index]!, lordotic[index])), disc(-35, 0, 0.9)]);
    assert.deepEqual(added.warnings, []);
    assert.ok(Math.abs(added.lordosisTurn! - -0.6) < 1e-9);
  });
});

describe('nameLevels with a chain upside down', () => {
  it('brings every name under 0.5', () => {
    const chain = heights.map((z, index) => disc(z, growing[5 - index]!, lordotic[index]));
    const naming = nameLevels(chain, [], wideView);
    assert.ok(naming.warnings.some((w) => w.code === 'ORIENTATION_SUSPECTED'));
    assert.equal(naming.anchorConfidence, 0.2);
    for (const named of naming.discs) assert.ok(named.confidence < 0.5, `${named.name} ${named.confidence}`);
    const upright = nameLevels(heights.map((z, index) => disc(z, growing[index]!, lordotic[index])), [], wideView);
    assert.equal(upright.anchorConfidence, 0.95);
  });
});
