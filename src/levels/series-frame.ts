import { cross, dot, multiply4, norm, type Mat4, type Vec3 } from '../geometry/affine.js';
import { findAxisMapping } from '../geometry/reorient.js';
import { axisDirection, makeVolume, type Volume, type VoxelArray } from '../geometry/volume.js';

/**
 * Largest angle, in degrees, between the sagittal planes' normal and the left-right axis that is
 * not turned away. It only absorbs rounding, so a series whose planes are exactly sagittal, as in
 * most NIfTI volumes, is measured in patient axes as it always was.
 */
const maxObliqueDegreesKept = 1e-6;

/**
 * Returns the rotation of patient coordinates that turns the normal of the sagittal planes of
 * `image` onto the patient's left-right axis, or null when it already lies along that axis.
 *
 * A sagittal series is prescribed along the spine. When the patient lies tilted or the spine is
 * scoliotic, the series is oblique in the coronal or axial plane, and the spine lies in the
 * series' planes rather than in the patient's sagittal plane. Level finding measures along patient
 * axes: left-right offsets from the spine, the head-to-feet order, disc normals in the sagittal
 * plane. Run in this rotated frame, those measurements follow the spine as the series shows it.
 * The rotation is about the origin, with no translation; tilts within the sagittal plane are kept.
 */
export function sagittalSeriesFrame(image: Pick<Volume, 'affine'>): Mat4 | null {
  // The voxel axis that segmentation took for the one across the sagittal planes.
  const normal = axisDirection(image, findAxisMapping(image.affine).sourceAxis[2] as 0 | 1 | 2);
  const target: Vec3 = [Math.sign(normal[0]) || 1, 0, 0];
  const cosine = Math.min(1, dot(normal, target));
  if ((Math.acos(cosine) * 180) / Math.PI <= maxObliqueDegreesKept) return null;
  // Rodrigues' formula for the rotation about normal x target that takes normal onto target.
  const axis = cross(normal, target);
  const sine = norm(axis);
  const [x, y, z] = axis.map((value) => value / sine) as [number, number, number];
  const t = 1 - cosine;
  return [
    cosine + t * x * x, t * x * y - sine * z, t * x * z + sine * y, 0,
    t * x * y + sine * z, cosine + t * y * y, t * y * z - sine * x, 0,
    t * x * z - sine * y, t * y * z + sine * x, cosine + t * z * z, 0,
    0, 0, 0, 1,
  ];
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
