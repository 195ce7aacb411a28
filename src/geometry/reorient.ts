import { makeVolume, type Volume, type VoxelArray } from './volume.js';

/**
 * An axis permutation with flips that maps a volume onto a target orientation without
 * interpolation. `sourceAxis[t]` is the source index axis read along target axis t, and
 * `flip[t]` is true when it is read backwards.
 */
export interface AxisMapping {
  readonly sourceAxis: readonly [number, number, number];
  readonly flip: readonly [boolean, boolean, boolean];
}

/** The LPS direction each index axis of a canonical sagittal volume points along: i posterior, j inferior, k left. */
export const sagittalTargetDirections = [
  [0, 1, 0],
  [0, 0, -1],
  [1, 0, 0],
] as const;

/**
 * Finds the permutation with flips that brings each index axis of `affine` closest to the target
 * LPS directions. Volumes acquired obliquely keep their tilt: only axes are swapped and reversed.
 */
export function findAxisMapping(affine: readonly number[], targets: readonly (readonly number[])[] = sagittalTargetDirections): AxisMapping {
  const columns = [0, 1, 2].map((axis) => {
    const v = [affine[axis]!, affine[4 + axis]!, affine[8 + axis]!];
    const n = Math.hypot(v[0]!, v[1]!, v[2]!);
    return v.map((x) => x / n);
  });
  const permutations: [number, number, number][] = [
    [0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0],
  ];
  let best: AxisMapping | null = null;
  let bestScore = -Infinity;
  for (const perm of permutations) {
    let score = 0;
    const flip: boolean[] = [];
    for (let t = 0; t < 3; t++) {
      const c = columns[perm[t]!]!;
      const target = targets[t]!;
      const cosine = c[0]! * target[0]! + c[1]! * target[1]! + c[2]! * target[2]!;
      score += Math.abs(cosine);
      flip.push(cosine < 0);
    }
    if (score > bestScore) {
      bestScore = score;
      best = { sourceAxis: perm, flip: [flip[0]!, flip[1]!, flip[2]!] };
    }
  }
  return best!;
}

/** Returns the size of the target grid under the mapping. */
function mappedSize(size: readonly [number, number, number], mapping: AxisMapping): [number, number, number] {
  return [size[mapping.sourceAxis[0]]!, size[mapping.sourceAxis[1]]!, size[mapping.sourceAxis[2]]!];
}

/** Reorders the voxels of `volume` by `mapping`; the affine changes so that every voxel keeps its patient position. */
export function reorientVolume<T extends VoxelArray>(volume: Volume<T>, mapping: AxisMapping): Volume<T> {
  const size = mappedSize(volume.size, mapping);
  const source = volume.size;
  const strides = [1, source[0], source[0] * source[1]];
  const a = volume.affine;
  // Target index t maps to source index s = flip ? (n - 1 - t) : t along sourceAxis.
  const affine = new Array<number>(16).fill(0);
  affine[15] = 1;
  const origin = [a[3]!, a[7]!, a[11]!];
  for (let t = 0; t < 3; t++) {
    const s = mapping.sourceAxis[t]!;
    const sign = mapping.flip[t] ? -1 : 1;
    for (let r = 0; r < 3; r++) {
      affine[r * 4 + t] = sign * a[r * 4 + s]!;
      if (mapping.flip[t]) origin[r]! += a[r * 4 + s]! * (source[s]! - 1);
    }
  }
  for (let r = 0; r < 3; r++) affine[r * 4 + 3] = origin[r]!;

  const Ctor = volume.data.constructor as new (length: number) => T;
  const data = new Ctor(size[0] * size[1] * size[2]);
  const step = [0, 1, 2].map((t) => (mapping.flip[t] ? -1 : 1) * strides[mapping.sourceAxis[t]!]!);
  const start = [0, 1, 2].reduce((sum, t) => sum + (mapping.flip[t] ? (source[mapping.sourceAxis[t]!]! - 1) * strides[mapping.sourceAxis[t]!]! : 0), 0);
  let out = 0;
  for (let k = 0; k < size[2]; k++) {
    for (let j = 0; j < size[1]; j++) {
      let index = start + k * step[2]! + j * step[1]!;
      for (let i = 0; i < size[0]; i++) {
        data[out++] = volume.data[index]!;
        index += step[0]!;
      }
    }
  }
  return makeVolume(size, affine, data);
}

/** Returns the mapping that undoes `mapping`, to bring results back onto the source grid. */
export function invertAxisMapping(mapping: AxisMapping): AxisMapping {
  const sourceAxis: number[] = [0, 0, 0];
  const flip: boolean[] = [false, false, false];
  for (let t = 0; t < 3; t++) {
    sourceAxis[mapping.sourceAxis[t]!] = t;
    flip[mapping.sourceAxis[t]!] = mapping.flip[t]!;
  }
  return { sourceAxis: [sourceAxis[0]!, sourceAxis[1]!, sourceAxis[2]!], flip: [flip[0]!, flip[1]!, flip[2]!] };
}

/** Reorients to the canonical sagittal layout: i anterior to posterior, j superior to inferior, k right to left. */
export function toSagittalLayout<T extends VoxelArray>(volume: Volume<T>): { volume: Volume<T>; mapping: AxisMapping } {
  const mapping = findAxisMapping(volume.affine);
  return { volume: reorientVolume(volume, mapping), mapping };
}
