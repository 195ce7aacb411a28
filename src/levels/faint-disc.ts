import { add, norm, scale, subtract, type Vec3 } from '../geometry/affine.js';
import { patientToIndex, sampleLinear, type Volume } from '../geometry/volume.js';
import type { Structure } from './structures.js';

/**
 * Mean disc probability, over a small patch in the disc plane, above which a faint band below the
 * lowest disc is taken as a missed disc. Where the lowest disc really is L5-S1, the sacrum below
 * it gives values near 0; a missed L5-S1 disc on thick slices gives 0.2 to 0.5.
 */
export const faintDiscProbability = 0.2;

/** Searched distances below the lowest disc, as fractions of the typical disc spacing. */
const searchRange = { from: 0.6, to: 1.4, step: 0.05 } as const;

/**
 * Looks for a disc that the segmentation missed one level below the lowest found disc, such as a
 * thin L5-S1 disc that falls below the probability threshold on 4 mm slices. Returns a structure
 * at the most probable position, or null when nothing disc-like is there. Counting the levels from
 * the sacrum goes wrong by one whole level when the lowest disc is missed, so it is worth looking.
 */
export function findFaintDiscBelow(discs: Structure[], probability: Volume<Float32Array>): Structure | null {
  if (discs.length < 2) return null;
  const chain = [...discs].sort((a, b) => b.center[2] - a.center[2]);
  const lowest = chain[chain.length - 1]!;
  const spacing = norm(subtract(chain[chain.length - 2]!.center, lowest.center));
  let best: { value: number; center: Vec3 } | null = null;
  for (let fraction = searchRange.from; fraction <= searchRange.to + 1e-9; fraction += searchRange.step) {
    const planeCenter = add(lowest.center, scale(lowest.thinAxis, -fraction * spacing));
    for (let offset = -10; offset <= 10; offset += 2) {
      const center = add(planeCenter, scale(lowest.posteriorAxis, offset));
      const value = patchMean(probability, center);
      if (best === null || value > best.value) best = { value, center };
    }
  }
  if (best === null || best.value <= faintDiscProbability) return null;
  return { ...lowest, center: best.center, volumeMm3: 0, meanProbability: best.value, voxels: new Int32Array(0) };
}

/** Mean probability over a 6 mm lateral by 6 mm antero-posterior patch centred on a point. */
function patchMean(probability: Volume<Float32Array>, center: Vec3): number {
  let sum = 0;
  let count = 0;
  for (let lateral = -3; lateral <= 3; lateral += 1.5) {
    for (let along = -3; along <= 3; along += 1.5) {
      const [i, j, k] = patientToIndex(probability, [center[0] + lateral, center[1] + along, center[2]]);
      sum += sampleLinear(probability, i, j, k, 0);
      count++;
    }
  }
  return sum / count;
}
