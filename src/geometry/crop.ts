import { norm } from './affine.js';
import { arrayTypes, indexToPatient, makeVolume, type DataType, type Volume, type VoxelArray } from './volume.js';

/** Returns the index of the voxel axis closest to patient axis `patientAxis` (0 x, 1 y, 2 z). */
export function nearestVoxelAxis(volume: Pick<Volume, 'affine'>, patientAxis: 0 | 1 | 2): 0 | 1 | 2 {
  const parts = [0, 1, 2].map((axis) => Math.abs(volume.affine[4 * patientAxis + axis]!) / norm([volume.affine[axis]!, volume.affine[4 + axis]!, volume.affine[8 + axis]!]));
  return parts.indexOf(Math.max(...parts)) as 0 | 1 | 2;
}

/** Returns the index of the voxel axis closest to the patient's head-to-feet (z) direction. */
export function headToFeetAxis(volume: Pick<Volume, 'affine'>): 0 | 1 | 2 {
  return nearestVoxelAxis(volume, 2);
}

/**
 * Returns the planes `from` to `to` (exclusive) of `volume` along voxel axis `axis`, with the
 * affine's origin moved so that every kept voxel keeps its patient position.
 * @throws RangeError when the range is empty or outside the volume.
 */
export function keepPlanes<T extends VoxelArray>(volume: Volume<T>, axis: 0 | 1 | 2, from: number, to: number): Volume<T> {
  const size = volume.size;
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to <= size[axis] && from < to)) {
    throw new RangeError(`invalid plane range ${from} to ${to} on axis ${axis}: expected 0 <= from < to <= ${size[axis]}`);
  }
  const kept = [...size] as [number, number, number];
  kept[axis] = to - from;
  const Type = arrayTypes[dataTypeOf(volume.data)];
  const data = new Type(kept[0] * kept[1] * kept[2]) as T;
  for (let k = 0; k < kept[2]; k++) {
    for (let j = 0; j < kept[1]; j++) {
      for (let i = 0; i < kept[0]; i++) {
        const source = [i, j, k];
        source[axis] += from;
        data[i + kept[0] * (j + kept[1] * k)] = volume.data[source[0]! + size[0] * (source[1]! + size[1] * source[2]!)]!;
      }
    }
  }
  const origin: [number, number, number] = [0, 0, 0];
  origin[axis] = from;
  const [x, y, z] = indexToPatient(volume, origin);
  const affine = [...volume.affine];
  affine[3] = x;
  affine[7] = y;
  affine[11] = z;
  return makeVolume(kept, affine, data);
}

function dataTypeOf(data: VoxelArray): DataType {
  const entry = Object.entries(arrayTypes).find(([, Type]) => data instanceof Type);
  if (entry === undefined) throw new Error('unknown voxel array type');
  return entry[0] as DataType;
}
