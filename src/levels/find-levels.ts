import { add, cross, dot, norm, normalize, scale, subtract, type Vec3 } from '../geometry/affine.js';
import { evaluatePolynomial, fitPolynomial, median } from '../geometry/fit.js';
import type { ImagedPlanes } from '../crops/resample.js';
import { headToFeetAxis, nearestVoxelAxis } from '../geometry/crop.js';
import { patientToIndex, spacing, type Volume } from '../geometry/volume.js';
import { DeepspineError, type Warning } from '../errors.js';
import { segmentationClasses } from '../segmentation/classes.js';
import type { Segmentation } from '../segmentation/segment.js';
import { bodyFollowsAddedDisc, bodyReachBelow, findDiscBetweenBodiesBelow, findFaintDiscBelow, maxBodyReachBelowLowestDisc } from './faint-disc.js';
import { measureDisc } from './measure.js';
import { nameLevels, type NamedVertebra, type NamingContext } from './naming.js';
import { findStructures, splitBodiesAtDiscs, type Structure } from './structures.js';
import { discLevelNames, type DiscLevel } from './types.js';

/**
 * Limits below which the spine is taken not to be lumbar. Adult cervical discs are roughly 15-20 mm
 * deep and 15-20 mm apart, and lumbar ones 30-50 mm deep and 30-45 mm apart. The lower thoracic
 * discs of a thoracolumbar view lie in between, so the limits sit below the thoracic range.
 */
export const minLumbarDiscDepthMm = 20;
/** Minimum number of discs to name levels from. A lumbar view shows five or six, so fewer means a partial or other view. */
export const minLumbarDiscCount = 3;
export const minLumbarDiscSpacingMm = 24;

/**
 * Factor on every confidence when a missed disc had to be added to the chain and no vertebral body
 * follows under it. It brings every name under 0.5, the mark of a name that may be shifted by a
 * level. The network did not segment the added disc. A faint band below the lowest disc can be a
 * missed L5-S1 disc, or the rudimentary S1-S2 disc of the sacrum. In the T2 volume vb1-03 the
 * search took the latter and shifted every name by one. vb1-02 is the same subject in T1, and
 * there the L5-S1 disc is segmented.
 */
export const faintDiscConfidenceFactor = 0.5;

/**
 * Factor on every confidence when a disc was added and a vertebral body follows right under it,
 * as S1 follows a missed L5-S1 disc (`bodyFollowsAddedDisc`). The network does not mark S2 as body,
 * so an S1-S2 disc taken for L5-S1 has no body under it. On the labelled volumes, and on crops of
 * them whose names shifted, the body probability under such a disc stayed below 0.4.
 * NOTE: chosen from a few volumes and the demo phantom. A scan whose S2 the network marks as body
 * would give a shifted name above 0.5 here.
 */
export const faintDiscWithBodyBelowConfidenceFactor = 0.7;

/**
 * Factor on every confidence when the vertebral body under the lowest disc is too long to be the
 * top of the sacrum (`maxBodyReachBelowLowestDisc`), so that it may be L5 and S1 with the L5-S1 disc
 * missed. It brings every name under 0.5. Without it, a gamma-brightened copy of vb1-15 was named
 * one level off at 0.87.
 */
export const longBodyBelowConfidenceFactor = 0.5;

/** Maximum distance in mm of a structure from the smooth spine curve before it is discarded as a false detection. */
const maxCurveResidualMm = 20;

export interface LevelResult {
  /** Named lumbar discs (T12-L1 when visible to L5-S1), cranial to caudal. */
  readonly levels: DiscLevel[];
  readonly vertebrae: { name: string; center: Vec3; confidence: number }[];
  /** All discs of the chain, including thoracic ones, for overlays. */
  readonly allDiscs: { name: string; center: Vec3; confidence: number }[];
  readonly warnings: Warning[];
  /**
   * The planes of the segmented series across its head-to-feet axis that contain image, as voxel
   * indices, when padding was found at either end of that axis (emptyPlanes). It is null when no
   * padding was found or no image was given.
   */
  readonly imagedPlanes: ImagedPlanes | null;
}

