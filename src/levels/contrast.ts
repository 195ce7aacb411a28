import type { Volume } from '../geometry/volume.js';
import type { Warning } from '../errors.js';
import { segmentationClasses } from '../segmentation/classes.js';
import { medianWindowedIntensity } from '../segmentation/contrast.js';
import type { BodyIntensityRange } from '../segmentation/model.js';
import type { IntensityWindow } from '../segmentation/preprocess.js';
import type { LevelResult } from './find-levels.js';

/**
 * Distance, in units of the series window, that a study's body intensity may lie outside the
 * training range before its contrast counts as unseen. Holding out each of the 12 T1, T2 and TIRM body
 * cases in turn, the farthest one lay 0.035 below the others' range (vb1-07, 0.067 against
 * 0.102), and the water-fat volume lay 0.29 above it (0.53 against 0.24).
 * NOTE: chosen from those 13 volumes; a margin is a guess at how far the network generalises.
 */
export const bodyIntensityMargin = 0.05;

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
  /** The model's training range, from its sidecar; null when the sidecar records none. */
  readonly trainingRange: BodyIntensityRange | null;
  /** Whether bodyIntensity lies within the training range widened by bodyIntensityMargin; null when either is unknown. */
  readonly withinTrainingRange: boolean | null;
}

/**
 * Compares the intensity of the segmented vertebral bodies with the model's training range and,
 * when it lies outside, adds CONTRAST_UNLIKE_TRAINING and multiplies every confidence by
 * unseenContrastConfidenceFactor. `labels` is the written label map, without the components off
 * the spine, on the grid of `image`. `window` is the series window that mapped the network input.
 */
export function checkContrast(
  levels: LevelResult,
  image: Volume,
  labels: Volume<Uint8Array>,
  window: IntensityWindow,
  trainingRange: BodyIntensityRange | null,
): { levels: LevelResult; contrast: ContrastCheck } {
  const measured = medianWindowedIntensity(image, labels.data, segmentationClasses.vertebralBody, window);
  const bodyIntensity = measured === null ? null : Math.round(measured * 1000) / 1000;
  if (bodyIntensity === null || trainingRange === null) {
    return { levels, contrast: { bodyIntensity, trainingRange, withinTrainingRange: null } };
  }
  const within = bodyIntensity >= trainingRange.min - bodyIntensityMargin && bodyIntensity <= trainingRange.max + bodyIntensityMargin;
  const contrast = { bodyIntensity, trainingRange, withinTrainingRange: within };
  if (within) return { levels, contrast };
  const side = bodyIntensity > trainingRange.max ? 'brighter' : 'darker';
  const warning: Warning = {
    code: 'CONTRAST_UNLIKE_TRAINING',
    message:
      `the vertebral bodies are ${side} in the series window (median ${bodyIntensity.toFixed(2)}) than in any of the model's ` +
      `${trainingRange.cases} training cases (${trainingRange.min.toFixed(2)} to ${trainingRange.max.toFixed(2)}), so this contrast is new to the network; ` +
      'a missed lowest disc can shift every name, so check the names on the overlay',
  };
  const scaled = <T extends { confidence: number }>(item: T): T => ({ ...item, confidence: Math.round(item.confidence * unseenContrastConfidenceFactor * 1000) / 1000 });
  return {
    levels: {
      levels: levels.levels.map(scaled),
      vertebrae: levels.vertebrae.map(scaled),
      allDiscs: levels.allDiscs.map(scaled),
      warnings: [...levels.warnings, warning],
    },
    contrast,
  };
}
