import { add, dot, norm, normalize, posteriorInPlane, scale, subtract, type Vec3 } from '../geometry/affine.js';
import { median } from '../geometry/fit.js';
import { makeVolume, patientToIndex } from '../geometry/volume.js';
import { segmentationClasses } from '../segmentation/classes.js';
import type { SegmentationModel } from '../segmentation/model.js';
import { segmentSagittalVolume } from '../segmentation/segment.js';
import { describePlaneComponents, type PlaneComponent, type PlaneDisc } from './plane-discs.js';
import { dropOffChain, type SliceDiscFinder } from './slice-discs.js';

/** Settings of the vertebra-based disc finder. */
export interface VertebraDiscOptions {
  /** Smallest vertebral body component kept, mm^2 (a lumbar body is about 900-1300 mm^2 on a mid-sagittal plane). */
  readonly minVertebraAreaMm2: number;
  /**
   * Neighbouring components whose centres are closer than this fraction of the median spacing,
   * and whose facing edges are closer than `maxFragmentGapMm`, are fragments of one body.
   */
  readonly fragmentFraction: number;
  readonly maxFragmentGapMm: number;
  /** A gap longer than this multiple of the median spacing contains missed vertebrae, which are interpolated. */
  readonly gapFactor: number;
  /** A disc component within this fraction of the median spacing of an estimated disc centre replaces the estimate. */
  readonly discSnapFraction: number;
  /** Disc height in mm assumed below the lowest vertebra when no disc gap could be measured. */
  readonly defaultDiscHeightMm: number;
  /**
   * When more than this fraction of the median spacing of image lies above the top body's upper
   * edge, a partly visible vertebra sits there and the disc below it is added.
   */
  readonly topMarginFraction: number;
}

export const defaultVertebraDiscOptions: VertebraDiscOptions = {
  minVertebraAreaMm2: 150,
  fragmentFraction: 0.6,
  maxFragmentGapMm: 3,
  gapFactor: 1.6,
  discSnapFraction: 0.3,
  defaultDiscHeightMm: 9,
  topMarginFraction: 0.5,
};

/** A vertebral body of the chain. `points` is empty for a body interpolated across a gap. */
interface Body {
  readonly center: Vec3;
  readonly points: Float64Array;
  readonly halfHeightMm: number;
}

/** Largest (edge = 'max') or smallest projection of a body's pixels on `axis`, relative to `origin`. */
function projectionEdge(body: Body, origin: Vec3, axis: Vec3, edge: 'min' | 'max'): number {
  const centre = dot(subtract(body.center, origin), axis);
  if (body.points.length === 0) return edge === 'max' ? centre + body.halfHeightMm : centre - body.halfHeightMm;
  let best = edge === 'max' ? -Infinity : Infinity;
  for (let i = 0; i < body.points.length; i += 3) {
    const t = (body.points[i]! - origin[0]) * axis[0] + (body.points[i + 1]! - origin[1]) * axis[1] + (body.points[i + 2]! - origin[2]) * axis[2];
    best = edge === 'max' ? Math.max(best, t) : Math.min(best, t);
  }
  return best;
}

function mergeFragments(vertebrae: readonly PlaneComponent[], maxDistance: number, maxGap: number): Body[] {
  const bodies: Body[] = [];
  const areas: number[] = [];
  for (const v of vertebrae) {
    const last = bodies[bodies.length - 1];
    const body: Body = { center: v.center, points: v.points, halfHeightMm: 0 };
    if (last && norm(subtract(last.center, v.center)) < maxDistance) {
      const axis = normalize(subtract(v.center, last.center));
      const gap = projectionEdge(body, last.center, axis, 'min') - projectionEdge(last, last.center, axis, 'max');
      if (gap < maxGap) {
        const area = areas[areas.length - 1]! + v.areaMm2;
        const lastShare = areas[areas.length - 1]! / area;
        const points = new Float64Array(last.points.length + v.points.length);
        points.set(last.points);
        points.set(v.points, last.points.length);
        bodies[bodies.length - 1] = { center: add(scale(last.center, lastShare), scale(v.center, 1 - lastShare)), points, halfHeightMm: 0 };
        areas[areas.length - 1] = area;
        continue;
      }
    }
    bodies.push(body);
    areas.push(v.areaMm2);
  }
  return bodies;
}

/** Unit vector in the sagittal plane perpendicular to `axis`, on the posterior (+y) side. */
/**
 * Places one disc below every vertebral body of a sagittal plane, as the SPIDER gradings count
 * discs: one per visible vertebra, below it. The lowest is L5-S1 when the lowest body is L5.
 *
 * Bodies are taken cranial to caudal after dropping detections off the spine curve and merging
 * fragments. A gap longer than `gapFactor` median spacings gets interpolated bodies. A disc between
 * two bodies sits halfway between the lower edge of the upper body and the upper edge of the lower
 * one, with its normal along the line between the body centres. The disc below the lowest body is
 * extrapolated along the last spacing by the median disc height. When the image shows more than
 * half a spacing above the top body, a partly visible vertebra is there and the disc between them
 * is added. A disc component of the segmentation near an estimate replaces it. `imageTopZ` is the
 * LPS z of the top image row.
 *
 * NOTE: a sacrum segmented as a vertebral body gets a disc below it that does not exist, and a
 * missed lowest body drops the L5-S1 disc, so numbering from caudal shifts in both cases.
 * Returns discs cranial to caudal, or none with fewer than two bodies.
 */
