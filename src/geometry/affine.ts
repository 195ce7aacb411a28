/**
 * 4x4 homogeneous transforms stored row-major as 16 numbers. Points are column vectors, so
 * `applyAffine(m, p)` computes m * [p, 1].
 */
export type Mat4 = readonly number[];
export type Vec3 = readonly [number, number, number];

export function identity4(): number[] {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
}

export function multiply4(a: Mat4, b: Mat4): number[] {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += a[r * 4 + k]! * b[k * 4 + c]!;
      out[r * 4 + c] = sum;
    }
  }
  return out;
}

/** Returns the right-handed rotation by `degrees` about patient axis `axis` (0 x, 1 y, 2 z), with no translation. */
export function rotationAbout(axis: 0 | 1 | 2, degrees: number): number[] {
  const cos = Math.cos((degrees * Math.PI) / 180);
  const sin = Math.sin((degrees * Math.PI) / 180);
  const [first, second] = [(axis + 1) % 3, (axis + 2) % 3];
  const out = identity4();
  out[first * 4 + first] = cos;
  out[first * 4 + second] = -sin;
  out[second * 4 + first] = sin;
  out[second * 4 + second] = cos;
  return out;
}

/** Applies the affine to a point (translation included). */
export function applyAffine(m: Mat4, p: Vec3): [number, number, number] {
  return [
    m[0]! * p[0] + m[1]! * p[1] + m[2]! * p[2] + m[3]!,
    m[4]! * p[0] + m[5]! * p[1] + m[6]! * p[2] + m[7]!,
    m[8]! * p[0] + m[9]! * p[1] + m[10]! * p[2] + m[11]!,
  ];
}

/** Applies only the linear part, for directions and displacements. */
export function applyLinear(m: Mat4, v: Vec3): [number, number, number] {
  return [
    m[0]! * v[0] + m[1]! * v[1] + m[2]! * v[2],
    m[4]! * v[0] + m[5]! * v[1] + m[6]! * v[2],
    m[8]! * v[0] + m[9]! * v[1] + m[10]! * v[2],
  ];
}

/**
 * Inverts an affine whose last row is [0, 0, 0, 1].
 * @throws RangeError when the linear part is singular.
 */
export function invertAffine(m: Mat4): number[] {
  const [a, b, c, d, e, f, g, h, i] = [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (Math.abs(det) < 1e-12) throw new RangeError(`affine is singular (determinant ${det})`);
  const inv = [
    (e * i - f * h) / det,
    (c * h - b * i) / det,
    (b * f - c * e) / det,
    (f * g - d * i) / det,
    (a * i - c * g) / det,
    (c * d - a * f) / det,
    (d * h - e * g) / det,
    (b * g - a * h) / det,
    (a * e - b * d) / det,
  ];
  const t = [m[3]!, m[7]!, m[11]!];
  const out = [
    inv[0]!, inv[1]!, inv[2]!, 0,
    inv[3]!, inv[4]!, inv[5]!, 0,
    inv[6]!, inv[7]!, inv[8]!, 0,
    0, 0, 0, 1,
  ];
  for (let r = 0; r < 3; r++) {
    out[r * 4 + 3] = -(out[r * 4]! * t[0]! + out[r * 4 + 1]! * t[1]! + out[r * 4 + 2]! * t[2]!);
  }
  return out;
}

export function subtract(a: Vec3, b: Vec3): [number, number, number] {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function add(a: Vec3, b: Vec3): [number, number, number] {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function scale(a: Vec3, s: number): [number, number, number] {
  return [a[0] * s, a[1] * s, a[2] * s];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** Returns the unit vector along `a`; a zero vector raises RangeError. */
export function normalize(a: Vec3): [number, number, number] {
  const n = norm(a);
  if (n === 0) throw new RangeError('cannot normalize a zero vector');
  return [a[0] / n, a[1] / n, a[2] / n];
}

/** Returns the unit direction in the plane normal to `axis` closest to posterior (+y in LPS). */
export function posteriorInPlane(axis: Vec3): [number, number, number] {
  const anteroPosterior: Vec3 = [0, 1, 0];
  return normalize(subtract(anteroPosterior, scale(axis, dot(anteroPosterior, axis))));
}
