import { DeepspineError } from '../errors.js';
import type { Volume } from '../geometry/volume.js';

/**
 * A 2-D sagittal plane in the canonical layout: row-major, row 0 superior, column 0 anterior.
 * Spacing is [column spacing, row spacing] in mm.
 */
export interface Plane {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly spacing: readonly [number, number];
}

/** Intensities mapped to 0 and 1 before a plane enters the network. */
export interface IntensityWindow {
  readonly low: number;
  readonly high: number;
}

/** Percentiles of the volume used as the intensity window, so one bright artefact cannot set the scale. */
export const windowPercentiles = { low: 0.01, high: 0.995 } as const;

/**
 * Computes the intensity window of a whole series from its voxel percentiles. The same window
 * serves every plane of the series, so the network gets consistent contrast across planes.
 */
export function computeIntensityWindow(values: ArrayLike<number>): IntensityWindow {
  const count = values.length;
  if (count === 0) throw new RangeError('cannot compute an intensity window of an empty image');
  // A strided sample of at most about 2^18 voxels keeps this fast on large series.
  const stride = Math.max(1, Math.floor(count / 262144));
  const sample = new Float64Array(Math.ceil(count / stride));
  let n = 0;
  for (let index = 0; index < count; index += stride) sample[n++] = values[index]!;
  const sorted = sample.subarray(0, n).sort();
  const low = sorted[Math.floor(windowPercentiles.low * (n - 1))]!;
  let high = sorted[Math.floor(windowPercentiles.high * (n - 1))]!;
  if (high <= low) high = low + 1;
  return { low, high };
}

/** Maps raw intensities into the network's range in place: the window to [0, 1], clipped to [-0.5, 2]. */
export function applyIntensityWindow(data: Float32Array, window: IntensityWindow): Float32Array {
  const scale = 1 / (window.high - window.low);
  for (let index = 0; index < data.length; index++) {
    const value = (data[index]! - window.low) * scale;
    data[index] = Math.min(Math.max(value, -0.5), 2);
  }
  return data;
}

/** Copies sagittal plane k of a volume in the canonical sagittal layout into a float plane. */
export function extractPlane(volume: Volume, k: number): Plane {
  const [width, height] = volume.size;
  const a = volume.affine;
  const spacing: [number, number] = [Math.hypot(a[0]!, a[4]!, a[8]!), Math.hypot(a[1]!, a[5]!, a[9]!)];
  const data = new Float32Array(width * height);
  const offset = k * width * height;
  for (let index = 0; index < data.length; index++) data[index] = volume.data[offset + index]!;
  return { data, width, height, spacing };
}

/**
 * Largest width or height, in pixels, that `resamplePlane` makes. The input check of a sagittal
 * volume caps its field of view at 1000 mm (`sagittalGeometryLimits`). That is 4000 pixels at the
 * finest spacing a model sidecar may state (0.25 mm), so only a voxel spacing in the wrong unit or
 * scale reaches this limit. Without it, a plane of metre-sized voxels needs billions of pixels.
 */
export const maxResampledPlaneSide = 4096;

/** Returns the plane size after resampling to `targetSpacing` mm, keeping the physical extent. */
export function resampledSize(plane: Pick<Plane, 'width' | 'height' | 'spacing'>, targetSpacing: number): [number, number] {
  return [
    Math.max(1, Math.round((plane.width * plane.spacing[0]) / targetSpacing)),
    Math.max(1, Math.round((plane.height * plane.spacing[1]) / targetSpacing)),
  ];
}

/**
 * Resamples a plane onto a grid of `targetSpacing` mm whose first pixel centre coincides with the
 * source's, by bilinear interpolation ('linear') or nearest neighbour ('nearest', for labels).
 * @throws DeepspineError UNREADABLE_INPUT when the new grid would be wider or taller than
 * `maxResampledPlaneSide` pixels, before anything is allocated.
 */
export function resamplePlane(plane: Plane, targetSpacing: number, mode: 'linear' | 'nearest'): Plane {
  const [width, height] = resampledSize(plane, targetSpacing);
  if (!(width <= maxResampledPlaneSide && height <= maxResampledPlaneSide)) {
    const source = `${plane.width} x ${plane.height} pixels of ${plane.spacing.map((value) => Number(value.toPrecision(3))).join(' x ')} mm`;
    throw new DeepspineError(
      'UNREADABLE_INPUT',
      `a plane of ${source} would resample to ${width} x ${height} pixels of ${targetSpacing} mm, over the ${maxResampledPlaneSide} pixels per side allowed; ` +
        'the voxel spacing is probably in the wrong unit or scale, so check the image header',
    );
  }
  return resampleTo(plane, width, height, [targetSpacing, targetSpacing], mode);
}

/** Resamples a plane onto a grid of the given size and spacing that starts at the same first pixel centre. */
export function resampleTo(
  plane: Plane,
  width: number,
  height: number,
  spacing: readonly [number, number],
  mode: 'linear' | 'nearest',
): Plane {
  const out = new Float32Array(width * height);
  const fx = spacing[0] / plane.spacing[0];
  const fy = spacing[1] / plane.spacing[1];
  const src = plane.data;
  const sw = plane.width;
  const sh = plane.height;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max(y * fy, 0), sh - 1);
    if (mode === 'nearest') {
      const row = Math.round(sy) * sw;
      for (let x = 0; x < width; x++) out[y * width + x] = src[row + Math.round(Math.min(x * fx, sw - 1))]!;
      continue;
    }
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(x * fx, sw - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = sx - x0;
      const top = src[y0 * sw + x0]! * (1 - wx) + src[y0 * sw + x1]! * wx;
      const bottom = src[y1 * sw + x0]! * (1 - wx) + src[y1 * sw + x1]! * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return { data: out, width, height, spacing: [spacing[0], spacing[1]] };
}

/** Pads a plane at the bottom and right up to multiples of `multiple`, filling with `value`. */
export function padPlane(plane: Plane, multiple: number, value: number): Plane {
  const width = Math.ceil(plane.width / multiple) * multiple;
  const height = Math.ceil(plane.height / multiple) * multiple;
  if (width === plane.width && height === plane.height) return plane;
  const data = new Float32Array(width * height).fill(value);
  for (let y = 0; y < plane.height; y++) data.set(plane.data.subarray(y * plane.width, (y + 1) * plane.width), y * width);
  return { data, width, height, spacing: plane.spacing };
}
