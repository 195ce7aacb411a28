import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Vec3 } from '../../src/geometry/affine.js';
import { nameLevels } from '../../src/levels/naming.js';
import { checkOrientation } from '../../src/levels/orientation.js';
import type { Structure } from '../../src/levels/structures.js';

/** Builds a disc at height z (LPS mm) whose plane normal, pointing cranially, has front-to-back component `normalY`. */
function disc(z: number, normalY: number, volumeMm3 = 9000): Structure {
  const thinAxis: Vec3 = [0, normalY, Math.sqrt(1 - normalY * normalY)];
  const posteriorAxis: Vec3 = [0, thinAxis[2], -normalY];
  return { kind: 'disc', center: [0, 0, z], volumeMm3, thinAxis, posteriorAxis, thickness: 10, depth: 35, meanProbability: 1 };
}

const heights = [175, 140, 105, 70, 35, 0];
/** Normals of T12-L1 to L5-S1 turning forwards going down, most at the bottom: L5-S1 is tilted 30 degrees. */
const lordotic = [0.1, 0.05, 0, -0.1, -0.25, -0.5];
const degrees = (sine: number): number => (Math.asin(sine) * 180) / Math.PI;
/** Angle between the two highest discs (2.9 degrees) minus that between the two lowest (15.5). */
const uprightExcess = degrees(0.1) - degrees(0.05) - (degrees(0.5) - degrees(0.25));

/** Returns the normals as a header with head and feet swapped shows them: order reversed, signs mirrored. */
const upsideDown = (normals: number[]): number[] => [...normals].reverse().map((y) => -y);
const chain = (normals: number[]): Structure[] => heights.map((z, index) => disc(z, normals[index]!));
const wideView = { distanceToEdge: () => 100 };

describe('checkOrientation', () => {
  it('accepts a lumbar chain', () => {
    const check = checkOrientation(chain(lordotic));
    assert.deepEqual(check.warnings, []);
    assert.ok(Math.abs(check.topWedgeExcessDegrees! - uprightExcess) < 1e-9, `${check.topWedgeExcessDegrees}`);
    assert.ok(Math.abs(check.lordosisTurn! - -0.6) < 1e-9);
  });

  it('warns on a bend at the top', () => {
    const check = checkOrientation(chain(upsideDown(lordotic)));
    assert.ok(Math.abs(check.topWedgeExcessDegrees! + uprightExcess) < 1e-9);
    // Mirroring head to feet leaves the turn of the lordosis as it was.
    assert.ok(Math.abs(check.lordosisTurn! - -0.6) < 1e-9);
    assert.deepEqual(check.warnings.map((w) => w.code), ['ORIENTATION_SUSPECTED']);
    assert.match(check.warnings[0]!.message, /^the two highest discs meet at 13 degrees more than the two lowest/);
    assert.match(check.warnings[0]!.message, /head and feet swapped\?\); the header's orientation may be wrong/);
  });

  it('warns on a backward curve', () => {
    const check = checkOrientation(chain(lordotic.map((y) => -y)));
    assert.deepEqual(check.warnings.map((w) => w.code), ['ORIENTATION_SUSPECTED']);
    assert.match(check.warnings[0]!.message, /^the disc planes turn to face backwards going down \(0\.60\)/);
  });

  it('joins both reasons in one warning', () => {
    const check = checkOrientation(chain(upsideDown(lordotic).map((y) => -y)));
    assert.equal(check.warnings.length, 1);
    assert.match(check.warnings[0]!.message, /head and feet swapped\?\); the disc planes turn/);
  });

  it('keeps disc angles under a lean', () => {
    // The whole spine leaning 20 degrees forwards changes every tilt but not the angles between discs.
    const lean = (20 * Math.PI) / 180;
    const leaning = lordotic.map((y) => Math.sin(Math.asin(y) - lean));
    const check = checkOrientation(chain(leaning));
    assert.ok(Math.abs(check.topWedgeExcessDegrees! - uprightExcess) < 1e-9);
    assert.deepEqual(check.warnings, []);
  });

  it('warns on a steep lean', () => {
    // Disc centres moved forwards with height, so that the spine leans by `degrees` in the sagittal plane.
    const leaning = (degrees: number): Structure[] =>
      chain(lordotic).map((d) => ({ ...d, center: [0, -d.center[2] * Math.tan((degrees * Math.PI) / 180), d.center[2]] as Vec3 }));
    const slight = checkOrientation(leaning(20));
    assert.ok(Math.abs(slight.spineTiltDegrees! - 20) < 1e-9);
    assert.deepEqual(slight.warnings, []);
    const steep = checkOrientation(leaning(40));
    assert.deepEqual(steep.warnings.map((w) => w.code), ['ORIENTATION_SUSPECTED']);
    assert.match(steep.warnings[0]!.message, /^the spine runs 40 degrees from the head-to-feet axis, more than a supine spine does \(header rotated\?\)/);
  });

  it('accepts normals of either sign', () => {
    const flippedNormals = chain(lordotic).map((d) => ({ ...d, thinAxis: [-d.thinAxis[0], -d.thinAxis[1], -d.thinAxis[2]] as Vec3 }));
    assert.deepEqual(checkOrientation(flippedNormals), checkOrientation(chain(lordotic)));
  });

  it('skips a chain of two discs', () => {
    const short = checkOrientation([disc(35, 0.5), disc(0, -0.5)]);
    assert.deepEqual(short, { topWedgeExcessDegrees: null, lordosisTurn: null, spineTiltDegrees: null, warnings: [] });
  });

  it('leaves out added discs', () => {
    // A faint disc added under the chain has no volume of its own, and copies the tilt of the disc above.
    const added = checkOrientation([...chain(lordotic), disc(-35, -0.5, 0)]);
    assert.deepEqual(added, checkOrientation(chain(lordotic)));
  });
});

describe('nameLevels upside down', () => {
  it('brings every name under 0.5', () => {
    const naming = nameLevels(chain(upsideDown(lordotic)), [], wideView);
    assert.ok(naming.warnings.some((w) => w.code === 'ORIENTATION_SUSPECTED'));
    assert.equal(naming.anchorConfidence, 0.2);
    for (const named of naming.discs) assert.ok(named.confidence < 0.5, `${named.name} ${named.confidence}`);
    assert.equal(nameLevels(chain(lordotic), [], wideView).anchorConfidence, 0.95);
  });
});
