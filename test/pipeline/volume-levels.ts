import type { Volume } from '../../src/geometry/volume.js';
import { findStudyLevels } from '../../src/levels/study-levels.js';
import type { SegmentationModel } from '../../src/segmentation/model.js';
import { segmentSagittalVolume } from '../../src/segmentation/segment.js';

/** Segments a sagittal volume and finds its levels as `analyze` does. */
export async function volumeLevels(image: Volume, model: SegmentationModel, source: string) {
  const segmentation = await segmentSagittalVolume(image, model);
  return findStudyLevels(segmentation, image, source, model.bodyIntensity).levels;
}