/**
 * Finds the disc and vertebral body instances of a segmentation, removes detections off the spine
 * curve, names the discs and measures them. `image`, the series that was segmented, lets the check
 * of how far the image reaches below the lowest disc stop at padding (see edgeContext).
 * @throws DeepspineError NOT_LUMBAR_SPINE when no disc is found or the discs are too small to be lumbar.
 */
export function findLevels(segmentation: Segmentation, source: string, image?: Volume): LevelResult {
  let discs = findStructures(segmentation.labels, segmentationClasses.disc, 'disc', segmentation.discProbability);
  let vertebrae = findStructures(segmentation.labels, segmentationClasses.vertebralBody, 'vertebra', segmentation.vertebraProbability);
  discs = mergeFragments(discs);
  // Discs are the cleaner detections, so they define the spine curve and bodies must lie near it.
  discs = nearMedianLine(discs, discs);
  const keptDiscs = dropOffCurve(discs);
  discs = discs.filter((d) => keptDiscs.has(d));
  discs = dropSmallOrphans(discs);
  vertebrae = nearMedianLine(vertebrae, discs.length > 0 ? discs : vertebrae);
  vertebrae = nearCurve(vertebrae, discs);
  vertebrae = splitBodiesAtDiscs(segmentation.labels, vertebrae, discs, segmentation.vertebraProbability);

  if (discs.length === 0) {
    throw new DeepspineError('NOT_LUMBAR_SPINE', `${source}: no intervertebral disc was found; check that the series is a sagittal lumbar spine MRI`, { file: source });
  }
  if (discs.length < minLumbarDiscCount) {
    throw new DeepspineError(
      'NOT_LUMBAR_SPINE',
      `${source}: found ${discs.length} intervertebral disc(s), fewer than the ${minLumbarDiscCount} needed to name levels (a lumbar spine MRI shows five or six); this does not look like a lumbar spine, or the field of view is too small`,
      { file: source },
    );
  }
  const depth = median(discs.map((d) => d.depth));
  const ordered = [...discs].sort((a, b) => b.center[2] - a.center[2]);
  const discSpacing = median(ordered.slice(1).map((d, index) => norm(subtract(ordered[index]!.center, d.center))));
  if (depth < minLumbarDiscDepthMm || (ordered.length >= 3 && discSpacing < minLumbarDiscSpacingMm)) {
    throw new DeepspineError(
      'NOT_LUMBAR_SPINE',
      `${source}: the discs found are ${depth.toFixed(1)} mm deep and ${discSpacing.toFixed(1)} mm apart (medians), smaller than lumbar discs (at least ${minLumbarDiscDepthMm} mm deep and ${minLumbarDiscSpacingMm} mm apart); this does not look like a lumbar spine, or the header's voxel spacing or orientation is wrong`,
      { file: source },
    );
  }

  const extraWarnings: Warning[] = [];
  let added = findFaintDiscBelow(discs, segmentation.discProbability);
  let foundBy = `a band of disc probability (mean ${added?.meanProbability.toFixed(2)}) one level below the lowest segmented disc was not segmented as a disc (too faint, thin or fragmented) and is counted as the lowest disc`;
  if (added === null) {
    added = findDiscBetweenBodiesBelow(discs, segmentation.vertebraProbability);
    foundBy = 'below the lowest segmented disc, two vertebral bodies follow each other with a gap between them but no disc; the gap is counted as the lowest disc';
  }
  let confidenceFactor = 1;
  if (added !== null) {
    const bodyBelow = bodyFollowsAddedDisc(discs, added, segmentation.vertebraProbability);
    confidenceFactor = bodyBelow ? faintDiscWithBodyBelowConfidenceFactor : faintDiscConfidenceFactor;
    const under = bodyBelow ? 'a vertebral body follows under it, as S1 follows L5-S1' : 'no vertebral body follows under it, so it may be the rudimentary S1-S2 disc of the sacrum';
    extraWarnings.push({ code: 'FAINT_DISC_ADDED', message: `${foundBy}; ${under}; check the names on the overlay` });
    discs = [...discs, added];
    // The bodies were split at the segmented discs only. The two bodies around the added disc (L5
    // and S1 when it is L5-S1) are still one segment, so they are split at the added disc too.
    vertebrae = splitBodiesAtDiscs(segmentation.labels, vertebrae, discs, segmentation.vertebraProbability);
  } else {
    const reach = bodyReachBelow(discs, segmentation.vertebraProbability);
    if (reach !== null && reach.spacings >= maxBodyReachBelowLowestDisc) {
      confidenceFactor = longBodyBelowConfidenceFactor;
      extraWarnings.push({
        code: 'LONG_BODY_BELOW_LOWEST_DISC',
        message: `the vertebral body under the lowest segmented disc goes on for ${reach.mm.toFixed(0)} mm (${reach.spacings.toFixed(1)} disc spacings) below it, longer than the top of the sacrum. It may be L5 and S1 with a missed L5-S1 disc between them, so every name may be shifted by one level. Check the lowest disc on the overlay`,
      });
    }
  }
  const planes = image !== undefined ? emptyPlanes(image, segmentation.window.low) : null;
  const naming = nameLevels(discs, vertebrae, edgeContext(segmentation.labels, image, planes));
  const lumbar = new Set<string>(discLevelNames);
  // An added disc is not measured. On the demo phantom, whose L5-S1 heights are 12.6, 11.1 and
  // 7.8 mm, heights from its faint disc probability came out near 5 mm. The gap between the body
  // probabilities of L5 and S1 gave 16.8, 13.8 and 11.5 mm, so neither method is fit to report.
  const levels: DiscLevel[] = naming.discs
    .filter((disc) => lumbar.has(disc.name))
    .map((disc) => ({
      level: disc.name,
      center: disc.structure.center,
      normal: disc.structure.thinAxis,
      posterior: disc.structure.posteriorAxis,
      confidence: round(disc.confidence * confidenceFactor, 3),
      measurements: disc.structure === added ? null : measureDisc(segmentation.discProbability, disc.structure.center, disc.structure.thinAxis, disc.structure.posteriorAxis),
    }));
  const warnings = [...extraWarnings, ...naming.warnings];
  const missing = discLevelNames.slice(1).filter((name) => !levels.some((level) => level.level === name));
  if (missing.length > 0 && levels.length > 0) {
    warnings.push({ code: 'LEVELS_NOT_FOUND', message: `no disc was found for ${missing.join(', ')}; they may lie outside the field of view` });
  }
  return {
    levels,
    // A vertebra takes the confidence of the disc it is named after, the added disc's factor included.
    vertebrae: naming.vertebrae.map((v: NamedVertebra) => ({ name: v.name, center: v.structure.center, confidence: round(v.confidence * confidenceFactor, 3) })),
    allDiscs: naming.discs.map((d) => ({ name: d.name, center: d.structure.center, confidence: round(d.confidence * confidenceFactor, 3) })),
    warnings,
    imagedPlanes: planes === null ? null : imagedRange(planes),
  };
}

