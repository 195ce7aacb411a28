import { dot, norm, subtract, type Vec3 } from '../geometry/affine.js';
import type { Warning } from '../errors.js';
import { median } from '../geometry/fit.js';
import { checkOrientation, orientationAnchorConfidence } from './orientation.js';
import type { Structure } from './structures.js';

/** Vertebra names from cranial to caudal; discs take the names of the two vertebrae around them. */
const vertebraNames = ['T8', 'T9', 'T10', 'T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'] as const;

/** Field of view below the lowest disc, in mm along the spine, that must show the sacrum before it anchors the names. */
export const minSacrumCoverageMm = 25;

/**
 * Field of view, in mm along the spine, that must follow the bottom of the body under the lowest
 * disc. Below L5-S1 that body is the top of S1, and the sacrum goes on. An image that ends before
 * a disc (10-12 mm) and part of a body after it may show L5 with L5-S1 cut off. The labelled
 * volumes that are named right leave at least 21 mm, and one cut 6 mm below L5 leaves 14 mm.
 * NOTE: when the network misses both the L5-S1 disc and the sacrum, as it did on a water-fat image
 * of a contrast left out of its training, L5 follows L4-L5 and this check passes: every name is then
 * one level off at full confidence.
 */
export const minImageBelowBodyMm = 18;

/**
 * The lumbosacral disc lies at the bottom of the lordosis, so in a supine patient it is tilted
 * against the axial plane and against the L4-L5 disc. A lowest disc that is flat on both counts
 * looks like a mid-lumbar or thoracic disc, as at the lower edge of a thoracolumbar view. The
 * limits are estimates from the lumbosacral angles of typical lordosis (about 20-40 degrees).
 */
export const minLumbosacralTiltDegrees = 15;
export const minLumbosacralWedgeDegrees = 10;

/**
 * Largest distance between neighbouring discs, as a multiple of the spacing around them, before a
 * disc is taken to be missing between them. On the labelled volumes the largest ratio was 1.21.
 */
export const maxSpacingRatio = 1.6;

/** A disc of the chain with its name and the confidence in that name. */
export interface NamedDisc {
  readonly name: string;
  readonly structure: Structure;
  readonly confidence: number;
}

export interface NamedVertebra {
  readonly name: string;
  readonly structure: Structure;
  readonly confidence: number;
}

export interface Naming {
  readonly discs: NamedDisc[];
  readonly vertebrae: NamedVertebra[];
  /** Confidence that the lowest disc is L5-S1, from the visible anatomy below it. */
  readonly anchorConfidence: number;
  readonly warnings: Warning[];
}

/** Options describing the image around the structures, needed to judge the anchor. */
export interface NamingContext {
  /** Distance in mm from a point along a unit direction to the edge of the imaged volume. */
  distanceToEdge(point: Vec3, direction: Vec3): number;
}

/**
 * Orders the discs cranial to caudal along the spine and names them by counting up from the
 * lowest disc, taken to be L5-S1. The names are only as good as that anchor. Every name's
 * confidence falls, with a warning, in four cases: the sacrum is out of view, the chain looks
 * upside down, mirrored or leaning (a wrong header), a disc seems to be missing from the chain, or
 * the lowest disc looks rudimentary (transitional anatomy).
 */
