import { add, cross, norm, normalize, scale, subtract, type Vec3 } from '../geometry/affine.js';
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
  const below = lowestDisc(discs);
  if (below === null) return null;
  const { lowest, spacing } = below;
  let best: { value: number; center: Vec3 } | null = null;
  for (let fraction = searchRange.from; fraction <= searchRange.to + 1e-9; fraction += searchRange.step) {
    const candidate = bestPatchAcrossDepth(probability, add(lowest.center, scale(lowest.thinAxis, -fraction * spacing)), lowest.posteriorAxis);
    if (best === null || candidate.value > best.value) best = candidate;
  }
  if (best === null || best.value <= faintDiscProbability) return null;
  const center = probabilityCentroid(probability, best.center, lowest);
  return { ...lowest, center, volumeMm3: 0, meanProbability: best.value, voxels: new Int32Array(0) };
}

/** Vertebral body probability, as a patch mean, above which a point counts as inside a body. */
export const bodyPresentProbability = 0.4;

/**
 * Looks for a disc missed between the body under the lowest found disc and a second body below
 * it. Walking caudally, it expects body from 0.3 to 0.6 spacings down, then a gap of at most half
 * a spacing, then body again for at least 0.15 spacings. Below a true L5-S1 disc the walk meets S1
 * and then no body, because the network does not mark the fused sacral segments as bodies. Below
 * L4-L5 it meets L5, the missed L5-S1 disc, and S1. Returns a disc at the middle of the gap, or null.
 */
export function findDiscBetweenBodiesBelow(discs: Structure[], vertebraProbability: Volume<Float32Array>): Structure | null {
  const below = lowestDisc(discs);
  if (below === null) return null;
  const { lowest, spacing } = below;
  const step = 0.05;
  const samples: { fraction: number; value: number }[] = [];
  for (let fraction = 0.3; fraction <= 2.0 + 1e-9; fraction += step) {
    const planeCenter = add(lowest.center, scale(lowest.thinAxis, -fraction * spacing));
    samples.push({ fraction, value: bestPatchAcrossDepth(vertebraProbability, planeCenter, lowest.posteriorAxis).value });
  }

  const inBody = (sample: { value: number }) => sample.value >= bodyPresentProbability;
  const upperEnd = samples.findIndex((sample) => sample.fraction > 0.6 + 1e-9);
  if (!samples.slice(0, upperEnd).every(inBody)) return null;
  const gapStart = samples.findIndex((sample, index) => index >= upperEnd && !inBody(sample));
  if (gapStart < 0) return null;
  const gapEnd = samples.findIndex((sample, index) => index > gapStart && inBody(sample));
  if (gapEnd < 0 || samples[gapEnd]!.fraction - samples[gapStart]!.fraction > 0.5 + 1e-9) return null;
  const lowerRunSamples = Math.round(0.15 / step) + 1;
  const lowerRun = samples.slice(gapEnd, gapEnd + lowerRunSamples);
  if (lowerRun.length < lowerRunSamples || !lowerRun.every(inBody)) return null;

  const gap = samples.slice(gapStart, gapEnd);
  const middle = gap.reduce((sum, sample) => sum + sample.fraction, 0) / gap.length;
  const center = add(lowest.center, scale(lowest.thinAxis, -middle * spacing));
  return { ...lowest, center, volumeMm3: 0, meanProbability: 0, voxels: new Int32Array(0) };
}

/**
 * Reach of the vertebral body under the lowest disc, in disc spacings, from which that body is taken
 * for L5 and S1 with a missed L5-S1 disc between them. Under L5-S1 the body is S1, and the network
 * marks no body in the fused sacrum below it, so the reach stayed under 1.0 on the labelled volumes.
 * L5 and S1 together reached 1.3 on a brightened copy of one of them.
 * NOTE: both margins are thin, so a long S1 or a short L5 and S1 pair may be misread.
 */
export const maxBodyReachBelowLowestDisc = 1.2;

/**
 * Measures how far the vertebral body under the lowest disc reaches without a break, walking
 * caudally from 0.3 disc spacings. Returns the reach in spacings and in mm (0 when no body is
 * there), or null for fewer than two discs.
 */
