import { applyAffine, cross, dot, normalize, type Vec3 } from '../geometry/affine.js';
import { spacing, type Volume } from '../geometry/volume.js';
import { connectedComponents } from './components.js';

/** One vertebral body or disc found in the label map, with its shape in patient space. */
export interface Structure {
  readonly kind: 'vertebra' | 'disc';
  /** Centroid in LPS mm. */
  readonly center: Vec3;
  /** Volume in mm^3. */
  readonly volumeMm3: number;
  /** Unit axis of least extent (the plane normal for a disc), oriented cranially (+z LPS). */
  readonly thinAxis: Vec3;
  /** Unit axis in the structure's mid-plane pointing posteriorly (+y LPS side). */
  readonly posteriorAxis: Vec3;
  /** Extent in mm along thinAxis and posteriorAxis: sqrt(12) standard deviations, the length of a uniform spread. */
  readonly thickness: number;
  readonly depth: number;
  /** Mean probability of the structure's class over its voxels, when a probability map is given. */
  readonly meanProbability: number;
  /** Flat voxel indices of the structure in its label map. */
  readonly voxels?: Int32Array;
}

/** Smallest disc or vertebral body kept, in mm^3; smaller components are segmentation noise. */
export const minStructureVolumeMm3 = 400;

/**
 * Shape limits of a disc: at least this deep (mm) and flat, with its thickness at most this
 * fraction of its depth. Blobs of other tissue that the network marks as disc fail one of them.
 */
export const minDiscDepthMm = 12;
export const maxDiscThicknessRatio = 0.7;

/**
 * Finds the connected components of `label` in a label map and describes each by its centroid,
 * principal axes (from the covariance of its voxel positions in mm) and extents.
 */
export function findStructures(labels: Volume, label: number, kind: Structure['kind'], probability?: Volume<Float32Array>): Structure[] {
  const [sx, sy, sz] = spacing(labels);
  const minVoxels = Math.max(1, Math.floor(minStructureVolumeMm3 / (sx * sy * sz)));
  const structures: Structure[] = [];
  for (const component of connectedComponents(labels, label, minVoxels)) {
    const structure = describeVoxels(labels, component.voxels, kind, probability);
    if (kind === 'disc' && (structure.depth < minDiscDepthMm || structure.thickness > maxDiscThicknessRatio * structure.depth)) continue;
    structures.push(structure);
  }
  return structures;
}

/** Describes a set of voxels of a label map as one structure; `voxels` are kept for later splitting. */
export function describeVoxels(labels: Volume, voxels: Int32Array, kind: Structure['kind'], probability?: Volume<Float32Array>): Structure {
  const [sx, sy, sz] = spacing(labels);
  const [nx, ny] = labels.size;
  const points: Vec3[] = [];
  let probabilitySum = 0;
  for (const index of voxels) {
    const i = index % nx;
    const j = Math.floor(index / nx) % ny;
    const k = Math.floor(index / (nx * ny));
    points.push(applyAffine(labels.affine, [i, j, k]));
    if (probability) probabilitySum += probability.data[index]!;
  }
  const shape = principalAxes(points);
  return {
    kind,
    center: shape.mean,
    volumeMm3: voxels.length * sx * sy * sz,
    thinAxis: shape.thinAxis,
    posteriorAxis: shape.posteriorAxis,
    thickness: Math.sqrt(12 * Math.max(shape.thinVariance, 0)),
    depth: Math.sqrt(12 * Math.max(shape.posteriorVariance, 0)),
    meanProbability: probability ? probabilitySum / voxels.length : 1,
    voxels,
  };
}

/**
 * Splits vertebral body detections at the disc planes. Where a thin or missed disc lets two
 * bodies touch, connected components merge them, so every body voxel is assigned instead to the
 * segment between the two discs around it: above or below the disc whose centre is nearest.
 * Segments smaller than minStructureVolumeMm3 are dropped.
 */