/** Returns the range of planes between the padding at either end, or null when there is no padding or only padding. */
function imagedRange(planes: { axis: 0 | 1 | 2; empty: boolean[] }): ImagedPlanes | null {
  const first = planes.empty.indexOf(false);
  const last = planes.empty.lastIndexOf(false);
  if (first < 0 || (first === 0 && last === planes.empty.length - 1)) return null;
  return { axis: planes.axis, first, last };
}

/**
 * Largest offsets in mm, within the disc plane, between the centres of two fragments of one disc.
 * A lumbar disc is about 35 mm deep and 45 to 55 mm wide (an estimate), so two halves of one disc,
 * left and right, lie up to about half its width apart.
 */
const maxFragmentOffsetMm = { anteroPosterior: 30, lateral: 50 } as const;

/**
 * Keeps the largest of disc components that lie within one disc thickness of each other along the
 * disc normal, as fragments of one disc do. Fragments side by side count too: on a series whose
 * planes are scrambled or coarse, the left and right halves of one disc can be 30 mm apart, and
 * kept apart they would take two level names.
 */
function mergeFragments(discs: Structure[]): Structure[] {
  const sorted = [...discs].sort((a, b) => b.volumeMm3 - a.volumeMm3);
  const kept: Structure[] = [];
  for (const disc of sorted) {
    const host = kept.find((other) => {
      const offset = subtract(disc.center, other.center);
      const along = Math.abs(dot(offset, other.thinAxis));
      const anteroPosterior = Math.abs(dot(offset, other.posteriorAxis));
      const lateral = Math.abs(dot(offset, normalize(cross(other.thinAxis, other.posteriorAxis))));
      return along < Math.max(6, other.thickness) && anteroPosterior < maxFragmentOffsetMm.anteroPosterior && lateral < maxFragmentOffsetMm.lateral;
    });
    if (host === undefined) kept.push(disc);
  }
  return kept;
}

