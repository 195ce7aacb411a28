import { reorientVolume, invertAxisMapping, toSagittalLayout } from '../geometry/reorient.js';
import { makeVolume, spacing, type Volume } from '../geometry/volume.js';
import { modelSizeMultiple, paddingValue, segmentationClasses } from './classes.js';
import type { SegmentationModel } from './model.js';
import {
  applyIntensityWindow,
  computeIntensityWindow,
  extractPlane,
  type IntensityWindow,
  padPlane,
  resamplePlane,
  resampleTo,
  type Plane,
} from './preprocess.js';

/** Probability above which a pixel belongs to a structure; the more probable structure wins ties. */
export const probabilityThreshold = 0.5;

/** Segmentation of a sagittal series, on the grid of the volume it was computed from. */
export interface Segmentation {
  /** Label map: 0 background, 1 vertebral body, 2 disc. Same size and affine as the input volume. */
  readonly labels: Volume<Uint8Array>;
  /** Probability of vertebral body and of disc per voxel, same layout as `labels`. */
  readonly vertebraProbability: Volume<Float32Array>;
  readonly discProbability: Volume<Float32Array>;
  /** Intensity window of the series, which mapped its voxels into the network's range. */
  readonly window: IntensityWindow;
}

/** Number of planes sent to the network in one batch; bounds memory on large series. */
const planesPerBatch = 8;

/**
 * Standard deviation, in mm, of the Gaussian that smooths the probabilities across sagittal planes
 * closer together than maxSmoothedPlaneSpacingMm. The network segments one plane at a time. On a
 * series interpolated from thick slices to 1 mm planes, neighbouring planes differ mostly in noise
 * and interpolation, not in anatomy. There the smoothing raised the held-out body Dice
 * (models/segmentation/MODEL_CARD.md).
 */
export const acrossPlaneSigmaMm = 2;

/**
 * Plane spacing in mm from which planes are taken as acquired slices, each imaging its own anatomy,
 * and are not smoothed. On the demo's 4.4 mm slices even light smoothing made the thin L5-S1 disc
 * small enough to raise TRANSITIONAL_ANATOMY_SUSPECTED.
 * NOTE: the gain was measured only on volumes interpolated from thick slices. A native thin 3-D
 * acquisition is smoothed too, and its effect there is not measured.
 */
export const maxSmoothedPlaneSpacingMm = 2;

/**
 * Segments every sagittal plane of a volume. The volume is brought into the sagittal layout by
 * axis swaps only. Each plane is normalised with the series-wide window, resampled to the spacing
 * in the model's sidecar and segmented. The probabilities are resampled back onto the plane's own
 * grid and, when the planes are thin, smoothed across planes (acrossPlaneSigmaMm).
 */
export async function segmentSagittalVolume(volume: Volume, model: SegmentationModel, timings?: Record<string, number>): Promise<Segmentation> {
  const clock = stepClock(timings);
  const { volume: sagittal, mapping } = toSagittalLayout(volume);
  const [width, height, planes] = sagittal.size;
  const window = computeIntensityWindow(sagittal.data);
  const planeSize = width * height;
  const vertebra = new Float32Array(planeSize * planes);
  const disc = new Float32Array(planeSize * planes);

  for (let first = 0; first < planes; first += planesPerBatch) {
    const count = Math.min(planesPerBatch, planes - first);
    const prepared: Plane[] = [];
    let native: Plane | null = null;
    for (let k = first; k < first + count; k++) {
      native = extractPlane(sagittal, k);
      const resampled = resamplePlane(native, model.spacingMm, 'linear');
      applyIntensityWindow(resampled.data as Float32Array, window);
      prepared.push(padPlane(resampled, modelSizeMultiple, paddingValue));
    }
    const { width: paddedWidth, height: paddedHeight } = prepared[0]!;
    const batch = new Float32Array(count * paddedWidth * paddedHeight);
    prepared.forEach((plane, index) => batch.set(plane.data, index * plane.data.length));
    clock.lap('resample');
    const probabilities = await model.run(batch, count, paddedHeight, paddedWidth);
    clock.lap('segmentation');
    const channelSize = paddedWidth * paddedHeight;
    for (let index = 0; index < count; index++) {
      for (let channel = 0; channel < 2; channel++) {
        const offset = (index * 2 + channel) * channelSize;
        const modelPlane: Plane = {
          data: probabilities.subarray(offset, offset + channelSize),
          width: paddedWidth,
          height: paddedHeight,
          spacing: [model.spacingMm, model.spacingMm],
        };
        const back = resampleTo(modelPlane, width, height, native!.spacing, 'linear');
        (channel === 0 ? vertebra : disc).set(back.data, (first + index) * planeSize);
      }
    }
  }

  clock.lap('resample');
  const planeSpacing = spacing(sagittal)[2];
  if (planeSpacing < maxSmoothedPlaneSpacingMm) {
    smoothAcrossPlanes(vertebra, planeSize, planes, acrossPlaneSigmaMm / planeSpacing);
    smoothAcrossPlanes(disc, planeSize, planes, acrossPlaneSigmaMm / planeSpacing);
  }
  const labels = new Uint8Array(planeSize * planes);
  for (let index = 0; index < labels.length; index++) {
    const v = vertebra[index]!;
    const d = disc[index]!;
    if (v < probabilityThreshold && d < probabilityThreshold) continue;
    labels[index] = d >= v ? segmentationClasses.disc : segmentationClasses.vertebralBody;
  }
  const back = invertAxisMapping(mapping);
  const result = {
    labels: reorientVolume(makeVolume(sagittal.size, sagittal.affine, labels), back),
    vertebraProbability: reorientVolume(makeVolume(sagittal.size, sagittal.affine, vertebra), back),
    discProbability: reorientVolume(makeVolume(sagittal.size, sagittal.affine, disc), back),
    window,
  };
  clock.lap('post-processing');
  return result;
}

/**
 * Smooths a stack of planes in place with a Gaussian of `sigma` planes along the plane axis. The
 * kernel is cut at three standard deviations, and renormalised where it reaches past the first or
 * last plane, so the outermost planes are averaged with their inner neighbours only.
 */
export function smoothAcrossPlanes(data: Float32Array, planeSize: number, planes: number, sigma: number): void {
  if (!(sigma > 0) || planes < 2) return;
  const radius = Math.min(planes - 1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, index) => Math.exp(-((index - radius) ** 2) / (2 * sigma * sigma)));
  const source = data.slice();
  for (let k = 0; k < planes; k++) {
    const from = Math.max(0, k - radius);
    const to = Math.min(planes - 1, k + radius);
    let total = 0;
    for (let other = from; other <= to; other++) total += kernel[other - k + radius]!;
    const target = data.subarray(k * planeSize, (k + 1) * planeSize);
    target.fill(0);
    for (let other = from; other <= to; other++) {
      const weight = kernel[other - k + radius]! / total;
      const plane = source.subarray(other * planeSize, (other + 1) * planeSize);
      for (let index = 0; index < planeSize; index++) target[index]! += weight * plane[index]!;
    }
  }
}

/** Adds the time since the previous lap to a named entry of `timings`, when timings are collected. */
function stepClock(timings: Record<string, number> | undefined): { lap(name: string): void } {
  let last = performance.now();
  return {
    lap(name: string) {
      const now = performance.now();
      if (timings) timings[name] = (timings[name] ?? 0) + (now - last);
      last = now;
    },
  };
}