export function bodyReachBelow(discs: Structure[], vertebraProbability: Volume<Float32Array>): { spacings: number; mm: number } | null {
  const below = lowestDisc(discs);
  if (below === null) return null;
  const { lowest, spacing } = below;
  const step = 0.05;
  let reach = 0;
  for (let fraction = 0.3; fraction <= 2.0 + 1e-9; fraction += step) {
    const planeCenter = add(lowest.center, scale(lowest.thinAxis, -fraction * spacing));
    if (bestPatchAcrossDepth(vertebraProbability, planeCenter, lowest.posteriorAxis).value < bodyPresentProbability) break;
    reach = fraction;
  }
  return { spacings: reach, mm: reach * spacing };
}

/**
 * Checks whether a vertebral body follows right under a disc added below the chain `discs`: body
 * probability of at least bodyPresentProbability that starts within 0.3 disc spacings under the
 * added disc and lasts at least 0.3 spacings. Under a missed L5-S1 disc lies S1, which the network
 * marks as body. Under the rudimentary S1-S2 disc of the sacrum lies S2, which it does not mark.
 */
export function bodyFollowsAddedDisc(discs: Structure[], added: Structure, vertebraProbability: Volume<Float32Array>): boolean {
  const below = lowestDisc(discs);
  if (below === null) return false;
  const step = 0.05;
  const runSamples = Math.round(0.3 / step) + 1;
  let run = 0;
  for (let fraction = step; fraction <= 0.6 + 1e-9; fraction += step) {
    const planeCenter = add(added.center, scale(added.thinAxis, -fraction * below.spacing));
    const inBody = bestPatchAcrossDepth(vertebraProbability, planeCenter, added.posteriorAxis).value >= bodyPresentProbability;
    if (inBody) run++;
    else if (run > 0 || fraction > 0.3 + 1e-9) return false;
    if (run >= runSamples) return true;
  }
  return false;
}

/** Returns the lowest disc of the chain and its distance to the disc above, or null for fewer than two discs. */
function lowestDisc(discs: Structure[]): { lowest: Structure; spacing: number } | null {
  if (discs.length < 2) return null;
  const chain = [...discs].sort((a, b) => b.center[2] - a.center[2]);
  const lowest = chain[chain.length - 1]!;
  return { lowest, spacing: norm(subtract(chain[chain.length - 2]!.center, lowest.center)) };
}

/** Returns the patch with the highest mean probability on a line 10 mm either side of a point, along the posterior axis. */
function bestPatchAcrossDepth(probability: Volume<Float32Array>, planeCenter: Vec3, posteriorAxis: Vec3): { value: number; center: Vec3 } {
  let best = { value: -1, center: planeCenter };
  for (let offset = -10; offset <= 10; offset += 2) {
    const center = add(planeCenter, scale(posteriorAxis, offset));
    const value = patchMean(probability, center);
    if (value > best.value) best = { value, center };
  }
  return best;
}

/**
 * Returns the probability-weighted centre of a faint disc, over a slab 8 mm thick, 40 mm deep and
 * 6 mm wide around its best patch. The best patch of a fragmented disc can lie at one end of it:
 * 8 mm from the middle on the demo phantom.
 */
function probabilityCentroid(probability: Volume<Float32Array>, around: Vec3, axes: Pick<Structure, 'thinAxis' | 'posteriorAxis'>): Vec3 {
  const lateralAxis = normalize(cross(axes.thinAxis, axes.posteriorAxis));
  let weight = 0;
  let sum: Vec3 = [0, 0, 0];
  for (let along = -4; along <= 4; along += 1) {
    for (let depth = -20; depth <= 20; depth += 1) {
      for (let lateral = -3; lateral <= 3; lateral += 1.5) {
        const point = add(add(add(around, scale(axes.thinAxis, along)), scale(axes.posteriorAxis, depth)), scale(lateralAxis, lateral));
        const [i, j, k] = patientToIndex(probability, point);
        const value = sampleLinear(probability, i, j, k, 0);
        if (value < faintDiscProbability) continue;
        weight += value;
        sum = add(sum, scale(point, value));
      }
    }
  }
  return weight > 0 ? scale(sum, 1 / weight) : around;
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
