import { cross, dot, norm, normalize, subtract, type Mat4, type Vec3 } from '../../geometry/affine.js';
import type { Warning } from '../../errors.js';
import type { DicomFrameHeader } from './scan.js';

/**
 * Geometry of a series as a volume. Index i is the image column, j the image row and k the slice,
 * and `affine` maps (i, j, k) to LPS mm:
 *
 *   p(i, j, k) = origin + i * columnSpacing * rowDirection + j * rowSpacing * columnDirection + k * sliceSpacing * normal
 *
 * rowDirection and columnDirection are the ImageOrientationPatient cosines (the direction along a row,
 * in which the column index grows, then the direction along a column); PixelSpacing is
 * `[rowSpacing, columnSpacing]`; normal = rowDirection x columnDirection; slices are sorted by the
 * projection of ImagePositionPatient on the normal, so k grows along +normal; origin is the
 * ImagePositionPatient of slice k = 0 (the centre of its first pixel).
 */
export interface SeriesGeometry {
  readonly rows: number;
  readonly columns: number;
  /** PixelSpacing `[row spacing, column spacing]` in mm. */
  readonly pixelSpacing: readonly [number, number];
  readonly rowDirection: Vec3;
  readonly columnDirection: Vec3;
  readonly normal: Vec3;
  /** Mean distance between adjacent slices along the normal, in mm. */
  readonly sliceSpacing: number;
  /** Source of sliceSpacing: the measured positions, or for a single slice a header attribute. */
  readonly sliceSpacingSource: 'positions' | 'SpacingBetweenSlices' | 'SliceThickness' | 'default';
  /** Voxel index (i, j, k) to LPS mm, row-major 4x4. */
  readonly affine: Mat4;
}

/** Frames of one series that share orientation and size, sorted along the slice normal. */
export interface DicomSeries {
  /** SeriesInstanceUID, with `#n` appended when one UID was split into several stacks. */
  readonly id: string;
  readonly seriesInstanceUid: string;
  /** StudyInstanceUID of the first frame. */
  readonly studyInstanceUid: string | undefined;
  /** FrameOfReferenceUID of the first frame. */
  readonly frameOfReferenceUid: string | undefined;
  readonly seriesNumber: number | undefined;
  readonly description: string;
  readonly modality: string;
  /** Frames in k order when `geometry` is set, else in file order. */
  readonly frames: readonly DicomFrameHeader[];
  readonly geometry: SeriesGeometry | undefined;
  /** Reasons the series cannot become a volume; empty when it can. */
  readonly problems: readonly string[];
  /** Geometry concerns that do not stop the series from being used. */
  readonly warnings: readonly Warning[];
}

/** Cosine above which two orientations count as the same (about 0.8 degrees). */
const sameOrientationCosine = 1 - 1e-4;
/** Slices closer than this along the normal (mm) share a position. */
const duplicatePositionTolerance = 0.01;
/** A gap deviating from the mean by more than this (mm), and by more than `relativeSpacingTolerance`, is non-uniform. */
const absoluteSpacingTolerance = 0.05;
const relativeSpacingTolerance = 0.05;
/** Largest in-plane drift of the slice origins, as a fraction of the pixel size, before a sheared-stack warning. */
const shearTolerancePixels = 0.5;

/**
 * Groups frames into series: first by SeriesInstanceUID, then split into stacks that share
 * orientation (within about 0.8 degrees), Rows x Columns and PixelSpacing. A stack whose slices
 * repeat positions is split further by echo, then by AcquisitionNumber, when that separates them.
 * Returns the series in the order their first frames were found.
 */
export function groupSeries(frames: readonly DicomFrameHeader[]): DicomSeries[] {
  const byUid = new Map<string, DicomFrameHeader[]>();
  for (const frame of frames) {
    const list = byUid.get(frame.seriesInstanceUid);
    if (list === undefined) byUid.set(frame.seriesInstanceUid, [frame]);
    else list.push(frame);
  }
  const series: DicomSeries[] = [];
  for (const [uid, uidFrames] of byUid) {
    const byPlane = splitByPlane(uidFrames);
    const stacks = splitByPositionRepeats(byPlane);
    const built = stacks.map((stack, index) => buildSeries(stacks.length === 1 ? uid : `${uid}#${index + 1}`, stack));
    series.push(...withSetApartWarning(built, byPlane));
  }
  return series;
}

