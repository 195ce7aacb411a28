import { applyAffine, invertAffine, multiply4, norm, type Mat4 } from '../geometry/affine.js';
import { sampleLinear, type Volume } from '../geometry/volume.js';

/** Samples of a crop grid taken from a source volume, before intensity normalisation. */
export interface ResampledGrid {
  /** Sampled intensities, i fastest, with 0 where the grid leaves the source volume. */
  readonly data: Float32Array;
  /** 1 where the crop voxel centre lies inside the source volume, else 0. */
  readonly inside: Uint8Array;
}

/**
 * A range of planes of a source volume, as voxel indices along one of its axes (`first` to `last`,
 * both included), that contains image. Planes outside it are padding and count as outside the source.
 */
export interface ImagedPlanes {
  readonly axis: 0 | 1 | 2;
  readonly first: number;
  readonly last: number;
}

/** Maximum sub-samples per crop pixel side, so crops much coarser than their source alias a little. */
const maxSupersampling = 4;

/**
 * Resamples `source` onto the grid whose crop-index to LPS affine is `cropAffine`, with trilinear
 * interpolation. When a crop pixel covers more than one source voxel in-plane, each pixel averages
 * an f x f block of sub-samples (f up to 4) so that downsampling does not alias.
 *
 * A source axis with a single voxel (a 2-D image stored as a one-slice volume) is treated as a slab
 * that extends without limit along that axis: every crop slice reads that one plane.
 *
 * With `imaged`, points outside its planes count as outside the source as well.
 */
export function resampleGrid(source: Volume, cropAffine: Mat4, size: readonly [number, number, number], imaged?: ImagedPlanes): ResampledGrid {
  const toSource = multiply4(invertAffine(source.affine), cropAffine);
  // Rows of toSource that address a single-voxel source axis are zeroed, so that axis always reads index 0.
  const m = [...toSource];
  for (let axis = 0; axis < 3; axis++) {
    if (source.size[axis] === 1) {
      for (let c = 0; c < 4; c++) m[axis * 4 + c] = 0;
    }
  }
  const columnStep = norm([m[0]!, m[4]!, m[8]!]);
  const rowStep = norm([m[1]!, m[5]!, m[9]!]);
  const factor = Math.min(maxSupersampling, Math.max(1, Math.ceil(Math.max(columnStep, rowStep) - 1e-6)));
  const offsets: number[] = [];
  for (let u = 0; u < factor; u++) offsets.push((u + 0.5) / factor - 0.5);

  const [width, height, slices] = size;
  const data = new Float32Array(width * height * slices);
  const inside = new Uint8Array(width * height * slices);
  const low = [-0.5, -0.5, -0.5];
  const high = source.size.map((n) => n - 0.5);
  if (imaged !== undefined) {
    low[imaged.axis] = Math.max(low[imaged.axis]!, imaged.first - 0.5);
    high[imaged.axis] = Math.min(high[imaged.axis]!, imaged.last + 0.5);
  }
  const isInside = (p: readonly number[]): boolean =>
    p[0]! >= low[0]! && p[1]! >= low[1]! && p[2]! >= low[2]! && p[0]! <= high[0]! && p[1]! <= high[1]! && p[2]! <= high[2]!;

  let index = 0;
  for (let s = 0; s < slices; s++) {
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++, index++) {
        const centre = applyAffine(m, [c, r, s]);
        if (!isInside(centre)) continue;
        inside[index] = 1;
        let sum = 0;
        let count = 0;
        for (const dr of offsets) {
          for (const dc of offsets) {
            const p = applyAffine(m, [c + dc, r + dr, s]);
            if (!isInside(p)) continue;
            sum += sampleLinear(source, p[0], p[1], p[2]);
            count++;
          }
        }
        data[index] = count > 0 ? sum / count : 0;
      }
    }
  }
  return { data, inside };
}

/** Lower and upper intensity percentiles, in percent, that map to 0 and 1. */
export interface IntensityWindowSpec {
  readonly lowPercentile: number;
  readonly highPercentile: number;
}

/** Intensity window that normalisation used, in source units. */
export interface IntensityWindow {
  readonly low: number;
  readonly high: number;
}

/**
 * Rescales the inside voxels of a crop in place so that the low and high percentiles of those
 * voxels map to 0 and 1, clipped to [0, 1]. Voxels outside the source stay 0. A crop with no inside
 * voxels or a flat window comes back all zeros and returns null.
 */
export function normalizeIntensity(grid: ResampledGrid, spec: IntensityWindowSpec): IntensityWindow | null {
  const values: number[] = [];
  for (let i = 0; i < grid.data.length; i++) if (grid.inside[i]) values.push(grid.data[i]!);
  if (values.length === 0) {
    grid.data.fill(0);
    return null;
  }
  values.sort((a, b) => a - b);
  const low = percentileOfSorted(values, spec.lowPercentile);
  const high = percentileOfSorted(values, spec.highPercentile);
  if (!(high - low > 1e-6 * Math.max(1, Math.abs(high)))) {
    grid.data.fill(0);
    return null;
  }
  const range = high - low;
  for (let i = 0; i < grid.data.length; i++) {
    if (!grid.inside[i]) {
      grid.data[i] = 0;
      continue;
    }
    grid.data[i] = Math.min(1, Math.max(0, (grid.data[i]! - low) / range));
  }
  return { low, high };
}

/** Linear-interpolated percentile (0-100) of an ascending array, as numpy's default method. */
export function percentileOfSorted(sorted: readonly number[], percent: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty array');
  const position = (Math.min(100, Math.max(0, percent)) / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}
