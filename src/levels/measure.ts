import { add, scale, type Vec3 } from '../geometry/affine.js';
import { patientToIndex, sampleLinear, type Volume } from '../geometry/volume.js';
import type { DiscMeasurements } from './types.js';

/** Step in mm of the line integrals that measure disc height and depth. */
const stepMm = 0.25;
/** Half-length in mm of the lines sampled through the disc. */
const reachMm = 35;

/**
 * Measures a disc on its mid-sagittal plane from the disc probability map. The antero-posterior
 * depth is the length of the disc along the posterior axis through the centre. The anterior,
 * middle and posterior heights are the lengths along the normal at 10 %, 50 % and 90 % of that
 * depth. Each length runs between the outermost points where the interpolated probability crosses
 * 0.5, found to a fraction of a step, so coarse grids still give sub-voxel lengths. The disc
 * height index is the mean height divided by the depth. Returns null when the disc is too faint
 * to measure.
 */
export function measureDisc(probability: Volume<Float32Array>, center: Vec3, normal: Vec3, posterior: Vec3): DiscMeasurements | null {
  const inverse = (point: Vec3): [number, number, number] => patientToIndex(probability, point);
  // The run of probability >= 0.5 nearest the line's origin, so a neighbouring disc never counts.
  const profile = (origin: Vec3, direction: Vec3): { length: number; first: number; last: number } => {
    const runs: [number, number][] = [];
    let previous = 0;
    let open = NaN;
    for (let t = -reachMm; t <= reachMm + 1e-9; t += stepMm) {
      const [i, j, k] = inverse(add(origin, scale(direction, t)));
      const p = sampleLinear(probability, i, j, k, 0);
      // The 0.5 crossing is interpolated between this sample and the previous one.
      if (p >= 0.5 && previous < 0.5) open = t - stepMm * ((p - 0.5) / Math.max(p - previous, 1e-6));
      if (p < 0.5 && previous >= 0.5 && !Number.isNaN(open)) {
        runs.push([open, t - stepMm * ((0.5 - p) / Math.max(previous - p, 1e-6))]);
        open = NaN;
      }
      previous = p;
    }
    const distance = ([a, b]: [number, number]): number => (a <= 0 && b >= 0 ? 0 : Math.min(Math.abs(a), Math.abs(b)));
    const nearest = runs.sort((x, y) => distance(x) - distance(y))[0];
    if (nearest === undefined || distance(nearest) > 3) return { length: 0, first: Infinity, last: -Infinity };
    return { length: nearest[1] - nearest[0], first: nearest[0], last: nearest[1] };
  };
  const across = profile(center, posterior);
  if (!Number.isFinite(across.first) || across.last - across.first < 5) return null;
  const depth = across.last - across.first;
  const heightAt = (fraction: number): number => {
    const origin = add(center, scale(posterior, across.first + fraction * depth));
    return profile(origin, normal).length;
  };
  const anteriorHeightMm = heightAt(0.1);
  const middleHeightMm = heightAt(0.5);
  const posteriorHeightMm = heightAt(0.9);
  return {
    anteriorHeightMm,
    middleHeightMm,
    posteriorHeightMm,
    discHeightIndex: (anteriorHeightMm + middleHeightMm + posteriorHeightMm) / 3 / depth,
  };
}
