import { cross, dot, normalize, scale, subtract, type Mat4, type Vec3 } from '../geometry/affine.js';
import type { DiscLevel } from '../levels/types.js';

/**
 * An orthonormal frame attached to one disc, in LPS mm. `normal` points cranially, `posterior`
 * lies in the disc plane towards the canal, and `left = posterior x normal` points to the
 * patient's left, so (posterior, normal, left) is right-handed.
 */
export interface DiscFrame {
  readonly center: Vec3;
  readonly normal: Vec3;
  readonly posterior: Vec3;
  readonly left: Vec3;
}

/**
 * Builds the frame of a disc. The posterior vector is re-orthogonalised against the normal, so
 * slightly inconsistent inputs from level detection still give an orthonormal frame.
 * @throws RangeError when the posterior vector is parallel to the normal.
 */
export function discFrame(level: Pick<DiscLevel, 'center' | 'normal' | 'posterior'>): DiscFrame {
  const normal = normalize(level.normal);
  const inPlane = subtract(level.posterior, scale(normal, dot(level.posterior, normal)));
  if (Math.hypot(...inPlane) < 1e-6) {
    throw new RangeError(`disc posterior vector [${level.posterior.join(', ')}] is parallel to the normal [${level.normal.join(', ')}]`);
  }
  const posterior = normalize(inPlane);
  const left = normalize(cross(posterior, normal));
  return { center: [...level.center], normal, posterior, left };
}

/** Size and sampling of one crop grid. */
export interface CropGridSpec {
  /** Pixels along the crop columns. */
  readonly width: number;
  /** Pixels along the crop rows. */
  readonly height: number;
  /** Number of slices. */
  readonly slices: number;
  /** In-plane pixel spacing in mm (square pixels). */
  readonly pixelSpacingMm: number;
  /** Distance between slice centres in mm. */
  readonly sliceSpacingMm: number;
  /** Shift of the crop centre from the disc centre along the posterior vector, in mm. */
  readonly posteriorOffsetMm: number;
}

/**
 * Returns the crop-index to LPS affine of a sagittal crop. Columns run anterior to posterior,
 * rows superior to inferior (head up, as on a sagittal image) and slices right to left. The
 * middle column, row and slice meet at the disc centre moved by `posteriorOffsetMm`.
 */
export function sagittalCropAffine(frame: DiscFrame, spec: CropGridSpec): number[] {
  const column = scale(frame.posterior, spec.pixelSpacingMm);
  const row = scale(frame.normal, -spec.pixelSpacingMm);
  const slice = scale(frame.left, spec.sliceSpacingMm);
  return cropAffine(frame, spec, column, row, slice);
}

/**
 * Returns the crop-index to LPS affine of an axial crop resliced in the disc plane. Columns run
 * from the patient's right to left and rows anterior to posterior (the usual axial display), and
 * slices run caudal to cranial along the disc normal.
 */
export function axialCropAffine(frame: DiscFrame, spec: CropGridSpec): number[] {
  const column = scale(frame.left, spec.pixelSpacingMm);
  const row = scale(frame.posterior, spec.pixelSpacingMm);
  const slice = scale(frame.normal, spec.sliceSpacingMm);
  return cropAffine(frame, spec, column, row, slice);
}

function cropAffine(frame: DiscFrame, spec: CropGridSpec, column: Vec3, row: Vec3, slice: Vec3): number[] {
  const origin: number[] = [];
  for (let axis = 0; axis < 3; axis++) {
    origin.push(
      frame.center[axis]! +
        spec.posteriorOffsetMm * frame.posterior[axis]! -
        ((spec.width - 1) / 2) * column[axis]! -
        ((spec.height - 1) / 2) * row[axis]! -
        ((spec.slices - 1) / 2) * slice[axis]!,
    );
  }
  const affine: Mat4 = [
    column[0], row[0], slice[0], origin[0]!,
    column[1], row[1], slice[1], origin[1]!,
    column[2], row[2], slice[2], origin[2]!,
    0, 0, 0, 1,
  ];
  return [...affine];
}
