import type { Volume } from '../geometry/volume.js';
import type { TrainingBodyIntensity } from '../segmentation/model.js';
import type { Segmentation } from '../segmentation/segment.js';
import { removeOffSpineComponents } from './clean.js';
import { checkContrast, type ContrastCheck } from './contrast.js';
import { findLevels, type LevelResult } from './find-levels.js';

export interface StudyLevels {
  /** Named levels, their confidences lowered when the contrast is unlike the training data. */
  readonly levels: LevelResult;
  /** The label map without the components off the spine: the one written and scored. */
  readonly labels: Volume<Uint8Array>;
  readonly contrast: ContrastCheck;
}

/**
 * Finds and names the levels of a segmented sagittal series, removes the body and disc components
 * that lie off the spine, and compares the remaining bodies' intensity with that of the model's
 * training cases. `image` is the series the segmentation was computed on.
 * @throws DeepspineError NOT_LUMBAR_SPINE from findLevels.
 */
export function findStudyLevels(segmentation: Segmentation, image: Volume, source: string, training: TrainingBodyIntensity | null): StudyLevels {
  const found = findLevels(segmentation, source, image);
  const labels = removeOffSpineComponents(segmentation.labels, found).labels;
  const { levels, contrast } = checkContrast(found, image, labels, segmentation.window, training);
  return { levels, labels, contrast };
}
