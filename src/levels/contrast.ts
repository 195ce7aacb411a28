import type { Volume } from '../geometry/volume.js';
import type { Warning } from '../errors.js';
import { segmentationClasses } from '../segmentation/classes.js';
import { medianWindowedIntensity } from '../segmentation/contrast.js';
import type { TrainingBodyIntensity } from '../segmentation/model.js';
import type { IntensityWindow } from '../segmentation/preprocess.js';
import type { LevelResult } from './find-levels.js';

/**
 * Distance, in units of the series window, from a study's body intensity to the nearest training
 * case beyond which its contrast counts as unseen. Holding out each of the 12 T1, T2 and TIRM body
 * cases in turn, the farthest one lay 0.035 from the nearest of the others (vb1-07, 0.067 against
 * 0.102), and the network still segmented and named it. The water-fat volume lay 0.29 from the
 * nearest (0.53 against 0.24), and was named one level off. The training augmentation scales
 * intensities by 0.5 to 1.5 and shifts them by up to 0.15, which moves a body at 0.2 by about 0.1.
 * NOTE: chosen between those figures from 13 volumes; how far the network generalises is not known.
 */
export const bodyIntensityMargin = 0.1;

/**
 * Factor on every confidence when the contrast is unseen. Held out, the water-fat volume was
 * named one level off at 0.88 with no other warning. On a contrast unlike its training data the
 * network found neither L5-S1 nor S1, and no naming check can tell L4-L5 with L5 under it from
 * L5-S1 with S1. The factor brings such names under 0.5, the mark of a name that may be shifted.
 */
export const unseenContrastConfidenceFactor = 0.5;

/** The comparison of a study's contrast with the training data, as results.json reports it. */
export interface ContrastCheck {
  /** Median intensity of the segmented vertebral bodies in the series window; null when no body was segmented. */
  readonly bodyIntensity: number | null;
  /** The training cases' body intensities, from the model's sidecar; null when the sidecar records none. */
  readonly trainingBodyIntensity: TrainingBodyIntensity | null;
  /** Distance from bodyIntensity to the nearest training case's value; null when either is unknown. */
  readonly distanceToTraining: number | null;
  /** Whether distanceToTraining is at most bodyIntensityMargin; null when it is unknown, and then no check is made. */
  readonly likeTraining: boolean | null;
}

/**
 * Compares the intensity of the segmented vertebral bodies with that of the model's training
 * cases and, when it lies farther than bodyIntensityMargin from every one of them, adds
 * CONTRAST_UNLIKE_TRAINING and multiplies every confidence by unseenContrastConfidenceFactor.
 * The nearest case counts, not the lowest and highest, so a study between two clusters of training
 * contrasts is flagged too. `labels` is the written label map, without the components off the
 * spine, on the grid of `image`. `window` is the series window that mapped the network input.
 */
export function checkContrast(
  levels: LevelResult,
  image: Volume,
  labels: Volume<Uint8Array>,
  window: IntensityWindow,
  training: TrainingBodyIntensity | null,
): { levels: LevelResult; contrast: ContrastCheck } {
  const measured = medianWindowedIntensity(image, labels.data, segmentationClasses.vertebralBody, window);
  const bodyIntensity = measured === null ? null : round3(measured);

  const unchecked = { bodyIntensity, trainingBodyIntensity: training, distanceToTraining: null, likeTraining: null };
  if (training === null) {
    // The confidences are left as they are, but the reader learns that one check is missing.
    const warning: Warning = {
      code: 'CONTRAST_NOT_CHECKED',
      message: "the segmentation model's sidecar records no body intensities of its training cases, so a contrast the network never saw goes unnoticed; export the model again to add them",
    };
    return { levels: { ...levels, warnings: [...levels.warnings, warning] }, contrast: unchecked };
  }
  if (bodyIntensity === null) return { levels, contrast: unchecked };

  const nearest = training.values.reduce((best, value) => (Math.abs(value - bodyIntensity) < Math.abs(best - bodyIntensity) ? value : best));
  const distanceToTraining = round3(Math.abs(nearest - bodyIntensity));
  const likeTraining = distanceToTraining <= bodyIntensityMargin + 1e-9;
  const contrast = { bodyIntensity, trainingBodyIntensity: training, distanceToTraining, likeTraining };
  if (likeTraining) return { levels, contrast };

  const warning: Warning = {
    code: 'CONTRAST_UNLIKE_TRAINING',
    message:
      `the vertebral bodies lie at ${bodyIntensity.toFixed(2)} of the series window, ${distanceToTraining.toFixed(2)} from the nearest of the model's ` +
      `${training.cases} training cases (${nearest.toFixed(2)}, all between ${training.min.toFixed(2)} and ${training.max.toFixed(2)}), so this contrast is new to the network; ` +
      'a missed lowest disc can shift every name, so check the names on the overlay',
  };
  const scaled = <T extends { confidence: number }>(item: T): T => ({ ...item, confidence: round3(item.confidence * unseenContrastConfidenceFactor) });
  return {
    levels: {
      ...levels,
      levels: levels.levels.map(scaled),
      vertebrae: levels.vertebrae.map(scaled),
      allDiscs: levels.allDiscs.map(scaled),
      warnings: [...levels.warnings, warning],
    },
    contrast,
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