export function nameLevels(discs: Structure[], vertebrae: Structure[], context: NamingContext): Naming {
  const warnings: Warning[] = [];
  const chain = [...discs].sort((a, b) => b.center[2] - a.center[2]);
  if (chain.length === 0) return { discs: [], vertebrae: [], anchorConfidence: 0, warnings };

  const lowest = chain[chain.length - 1]!;
  let anchorConfidence = 0.95;
  const caudal: Vec3 = [-lowest.thinAxis[0], -lowest.thinAxis[1], -lowest.thinAxis[2]];
  const coverage = context.distanceToEdge(lowest.center, caudal);
  const tiltToAxial = angleDegrees(lowest.thinAxis, [0, 0, 1]);
  const tiltToAbove = chain.length >= 2 ? angleDegrees(lowest.thinAxis, chain[chain.length - 2]!.thinAxis) : 0;
  const bodyBottom = bottomOfBodyBelow(lowest, vertebrae);
  if (coverage < minSacrumCoverageMm) {
    anchorConfidence = 0.25;
    warnings.push({
      code: 'SACRUM_NOT_IN_VIEW',
      message: `the image ends ${coverage.toFixed(0)} mm below the lowest disc, too close to show that the sacrum lies below it; levels are counted as if the lowest disc were L5-S1 and may be shifted`,
    });
  } else if (bodyBottom !== null && coverage - bodyBottom < minImageBelowBodyMm) {
    anchorConfidence = 0.25;
    warnings.push({
      code: 'SACRUM_NOT_IN_VIEW',
      message: `the image ends ${Math.max(0, coverage - bodyBottom).toFixed(0)} mm below the vertebral body under the lowest disc, so that body may be L5 rather than the top of the sacrum; levels are counted as if the lowest disc were L5-S1 and may be shifted`,
    });
  } else if (lowest.volumeMm3 > 0 && tiltToAxial < minLumbosacralTiltDegrees && tiltToAbove < minLumbosacralWedgeDegrees) {
    // A faint disc added below the segmented ones copies the orientation of the disc above, so it is not checked here.
    anchorConfidence = 0.3;
    warnings.push({
      code: 'SACRUM_NOT_IDENTIFIED',
      message: `the lowest disc is tilted ${tiltToAxial.toFixed(0)} degrees from the axial plane and ${tiltToAbove.toFixed(0)} degrees from the disc above, unlike a lumbosacral disc; it may not be L5-S1, so the names may be shifted`,
    });
  }

  const orientation = checkOrientation(chain);
  if (orientation.warnings.length > 0) {
    anchorConfidence = Math.min(anchorConfidence, orientationAnchorConfidence);
    warnings.push(...orientation.warnings);
  }

  const spacings = chain.slice(1).map((disc, index) => norm(subtract(chain[index]!.center, disc.center)));
  const typical = median(spacings);
  const gapAfter = new Set<number>();
  const crowdedAfter = new Set<number>();
  spacings.forEach((distance, index) => {
    if (typical > 0 && distance > maxSpacingRatio * localSpacing(spacings, index, typical)) gapAfter.add(index);
    if (typical > 0 && distance < 0.5 * typical) crowdedAfter.add(index);
  });
  if (crowdedAfter.size > 0) {
    const closest = Math.min(...[...crowdedAfter].map((index) => spacings[index]!));
    warnings.push({
      code: 'DISC_CHAIN_CROWDED',
      message: `${crowdedAfter.size} pair(s) of neighbouring discs lie as close as ${closest.toFixed(0)} mm, less than half the typical ${typical.toFixed(0)} mm, so one of a pair may be a second detection of the same disc; names above it may be shifted by one level`,
    });
  }
  if (gapAfter.size > 0) {
    // Each gap with the spacing it was compared with: the typical one, or a smaller one of the discs next to it.
    const gaps = [...gapAfter].map((index) => `${spacings[index]!.toFixed(0)} mm against ${localSpacing(spacings, index, typical).toFixed(0)} mm`);
    warnings.push({
      code: 'DISC_CHAIN_GAP',
      message: `the distance between ${gapAfter.size} pair(s) of neighbouring discs is more than ${maxSpacingRatio} times the typical ${typical.toFixed(0)} mm or the spacing of the discs next to them (${gaps.join(', ')}), so a disc may be missed; names above the gap are less certain`,
    });
  }

  // A faint disc added below the segmented ones has no volume of its own to compare.
  if (chain.length >= 3 && lowest.volumeMm3 > 0) {
    const others = chain.slice(0, -1).map((d) => d.volumeMm3);
    const ratio = lowest.volumeMm3 / median(others);
    if (ratio < 0.4) {
      anchorConfidence = Math.min(anchorConfidence, 0.35);
      warnings.push({
        code: 'TRANSITIONAL_ANATOMY_SUSPECTED',
        message: `the lowest disc is ${(ratio * 100).toFixed(0)} % of the median disc volume; it may be a rudimentary S1-S2 disc or a transitional lumbosacral segment, so the names may be shifted by one level`,
      });
    }
  }

  const lumbosacralIndex = vertebraNames.indexOf('L5');
  const named: NamedDisc[] = [];
  let gapsBelow = 0;
  for (let position = chain.length - 1; position >= 0; position--) {
    // A crowded pair may contain one disc twice, which shifts every name above it, so it counts like a gap.
    if (position < chain.length - 1 && (gapAfter.has(position) || crowdedAfter.has(position))) gapsBelow++;
    const above = lumbosacralIndex - (chain.length - 1 - position);
    const disc = chain[position]!;
    const confidence = anchorConfidence * Math.pow(0.5, gapsBelow) * Math.min(1, 0.5 + disc.meanProbability / 2);
    const name = above >= 0 ? `${vertebraNames[above]}-${vertebraNames[above + 1]}` : `above-${vertebraNames[0]}`;
    named.unshift({ name, structure: disc, confidence });
  }

  return { discs: named, vertebrae: nameVertebrae(named, vertebrae), anchorConfidence, warnings };
}