/**
 * Fits the antero-posterior and lateral positions of all structures as quadratics of height and
 * drops, one at a time, the structure farthest from the fit while it is more than
 * maxCurveResidualMm away. Bright or dark blobs outside the spine do not survive this.
 */
function dropOffCurve(structures: Structure[]): Set<Structure> {
  let current = [...structures];
  while (current.length >= 5) {
    const fitY = fitQuadratic(current.map((s) => [s.center[2], s.center[1]]));
    const fitX = fitQuadratic(current.map((s) => [s.center[2], s.center[0]]));
    let worst = -1;
    let worstResidual = 0;
    current.forEach((s, index) => {
      const residual = Math.hypot(s.center[1] - fitY(s.center[2]), s.center[0] - fitX(s.center[2]));
      if (residual > worstResidual) {
        worstResidual = residual;
        worst = index;
      }
    });
    if (worstResidual <= maxCurveResidualMm) break;
    current.splice(worst, 1);
  }
  return new Set(current);
}

/** Largest distance in mm, left-right and antero-posterior, of a structure from the median disc position; the lordosis spans well under this. */
const maxOffMedianMm = { lateral: 40, anteroPosterior: 80 } as const;

/**
 * Keeps the structures within maxOffMedianMm of the median position of the reference structures.
 * Detections in the abdominal wall or the pelvis lie far outside it, and removing them first keeps
 * them from bending the curve fit towards themselves.
 */
function nearMedianLine(structures: Structure[], reference: Structure[]): Structure[] {
  if (reference.length === 0) return structures;
  const medianX = median(reference.map((s) => s.center[0]));
  const medianY = median(reference.map((s) => s.center[1]));
  return structures.filter(
    (s) => Math.abs(s.center[0] - medianX) <= maxOffMedianMm.lateral && Math.abs(s.center[1] - medianY) <= maxOffMedianMm.anteroPosterior,
  );
}

/** Volume, as a fraction of the median disc volume, below which a disc must sit at a normal spacing from its neighbours to be kept. */
const smallDiscFraction = 0.2;

/**
 * Drops small disc detections that do not sit where a disc is expected. A small blob one typical
 * spacing below the chain is kept (a poorly segmented L5-S1 disc looks like that), but one twice
 * as far away is a false detection in the pelvis or the soft tissue.
 */
function dropSmallOrphans(discs: Structure[]): Structure[] {
  if (discs.length < 3) return discs;
  const medianVolume = median(discs.map((d) => d.volumeMm3));
  const large = discs.filter((d) => d.volumeMm3 >= smallDiscFraction * medianVolume).sort((a, b) => b.center[2] - a.center[2]);
  if (large.length < 2) return discs;
  const typical = median(large.slice(1).map((d, index) => norm(subtract(large[index]!.center, d.center))));
  return discs.filter((disc) => {
    if (disc.volumeMm3 >= smallDiscFraction * medianVolume) return true;
    const nearest = Math.min(...large.map((other) => norm(subtract(other.center, disc.center))));
    return nearest >= 0.6 * typical && nearest <= 1.4 * typical;
  });
}

/** Keeps the bodies within maxCurveResidualMm of the curve through the discs (all of them when there are fewer than three discs). */
function nearCurve(bodies: Structure[], discs: Structure[]): Structure[] {
  if (discs.length < 3) return bodies;
  const fitY = fitQuadratic(discs.map((s) => [s.center[2], s.center[1]]));
  const fitX = fitQuadratic(discs.map((s) => [s.center[2], s.center[0]]));
  const lowest = Math.min(...discs.map((d) => d.center[2]));
  const highest = Math.max(...discs.map((d) => d.center[2]));
  // Beyond the discs the quadratic is an extrapolation, so bodies there get a wider margin.
  return bodies.filter((b) => {
    const outside = b.center[2] < lowest - 10 || b.center[2] > highest + 10;
    const residual = Math.hypot(b.center[1] - fitY(b.center[2]), b.center[0] - fitX(b.center[2]));
    return residual <= (outside ? 2 : 1) * maxCurveResidualMm;
  });
}

