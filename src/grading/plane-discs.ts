import { applyAffine, applyLinear, normalize, type Vec3 } from '../geometry/affine.js';
import type { Volume } from '../geometry/volume.js';
import { connectedComponents } from '../levels/components.js';
import type { DiscLevel } from '../levels/types.js';

/** One disc found on a single sagittal plane. */
export interface PlaneDisc {
  /** Centroid in LPS mm. */
  readonly center: Vec3;
  /** In-plane unit normal of the disc, pointing cranially. */
  readonly normal: Vec3;
  /** In-plane unit vector along the disc, pointing posteriorly. */
  readonly posterior: Vec3;
  /** Centroid in pixels: [column, row] of the plane. */
  readonly pixel: readonly [number, number];
  readonly areaMm2: number;
  /** Extents in mm along the disc (depth) and across it (height): sqrt(12) standard deviations. */
  readonly depthMm: number;
  readonly heightMm: number;
  /** Mean disc probability over the component, or 1 without a probability map. */
  readonly meanProbability: number;
}

/** Limits that separate disc-shaped components from noise on a sagittal plane. */
export interface PlaneDiscLimits {
  readonly minAreaMm2: number;
  readonly minDepthMm: number;
  /** Minimum depth / height ratio: discs are wide and flat. */
  readonly minAspect: number;
}

/**
 * Defaults from lumbar anatomy: an adult lumbar disc is about 30-50 mm deep and 8-14 mm high on a
 * mid-sagittal plane. Thoracic discs are smaller, and fragments under 60 mm^2 are noise.
 */
export const defaultPlaneDiscLimits: PlaneDiscLimits = { minAreaMm2: 60, minDepthMm: 12, minAspect: 1.5 };

/** A connected component of a label on one plane, with its shape. */
export interface PlaneComponent extends PlaneDisc {
  /** LPS positions in mm of the component's pixels, x y z interleaved. */
  readonly points: Float64Array;
}

/**
 * Describes every component of `label` on a one-plane label volume of at least `minAreaMm2` by its
 * centroid and in-plane principal axes. The volume's first two index axes must span the plane.
 * Returns components sorted from cranial to caudal (by LPS z).
 * @throws RangeError when the volume has more than one plane.
 */
export function describePlaneComponents(labels: Volume, label: number, minAreaMm2: number, probability?: Volume<Float32Array>): PlaneComponent[] {
  if (labels.size[2] !== 1) throw new RangeError(`expected a one-plane volume, got ${labels.size[2]} planes`);
  const [nx] = labels.size;
  const a = labels.affine;
  const columnMm = Math.hypot(a[0]!, a[4]!, a[8]!);
  const rowMm = Math.hypot(a[1]!, a[5]!, a[9]!);
  const pixelArea = columnMm * rowMm;
  const components: PlaneComponent[] = [];
  for (const component of connectedComponents(labels, label, Math.max(1, Math.floor(minAreaMm2 / pixelArea)))) {
    const n = component.voxels.length;
    let sumC = 0;
    let sumR = 0;
    let probabilitySum = 0;
    const points = new Float64Array(3 * n);
    component.voxels.forEach((index, m) => {
      const c = index % nx;
      const r = Math.floor(index / nx);
      sumC += c;
      sumR += r;
      if (probability) probabilitySum += probability.data[index]!;
      const p = applyAffine(a, [c, r, 0]);
      points[3 * m] = p[0];
      points[3 * m + 1] = p[1];
      points[3 * m + 2] = p[2];
    });
    const meanC = sumC / n;
    const meanR = sumR / n;
    // Covariance of pixel positions in mm along the column and row directions.
    let ccv = 0;
    let rrv = 0;
    let crv = 0;
    for (const index of component.voxels) {
      const dc = (index % nx - meanC) * columnMm;
      const dr = (Math.floor(index / nx) - meanR) * rowMm;
      ccv += dc * dc;
      rrv += dr * dr;
      crv += dc * dr;
    }
    ccv /= n;
    rrv /= n;
    crv /= n;
    // Eigenvalues of [[ccv, crv], [crv, rrv]]. The larger one runs along the structure.
    const mean = (ccv + rrv) / 2;
    const spread = Math.sqrt(((ccv - rrv) / 2) ** 2 + crv * crv);
    const major = mean + spread;
    const minor = Math.max(mean - spread, 0);
    const angle = 0.5 * Math.atan2(2 * crv, ccv - rrv);
    // Major axis in (column mm, row mm) units, rescaled to pixel steps before mapping to LPS.
    const alongPixel: Vec3 = [Math.cos(angle) / columnMm, Math.sin(angle) / rowMm, 0];
    const acrossPixel: Vec3 = [-Math.sin(angle) / columnMm, Math.cos(angle) / rowMm, 0];
    let posterior = normalize(applyLinear(a, alongPixel));
    let normal = normalize(applyLinear(a, acrossPixel));
    if (posterior[1] < 0) posterior = [-posterior[0], -posterior[1], -posterior[2]];
    if (normal[2] < 0) normal = [-normal[0], -normal[1], -normal[2]];
    components.push({
      center: applyAffine(a, [meanC, meanR, 0]),
      normal,
      posterior,
      pixel: [meanC, meanR],
      areaMm2: n * pixelArea,
      depthMm: Math.sqrt(12 * major),
      heightMm: Math.sqrt(12 * minor),
      meanProbability: probability ? probabilitySum / n : 1,
      points,
    });
  }
  return components.sort((p, q) => q.center[2] - p.center[2]);
}

/**
 * Finds the disc-shaped components of `label` on a one-plane label volume: large enough, deep
 * enough and flat enough by `limits`. Returns discs sorted from cranial to caudal (by LPS z).
 */
export function findPlaneDiscs(labels: Volume, label: number, probability?: Volume<Float32Array>, limits: PlaneDiscLimits = defaultPlaneDiscLimits): PlaneDisc[] {
  return describePlaneComponents(labels, label, limits.minAreaMm2, probability)
    .filter((c) => c.depthMm >= limits.minDepthMm && c.depthMm >= limits.minAspect * c.heightMm)
    .map(({ points: _points, ...disc }) => disc);
}

/** A disc of a slice with its IVD label: 1 for the most caudal disc found, counting upwards. */
export interface NumberedDisc {
  readonly ivdLabel: number;
  readonly disc: PlaneDisc;
  readonly level: DiscLevel;
}

/**
 * Numbers discs from the most caudal (IVD label 1) upwards, as the SPIDER gradings do, and turns
 * each into a DiscLevel named "IVD <n>". The name is a position, not an anatomical level: IVD 1 is
 * L5-S1 only when the lowest disc found is the lumbosacral one.
 */
export function numberDiscsFromCaudal(discs: readonly PlaneDisc[]): NumberedDisc[] {
  const caudalFirst = [...discs].sort((p, q) => p.center[2] - q.center[2]);
  return caudalFirst.map((disc, index) => ({
    ivdLabel: index + 1,
    disc,
    level: {
      level: `IVD ${index + 1}`,
      center: disc.center,
      normal: disc.normal,
      posterior: disc.posterior,
      confidence: disc.meanProbability,
      measurements: null,
    },
  }));
}
