import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import { applyAffine } from '../../src/geometry/affine.js';
import { makeVolume, type Volume } from '../../src/geometry/volume.js';
import { findLevels } from '../../src/levels/find-levels.js';
import { syntheticSpine } from './synthetic-spine.js';

const lumbar = [8, 9, 10, 11, 12, 10];

/**
 * Builds an image on the grid of `labels` that shows anatomy (values 100 to 106) down to 10 mm
 * under the lowest disc and `below(index)` under that.
 */
function imageEndingUnder(labels: Volume, lowestDiscZ: number, below: (index: number) => number): Volume {
  const [nx, ny] = labels.size;
  const data = new Float32Array(labels.data.length).map((_, index) => {
    const z = applyAffine(labels.affine, [index % nx, Math.floor(index / nx) % ny, Math.floor(index / (nx * ny))])[2];
    return z < lowestDiscZ - 10 ? below(index) : 100 + (index % 7);
  });
  return makeVolume(labels.size, labels.affine, data);
}

describe('findLevels', () => {
  it('names six discs T12-L1 to L5-S1', () => {
    const { segmentation, discZ } = syntheticSpine({ discHeights: lumbar });
    const result = findLevels(segmentation, 'synthetic');
    assert.deepEqual(
      result.levels.map((l) => l.level),
      ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'],
    );
    result.levels.forEach((level, index) => assert.ok(Math.abs(level.center[2] - discZ[index]!) < 0.6, `${level.level} z`));
    assert.equal(result.warnings.length, 0);
    for (const level of result.levels) assert.ok(level.confidence > 0.9, `${level.level} confidence ${level.confidence}`);
  });

  it('merges two halves of one disc', () => {
    // The halves of L2-L3 lie 43 mm apart left to right, as on a series with scrambled planes.
    const { segmentation } = syntheticSpine({ discHeights: lumbar, lateralSlices: 60, splitDisc: [2] });
    const result = findLevels(segmentation, 'synthetic');
    assert.deepEqual(
      result.levels.map((l) => l.level),
      ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'],
    );
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.vertebrae.map((v) => v.name), ['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
  });

  it('names the bodies around the discs', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar });
    const names = findLevels(segmentation, 'synthetic').vertebrae.map((v) => v.name);
    assert.deepEqual(names, ['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
  });

  it('measures disc heights and depth', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar, depth: 40 });
    const l4 = findLevels(segmentation, 'synthetic').levels.find((l) => l.level === 'L4-L5')!;
    assert.ok(l4.measurements !== null);
    for (const height of [l4.measurements.anteriorHeightMm, l4.measurements.middleHeightMm, l4.measurements.posteriorHeightMm]) {
      assert.ok(Math.abs(height - 12) < 0.6, `height ${height}`);
    }
    assert.ok(Math.abs(l4.measurements.discHeightIndex - 12 / 39) < 0.03, `DHI ${l4.measurements.discHeightIndex}`);
  });

  it('ends the view at padding', () => {
    const { segmentation, discZ } = syntheticSpine({ discHeights: lumbar });
    const { labels } = segmentation;
    // Below the anatomy the image contains its lowest value, 0.
    const image = imageEndingUnder(labels, discZ.at(-1)!, () => 0);
    const padded = findLevels(segmentation, 'synthetic', image);
    assert.ok(padded.warnings.some((w) => w.code === 'SACRUM_NOT_IN_VIEW'), padded.warnings.map((w) => w.code).join(', '));
    for (const level of padded.levels) assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence}`);
    // The rows of zeros are padding: the image ends near the last row of anatomy. The grid is tilted,
    // so the last two rows of anatomy show it only in a corner, too little to count.
    let lastImaged = 0;
    image.data.forEach((value, index) => {
      if (value > 0) lastImaged = Math.max(lastImaged, Math.floor(index / labels.size[0]) % labels.size[1]);
    });
    const imaged = padded.imagedPlanes;
    assert.ok(imaged !== null, 'no padding found');
    assert.equal(imaged.axis, 1);
    assert.equal(imaged.first, 0);
    assert.ok(imaged.last <= lastImaged, `last ${imaged.last}, last row of anatomy ${lastImaged}`);
    assert.ok(imaged.last >= lastImaged - 3, `last ${imaged.last}, last row of anatomy ${lastImaged}`);
    // Without the image, the grid alone reaches 60 mm under the sacrum's top.
    const gridOnly = findLevels(segmentation, 'synthetic');
    assert.deepEqual(gridOnly.warnings, []);
    assert.equal(gridOnly.imagedPlanes, null);
    // An image with anatomy all the way down is not taken for padding.
    const full = makeVolume(labels.size, labels.affine, new Float32Array(labels.data.length).map((_, index) => 100 + (index % 7)));
    assert.deepEqual(findLevels(segmentation, 'synthetic', full).warnings, []);
  });

  it('ends the view at noise padding', () => {
    const { segmentation, discZ } = syntheticSpine({ discHeights: lumbar });
    // Below the anatomy the image contains noise of 0 to 4.
    const image = imageEndingUnder(segmentation.labels, discZ.at(-1)!, (index) => (index * 7919) % 5);
    const padded = findLevels(segmentation, 'synthetic', image);
    assert.ok(padded.warnings.some((w) => w.code === 'SACRUM_NOT_IN_VIEW'), padded.warnings.map((w) => w.code).join(', '));
    for (const level of padded.levels) assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence}`);
    // Noise of 20 to 24, a fifth of the anatomy's brightness, is not taken for padding.
    const brightNoise = imageEndingUnder(segmentation.labels, discZ.at(-1)!, (index) => 20 + ((index * 7919) % 5));
    assert.deepEqual(findLevels(segmentation, 'synthetic', brightNoise).warnings, []);
  });

  it('ends the view at copied planes', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar });
    const { labels } = segmentation;
    const [nx, ny] = labels.size;
    // Rows run to the feet. The cut lies 10 rows under the lowest disc voxel.
    let lowestDiscRow = 0;
    labels.data.forEach((label, index) => {
      if (label === 2) lowestDiscRow = Math.max(lowestDiscRow, Math.floor(index / nx) % ny);
    });
    const cutRow = lowestDiscRow + 10;
    // The anatomy's pattern changes from row to row. Under the cut every row repeats the last one
    // with noise of 0 to 4 added, as a resampler's edge padding does.
    const imageWith = (fill: 'none' | 'copy' | 'fade'): Volume => {
      const data = new Float32Array(labels.data.length).map((_, index) => {
        const [i, j, k] = [index % nx, Math.floor(index / nx) % ny, Math.floor(index / (nx * ny))];
        const row = fill === 'none' ? j : Math.min(j, cutRow);
        // A fading copy loses 0.6 % of its brightness a row, so it never stays close to the edge row.
        const fade = fill === 'fade' ? 1 - 0.006 * Math.max(0, j - cutRow) : 1;
        return fade * (100 + 30 * Math.sin(i / 3 + row / 4) + 30 * Math.cos(k / 4 - row / 6)) + ((index * 7919) % 5);
      });
      return makeVolume(labels.size, labels.affine, data);
    };

    for (const fill of ['copy', 'fade'] as const) {
      const padded = findLevels(segmentation, 'synthetic', imageWith(fill));

      assert.ok(padded.warnings.some((w) => w.code === 'SACRUM_NOT_IN_VIEW'), `${fill}: ${padded.warnings.map((w) => w.code).join(', ')}`);
      for (const level of padded.levels) assert.ok(level.confidence < 0.5, `${fill}: ${level.level} confidence ${level.confidence}`);
      // The image ends at the cut row, which the rows under it copy. A fading copy is compared with
      // the row 4 mm further in, so up to 4 rows under the cut still count as image.
      const imaged = padded.imagedPlanes;
      assert.ok(imaged !== null, `${fill}: no padding found`);
      assert.equal(imaged.axis, 1, fill);
      assert.equal(imaged.first, 0, fill);
      assert.ok(imaged.last >= cutRow, `${fill}: last ${imaged.last}, cut ${cutRow}`);
      assert.ok(imaged.last <= (fill === 'copy' ? cutRow : cutRow + 4), `${fill}: last ${imaged.last}, cut ${cutRow}`);
    }
    // The same anatomy without the cut goes on below, so nothing is taken for padding.
    const uncut = findLevels(segmentation, 'synthetic', imageWith('none'));
    assert.deepEqual(uncut.warnings, []);
    assert.equal(uncut.imagedPlanes, null);
  });

  it('warns and lowers confidence without the sacrum', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar, marginBelow: 2 });
    const result = findLevels(segmentation, 'synthetic');
    assert.ok(result.warnings.some((w) => w.code === 'SACRUM_NOT_IN_VIEW'));
    for (const level of result.levels) assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence}`);
  });

  it('warns when the lowest body is cut', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar, marginBelow: 20 });
    const result = findLevels(segmentation, 'synthetic');
    const warning = result.warnings.find((w) => w.code === 'SACRUM_NOT_IN_VIEW');
    assert.ok(warning, JSON.stringify(result.warnings));
    assert.match(warning.message, /may be L5/);
    for (const level of result.levels) assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence}`);
  });

  it('flags a flat lowest disc', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar, tiltDegrees: 0 });
    const result = findLevels(segmentation, 'synthetic');
    assert.ok(result.warnings.some((w) => w.code === 'SACRUM_NOT_IDENTIFIED'));
    for (const level of result.levels) assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence}`);
  });

  it('flags a rudimentary lowest disc', () => {
    const { segmentation } = syntheticSpine({ discHeights: [9, 10, 11, 12, 12, 3] });
    const result = findLevels(segmentation, 'synthetic');
    assert.ok(result.warnings.some((w) => w.code === 'TRANSITIONAL_ANATOMY_SUSPECTED'));
    assert.ok(result.levels.every((l) => l.confidence < 0.5));
  });

  it('flags a gap in the disc chain', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar, omit: [2] });
    const result = findLevels(segmentation, 'synthetic');
    assert.ok(result.warnings.some((w) => w.code === 'DISC_CHAIN_GAP'));
    const top = result.allDiscs[0]!;
    const bottom = result.allDiscs[result.allDiscs.length - 1]!;
    assert.ok(top.confidence < bottom.confidence);
  });

  it('adds a lowest disc missed between two bodies', () => {
    const { segmentation, discZ } = syntheticSpine({ discHeights: lumbar, omit: [5] });
    const result = findLevels(segmentation, 'synthetic');
    assert.deepEqual(
      result.levels.map((l) => l.level),
      ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'],
    );
    const added = result.levels[5]!;
    assert.ok(Math.abs(added.center[2] - discZ[5]!) < 2, `added disc z ${added.center[2]}, truth ${discZ[5]}`);
    assert.equal(added.measurements, null);
    assert.ok(result.warnings.some((w) => w.code === 'FAINT_DISC_ADDED' && w.message.includes('two vertebral bodies')));
    // The bodies around the added disc are split at it: L5 lies between L4-L5 and the added disc, S1 below.
    const names = result.vertebrae.map((v) => v.name);
    assert.deepEqual(names, ['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    const l5 = result.vertebrae[5]!;
    const s1 = result.vertebrae[6]!;
    assert.ok(l5.center[2] < discZ[4]!, `L5 z ${l5.center[2]} not below ${discZ[4]}`);
    assert.ok(l5.center[2] > discZ[5]!, `L5 z ${l5.center[2]} not above ${discZ[5]}`);
    assert.ok(s1.center[2] < discZ[5]!, `S1 z ${s1.center[2]} not below ${discZ[5]}`);
    // S1 follows under the added disc, so the names above it stay over 0.5, with the warning.
    assert.ok(result.warnings.some((w) => w.code === 'FAINT_DISC_ADDED' && w.message.includes('a vertebral body follows under it')));
    for (const level of result.levels.slice(0, 5)) assert.ok(level.confidence > 0.5 && level.confidence <= 0.7, `${level.level} confidence ${level.confidence}`);
  });

  it('adds a faint lowest disc with S1 under it', () => {
    const { segmentation, discZ } = syntheticSpine({ discHeights: lumbar, faint: [5] });
    const result = findLevels(segmentation, 'synthetic');
    assert.deepEqual(
      result.levels.map((l) => l.level),
      ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'],
    );
    assert.ok(Math.abs(result.levels[5]!.center[2] - discZ[5]!) < 2, `added disc z ${result.levels[5]!.center[2]}, truth ${discZ[5]}`);
    const warning = result.warnings.find((w) => w.code === 'FAINT_DISC_ADDED');
    assert.ok(warning, JSON.stringify(result.warnings));
    assert.match(warning.message, /a band of disc probability \(mean 0\.50\).*a vertebral body follows under it/);
    for (const level of result.levels.slice(0, 5)) assert.ok(level.confidence > 0.5 && level.confidence <= 0.7, `${level.level} confidence ${level.confidence}`);
  });

  it('marks every name when no body follows an added disc', () => {
    // The lowest segmented disc is L5-S1, and the band under the sacral body is the rudimentary
    // S1-S2 disc. Taken for L5-S1 it shifts every name, so every name must stay under 0.5.
    const { segmentation } = syntheticSpine({ discHeights: lumbar, sacralDisc: { s2Body: false } });
    const result = findLevels(segmentation, 'synthetic');
    const warning = result.warnings.find((w) => w.code === 'FAINT_DISC_ADDED');
    assert.ok(warning, JSON.stringify(result.warnings));
    assert.match(warning.message, /no vertebral body follows under it, so it may be the rudimentary S1-S2 disc/);
    assert.equal(result.levels[result.levels.length - 1]!.level, 'L5-S1');
    for (const level of result.levels) assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence}`);
    for (const disc of result.allDiscs) assert.ok(disc.confidence < 0.5, `${disc.name} confidence ${disc.confidence}`);
    for (const vertebra of result.vertebrae) assert.ok(vertebra.confidence < 0.5, `${vertebra.name} confidence ${vertebra.confidence}`);
  });

  it('doubts names over merged L5 and S1', () => {
    // L5-S1 is drawn as bone, so L5 and S1 make one body and L4-L5 is the lowest disc.
    const { segmentation } = syntheticSpine({ discHeights: lumbar, fused: [5] });
    const result = findLevels(segmentation, 'synthetic');
    assert.equal(result.levels.at(-1)!.level, 'L5-S1');
    assert.equal(result.levels.length, 5);
    const warning = result.warnings.find((w) => w.code === 'LONG_BODY_BELOW_LOWEST_DISC');
    assert.ok(warning, JSON.stringify(result.warnings));
    assert.match(warning.message, /goes on for (6\d) mm \(1\.[78] disc spacings\)/);
    assert.ok(!result.warnings.some((w) => w.code === 'FAINT_DISC_ADDED'));
    for (const level of result.levels) assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence}`);
    for (const vertebra of result.vertebrae) assert.ok(vertebra.confidence < 0.5, `${vertebra.name} confidence ${vertebra.confidence}`);
  });

  it('judges sacrum height by the limit', () => {
    // L5-S1 lies 36 mm under L4-L5. With half of it, a sacral body 30 mm high ends 0.97 spacings
    // under its centre, and one 45 mm high 1.39 spacings, which is read as L5 and S1.
    const codes = (sacrumHeight: number) => findLevels(syntheticSpine({ discHeights: lumbar, sacrumHeight }).segmentation, 'synthetic').warnings.map((w) => w.code);
    assert.deepEqual(codes(30), []);
    assert.deepEqual(codes(45), ['LONG_BODY_BELOW_LOWEST_DISC']);
  });

  it('adds no disc with nothing below the sacrum', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar.slice(0, 5) });
    const result = findLevels(segmentation, 'synthetic');
    assert.equal(result.levels.length, 5);
    assert.ok(!result.warnings.some((w) => w.code === 'FAINT_DISC_ADDED'));
  });

  it('rejects discs too small to be lumbar', () => {
    const { segmentation } = syntheticSpine({ discHeights: [5, 5, 5, 5], depth: 16, bodyHeight: 14 });
    assert.throws(() => findLevels(segmentation, 'neck.nii.gz'), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'NOT_LUMBAR_SPINE');
      assert.match(error.message, /neck\.nii\.gz/);
      return true;
    });
  });

  it('rejects a segmentation without discs', () => {
    const { segmentation } = syntheticSpine({ discHeights: lumbar });
    segmentation.labels.data.fill(0);
    assert.throws(() => findLevels(segmentation, 'empty'), /no intervertebral disc was found/);
  });
});