export function discsFromVertebrae(
  vertebrae: readonly PlaneComponent[],
  discComponents: readonly PlaneComponent[],
  imageTopZ: number,
  options: VertebraDiscOptions = defaultVertebraDiscOptions,
): PlaneDisc[] {
  const chain = dropOffChain([...vertebrae].sort((p, q) => q.center[2] - p.center[2]));
  if (chain.length < 2) return [];
  const rawSpacing = median(chain.slice(1).map((v, i) => norm(subtract(v.center, chain[i]!.center))));
  const merged = mergeFragments(chain, options.fragmentFraction * rawSpacing, options.maxFragmentGapMm);
  if (merged.length < 2) return [];
  const spacing = median(merged.slice(1).map((v, i) => norm(subtract(v.center, merged[i]!.center))));

  const bodies: Body[] = [merged[0]!];
  for (let i = 1; i < merged.length; i++) {
    const upper = merged[i - 1]!;
    const lower = merged[i]!;
    const distance = norm(subtract(lower.center, upper.center));
    if (distance > options.gapFactor * spacing) {
      const missing = Math.max(1, Math.round(distance / spacing) - 1);
      for (let m = 1; m <= missing; m++) {
        const t = m / (missing + 1);
        bodies.push({ center: add(scale(upper.center, 1 - t), scale(lower.center, t)), points: new Float64Array(0), halfHeightMm: 0.35 * spacing });
      }
    }
    bodies.push(lower);
  }

  const snap = (estimate: Vec3, axis: Vec3, radius: number): PlaneDisc => {
    let best: PlaneComponent | null = null;
    let bestDistance = radius;
    for (const d of discComponents) {
      const distance = norm(subtract(d.center, estimate));
      if (distance < bestDistance && d.depthMm > d.heightMm) {
        best = d;
        bestDistance = distance;
      }
    }
    const normal = scale(axis, -1);
    if (best === null) {
      return { center: estimate, normal, posterior: posteriorInPlane(axis), pixel: [0, 0], areaMm2: 0, depthMm: 0, heightMm: 0, meanProbability: 0 };
    }
    // The component's own normal is kept when it agrees with the spine axis within about 30 degrees.
    const useOwnNormal = dot(best.normal, normal) > Math.cos(Math.PI / 6);
    const { points: _points, ...disc } = best;
    return useOwnNormal ? disc : { ...disc, normal, posterior: posteriorInPlane(axis) };
  };

  const discs: PlaneDisc[] = [];
  const gaps: number[] = [];
  const firstAxis = normalize(subtract(bodies[1]!.center, bodies[0]!.center));
  const topEdge = projectionEdge(bodies[0]!, bodies[0]!.center, firstAxis, 'min');
  const topEdgeZ = bodies[0]!.center[2] + topEdge * firstAxis[2];
  let lastAxis: Vec3 = [0, 0, -1];
  for (let i = 1; i < bodies.length; i++) {
    const upper = bodies[i - 1]!;
    const lower = bodies[i]!;
    const axis = normalize(subtract(lower.center, upper.center));
    const distance = norm(subtract(lower.center, upper.center));
    const upperEdge = projectionEdge(upper, upper.center, axis, 'max');
    const lowerEdge = projectionEdge(lower, upper.center, axis, 'min');
    const middle = lowerEdge > upperEdge ? (upperEdge + lowerEdge) / 2 : distance / 2;
    if (lowerEdge > upperEdge && upper.points.length > 0 && lower.points.length > 0) gaps.push(lowerEdge - upperEdge);
    discs.push(snap(add(upper.center, scale(axis, middle)), axis, options.discSnapFraction * spacing));
    lastAxis = axis;
  }
  const lowest = bodies[bodies.length - 1]!;
  const discHeight = gaps.length > 0 ? median(gaps) : options.defaultDiscHeightMm;
  if (imageTopZ - topEdgeZ > options.topMarginFraction * spacing) {
    const above = add(bodies[0]!.center, scale(firstAxis, topEdge - discHeight / 2));
    discs.unshift(snap(above, firstAxis, options.discSnapFraction * spacing));
  }
  const bottomEdge = projectionEdge(lowest, lowest.center, lastAxis, 'max');
  discs.push(snap(add(lowest.center, scale(lastAxis, bottomEdge + discHeight / 2)), lastAxis, options.discSnapFraction * spacing));
  return discs;
}

/**
 * Disc finder built on the vertebral bodies of the deepspine segmentation: on 2-D slices the
 * network finds bodies more reliably than discs, so discs are placed between and below the bodies.
 */
export function vertebraDiscFinder(model: SegmentationModel, options: VertebraDiscOptions = defaultVertebraDiscOptions): SliceDiscFinder {
  return {
    name: 'vertebrae',
    async find(image) {
      const segmentation = await segmentSagittalVolume(image.volume, model);
      const labels = makeVolume(image.volume.size, image.volume.affine, segmentation.labels.data);
      const vertebrae = describePlaneComponents(labels, segmentationClasses.vertebralBody, options.minVertebraAreaMm2, segmentation.vertebraProbability);
      const discs = describePlaneComponents(labels, segmentationClasses.disc, 30, segmentation.discProbability);
      // Row 0 is the top of the image, so its z is the highest of the plane.
      const imageTopZ = image.volume.affine[11]!;
      return discsFromVertebrae(vertebrae, discs, imageTopZ, options).map((d) => {
        const [column, row] = patientToIndex(image.volume, d.center);
        return { ...d, pixel: [column, row] as const };
      });
    },
  };
}
