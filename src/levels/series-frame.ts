import { cross, multiply4, norm, normalize, scale, subtract, type Mat4 } from '../geometry/affine.js';
import { findAxisMapping } from '../geometry/reorient.js';
import { axisDirection, makeVolume, type Volume, type VoxelArray } from '../geometry/volume.js';

/**
 * Largest angle, in degrees, between the sagittal planes' normal and the left-right axis that is
 * not turned away. It only absorbs rounding, so a series whose planes are exactly sagittal, as in
 * most NIfTI volumes, is measured in patient axes as it always was.
 */
const maxObliqueDegreesKept = 1e-6;

/**
 * Returns the rotation of patient coordinates into the frame of the sagittal planes of `image`, or
 * null when the planes are already sagittal. In that frame the planes' normal is the left-right
 * axis, and the patient's head-to-feet axis, projected onto the planes, is the head-to-feet axis.
 *
 * A sagittal series is prescribed along the spine. When the patient lies tilted or the spine is
 * scoliotic, the series is oblique in the coronal or axial plane, and the spine lies in the
 * series' planes rather than in the patient's sagittal plane. Level finding measures along patient
 * axes: left-right offsets from the spine, the head-to-feet order, disc normals in the sagittal
 * plane, and the lean of the spine from head-to-feet. Run in this frame, those measurements follow
 * the spine as the series shows it, and the lean is taken against the patient's head-to-feet axis
 * as the planes show it. A tilt within the sagittal plane is therefore kept. The rotation is about
 * the origin, with no translation.
 */
export function sagittalSeriesFrame(image: Pick<Volume, 'affine'>): Mat4 | null {
  // The voxel axis that segmentation took for the one across the sagittal planes, pointing left.
  const across = axisDirection(image, findAxisMapping(image.affine).sourceAxis[2] as 0 | 1 | 2);
  const left = scale(across, Math.sign(across[0]) || 1);
  if ((Math.acos(Math.min(1, left[0])) * 180) / Math.PI <= maxObliqueDegreesKept) return null;
  const headInPlanes = subtract([0, 0, 1], scale(left, left[2]));
  // Planes that contain no head-to-feet direction are axial, not sagittal, so they are left as they are.
  if (norm(headInPlanes) < 1e-6) return null;
  const head = normalize(headInPlanes);
  const back = cross(head, left);
  // The rows are the frame's axes in patient coordinates, so the matrix takes a point into the frame.
  return [...left, 0, ...back, 0, ...head, 0, 0, 0, 0, 1];
}

/** Returns the volume with the same voxels and its affine followed by `rotation`. */
export function rotatedVolume<T extends VoxelArray>(volume: Volume<T>, rotation: Mat4): Volume<T> {
  return makeVolume(volume.size, multiply4(rotation, volume.affine), volume.data);
}

/** Returns the transpose of a rotation, which is its inverse. */
export function inverseRotation(rotation: Mat4): Mat4 {
  const out = [...rotation];
  for (let row = 0; row < 3; row++) {
    for (let column = 0; column < 3; column++) out[row * 4 + column] = rotation[column * 4 + row]!;
  }
  return out;
}
