import { applyAffine, type Vec3 } from '../geometry/affine.js';
import { makeVolume, type Volume } from '../geometry/volume.js';
import { segmentationClasses } from '../segmentation/classes.js';
import { connectedComponents } from './components.js';
import type { LevelResult } from './find-levels.js';

/**
 * Largest distance in mm, across the spine, from a component's centroid to the spine curve for the
 * component to be kept. A vertebral body is about 35 mm deep and 45 mm wide, so the centroids of
 * bodies and discs, even of fragments, lie well within it, while bowel, hip and image-border
 * detections lie farther out.
 */
export const maxSpineOffsetMm = 25;

export interface CleanedLabels {
  readonly labels: Volume<Uint8Array>;
  /** Voxels set to background because their component lies off the spine. */
  readonly removedVoxels: number;
}

/**
 * Returns a copy of a label map without the vertebral body and disc components whose centroid
 * lies more than `maxOffsetMm` from the spine curve, measured in the axial plane at the centroid's
 * height. The curve joins the centres of the discs and vertebrae that level finding kept, and is
 * held constant above and below them, so vertebrae beyond the named ones stay.
 */
export function removeOffSpineComponents(labels: Volume<Uint8Array>, levels: Pick<LevelResult, 'allDiscs' | 'vertebrae'>, maxOffsetMm = maxSpineOffsetMm): CleanedLabels {
  const curve = [...levels.allDiscs, ...levels.vertebrae].map((s) => s.center).sort((a, b) => a[2] - b[2]);
  const data = Uint8Array.from(labels.data);
  if (curve.length === 0) return { labels: makeVolume(labels.size, labels.affine, data), removedVoxels: 0 };
  let removedVoxels = 0;
  for (const label of [segmentationClasses.vertebralBody, segmentationClasses.disc]) {
    for (const component of connectedComponents(labels, label)) {
      const center = centroid(labels, component.voxels);
      const onCurve = curvePointAt(curve, center[2]);
      if (Math.hypot(center[0] - onCurve[0], center[1] - onCurve[1]) <= maxOffsetMm) continue;
      for (const index of component.voxels) data[index] = 0;
      removedVoxels += component.voxels.length;
    }
  }
  return { labels: makeVolume(labels.size, labels.affine, data), removedVoxels };
}

function centroid(volume: Volume, voxels: Int32Array): Vec3 {
  const [nx, ny] = volume.size;
  let si = 0;
  let sj = 0;
  let sk = 0;
  for (const index of voxels) {
    si += index % nx;
    sj += Math.floor(index / nx) % ny;
    sk += Math.floor(index / (nx * ny));
  }
  const n = voxels.length;
  return applyAffine(volume.affine, [si / n, sj / n, sk / n]);
}

/** Point of the polyline `curve` (sorted by z) at height z, by linear interpolation, clamped to its ends. */
function curvePointAt(curve: readonly Vec3[], z: number): Vec3 {
  if (z <= curve[0]![2]) return curve[0]!;
  const last = curve[curve.length - 1]!;
  if (z >= last[2]) return last;
  let upper = 1;
  while (curve[upper]![2] < z) upper++;
  const a = curve[upper - 1]!;
  const b = curve[upper]!;
  const t = b[2] === a[2] ? 0 : (z - a[2]) / (b[2] - a[2]);
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), z];
}