/** Least-squares quadratic of y over x, as a function; callers pass at least three points. */
function fitQuadratic(points: [number, number][]): (x: number) => number {
  const coefficients = fitPolynomial(points.map((p) => p[0]), points.map((p) => p[1]), 2);
  return (x) => evaluatePolynomial(coefficients, x);
}

/** Run of padding, in 1 mm steps, at which the image counts as ended although the grid goes on. */
const paddingRunMm = 3;

/**
 * Share of the typical plane's bright level under which a plane across the head-to-feet axis counts
 * as dark (emptyPlanes). A plane's bright level is its 95th percentile above the series' 1st
 * percentile, and the typical one is the median over planes. On the labelled volumes, and on copies
 * with a gamma of 0.5 to 2, planes under it occurred only in the top 20 mm. Padding with noise of
 * 0.5 % and 2 % of the maximum lay at 0.03 to 0.12, and noise as strong as the image's own
 * background at 0.18 to 0.24, which this does not catch.
 */
const darkPlaneShare = 0.15;

/** Voxels sampled per plane, at most, for its 95th percentile. */
const samplesPerPlane = 4096;

/**
 * Copied planes (CopiedPlanes): a plane is compared with the edge plane (the first plane of the
 * grid that is not dark) as block means over squares of this side, which average out noise added
 * to a copied plane.
 */
const copyBlockMm = 4;

/**
 * Mean absolute difference of block means, as a share of the typical plane's spread, under which a
 * plane counts as a copy of the edge plane. On the 19 development volumes the plane
 * next to the last one differed by 0.05 to 1.1, and the difference grows with the distance. Edge
 * padding differs by 0, and with Gaussian noise of 5 added (on a 0 to 255 image) by 0.07.
 */
const copiedPlaneShare = 0.1;

/**
 * A plane also counts as copied when its block means correlate with those of the plane this far
 * further in with a correlation above 1 - maxStreakDecorrelation. That finds copies that drift
 * (faded, offset, noisy or turned by a few degrees), which the comparison with the edge plane misses.
 */
const streakStepMm = 4;

/**
 * Edge padding that fades by 0.6 % a row or rises by 0.4 a row gives 0 for one minus that
 * correlation, and turned by 2 or 5 degrees 0.0004 and 0.0022. Noise of 8 (on a 0 to 255 image)
 * gives 0.0056 and a turn of 10 degrees 0.0091, which are not caught: the demo phantom, smooth and
 * without noise, reaches 0.0071 below its sacrum. On the 19 development volumes no run of planes
 * under 0.02 at either end was longer than 1 plane, apart from the head end of vb1-12, whose edge
 * shows too little structure to be tested.
 */
const maxStreakDecorrelation = 0.005;

/**
 * A run of copied planes counts as padding from this length. On the labelled volumes the longest run
 * at the feet end was 1 plane, and at the head end of vb1-12, where the image shows little, 12 mm.
 */
const minCopiedRunMm = 10;

/**
 * The edge plane must show this share of the typical plane's spread to count as copied, so that an
 * edge with little structure (the head end of vb1-12, 0.20) is not taken for padding.
 */
const minCopiedPlaneSpread = 0.3;

/**
 * The typical plane's spread, as a share of its bright level (darkPlaneShare), under which the
 * image shows too little structure for the copy test, as a synthetic image of flat values does.
 * On the 19 development volumes it is 0.20 to 0.31.
 */
const minStructureShare = 0.02;

/**
 * Marks the planes across the image's head-to-feet axis that are padding: dark planes
 * (darkPlaneShare, above `low`, the series' 1st percentile) in a run that reaches the first or the
 * last plane, and after them planes that copy the edge plane (CopiedPlanes). Padding filled with
 * noise is found that way, while a dark band inside the image is not taken for its end.
 */
