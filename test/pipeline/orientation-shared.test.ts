import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Mat4 } from '../../src/geometry/affine.js';
import { makeVolume, type Volume } from '../../src/geometry/volume.js';
import { readVolumeFile } from '../../src/input/volume-file.js';
import { findStudyLevels } from '../../src/levels/study-levels.js';
import { loadSegmentationModel, type SegmentationModel } from '../../src/segmentation/model.js';
import { segmentSagittalVolume } from '../../src/segmentation/segment.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

/** The volume with its header's patient axis `axis` (1 front to back, 2 head to feet) reversed; the voxels stay. */
function flipHeader(volume: Volume, axis: 1 | 2): Volume {
  const affine = [...volume.affine];
  for (let column = 0; column < 4; column++) affine[axis * 4 + column] = -affine[axis * 4 + column]!;
  return makeVolume(volume.size, affine as Mat4, volume.data);
}

async function levelsOf(image: Volume, model: SegmentationModel) {
  const segmentation = await segmentSagittalVolume(image, model);
  return findStudyLevels(segmentation, image, 'flipped', model.bodyIntensity).levels;
}

// With a wrong header the network sees the spine mirrored or upside down. On vb1-08 it then found
// five discs and named them one or two levels off at 0.82 to 0.91, with no warning, both ways.
describe('level naming with a flipped header', { skip: skipWithoutSharedData('volumes', 'vb1-08') }, () => {
  let model: SegmentationModel;
  let image: Volume;
  before(async () => {
    model = await loadSegmentationModel(undefined, 1);
    image = await readVolumeFile(sharedPath('volumes', 'vb1-08', 'image.nii.gz'));
  });

  it('raises no orientation warning on the volume as stored', async () => {
    const levels = await levelsOf(image, model);
    assert.deepEqual(levels.warnings.map((w) => w.code), []);
    for (const level of levels.levels) assert.ok(level.confidence >= 0.5, `${level.level} ${level.confidence}`);
  });

  for (const [axis, what] of [[1, 'front to back'], [2, 'head to feet']] as const) {
    it(`doubts every name with the header flipped ${what}`, async () => {
      const levels = await levelsOf(flipHeader(image, axis), model);
      assert.ok(levels.warnings.some((w) => w.code === 'ORIENTATION_SUSPECTED'), levels.warnings.map((w) => w.code).join(', '));
      assert.ok(levels.levels.length > 0);
      for (const level of levels.levels) assert.ok(level.confidence < 0.5, `${level.level} ${level.confidence}`);
    });
  }
});