/**
 * Names each vertebral body after the discs around it: the body just above a disc is the upper
 * vertebra of that disc's name, and the body just below L5-S1 is S1.
 */
function nameVertebrae(discs: NamedDisc[], vertebrae: Structure[]): NamedVertebra[] {
  const result: NamedVertebra[] = [];
  for (const vertebra of vertebrae) {
    let best: { name: string; confidence: number; distance: number } | null = null;
    for (const disc of discs) {
      const offset = dot(subtract(vertebra.center, disc.structure.center), disc.structure.thinAxis);
      const [upper, lower] = disc.name.split('-') as [string, string];
      const name = offset > 0 ? upper : lower;
      const distance = Math.abs(offset);
      if (distance > 40) continue;
      if (best === null || distance < best.distance) best = { name, confidence: disc.confidence, distance };
    }
    if (best !== null) result.push({ name: best.name, structure: vertebra, confidence: best.confidence });
  }
  // Two bodies can take one name when a disc was detected twice. The largest keeps it, and the
  // others, slivers between the two detections, are left out.
  const largest = new Map<string, NamedVertebra>();
  for (const named of result) {
    const other = largest.get(named.name);
    if (other === undefined || named.structure.volumeMm3 > other.structure.volumeMm3) largest.set(named.name, named);
  }
  return [...largest.values()].sort((a, b) => b.structure.center[2] - a.structure.center[2]);
}

/**
 * Returns the spacing that the distance after disc `index` is compared with: the typical one, or a
 * neighbouring distance when that is smaller. Thoracic discs lie closer together than lumbar ones,
 * so a thoracic disc missed in a thoracolumbar view leaves a gap that the lumbar median hides.
 * Distances under half the typical one (a disc detected twice) are not taken as neighbours.
 */
function localSpacing(spacings: readonly number[], index: number, typical: number): number {
  const neighbours = [spacings[index - 1], spacings[index + 1]].filter((distance): distance is number => distance !== undefined && distance >= 0.5 * typical);
  return Math.min(typical, ...neighbours);
}

/**
 * Returns the distance in mm along the spine from a disc's centre to the lower end of the body just
 * below it, or null when no body centre lies within 40 mm below.
 */
function bottomOfBodyBelow(disc: Structure, vertebrae: Structure[]): number | null {
  let nearest: { offset: number; body: Structure } | null = null;
  for (const body of vertebrae) {
    const offset = dot(subtract(disc.center, body.center), disc.thinAxis);
    if (offset <= 0 || offset > 40) continue;
    if (nearest === null || offset < nearest.offset) nearest = { offset, body };
  }
  return nearest === null ? null : nearest.offset + nearest.body.thickness / 2;
}

function angleDegrees(a: Vec3, b: Vec3): number {
  return (Math.acos(Math.min(1, Math.abs(dot(a, b)))) * 180) / Math.PI;
}
