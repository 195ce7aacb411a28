import type { Volume } from '../geometry/volume.js';
import type { DiscLevel } from '../levels/types.js';
import { axialCropAffine, discFrame, sagittalCropAffine, type CropGridSpec } from './frame.js';
import { normalizeIntensity, resampleGrid, type ImagedPlanes, type IntensityWindow, type IntensityWindowSpec } from './resample.js';

/** Geometry and intensity settings of the per-disc crops. The grading model records the settings it was trained on. */
export interface CropSpec {
  readonly sagittal: CropGridSpec;
  readonly axial: CropGridSpec;
  readonly intensity: IntensityWindowSpec;
  /** An axial crop with less than this fraction of its voxels inside the axial series counts as missing. */
  readonly minAxialCoverage: number;
}

/**
 * Default crops. Sagittal: 5 slices 3.5 mm apart, 96 x 64 px at 0.75 mm (72 mm antero-posterior
 * by 48 mm cranio-caudal), centred 8 mm behind the disc centre so that the disc, both endplates
 * and the canal fit. Axial: 3 slices 3 mm apart in the disc plane, 96 x 96 px at 0.75 mm, centred
 * 10 mm behind the disc centre to include the canal, foramina and facets.
 */
export const defaultCropSpec: CropSpec = {
  sagittal: { width: 96, height: 64, slices: 5, pixelSpacingMm: 0.75, sliceSpacingMm: 3.5, posteriorOffsetMm: 8 },
  axial: { width: 96, height: 96, slices: 3, pixelSpacingMm: 0.75, sliceSpacingMm: 3, posteriorOffsetMm: 10 },
  intensity: { lowPercentile: 1, highPercentile: 99 },
  minAxialCoverage: 0.5,
};

/** One resampled, intensity-normalised crop. */
export interface Crop {
  /** Grid size [columns, rows, slices], with `data` stored column fastest. */
  readonly size: readonly [number, number, number];
  /** Crop index (column, row, slice) to LPS mm, row-major 4x4. */
  readonly affine: number[];
  /** Intensities in [0, 1], and 0 outside the source volume. */
  readonly data: Float32Array;
  /** Source intensities that mapped to 0 and 1, or null when the crop had no usable window. */
  readonly window: IntensityWindow | null;
  /** Fraction of crop voxels inside the source volume. */
  readonly coverage: number;
  /** The same fraction over the middle slice of the crop only, which runs through the disc centre. */
  readonly middleSliceCoverage: number;
  /**
   * Number of distinct source planes the slices read: 1 for a 2-D source image, whose single plane
   * is repeated in every slice, else the number of slices.
   */
  readonly sourcePlanes: number;
}

/** The crops of one disc level. */
export interface DiscCrops {
  readonly level: DiscLevel;
  readonly sagittal: Crop;
  /** Null when the study has no axial series, the series does not cover this disc or its crop is flat. */
  readonly axial: Crop | null;
  /** Reason the axial crop is missing, or null when it is present. */
  readonly axialMissingReason: string | null;
}

/** The image series of one study that crops are taken from. */
export interface StudyImages {
  /** Study identifier written into outputs. It must not be a patient name or ID. */
  readonly studyId: string;
  readonly sagittal: Volume;
  readonly axial: Volume | null;
  /**
   * The planes of the sagittal series that hold image, when padding was found at its head or feet
   * end (`imagedPlanes` of the level search). Crops count the padding as outside the image.
   */
  readonly sagittalImaged?: ImagedPlanes | null;
}

/** Resamples and normalises one crop from `source`, counting planes outside `imaged` as outside it. */
export function extractCrop(source: Volume, affine: number[], grid: CropGridSpec, intensity: IntensityWindowSpec, imaged?: ImagedPlanes | null): Crop {
  const size = [grid.width, grid.height, grid.slices] as const;
  const resampled = resampleGrid(source, affine, size, imaged ?? undefined);
  let insideCount = 0;
  for (const flag of resampled.inside) insideCount += flag;
  const sliceSize = grid.width * grid.height;
  const middle = Math.floor(grid.slices / 2) * sliceSize;
  let middleInside = 0;
  for (let index = middle; index < middle + sliceSize; index++) middleInside += resampled.inside[index]!;
  const window = normalizeIntensity(resampled, intensity);
  const singlePlane = source.size.some((n) => n === 1);
  return {
    size,
    affine,
    data: resampled.data,
    window,
    coverage: insideCount / resampled.inside.length,
    middleSliceCoverage: middleInside / sliceSize,
    sourcePlanes: singlePlane ? 1 : grid.slices,
  };
}

/**
 * Extracts the sagittal crop of every level, and the axial crop where an axial series covers the
 * disc. Levels keep their input order.
 * @throws RangeError when a level's posterior vector is parallel to its normal.
 */
export function extractDiscCrops(study: StudyImages, levels: readonly DiscLevel[], spec: CropSpec = defaultCropSpec): DiscCrops[] {
  return levels.map((level) => {
    const frame = discFrame(level);
    const sagittal = extractCrop(study.sagittal, sagittalCropAffine(frame, spec.sagittal), spec.sagittal, spec.intensity, study.sagittalImaged);
    if (study.axial === null) {
      return { level, sagittal, axial: null, axialMissingReason: 'the study has no axial series' };
    }
    const axial = extractCrop(study.axial, axialCropAffine(frame, spec.axial), spec.axial, spec.intensity);
    if (axial.coverage < spec.minAxialCoverage) {
      const percent = (axial.coverage * 100).toFixed(0);
      return { level, sagittal, axial: null, axialMissingReason: `the axial series covers ${percent} % of the crop at ${level.level}` };
    }
    if (axial.window === null) {
      return { level, sagittal, axial: null, axialMissingReason: `the axial crop at ${level.level} has a flat intensity` };
    }
    return { level, sagittal, axial, axialMissingReason: null };
  });
}
