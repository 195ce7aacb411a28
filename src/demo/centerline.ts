/**
 * The spine centreline in the mid-sagittal plane and the (s, u) frame along it: s is the arc length
 * (mm, increasing cranially) and u the offset along the posterior normal (mm).
 */

/** Resampled spine centreline: arc length s increases cranially in steps of `step` mm. */
export interface Centerline {
  readonly step: number;
  readonly y: Float64Array;
  readonly z: Float64Array;
  /** Unit cranial tangent. */
  readonly tangentY: Float64Array;
  readonly tangentZ: Float64Array;
  readonly length: number;
  /** Fractional sample index where the centreline crosses z = `indexTableZ0` + k mm, for the first Newton guess. */
  readonly indexAtZ: Float64Array;
  readonly indexTableZ0: number;
}

/**
 * Resamples a polyline through (y, z) points, ordered caudal to cranial with z increasing, into a
 * smooth centreline with samples every `step` mm of arc length.
 */
export function centerlineThrough(points: ReadonlyArray<readonly [number, number]>, step: number): Centerline {
  const dense = resampleByArcLength(points, step);
  // A moving average over ±5 mm rounds the small kinks at each endplate.
  const smoothed = movingAverage(dense, Math.round(5 / step));
  const uniform = resampleByArcLength(smoothed, step);
  const n = uniform.length;
  const cy = new Float64Array(n);
  const cz = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    cy[i] = uniform[i]![0];
    cz[i] = uniform[i]![1];
  }

  // Unit tangents from central differences over ±1 mm.
  const ty = new Float64Array(n);
  const tz = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - 2);
    const b = Math.min(n - 1, i + 2);
    const dy = cy[b]! - cy[a]!;
    const dz = cz[b]! - cz[a]!;
    const length = Math.hypot(dy, dz);
    ty[i] = dy / length;
    tz[i] = dz / length;
  }

  // z increases monotonically along the centreline, so each 1 mm of z maps to one index.
  const indexTableZ0 = Math.floor(cz[0]!);
  const indexAtZ = new Float64Array(Math.ceil(cz[n - 1]!) - indexTableZ0 + 1);
  let j = 0;
  for (let k = 0; k < indexAtZ.length; k++) {
    const z = indexTableZ0 + k;
    while (j < n - 2 && cz[j + 1]! < z) j++;
    const t = (z - cz[j]!) / (cz[j + 1]! - cz[j]!);
    indexAtZ[k] = Math.min(Math.max(j + t, 0), n - 1);
  }
  return { step: step, y: cy, z: cz, tangentY: ty, tangentZ: tz, length: (n - 1) * step, indexAtZ, indexTableZ0 };
}


function resampleByArcLength(points: ReadonlyArray<readonly [number, number]>, step: number): Array<[number, number]> {
  const out: Array<[number, number]> = [[points[0]![0], points[0]![1]]];
  let carried = 0;
  for (let i = 1; i < points.length; i++) {
    const [y0, z0] = points[i - 1]!;
    const [y1, z1] = points[i]!;
    const length = Math.hypot(y1 - y0, z1 - z0);
    let t = step - carried;
    while (t <= length) {
      out.push([y0 + ((y1 - y0) * t) / length, z0 + ((z1 - z0) * t) / length]);
      t += step;
    }
    carried = length - (t - step);
  }
  return out;
}

function movingAverage(points: ReadonlyArray<readonly [number, number]>, radius: number): Array<[number, number]> {
  const n = points.length;
  return points.map((_, i) => {
    // The window shrinks symmetrically near the ends, so the end points stay fixed.
    const r = Math.min(radius, i, n - 1 - i);
    let sy = 0;
    let sz = 0;
    for (let k = i - r; k <= i + r; k++) {
      sy += points[k]![0];
      sz += points[k]![1];
    }
    return [sy / (2 * r + 1), sz / (2 * r + 1)];
  });
}

/** A point's centreline coordinates: arc length s (mm, clamped to the centreline) and posterior offset u (mm). */
export interface CenterlinePosition {
  s: number;
  u: number;
}

/**
 * Projects a sagittal-plane point (y, z) onto the centreline by Newton steps from the sample at the
 * same z. Valid within about 100 mm of the spine, well inside the curvature radius of the lordosis
 * (about 200 mm, centre behind the back) and of the sacrum (about 130 mm, centre in the pelvis).
 */
export function projectToCenterline(line: Centerline, y: number, z: number, out: CenterlinePosition = { s: 0, u: 0 }): CenterlinePosition {
  const n = line.y.length;
  const k = Math.min(Math.max(Math.round(z - line.indexTableZ0), 0), line.indexAtZ.length - 1);
  let index = line.indexAtZ[k]!;
  let dy = 0;
  let dz = 0;
  let ty = 0;
  let tz = 1;
  for (let iteration = 0; iteration < 3; iteration++) {
    const i0 = Math.min(Math.max(Math.floor(index), 0), n - 2);
    const f = Math.min(Math.max(index - i0, 0), 1);
    const py = line.y[i0]! + (line.y[i0 + 1]! - line.y[i0]!) * f;
    const pz = line.z[i0]! + (line.z[i0 + 1]! - line.z[i0]!) * f;
    ty = line.tangentY[i0]! + (line.tangentY[i0 + 1]! - line.tangentY[i0]!) * f;
    tz = line.tangentZ[i0]! + (line.tangentZ[i0 + 1]! - line.tangentZ[i0]!) * f;
    dy = y - py;
    dz = z - pz;
    const along = dy * ty + dz * tz;
    index = Math.min(Math.max(index + along / line.step, 0), n - 1);
    if (Math.abs(along) < 0.01) break;
  }
  out.s = index * line.step;
  // The posterior direction is the tangent turned by -90° in the (y, z) plane.
  out.u = dy * tz - dz * ty;
  return out;
}

