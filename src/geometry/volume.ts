import { applyAffine, applyLinear, invertAffine, norm, type Mat4, type Vec3 } from './affine.js';

/** Voxel storage types shared by image volumes, label maps and ONNX tensors. */
export type DataType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** Typed array constructor for each data type. */
export const arrayTypes = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/**
 * A 3-D scalar image on a regular grid.
 *
 * Voxel (i, j, k) is stored at `data[i + size[0] * (j + size[1] * k)]`, so i varies fastest. For a
 * DICOM series i is the column, j the row and k the slice along the stack. `affine` maps the voxel
 * index (i, j, k) to DICOM patient coordinates in mm, LPS: +x towards the patient's left, +y
 * posterior, +z superior. Spacing and direction are both in the affine, so anisotropic voxels and
 * oblique planes are kept exactly.
 */
export interface Volume<T extends VoxelArray = VoxelArray> {
  readonly size: readonly [number, number, number];
  readonly affine: Mat4;
  readonly data: T;
}

export function voxelCount(size: readonly [number, number, number]): number {
  return size[0] * size[1] * size[2];
}

/** Creates a volume and checks that the buffer length matches the size. */
export function makeVolume<T extends VoxelArray>(size: readonly [number, number, number], affine: Mat4, data: T): Volume<T> {
  if (data.length !== voxelCount(size)) {
    throw new RangeError(`voxel buffer has ${data.length} values, expected ${voxelCount(size)} for size ${size.join('x')}`);
  }
  if (affine.length !== 16) throw new RangeError(`affine has ${affine.length} values, expected 16`);
  return { size, affine, data };
}

/** Returns the voxel spacing in mm along i, j and k (the column norms of the affine). */
export function spacing(volume: Pick<Volume, 'affine'>): [number, number, number] {
  const a = volume.affine;
  return [norm([a[0]!, a[4]!, a[8]!]), norm([a[1]!, a[5]!, a[9]!]), norm([a[2]!, a[6]!, a[10]!])];
}

/** Returns the unit direction in LPS of index axis 0, 1 or 2. */
export function axisDirection(volume: Pick<Volume, 'affine'>, axis: 0 | 1 | 2): [number, number, number] {
  const a = volume.affine;
  const v: Vec3 = [a[axis]!, a[4 + axis]!, a[8 + axis]!];
  const n = norm(v);
  return [v[0] / n, v[1] / n, v[2] / n];
}

export function indexToPatient(volume: Pick<Volume, 'affine'>, index: Vec3): [number, number, number] {
  return applyAffine(volume.affine, index);
}

export function patientToIndex(volume: Pick<Volume, 'affine'>, point: Vec3): [number, number, number] {
  return applyAffine(invertAffine(volume.affine), point);
}

/** Returns the LPS position of the centre of the voxel grid. */
export function volumeCenter(volume: Volume): [number, number, number] {
  return indexToPatient(volume, [(volume.size[0] - 1) / 2, (volume.size[1] - 1) / 2, (volume.size[2] - 1) / 2]);
}

/** Returns the voxel value, or `outside` when the index falls outside the grid. */
export function voxelAt(volume: Volume, i: number, j: number, k: number, outside = 0): number {
  const [nx, ny, nz] = volume.size;
  if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return outside;
  return volume.data[i + nx * (j + ny * k)]!;
}

/** Trilinear interpolation at a fractional voxel index; samples outside the grid read `outside`. */
export function sampleLinear(volume: Volume, i: number, j: number, k: number, outside = 0): number {
  const [nx, ny, nz] = volume.size;
  if (i < -0.5 || j < -0.5 || k < -0.5 || i > nx - 0.5 || j > ny - 0.5 || k > nz - 0.5) return outside;
  const ci = Math.min(Math.max(i, 0), nx - 1);
  const cj = Math.min(Math.max(j, 0), ny - 1);
  const ck = Math.min(Math.max(k, 0), nz - 1);
  const i0 = Math.min(Math.floor(ci), nx - 2 < 0 ? 0 : nx - 2);
  const j0 = Math.min(Math.floor(cj), ny - 2 < 0 ? 0 : ny - 2);
  const k0 = Math.min(Math.floor(ck), nz - 2 < 0 ? 0 : nz - 2);
  const fi = nx > 1 ? ci - i0 : 0;
  const fj = ny > 1 ? cj - j0 : 0;
  const fk = nz > 1 ? ck - k0 : 0;
  const i1 = Math.min(i0 + 1, nx - 1);
  const j1 = Math.min(j0 + 1, ny - 1);
  const k1 = Math.min(k0 + 1, nz - 1);
  const d = volume.data;
  const at = (a: number, b: number, c: number): number => d[a + nx * (b + ny * c)]!;
  const c00 = at(i0, j0, k0) * (1 - fi) + at(i1, j0, k0) * fi;
  const c10 = at(i0, j1, k0) * (1 - fi) + at(i1, j1, k0) * fi;
  const c01 = at(i0, j0, k1) * (1 - fi) + at(i1, j0, k1) * fi;
  const c11 = at(i0, j1, k1) * (1 - fi) + at(i1, j1, k1) * fi;
  const c0 = c00 * (1 - fj) + c10 * fj;
  const c1 = c01 * (1 - fj) + c11 * fj;
  return c0 * (1 - fk) + c1 * fk;
}

/** Returns the LPS unit normal of the k = const planes (the slice direction). */
export function sliceNormal(volume: Pick<Volume, 'affine'>): [number, number, number] {
  return axisDirection(volume, 2);
}

export { applyLinear };