/** Stacks of at most this many slices, split off a series by size, orientation or pixel spacing, are named in a warning on the series. */
const maxSetApartSlices = 2;

/**
 * Adds a SLICES_SET_APART warning to the largest stack of a series when a few of its slices differ
 * in size, orientation or pixel spacing and were put in a stack of their own (`byPlane`). Without
 * it, the gap they leave shows only as a NON_UNIFORM_SPACING warning that names no file.
 */
function withSetApartWarning(built: DicomSeries[], byPlane: readonly DicomFrameHeader[][]): DicomSeries[] {
  if (byPlane.length < 2) return built;
  const largest = built.reduce((best, entry) => (entry.frames.length > best.frames.length ? entry : best));
  const setApart = byPlane.filter((stack) => stack.length <= maxSetApartSlices && !stack.some((frame) => largest.frames.includes(frame)));
  if (setApart.length === 0) return built;
  const files = setApart.flat().map((frame) => frame.displayPath);
  const warning: Warning = {
    code: 'SLICES_SET_APART',
    message: `${files.length} slice(s) of series${largest.seriesNumber === undefined ? '' : ` ${largest.seriesNumber}`} "${largest.description}" differ from the rest in size, orientation or pixel spacing and are left out of it: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ' and more' : ''}`,
    ...(files.length === 1 ? { file: files[0]! } : {}),
  };
  return built.map((entry) => (entry === largest ? { ...entry, warnings: [...entry.warnings, warning] } : entry));
}

/**
 * Drops repeated copies of the same image (same SOPInstanceUID and frame), which appear when a study
 * was exported twice into one folder. Returns the first copy of each and the repeats.
 */
export function removeDuplicateInstances(frames: readonly DicomFrameHeader[]): { unique: DicomFrameHeader[]; duplicates: DicomFrameHeader[] } {
  const seen = new Set<string>();
  const unique: DicomFrameHeader[] = [];
  const duplicates: DicomFrameHeader[] = [];
  for (const frame of frames) {
    if (frame.sopInstanceUid === undefined) {
      unique.push(frame);
      continue;
    }
    const key = `${frame.sopInstanceUid}/${frame.frameIndex}`;
    if (seen.has(key)) {
      duplicates.push(frame);
    } else {
      seen.add(key);
      unique.push(frame);
    }
  }
  return { unique, duplicates };
}

/**
 * Drops an image sent twice under two SOPInstanceUIDs: a single-frame image of the same series, at
 * the same position and orientation, with the same pixel data as one read before. Without this the
 * two would share a position and make the series unusable. Returns the first of each and the
 * repeats, each with the image it repeats.
 */
export function removeRepeatedImages(frames: readonly DicomFrameHeader[]): {
  unique: DicomFrameHeader[];
  repeats: { frame: DicomFrameHeader; original: DicomFrameHeader }[];
} {
  const seen = new Map<string, DicomFrameHeader>();
  const unique: DicomFrameHeader[] = [];
  const repeats: { frame: DicomFrameHeader; original: DicomFrameHeader }[] = [];
  for (const frame of frames) {
    if (frame.pixelDigest === undefined || frame.position === undefined || frame.orientation === undefined) {
      unique.push(frame);
      continue;
    }
    const { row, column } = frame.orientation;
    // Rounded to 0.001 with -0 written as 0, so that a cosine of -0.00001 matches one of 0.
    const rounded = (value: number): string => (Math.round(value * 1000) / 1000 || 0).toFixed(3);
    const key = [frame.seriesInstanceUid, ...[...frame.position, ...row, ...column].map(rounded), frame.pixelDigest].join('/');
    const original = seen.get(key);
    if (original === undefined) {
      seen.set(key, frame);
      unique.push(frame);
    } else {
      repeats.push({ frame, original });
    }
  }
  return { unique, repeats };
}

/** A frame left out of its series because it lacks geometry that the other frames of the series have. */
export interface DroppedFrame {
  readonly frame: DicomFrameHeader;
  readonly reason: string;
}

/**
 * Returns why a frame cannot be placed in a volume (missing or invalid ImageOrientationPatient,
 * PixelSpacing or ImagePositionPatient), or undefined when it can.
 */
