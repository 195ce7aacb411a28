import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Vec3 } from '../../src/geometry/affine.js';
import { nameLevels } from '../../src/levels/naming.js';
import type { Structure } from '../../src/levels/structures.js';

/** Builds a flat structure at height z (LPS mm) on the midline, tilted like a lumbosacral disc when `tilted`. */
function structure(kind: Structure['kind'], z: number, volumeMm3: number, tilted = false): Structure {
  const thinAxis: Vec3 = tilted ? [0, -0.5, Math.sqrt(0.75)] : [0, 0, 1];
  const posteriorAxis: Vec3 = tilted ? [0, Math.sqrt(0.75), 0.5] : [0, 1, 0];
  return { kind, center: [0, 0, z], volumeMm3, thinAxis, posteriorAxis, thickness: 10, depth: 35, meanProbability: 1 };
}

const wideView = { distanceToEdge: () => 100 };

describe('nameLevels', () => {
  // Six discs 35 mm apart, and above them the top disc found a second time 8 mm higher.
  const discs = [structure('disc', 183, 9000), ...[175, 140, 105, 70, 35].map((z) => structure('disc', z, 9000)), structure('disc', 0, 9000, true)];
  // A 600 mm^3 sliver of body just under the second detection takes the name L1, as the body below it does.
  const bodies = [structure('vertebra', 171, 600), ...[157, 122, 87, 52, 17].map((z) => structure('vertebra', z, 30000)), structure('vertebra', -18, 30000)];

  it('warns of two discs closer than half the spacing', () => {
    const naming = nameLevels(discs, bodies, wideView);
    assert.deepEqual(naming.warnings.map((w) => w.code), ['DISC_CHAIN_CROWDED']);
    assert.match(naming.warnings[0]!.message, /1 pair\(s\) of neighbouring discs lie as close as 8 mm, less than half the typical 35 mm/);
  });

  it('halves the names above the crowded pair', () => {
    const naming = nameLevels(discs, bodies, wideView);
    const confidence = Object.fromEntries(naming.discs.map((d) => [d.name, d.confidence]));
    assert.equal(confidence['L5-S1'], 0.95);
    assert.equal(confidence['T12-L1'], 0.95);
    assert.equal(confidence['T11-T12'], 0.475);
  });

  it('gives each vertebra name once', () => {
    const names = nameLevels(discs, bodies, wideView).vertebrae.map((v) => v.name);
    assert.equal(new Set(names).size, names.length, names.join(', '));
    // The sliver is left out, and the whole body keeps the name.
    assert.deepEqual(names, ['L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    assert.equal(nameLevels(discs, bodies, wideView).vertebrae[0]!.structure.center[2], 157);
  });
});

describe('nameLevels with a thoracic disc missed', () => {
  // L5-S1 at z 0 up to T12-L1 at 184 (32 mm above L1-L2), then T10-T11 60 mm higher: T11-T12 is
  // missing. 60 mm is under 1.6 times the median spacing of 38.5, but not under 1.6 times 32.
  const discs = [244, 184, 152, 117, 78, 38].map((z) => structure('disc', z, 9000));
  discs.push(structure('disc', 0, 9000, true));

  it('finds the gap from the spacing next to it', () => {
    const naming = nameLevels(discs, [], wideView);
    assert.deepEqual(naming.warnings.map((w) => w.code), ['DISC_CHAIN_GAP']);
    assert.match(naming.warnings[0]!.message, /more than 1\.6 times the typical 39 mm or the spacing of the discs next to them \(60 mm against 32 mm\)/);
  });

  it('halves only the name above the gap', () => {
    const confidence = nameLevels(discs, [], wideView).discs.map((d) => [d.name, d.confidence]);
    assert.deepEqual(confidence, [
      ['T11-T12', 0.475],
      ['T12-L1', 0.95],
      ['L1-L2', 0.95],
      ['L2-L3', 0.95],
      ['L3-L4', 0.95],
      ['L4-L5', 0.95],
      ['L5-S1', 0.95],
    ]);
  });

  it('finds no gap where the spacing grows smoothly', () => {
    const smooth = [214, 184, 152, 117, 78, 38].map((z) => structure('disc', z, 9000));
    smooth.push(structure('disc', 0, 9000, true));
    assert.deepEqual(nameLevels(smooth, [], wideView).warnings, []);
  });
});
