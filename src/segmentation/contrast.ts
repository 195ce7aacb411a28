import type { Volume } from '../geometry/volume.js';
import type { IntensityWindow } from './preprocess.js';

/** Lowest and highest value of the network input, the range that applyIntensityWindow clips to. */
const windowedRange = { low: -0.5, high: 2 } as const;

/** Histogram bins per unit of the window; the median is exact to half a bin (0.0005). */
const binsPerUnit = 1000;

/**
 * Returns the median intensity of the voxels that carry `label`, in the series window of the
 * network input (0 at the window's low percentile, 1 at its high one, clipped like
 * applyIntensityWindow). It describes how a structure looks to the network: the vertebral bodies of the T2 and T1 training
 * volumes lie at 0.07 to 0.24, those of the water-fat volume at 0.53. Returns null when no voxel
 * has the label. `labels` must share the voxel layout of `image`.
 */
export function medianWindowedIntensity(image: Volume, labels: ArrayLike<number>, label: number, window: IntensityWindow): number | null {
  if (labels.length !== image.data.length) {
    throw new RangeError(`label map has ${labels.length} voxels but the image has ${image.data.length}; they must share one grid`);
  }
  const bins = new Uint32Array(Math.round((windowedRange.high - windowedRange.low) * binsPerUnit) + 1);
  const scale = 1 / (window.high - window.low);
  let count = 0;
  for (let index = 0; index < labels.length; index++) {
    if (labels[index] !== label) continue;
    const value = Math.min(Math.max((image.data[index]! - window.low) * scale, windowedRange.low), windowedRange.high);
    bins[Math.round((value - windowedRange.low) * binsPerUnit)]!++;
    count++;
  }
  if (count === 0) return null;
  const middle = (count - 1) / 2;
  let seen = 0;
  for (let bin = 0; bin < bins.length; bin++) {
    seen += bins[bin]!;
    if (seen > middle) return windowedRange.low + bin / binsPerUnit;
  }
  return windowedRange.high;
}