function geometryDefect(frame: DicomFrameHeader): string | undefined {
  const orientation = frame.orientation;
  if (orientation === undefined) return 'ImageOrientationPatient is missing or invalid';
  if (norm(orientation.row) < 1e-6 || norm(orientation.column) < 1e-6) return 'ImageOrientationPatient has a zero direction cosine vector';
  if (Math.abs(dot(normalize(orientation.row), normalize(orientation.column))) > 1e-3) return 'ImageOrientationPatient row and column cosines are not perpendicular';
  if (frame.pixelSpacing === undefined || frame.pixelSpacing[0] <= 0 || frame.pixelSpacing[1] <= 0) return 'PixelSpacing is missing or not positive';
  if (frame.position === undefined) return 'ImagePositionPatient is missing or invalid';
  return undefined;
}

/**
 * Leaves out the frames whose geometry is missing or invalid when other frames of the same
 * SeriesInstanceUID have a valid one. One damaged slice then neither makes its series unusable nor
 * becomes a stack of its own. When no frame of a series has valid geometry, all are kept, and
 * `groupSeries` reports the series with a problem.
 */
export function dropFramesWithoutGeometry(frames: readonly DicomFrameHeader[]): { kept: DicomFrameHeader[]; dropped: DroppedFrame[] } {
  const defects = new Map<DicomFrameHeader, string>();
  const placeableSeries = new Set<string>();
  for (const frame of frames) {
    const defect = geometryDefect(frame);
    if (defect === undefined) placeableSeries.add(frame.seriesInstanceUid);
    else defects.set(frame, defect);
  }
  const kept: DicomFrameHeader[] = [];
  const dropped: DroppedFrame[] = [];
  for (const frame of frames) {
    const defect = defects.get(frame);
    if (defect === undefined || !placeableSeries.has(frame.seriesInstanceUid)) {
      kept.push(frame);
      continue;
    }
    const where = frame.frameCount > 1 ? `frame ${frame.frameIndex + 1} of ${frame.frameCount}: ` : '';
    dropped.push({ frame, reason: `${where}${defect}, unlike in the other slices of ${seriesLabel(frame)}, so this slice is left out of the series` });
  }
  return { kept, dropped };
}

function samePlaneKind(a: DicomFrameHeader, b: DicomFrameHeader): boolean {
  if (a.format.rows !== b.format.rows || a.format.columns !== b.format.columns) return false;
  // Frames whose orientation is missing or degenerate (zero cosines) form one stack, which is then unusable as a whole.
  const aValid = sliceNormalOf(a) !== undefined;
  if (aValid !== (sliceNormalOf(b) !== undefined)) return false;
  if (aValid && a.orientation !== undefined && b.orientation !== undefined) {
    if (dot(unit(a.orientation.row), unit(b.orientation.row)) < sameOrientationCosine) return false;
    if (dot(unit(a.orientation.column), unit(b.orientation.column)) < sameOrientationCosine) return false;
  }
  const sa = a.pixelSpacing;
  const sb = b.pixelSpacing;
  if ((sa === undefined) !== (sb === undefined)) return false;
  if (sa !== undefined && sb !== undefined && (Math.abs(sa[0] - sb[0]) > 1e-3 || Math.abs(sa[1] - sb[1]) > 1e-3)) return false;
  return true;
}

function unit(v: Vec3): Vec3 {
  const length = norm(v);
  return length === 0 ? v : [v[0] / length, v[1] / length, v[2] / length];
}

function splitByPlane(frames: readonly DicomFrameHeader[]): DicomFrameHeader[][] {
  const stacks: DicomFrameHeader[][] = [];
  for (const frame of frames) {
    const stack = stacks.find((candidate) => samePlaneKind(candidate[0]!, frame));
    if (stack === undefined) stacks.push([frame]);
    else stack.push(frame);
  }
  return stacks;
}

function sliceNormalOf(frame: DicomFrameHeader): Vec3 | undefined {
  if (frame.orientation === undefined) return undefined;
  const normal = cross(frame.orientation.row, frame.orientation.column);
  return norm(normal) < 1e-6 ? undefined : normalize(normal);
}

function hasRepeatedPositions(frames: readonly DicomFrameHeader[]): boolean {
  const normal = sliceNormalOf(frames[0]!);
  if (normal === undefined || frames.some((frame) => frame.position === undefined)) return false;
  const projections = frames.map((frame) => dot(frame.position!, normal)).sort((a, b) => a - b);
  return projections.some((value, index) => index > 0 && value - projections[index - 1]! < duplicatePositionTolerance);
}

