import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identity4 } from '../../src/geometry/affine.js';
import { makeVolume, type Volume } from '../../src/geometry/volume.js';
import { segmentationClasses } from '../../src/segmentation/classes.js';
import { pseudoLabel, unknownBelowLowestBody } from '../../src/segmentation/pseudo-labels.js';

const size = [30, 60, 3] as const;
const [nx, ny] = size;
const index = (i: number, j: number, k: number): number => i + nx * (j + ny * k);
const bodyBit = 1 << (segmentationClasses.vertebralBody - 1);
const discBit = 1 << (segmentationClasses.disc - 1);

/**
 * Sagittal layout (i posterior, j inferior, k lateral): bodies 10 rows high and 10 columns deep
 * (columns 5 to 14), with discs of 4 rows between them, the first starting at row 4.
 */
function spine(ids: number[]): { labels: Volume<Uint8Array>; instances: Volume<Uint16Array> } {
  const labels = new Uint8Array(nx * ny * size[2]);
  const instances = new Uint16Array(labels.length);
  ids.forEach((id, n) => {
    const top = 4 + n * 14;
    for (let k = 0; k < size[2]; k++) {
      for (let j = top; j < top + 10; j++) {
        for (let i = 5; i < 15; i++) {
          labels[index(i, j, k)] = segmentationClasses.vertebralBody;
          instances[index(i, j, k)] = id;
        }
      }
    }
  });
  return { labels: makeVolume(size, identity4(), labels), instances: makeVolume(size, identity4(), instances) };
}

describe('pseudoLabel', () => {
  it('fills discs between labelled bodies', () => {
    const { labels, instances } = spine([22, 23, 24]);
    const result = pseudoLabel(labels, instances, [segmentationClasses.vertebralBody], 1);
    // Two gaps of 4 rows over 10 columns and 3 planes.
    assert.equal(result.filled, 2 * 4 * 10 * 3);
    assert.equal(result.labels[index(8, 15, 1)], segmentationClasses.disc);
    assert.equal(result.known[index(8, 15, 1)]! & discBit, discBit);
    // Above the top body and below the bottom one, the disc channel is unknown.
    assert.equal(result.known[index(8, 2, 1)]! & discBit, 0);
    assert.equal(result.known[index(8, 50, 1)]! & discBit, 0);
  });

  it('marks the body below L5 unknown', () => {
    const { labels, instances } = spine([22, 23, 24]);
    const result = pseudoLabel(labels, instances, [segmentationClasses.vertebralBody], 1);
    // L5 (id 24) covers rows 32 to 41. Below it, 1.5 body heights (15 rows) over its columns
    // widened by half its depth (5 columns) on each side are unknown for the body channel.
    assert.equal(result.unknownBelow, 15 * 20 * 3);
    for (const [i, j] of [[8, 42], [0, 42], [19, 56]] as const) assert.equal(result.known[index(i, j, 1)]! & bodyBit, 0, `row ${j} column ${i}`);
    assert.equal(result.known[index(8, 57, 1)]! & bodyBit, bodyBit);
    assert.equal(result.known[index(8, 41, 1)]! & bodyBit, bodyBit);
    assert.equal(result.known[index(8, 2, 1)]! & bodyBit, bodyBit);
  });

  it('keeps the body known below a labelled sacrum', () => {
    const { instances } = spine([24, 26]);
    const known = new Uint8Array(nx * ny * size[2]).fill(bodyBit);
    assert.equal(unknownBelowLowestBody(instances, known, 26), 0);
    assert.ok(known.every((bits) => bits === bodyBit));
  });

  it('follows the body bottom per column', () => {
    const { instances } = spine([24]);
    // Raise the bottom of column 5 by three rows, as on a tilted endplate.
    for (let k = 0; k < size[2]; k++) for (let j = 11; j < 14; j++) instances.data[index(5, j, k)] = 0;
    const known = new Uint8Array(nx * ny * size[2]).fill(bodyBit);
    unknownBelowLowestBody(instances, known, 24, 1, 0.5);
    assert.equal(known[index(5, 10, 0)]! & bodyBit, bodyBit);
    assert.equal(known[index(5, 11, 0)]! & bodyBit, 0);
    assert.equal(known[index(5, 21, 0)]! & bodyBit, bodyBit);
    assert.equal(known[index(6, 13, 0)]! & bodyBit, bodyBit);
    assert.equal(known[index(6, 14, 0)]! & bodyBit, 0);
    // Column 1 has no body voxel: its region starts under the body's lowest row (13).
    assert.equal(known[index(1, 13, 0)]! & bodyBit, bodyBit);
    assert.equal(known[index(1, 14, 0)]! & bodyBit, 0);
    // Beyond half a depth (5 columns) from the body, the channel stays known.
    assert.equal(known[index(25, 14, 0)]! & bodyBit, bodyBit);
    assert.equal(known[index(0, 14, 0)]! & bodyBit, 0);
  });
});