function emptyPlanes(image: Volume, low: number): { axis: 0 | 1 | 2; empty: boolean[] } {
  const axis = headToFeetAxis(image);
  const [first, second] = ([0, 1, 2] as const).filter((other) => other !== axis) as [0 | 1 | 2, 0 | 1 | 2];
  const stride = Math.max(1, Math.ceil(Math.sqrt((image.size[first] * image.size[second]) / samplesPerPlane)));
  const bright = new Array<number>(image.size[axis]);
  const values = new Float64Array(Math.ceil(image.size[first] / stride) * Math.ceil(image.size[second] / stride));
  const steps = [1, image.size[0], image.size[0] * image.size[1]];
  for (let plane = 0; plane < image.size[axis]; plane++) {
    let count = 0;
    for (let a = 0; a < image.size[first]; a += stride) {
      for (let b = 0; b < image.size[second]; b += stride) {
        values[count++] = image.data[plane * steps[axis]! + a * steps[first]! + b * steps[second]!]!;
      }
    }
    // A typed array sorts numerically.
    const sorted = values.subarray(0, count).sort();
    bright[plane] = sorted[Math.floor(0.95 * (count - 1))]! - low;
  }
  const typical = median(bright);
  const dark = bright.map((value) => value < darkPlaneShare * typical);
  const empty = new Array<boolean>(dark.length).fill(false);
  for (let index = 0; index < dark.length && dark[index]; index++) empty[index] = true;
  for (let index = dark.length - 1; index >= 0 && dark[index]; index--) empty[index] = true;
  const copies = new CopiedPlanes(image, axis, first, second, typical);
  for (const edge of [0, dark.length - 1]) {
    // Dark planes are padding already; a copied run starts at the first plane that is not dark.
    let start = edge;
    const inward = edge === 0 ? 1 : -1;
    while (start >= 0 && start < dark.length && empty[start]) start += inward;
    if (start < 0 || start >= dark.length) continue;
    const run = copies.runFrom(start, inward);
    // The innermost plane of a run is the last real one, which the others copy. A run over half the
    // grid is a smooth image, not padding.
    const isPadding = run * spacing(image)[axis] >= minCopiedRunMm && run < dark.length / 2;
    if (isPadding) for (let step = 0; step < run; step++) empty[start + step * inward] = true;
  }
  return { axis, empty };
}

/**
 * Finds planes across the head-to-feet axis that repeat the plane at an edge of the grid, as a
 * resampler's edge padding does ("nearest" extrapolation, with or without noise added). Such planes
 * show the anatomy of one row stretched into streaks, which the network does not mark, so below a
 * cut through L5 they would pass for the sacrum's field of view.
 */
class CopiedPlanes {
  private readonly block: [number, number];
  private readonly typicalSpread: number;
  /** Block means of the planes read so far: a run compares each plane with the edge and with a plane further in. */
  private readonly meansByPlane = new Map<number, Float64Array>();

  constructor(
    private readonly image: Volume,
    private readonly axis: 0 | 1 | 2,
    private readonly first: 0 | 1 | 2,
    private readonly second: 0 | 1 | 2,
    /** The typical plane's bright level above the series' 1st percentile. */
    private readonly typicalBright: number,
  ) {
    const voxel = spacing(image);
    this.block = [Math.max(1, Math.round(copyBlockMm / voxel[first])), Math.max(1, Math.round(copyBlockMm / voxel[second]))];
    const spreads: number[] = [];
    const step = Math.max(1, Math.floor(image.size[axis] / 32));
    for (let plane = 0; plane < image.size[axis]; plane += step) spreads.push(meanAbsoluteDeviation(this.blockMeans(plane)));
    this.typicalSpread = median(spreads);
  }

  /**
   * Returns how many planes after `edge`, going in direction `inward`, copy it: each differs from it
   * by less than copiedPlaneShare of the typical spread, or correlates with the plane streakStepMm
   * further in (maxStreakDecorrelation). Returns 0 when the edge plane shows too little structure
   * to tell a copy from the next plane of a plain image.
   */
  runFrom(edge: number, inward: 1 | -1): number {
    if (!(this.typicalSpread > minStructureShare * this.typicalBright)) return 0;
    const reference = this.blockMeans(edge);
    if (meanAbsoluteDeviation(reference) < minCopiedPlaneSpread * this.typicalSpread) return 0;
    const step = Math.max(1, Math.round(streakStepMm / spacing(this.image)[this.axis]));
    const count = this.image.size[this.axis];
    let run = 0;
    for (let plane = edge + inward; plane >= 0 && plane < count; plane += inward) {
      const means = this.blockMeans(plane);
      let difference = 0;
      for (let index = 0; index < means.length; index++) difference += Math.abs(means[index]! - reference[index]!);
      const copiesEdge = difference / means.length < copiedPlaneShare * this.typicalSpread;
      const further = plane + step * inward;
      const streak = further >= 0 && further < count && 1 - correlation(means, this.blockMeans(further)) < maxStreakDecorrelation;
      if (!copiesEdge && !streak) break;
      run++;
    }
    return run;
  }