/** Splits stacks with repeated slice positions by echo, then acquisition, when each part is then free of repeats. */
function splitByPositionRepeats(stacks: DicomFrameHeader[][]): DicomFrameHeader[][] {
  const splitters: ((frame: DicomFrameHeader) => string)[] = [
    (frame) => `${frame.echoNumber ?? ''}/${frame.echoTime ?? ''}`,
    (frame) => `${frame.acquisitionNumber ?? ''}`,
  ];
  const out: DicomFrameHeader[][] = [];
  for (const stack of stacks) {
    if (!hasRepeatedPositions(stack)) {
      out.push(stack);
      continue;
    }
    let parts: DicomFrameHeader[][] | undefined;
    for (const keyOf of splitters) {
      const groups = new Map<string, DicomFrameHeader[]>();
      for (const frame of stack) {
        const key = keyOf(frame);
        const list = groups.get(key);
        if (list === undefined) groups.set(key, [frame]);
        else list.push(frame);
      }
      const candidate = [...groups.values()];
      if (candidate.length > 1 && candidate.every((part) => !hasRepeatedPositions(part))) {
        parts = candidate;
        break;
      }
    }
    out.push(...(parts ?? [stack]));
  }
  return out;
}

export function buildSeries(id: string, frames: readonly DicomFrameHeader[]): DicomSeries {
  const first = frames[0]!;
  const base = {
    id,
    seriesInstanceUid: first.seriesInstanceUid,
    studyInstanceUid: first.studyInstanceUid,
    frameOfReferenceUid: first.frameOfReferenceUid,
    seriesNumber: first.seriesNumber,
    description: first.seriesDescription,
    modality: first.modality,
  };
  const measured = measureGeometry(frames);
  if ('problem' in measured) return { ...base, frames, geometry: undefined, problems: [measured.problem], warnings: [] };
  return { ...base, frames: measured.sorted, geometry: measured.geometry, problems: [], warnings: measured.warnings };
}

type Measured = { problem: string } | { sorted: DicomFrameHeader[]; geometry: SeriesGeometry; warnings: Warning[] };

/** Sorts the slices along the normal, checks their spacing and derives the affine. */
function measureGeometry(frames: readonly DicomFrameHeader[]): Measured {
  const first = frames[0]!;
  const orientation = first.orientation;
  if (orientation === undefined) return { problem: 'ImageOrientationPatient is missing or invalid, so the slice orientation is unknown' };
  if (norm(orientation.row) < 1e-6 || norm(orientation.column) < 1e-6) {
    return { problem: 'ImageOrientationPatient has a zero direction cosine vector' };
  }
  const rowDirection = normalize(orientation.row);
  const columnDirection = normalize(orientation.column);
  if (Math.abs(dot(rowDirection, columnDirection)) > 1e-3) {
    return { problem: `ImageOrientationPatient row and column cosines are not perpendicular (dot product ${dot(rowDirection, columnDirection).toFixed(4)})` };
  }
  const pixelSpacing = first.pixelSpacing;
  if (pixelSpacing === undefined || pixelSpacing[0] <= 0 || pixelSpacing[1] <= 0) {
    return { problem: 'PixelSpacing is missing or not positive, so distances in mm are unknown' };
  }
  const missingPosition = frames.filter((frame) => frame.position === undefined);
  if (missingPosition.length === frames.length && frames.length > 1) {
    return { problem: `ImagePositionPatient is missing or invalid in all ${frames.length} slices, so the slice order is unknown` };
  }
  if (missingPosition.length > 0) {
    return { problem: `ImagePositionPatient is missing or invalid in ${missingPosition[0]!.displayPath}, so the slice order is unknown` };
  }
  const normal = normalize(cross(rowDirection, columnDirection));

  const sorted = [...frames].sort((a, b) => {
    const difference = dot(a.position!, normal) - dot(b.position!, normal);
    return difference !== 0 ? difference : (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0);
  });
  const projections = sorted.map((frame) => dot(frame.position!, normal));

  const warnings: Warning[] = [];
  let sliceSpacing: number;
  let sliceSpacingSource: SeriesGeometry['sliceSpacingSource'];
  if (sorted.length === 1) {
    const single = singleSliceSpacing(first);
    sliceSpacing = single.spacing;
    sliceSpacingSource = single.source;
  } else {
    for (let index = 1; index < projections.length; index++) {
      if (projections[index]! - projections[index - 1]! < duplicatePositionTolerance) {
        return {
          problem:
            `${sorted[index - 1]!.displayPath} and ${sorted[index]!.displayPath} have the same slice position ` +
            `(${projections[index]!.toFixed(2)} mm along the normal) and neither echo nor AcquisitionNumber tells them apart`,
        };
      }
    }
    sliceSpacing = (projections[projections.length - 1]! - projections[0]!) / (projections.length - 1);
    sliceSpacingSource = 'positions';
    const spacingWarning = checkUniformSpacing(projections, sliceSpacing, first);
    if (spacingWarning !== undefined) warnings.push(spacingWarning);
    const shearWarning = checkShear(sorted, normal, pixelSpacing, first);
    if (shearWarning !== undefined) warnings.push(shearWarning);
  }

  const origin = sorted[0]!.position!;
  const [rowSpacing, columnSpacing] = pixelSpacing;
  const affine = [
    rowDirection[0] * columnSpacing, columnDirection[0] * rowSpacing, normal[0] * sliceSpacing, origin[0],
    rowDirection[1] * columnSpacing, columnDirection[1] * rowSpacing, normal[1] * sliceSpacing, origin[1],
    rowDirection[2] * columnSpacing, columnDirection[2] * rowSpacing, normal[2] * sliceSpacing, origin[2],
    0, 0, 0, 1,
  ];
  const geometry: SeriesGeometry = {
    rows: first.format.rows,
    columns: first.format.columns,
    pixelSpacing: [rowSpacing, columnSpacing],
    rowDirection,
    columnDirection,
    normal,
    sliceSpacing,
    sliceSpacingSource,
    affine,
  };
  return { sorted, geometry, warnings };
}

