import { basename } from 'node:path';
import { DeepspineError, type Warning } from '../errors.js';
import { findAxisMapping } from '../geometry/reorient.js';
import { axisDirection, spacing, type Volume } from '../geometry/volume.js';
import type { Logger } from '../log.js';
import { classifySeries, planeOrientation } from './classify.js';
import { describeSeries } from './select.js';
import type { SeriesSummary, Study } from './types.js';
import { checkSagittalGeometry, replaceNonFiniteVoxels } from './volume-checks.js';
import { readVolumeFileContents, volumeFileSuffixes } from './volume-file.js';

/** An axis counts as the slice axis when its spacing exceeds both others by this factor. */
const sliceAxisRatio = 1.25;

/**
 * Returns the index axis that runs across the slices: the axis with clearly the largest spacing. A
 * near-isotropic volume has no such axis, and segmentation cuts it into sagittal planes along the
 * index axis closest to left-right (`toSagittalLayout`), whatever order the file stores its axes in,
 * so that axis is returned.
 */
export function volumeSliceAxis(volume: Pick<Volume, 'affine'>): { axis: 0 | 1 | 2; isotropic: boolean } {
  const sizes = spacing(volume);
  for (const axis of [0, 1, 2] as const) {
    const others = sizes.filter((_, index) => index !== axis);
    if (others.every((other) => sizes[axis] > sliceAxisRatio * other)) return { axis, isotropic: false };
  }
  const leftRight = findAxisMapping(volume.affine).sourceAxis[2] as 0 | 1 | 2;
  return { axis: leftRight, isotropic: true };
}

/** Returns the patient direction (LPS) that an index axis points to most, as a word. */
function directionWord(direction: readonly [number, number, number]): string {
  const magnitudes = direction.map(Math.abs);
  const axis = magnitudes.indexOf(Math.max(...magnitudes));
  const words = [
    ['left', 'right'],
    ['posterior', 'anterior'],
    ['superior', 'inferior'],
  ] as const;
  return words[axis]![direction[axis]! >= 0 ? 0 : 1];
}

/** Returns the patient directions that the voxel axes of a volume point to, as a phrase for messages. */
function assumedAxesPhrase(volume: Pick<Volume, 'affine'>): string {
  const [i, j, k] = ([0, 1, 2] as const).map((axis) => directionWord(axisDirection(volume, axis)));
  return `its voxel axes i, j, k are assumed to point to the patient's ${i}, ${j} and ${k}`;
}

function stripSuffix(name: string): string {
  const lower = name.toLowerCase();
  const suffix = volumeFileSuffixes.find((candidate) => lower.endsWith(candidate));
  return suffix === undefined ? name : name.slice(0, name.length - suffix.length);
}

/**
 * Loads a NIfTI, MHA, MHD or NRRD file as the sagittal volume (there is no axial volume). The file
 * carries no acquisition attributes, so the weighting comes from words in the file name, if any.
 * NaN and infinite voxels are set to the lowest finite value with a NON_FINITE_VOXELS warning.
 * Warnings name the file by its name only.
 * @throws DeepspineError UNREADABLE_INPUT when the file cannot be read, its voxel spacing or field of
 * view is implausible (`checkSagittalGeometry`) or no voxel is finite; NO_SAGITTAL_SERIES when the
 * volume is a stack of thick axial or coronal slices.
 */
export async function loadVolumeFileStudy(path: string, logger: Logger): Promise<Study> {
  const { volume, hasOrientation } = await logger.step('read volume file', () => readVolumeFileContents(path, logger));
  const name = basename(path);
  checkSagittalGeometry(volume, path, path);
  const warnings: Warning[] = [];
  const nonFinite = replaceNonFiniteVoxels(volume, name, name);
  if (nonFinite !== undefined) {
    logger.warn(nonFinite.message);
    warnings.push(nonFinite);
  }
  const assumedAxes = assumedAxesPhrase(volume);
  if (!hasOrientation) {
    const message =
      `${name}: the file records no orientation (qform_code and sform_code are both 0), so ${assumedAxes}; ` +
      'levels are missed or misnamed if that is wrong, so save the file with a qform or sform, or give the DICOM study';
    logger.warn(message);
    warnings.push({ code: 'VOLUME_FILE_NO_ORIENTATION', message, file: name });
  }
  const { axis, isotropic } = volumeSliceAxis(volume);
  const normal = axisDirection(volume, axis);
  const { orientation } = planeOrientation(normal);
  const sizes = spacing(volume);

  const classification = classifySeries({
    modality: 'MR',
    description: stripSuffix(name),
    imageType: [],
    sliceCount: volume.size[axis],
    normal,
  });
  const summary: SeriesSummary = {
    id: name,
    seriesInstanceUid: null,
    number: null,
    description: stripSuffix(name),
    modality: 'MR',
    classification: classification.label,
    orientation,
    weighting: classification.weighting,
    localizer: false,
    reasons: [...classification.reasons, isotropic ? `near-isotropic volume, planes taken along index axis ${axis}, the closest to left-right` : `slices along index axis ${axis}`],
    sliceCount: volume.size[axis],
    rows: volume.size[axis === 1 ? 2 : 1],
    columns: volume.size[axis === 0 ? 2 : 0],
    pixelSpacing: null,
    sliceSpacing: sizes[axis],
    transferSyntaxes: [],
    instanceNumbers: [],
    problems: [],
  };
  if (orientation !== 'sagittal' && !isotropic) {
    const unoriented = hasOrientation ? '' : ` (the file records no orientation because qform_code and sform_code are both 0, so ${assumedAxes})`;
    throw new DeepspineError(
      'NO_SAGITTAL_SERIES',
      `${path}: the volume is a stack of ${orientation} slices ${sizes[axis].toFixed(1)} mm apart, not sagittal${unoriented}; give a sagittal volume or the DICOM study`,
      { file: path },
    );
  }
  if (orientation !== 'sagittal') {
    const message = `${name}: a near-isotropic volume whose voxel axis closest to left-right still points ${orientation}, so it is oblique by more than 45 degrees; it is used as the sagittal volume`;
    logger.warn(message);
    warnings.push({ code: 'VOLUME_FILE_ORIENTATION', message, file: name });
  }
  logger.info(`sagittal series: ${describeSeries(summary)} (volume file ${volume.size.join('x')}, ${sizes.map((value) => value.toFixed(2)).join('x')} mm)`);
  return {
    source: 'volume-file',
    series: [summary],
    sagittal: volume,
    sagittalSeries: summary,
    axial: null,
    axialSeries: null,
    warnings,
    skippedFiles: [],
  };
}