export function splitBodiesAtDiscs(labels: Volume, bodies: Structure[], discs: Structure[], probability?: Volume<Float32Array>): Structure[] {
  if (discs.length === 0) return bodies;
  const ordered = [...discs].sort((a, b) => b.center[2] - a.center[2]);
  const [nx, ny] = labels.size;
  const segments = new Map<number, number[]>();
  for (const body of bodies) {
    for (const index of body.voxels ?? []) {
      const point = applyAffine(labels.affine, [index % nx, Math.floor(index / nx) % ny, Math.floor(index / (nx * ny))]);
      let nearest = 0;
      let nearestDistance = Infinity;
      ordered.forEach((disc, position) => {
        const distance = Math.hypot(point[0] - disc.center[0], point[1] - disc.center[1], point[2] - disc.center[2]);
        if (distance < nearestDistance) {
          nearestDistance = distance;
          nearest = position;
        }
      });
      const disc = ordered[nearest]!;
      const above = dot([point[0] - disc.center[0], point[1] - disc.center[1], point[2] - disc.center[2]], disc.thinAxis) > 0;
      const segment = above ? nearest : nearest + 1;
      let members = segments.get(segment);
      if (members === undefined) segments.set(segment, (members = []));
      members.push(index);
    }
  }
  const [sx, sy, sz] = spacing(labels);
  const minVoxels = minStructureVolumeMm3 / (sx * sy * sz);
  return [...segments.values()]
    .filter((members) => members.length >= minVoxels)
    .map((members) => describeVoxels(labels, Int32Array.from(members), 'vertebra', probability));
}

interface Shape {
  mean: Vec3;
  thinAxis: Vec3;
  posteriorAxis: Vec3;
  thinVariance: number;
  posteriorVariance: number;
}

/**
 * Computes the mean and principal axes of a point cloud. The disc normal is the eigenvector of the
 * smallest eigenvalue. The posterior axis is the in-plane direction closest to +y, because the
 * sagittal extent of a disc is better defined than its lateral one on thick-slice series.
 */
function principalAxes(points: Vec3[]): Shape {
  const n = points.length;
  const mean: [number, number, number] = [0, 0, 0];
  for (const p of points) {
    mean[0] += p[0] / n;
    mean[1] += p[1] / n;
    mean[2] += p[2] / n;
  }
  const c = [0, 0, 0, 0, 0, 0]; // xx, xy, xz, yy, yz, zz
  for (const p of points) {
    const dx = p[0] - mean[0];
    const dy = p[1] - mean[1];
    const dz = p[2] - mean[2];
    c[0] += dx * dx;
    c[1] += dx * dy;
    c[2] += dx * dz;
    c[3] += dy * dy;
    c[4] += dy * dz;
    c[5] += dz * dz;
  }
  const covariance = c.map((value) => value / n);
  // The normal lies in the sagittal (y, z) plane for a spine imaged sagittally: lateral spread is
  // poorly sampled on 4 mm slices, so only the y-z block is used for the normal.
  const yy = covariance[3]!;
  const yz = covariance[4]!;
  const zz = covariance[5]!;
  const trace = yy + zz;
  const det = yy * zz - yz * yz;
  const gap = Math.sqrt(Math.max(trace * trace / 4 - det, 0));
  const small = trace / 2 - gap;
  const large = trace / 2 + gap;
  // Eigenvector of the smaller eigenvalue in (y, z).
  let normal: Vec3 = Math.abs(yz) > 1e-9 ? [0, yz, small - yy] : yy < zz ? [0, 1, 0] : [0, 0, 1];
  normal = normalize(normal);
  if (normal[2] < 0) normal = [-normal[0], -normal[1], -normal[2]];
  let posterior = normalize(cross([1, 0, 0], normal));
  if (dot(posterior, [0, 1, 0]) < 0) posterior = [-posterior[0], -posterior[1], -posterior[2]];
  return { mean, thinAxis: normal, posteriorAxis: posterior, thinVariance: small, posteriorVariance: large };
}