function singleSliceSpacing(frame: DicomFrameHeader): { spacing: number; source: SeriesGeometry['sliceSpacingSource'] } {
  if (frame.spacingBetweenSlices !== undefined && frame.spacingBetweenSlices > 0) {
    return { spacing: frame.spacingBetweenSlices, source: 'SpacingBetweenSlices' };
  }
  if (frame.sliceThickness !== undefined && frame.sliceThickness > 0) return { spacing: frame.sliceThickness, source: 'SliceThickness' };
  // NOTE: a single slice without either attribute gets 1 mm; only its in-plane geometry is meaningful.
  return { spacing: 1, source: 'default' };
}

function seriesLabel(frame: DicomFrameHeader): string {
  const number = frame.seriesNumber === undefined ? '' : ` ${frame.seriesNumber}`;
  const description = frame.seriesDescription === '' ? '' : ` "${frame.seriesDescription}"`;
  return `series${number}${description}`;
}

function checkUniformSpacing(projections: readonly number[], meanSpacing: number, first: DicomFrameHeader): Warning | undefined {
  const gaps = projections.slice(1).map((value, index) => value - projections[index]!);
  const tolerance = Math.max(absoluteSpacingTolerance, relativeSpacingTolerance * meanSpacing);
  if (gaps.every((gap) => Math.abs(gap - meanSpacing) <= tolerance)) return undefined;
  const offsets = projections.map((value, index) => Math.abs(value - (projections[0]! + index * meanSpacing)));
  return {
    code: 'NON_UNIFORM_SPACING',
    message:
      `${seriesLabel(first)}: slice gaps range from ${Math.min(...gaps).toFixed(2)} to ${Math.max(...gaps).toFixed(2)} mm ` +
      `(a slice may be missing); the volume uses the mean spacing ${meanSpacing.toFixed(2)} mm, ` +
      `so slice positions are off by up to ${Math.max(...offsets).toFixed(2)} mm`,
    file: first.displayPath,
  };
}

function checkShear(sorted: readonly DicomFrameHeader[], normal: Vec3, pixelSpacing: readonly [number, number], first: DicomFrameHeader): Warning | undefined {
  const origin = sorted[0]!.position!;
  let drift = 0;
  for (const frame of sorted) {
    const offset = subtract(frame.position!, origin);
    const along = dot(offset, normal);
    drift = Math.max(drift, norm([offset[0] - along * normal[0], offset[1] - along * normal[1], offset[2] - along * normal[2]]));
  }
  if (drift <= shearTolerancePixels * Math.min(pixelSpacing[0], pixelSpacing[1])) return undefined;
  return {
    code: 'SHEARED_SLICES',
    message:
      `${seriesLabel(first)}: slice origins drift ${drift.toFixed(2)} mm within the image plane across the stack; ` +
      'the volume stacks slices along the normal, so in-plane positions of later slices are off by up to that amount',
    file: first.displayPath,
  };
}
