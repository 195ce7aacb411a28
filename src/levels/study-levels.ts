import { applyLinear, type Mat4 } from '../geometry/affine.js';
import { makeVolume, type Volume } from '../geometry/volume.js';
import type { TrainingBodyIntensity } from '../segmentation/model.js';
import type { Segmentation } from '../segmentation/segment.js';
import { removeOffSpineComponents } from './clean.js';
import { checkContrast, type ContrastCheck } from './contrast.js';
import { findLevels, type LevelResult } from './find-levels.js';
import { inverseRotation, rotatedVolume, sagittalSeriesFrame } from './series-frame.js';

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
 * training cases. `image` is the series the segmentation was computed on. On an oblique series the
 * levels are found in the frame of its planes (sagittalSeriesFrame) and turned back to LPS.
 * @throws DeepspineError NOT_LUMBAR_SPINE from findLevels.
 */
export function findStudyLevels(segmentation: Segmentation, image: Volume, source: string, training: TrainingBodyIntensity | null): StudyLevels {
  const frame = sagittalSeriesFrame(image);
  if (frame === null) return findInPatientFrame(segmentation, image, source, training);
  const turned: Segmentation = {
    ...segmentation,
    labels: rotatedVolume(segmentation.labels, frame),
    vertebraProbability: rotatedVolume(segmentation.vertebraProbability, frame),
    discProbability: rotatedVolume(segmentation.discProbability, frame),
  };
  const found = findInPatientFrame(turned, rotatedVolume(image, frame), source, training);
  return {
    levels: turnLevels(found.levels, inverseRotation(frame)),
    labels: makeVolume(segmentation.labels.size, segmentation.labels.affine, found.labels.data),
    contrast: found.contrast,
  };
}

function findInPatientFrame(segmentation: Segmentation, image: Volume, source: string, training: TrainingBodyIntensity | null): StudyLevels {
  const found = findLevels(segmentation, source, image);
  const labels = removeOffSpineComponents(segmentation.labels, found).labels;
  const { levels, contrast } = checkContrast(found, image, labels, segmentation.window, training);
  return { levels, labels, contrast };
}

/** Returns the levels with every position and direction turned by `rotation`. */
function turnLevels(levels: LevelResult, rotation: Mat4): LevelResult {
  return {
    levels: levels.levels.map((level) => ({
      ...level,
      center: applyLinear(rotation, level.center),
      normal: applyLinear(rotation, level.normal),
      posterior: applyLinear(rotation, level.posterior),
    })),
    vertebrae: levels.vertebrae.map((vertebra) => ({ ...vertebra, center: applyLinear(rotation, vertebra.center) })),
    allDiscs: levels.allDiscs.map((disc) => ({ ...disc, center: applyLinear(rotation, disc.center) })),
    warnings: levels.warnings,
    // Voxel indices do not change when the frame turns.
    imagedPlanes: levels.imagedPlanes,
  };
}