  /** Returns the means of the plane's voxels over blocks of about copyBlockMm square, computing each plane once. */
  private blockMeans(plane: number): Float64Array {
    let means = this.meansByPlane.get(plane);
    if (means === undefined) {
      means = this.computeBlockMeans(plane);
      this.meansByPlane.set(plane, means);
    }
    return means;
  }

  private computeBlockMeans(plane: number): Float64Array {
    const { image, axis, first, second } = this;
    const [blockA, blockB] = this.block;
    const countA = Math.floor(image.size[first] / blockA);
    const countB = Math.floor(image.size[second] / blockB);
    const means = new Float64Array(countA * countB);
    const steps = [1, image.size[0], image.size[0] * image.size[1]];
    for (let a = 0; a < countA * blockA; a++) {
      for (let b = 0; b < countB * blockB; b++) {
        const value = image.data[plane * steps[axis]! + a * steps[first]! + b * steps[second]!]!;
        means[Math.floor(a / blockA) * countB + Math.floor(b / blockB)]! += value;
      }
    }
    const size = blockA * blockB;
    for (let index = 0; index < means.length; index++) means[index]! /= size;
    return means;
  }
}

/** Returns the Pearson correlation of `a` and `b`, which have the same length, or 0 when either is constant. */
function correlation(a: Float64Array, b: Float64Array): number {
  let meanA = 0;
  let meanB = 0;
  for (let index = 0; index < a.length; index++) {
    meanA += a[index]!;
    meanB += b[index]!;
  }
  meanA /= a.length;
  meanB /= b.length;
  let product = 0;
  let squaresA = 0;
  let squaresB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index]! - meanA;
    const y = b[index]! - meanB;
    product += x * y;
    squaresA += x * x;
    squaresB += y * y;
  }
  return squaresA > 0 && squaresB > 0 ? product / Math.sqrt(squaresA * squaresB) : 0;
}

/** Returns the mean absolute deviation of `values` from their mean. */
function meanAbsoluteDeviation(values: Float64Array): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  let deviation = 0;
  for (const value of values) deviation += Math.abs(value - mean);
  return deviation / values.length;
}

/**
 * Measures how far the imaged volume extends from a point, by walking 1 mm steps until it leaves
 * the grid. The lateral axis is ignored because a thin sagittal slab ends close to the midline.
 * With `image`, the walk also stops where paddingRunMm steps in a row contain exactly the image's
 * lowest value, or lie in the padding `planes` (emptyPlanes): the fill of a rotated or padded
 * image. Without that, a rotation's black corners or rows of noise
 * would pass for a field of view that goes on below the lowest disc.
 */
function edgeContext(volume: Volume, image: Volume | undefined, planes: { axis: 0 | 1 | 2; empty: boolean[] } | null): NamingContext {
  const lateralAxis = nearestVoxelAxis(volume, 0);
  let fill = Infinity;
  if (image !== undefined) for (let index = 0; index < image.data.length; index++) fill = Math.min(fill, image.data[index]!);
  const isFill = (index: [number, number, number]): boolean => {
    if (image === undefined) return false;
    const [i, j, k] = index.map((value, axis) => Math.min(Math.max(Math.round(value), 0), image.size[axis]! - 1)) as [number, number, number];
    if (planes !== null && planes.empty[[i, j, k][planes.axis]!]) return true;
    return image.data[i + image.size[0] * (j + image.size[1] * k)] === fill;
  };
  return {
    distanceToEdge(point: Vec3, direction: Vec3): number {
      let run = 0;
      for (let t = 0; t < 400; t += 1) {
        const index = patientToIndex(volume, add(point, scale(direction, t)));
        const outside = index.some((value, axis) => axis !== lateralAxis && (value < -0.5 || value > volume.size[axis]! - 0.5));
        if (outside) return t;
        run = isFill(index) ? run + 1 : 0;
        if (run >= paddingRunMm) return t - paddingRunMm + 1;
      }
      return 400;
    },
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
