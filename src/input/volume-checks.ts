import { DeepspineError, type Warning } from '../errors.js';
import { findAxisMapping } from '../geometry/reorient.js';
import { spacing, type Volume } from '../geometry/volume.js';

/**
 * Limits on the geometry of a sagittal volume, in mm. They catch a header in the wrong unit or scale
 * (NIfTI xyzt_units of metres or micrometres, an affine scaled by mistake) before segmentation
 * resamples each plane to the model's spacing, where a field of view of metres would allocate
 * gigabytes. There is no minimum field of view: a small image at a plausible voxel spacing is not a
 * unit error, and level finding stops on it with NOT_LUMBAR_SPINE.
 * NOTE: the limits are estimates, not taken from a published source.
 */
export const sagittalGeometryLimits = {
  /**
   * Largest field of view along any axis. Lumbar MRI fields of view are about 250-500 mm, and
   * whole-spine series about 900 mm head to feet, so a volume longer than 1 m on any axis (a
   * whole-body scan, say) is rejected too.
   */
  maxFieldOfViewMm: 1000,
  /** Smallest voxel spacing, because clinical MRI voxels are about 0.2 mm or larger. */
  minSpacingMm: 0.05,
  /** Largest voxel spacing, because MRI slices are rarely more than about 10 mm apart, gap included. */
  maxSpacingMm: 20,
} as const;

/** Names of the patient axes in the order of `findAxisMapping`'s sagittal targets. */
const patientAxisNames = ['antero-posterior', 'head-to-feet', 'left-right'] as const;

/** Formats a length in mm with three significant digits, so that 0.001 and 221000 both stay readable. */
function formatMm(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/**
 * Checks that the voxel spacing and field of view of a sagittal volume are plausible for a lumbar
 * spine MRI (`sagittalGeometryLimits`). It reads only the size and affine, so a DICOM series can be
 * checked before its pixels are decoded. The field of view along a voxel axis is the voxel count
 * times the spacing. `file` goes into the error's `file` field.
 * @throws DeepspineError UNREADABLE_INPUT naming `source`, the voxel spacing, the field of view and
 * each limit that is broken.
 */
export function checkSagittalGeometry(volume: Pick<Volume, 'size' | 'affine'>, source: string, file?: string): void {
  const limits = sagittalGeometryLimits;
  const voxelSpacing = spacing(volume);
  const fieldOfView = voxelSpacing.map((value, axis) => value * volume.size[axis]!);
  const axisNames = ['i', 'j', 'k'];
  const broken = (values: readonly number[], test: (value: number) => boolean, limit: string): string | undefined => {
    const axes = axisNames.filter((_, axis) => test(values[axis]!));
    return axes.length === 0 ? undefined : `${limit} along ${axes.join(', ')}`;
  };
  const problems = [
    broken(voxelSpacing, (value) => value < limits.minSpacingMm, `a voxel spacing under ${limits.minSpacingMm} mm`),
    broken(voxelSpacing, (value) => value > limits.maxSpacingMm, `a voxel spacing over ${limits.maxSpacingMm} mm`),
    broken(fieldOfView, (value) => value > limits.maxFieldOfViewMm, `a field of view over ${limits.maxFieldOfViewMm} mm`),
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length === 0) return;
  // Each voxel axis is named by the patient axis it points along most, as segmentation reads it.
  const { sourceAxis } = findAxisMapping(volume.affine);
  const patientAxes = axisNames.map((_, axis) => patientAxisNames[sourceAxis.indexOf(axis)]).join(', ');
  throw new DeepspineError(
    'UNREADABLE_INPUT',
    `${source}: implausible geometry for a lumbar spine MRI: voxel spacing ${voxelSpacing.map(formatMm).join(' x ')} mm and field of view ` +
      `${fieldOfView.map(formatMm).join(' x ')} mm along the voxel axes i, j, k (${patientAxes}), which is ${problems.join(' and ')}; ` +
      'the header probably gives the voxel size in the wrong unit or scale (NIfTI pixdim and xyzt_units, DICOM PixelSpacing), so correct it',
    file === undefined ? {} : { file },
  );
}

/**
 * Replaces NaN and infinite voxels of a floating-point volume, in place, with the lowest finite
 * value of the volume. They then read as background fill, because level finding takes runs of the
 * lowest value for the padding of the image. Integer volumes cannot hold such values and are left alone.
 * Returns a NON_FINITE_VOXELS warning that names `source` and the count, or undefined when every
 * voxel is finite. `file` goes into the warning's `file` field.
 * @throws DeepspineError UNREADABLE_INPUT naming `source` when no voxel is finite.
 */
export function replaceNonFiniteVoxels(volume: Volume, source: string, file?: string): Warning | undefined {
  const data = volume.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return undefined;
  let lowest = Infinity;
  let nonFinite = 0;
  for (let index = 0; index < data.length; index++) {
    const value = data[index]!;
    if (!Number.isFinite(value)) nonFinite++;
    else if (value < lowest) lowest = value;
  }
  if (nonFinite === 0) return undefined;
  if (nonFinite === data.length) {
    throw new DeepspineError(
      'UNREADABLE_INPUT',
      `${source}: all ${data.length} voxels are NaN or infinite, so the image holds no data; export the image again`,
      file === undefined ? {} : { file },
    );
  }
  for (let index = 0; index < data.length; index++) {
    if (!Number.isFinite(data[index]!)) data[index] = lowest;
  }
  const share = ((100 * nonFinite) / data.length).toPrecision(2);
  const message =
    `${source}: ${nonFinite} of ${data.length} voxels (${share} %) are NaN or infinite; they were set to the lowest finite value, ${lowest}, ` +
    'so they read as background; levels found in or next to those voxels are unreliable';
  return { code: 'NON_FINITE_VOXELS', message, ...(file === undefined ? {} : { file }) };
}
