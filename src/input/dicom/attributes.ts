import type { Vec3 } from '../../geometry/affine.js';
import type { DicomDataset, DicomElement } from './dcmjs.js';

/**
 * Named, typed accessors for the DICOM attributes that deepspine reads. This is the only module that
 * contains tag numbers, and the rest of the code calls these functions. Each accessor returns `undefined`
 * when the attribute is absent, empty or not parseable, so callers decide whether that is an error.
 *
 * Patient identifiers (name, ID, birth date) and study dates have no accessor on purpose: nothing in
 * deepspine reads them.
 */

/** Tags as dcmjs keys them (group and element, eight upper-case hex digits). */
const tags = {
  mediaStorageSopClassUid: '00020002',
  transferSyntaxUid: '00020010',
  imageType: '00080008',
  sopClassUid: '00080016',
  sopInstanceUid: '00080018',
  modality: '00080060',
  seriesDescription: '0008103E',
  frameType: '00089007',
  scanningSequence: '00180020',
  sequenceVariant: '00180021',
  sequenceName: '00180024',
  sliceThickness: '00180050',
  repetitionTime: '00180080',
  echoTime: '00180081',
  inversionTime: '00180082',
  echoNumbers: '00180086',
  spacingBetweenSlices: '00180088',
  protocolName: '00181030',
  effectiveEchoTime: '00189082',
  mrTimingAndRelatedParametersSequence: '00189112',
  mrEchoSequence: '00189114',
  mrImageFrameTypeSequence: '00189226',
  studyInstanceUid: '0020000D',
  seriesInstanceUid: '0020000E',
  seriesNumber: '00200011',
  acquisitionNumber: '00200012',
  instanceNumber: '00200013',
  imagePositionPatient: '00200032',
  imageOrientationPatient: '00200037',
  frameOfReferenceUid: '00200052',
  planePositionSequence: '00209113',
  planeOrientationSequence: '00209116',
  samplesPerPixel: '00280002',
  photometricInterpretation: '00280004',
  planarConfiguration: '00280006',
  numberOfFrames: '00280008',
  rows: '00280010',
  columns: '00280011',
  pixelSpacing: '00280030',
  bitsAllocated: '00280100',
  bitsStored: '00280101',
  pixelRepresentation: '00280103',
  rescaleIntercept: '00281052',
  rescaleSlope: '00281053',
  pixelMeasuresSequence: '00289110',
  pixelValueTransformationSequence: '00289145',
  sharedFunctionalGroupsSequence: '52009229',
  perFrameFunctionalGroupsSequence: '52009230',
  floatPixelData: '7FE00008',
  doubleFloatPixelData: '7FE00009',
  pixelData: '7FE00010',
} as const;

function element(dataset: DicomDataset | undefined, tag: string): DicomElement | undefined {
  return dataset?.[tag];
}

function firstString(dataset: DicomDataset | undefined, tag: string): string | undefined {
  const value = element(dataset, tag)?.Value?.[0];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function allStrings(dataset: DicomDataset | undefined, tag: string): string[] | undefined {
  const values = element(dataset, tag)?.Value;
  if (values === undefined || values.length === 0) return undefined;
  return values.filter((value): value is string => typeof value === 'string').map((value) => value.trim());
}

/** Converts one value of a numeric VR (US, IS, DS, FD); dcmjs returns DS and IS as numbers or strings. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function firstNumber(dataset: DicomDataset | undefined, tag: string): number | undefined {
  return toNumber(element(dataset, tag)?.Value?.[0]);
}

/** Returns exactly `count` numbers, or undefined when any is missing or not a number. */
function numberTuple(dataset: DicomDataset | undefined, tag: string, count: number): number[] | undefined {
  const values = element(dataset, tag)?.Value;
  if (values === undefined || values.length < count) return undefined;
  const numbers = values.slice(0, count).map(toNumber);
  return numbers.every((value): value is number => value !== undefined) ? numbers : undefined;
}

function sequenceItems(dataset: DicomDataset | undefined, tag: string): DicomDataset[] {
  const values = element(dataset, tag)?.Value;
  if (values === undefined) return [];
  return values.filter((item): item is DicomDataset => typeof item === 'object' && item !== null);
}

function firstItem(dataset: DicomDataset | undefined, tag: string): DicomDataset | undefined {
  return sequenceItems(dataset, tag)[0];
}

// File meta information and identification.

export function transferSyntaxUid(meta: DicomDataset): string | undefined {
  return firstString(meta, tags.transferSyntaxUid);
}

/** MediaStorageSOPClassUID from the file meta information; a DICOMDIR has its SOP class only here. */
export function mediaStorageSopClassUid(meta: DicomDataset): string | undefined {
  return firstString(meta, tags.mediaStorageSopClassUid);
}

export function sopClassUid(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.sopClassUid);
}

export function sopInstanceUid(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.sopInstanceUid);
}

export function seriesInstanceUid(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.seriesInstanceUid);
}

export function studyInstanceUid(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.studyInstanceUid);
}

/** FrameOfReferenceUID: images that share it have comparable patient coordinates. */
export function frameOfReferenceUid(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.frameOfReferenceUid);
}

export function seriesNumber(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.seriesNumber);
}

export function acquisitionNumber(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.acquisitionNumber);
}

export function instanceNumber(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.instanceNumber);
}

/** Modality as coded in DICOM, e.g. `MR` or `CT`. */
export function modality(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.modality)?.toUpperCase();
}

export function seriesDescription(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.seriesDescription);
}

export function protocolName(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.protocolName);
}

/** ImageType values in upper case, e.g. `['ORIGINAL', 'PRIMARY', 'LOCALIZER']`; empty when absent. */
export function imageType(dataset: DicomDataset): string[] {
  return (allStrings(dataset, tags.imageType) ?? []).map((value) => value.toUpperCase());
}

// MR acquisition attributes. Times are in ms.

export function scanningSequence(dataset: DicomDataset): string[] {
  return (allStrings(dataset, tags.scanningSequence) ?? []).map((value) => value.toUpperCase());
}

export function sequenceVariant(dataset: DicomDataset): string[] {
  return (allStrings(dataset, tags.sequenceVariant) ?? []).map((value) => value.toUpperCase());
}

export function sequenceName(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.sequenceName);
}

/** Repetition time in ms. */
export function repetitionTime(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.repetitionTime);
}

/** Echo time in ms. */
export function echoTime(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.echoTime);
}

/** Inversion time in ms. */
export function inversionTime(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.inversionTime);
}

export function echoNumber(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.echoNumbers);
}

// Image plane. Positions and spacings are in mm, in the patient coordinate system (LPS).

/** ImagePositionPatient: the LPS position in mm of the centre of the first transmitted pixel. */
export function imagePositionPatient(dataset: DicomDataset): Vec3 | undefined {
  const values = numberTuple(dataset, tags.imagePositionPatient, 3);
  return values === undefined ? undefined : [values[0]!, values[1]!, values[2]!];
}

/**
 * ImageOrientationPatient: the direction cosines in LPS of the first row (from left to right in the
 * image) and then of the first column (from top to bottom).
 */
export function imageOrientationPatient(dataset: DicomDataset): { row: Vec3; column: Vec3 } | undefined {
  const values = numberTuple(dataset, tags.imageOrientationPatient, 6);
  if (values === undefined) return undefined;
  return { row: [values[0]!, values[1]!, values[2]!], column: [values[3]!, values[4]!, values[5]!] };
}

/**
 * PixelSpacing in mm as DICOM orders it: `[row spacing, column spacing]`, that is the distance
 * between adjacent rows (along a column) first and between adjacent columns (along a row) second.
 */
export function pixelSpacing(dataset: DicomDataset): [number, number] | undefined {
  const values = numberTuple(dataset, tags.pixelSpacing, 2);
  return values === undefined ? undefined : [values[0]!, values[1]!];
}

export function sliceThickness(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.sliceThickness);
}

export function spacingBetweenSlices(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.spacingBetweenSlices);
}

// Image pixel description.

export function rows(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.rows);
}

export function columns(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.columns);
}

export function samplesPerPixel(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.samplesPerPixel);
}

export function photometricInterpretation(dataset: DicomDataset): string | undefined {
  return firstString(dataset, tags.photometricInterpretation)?.toUpperCase();
}

export function planarConfiguration(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.planarConfiguration);
}

export function bitsAllocated(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.bitsAllocated);
}

export function bitsStored(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.bitsStored);
}

/** 0 for unsigned integers, 1 for two's complement. */
export function pixelRepresentation(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.pixelRepresentation);
}

/** NumberOfFrames; a single-frame image has none, and this returns 1 for it. */
export function numberOfFrames(dataset: DicomDataset): number {
  return firstNumber(dataset, tags.numberOfFrames) ?? 1;
}

export function rescaleSlope(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.rescaleSlope);
}

export function rescaleIntercept(dataset: DicomDataset): number | undefined {
  return firstNumber(dataset, tags.rescaleIntercept);
}

/** Returns the integer Pixel Data element (native or encapsulated), if present. */
export function pixelDataElement(dataset: DicomDataset): DicomElement | undefined {
  return element(dataset, tags.pixelData);
}

/** Attributes that only images carry, by keyword, for telling a damaged image from a non-image object. */
const imageOnlyAttributes = {
  ImagePositionPatient: tags.imagePositionPatient,
  ImageOrientationPatient: tags.imageOrientationPatient,
  PixelSpacing: tags.pixelSpacing,
  SamplesPerPixel: tags.samplesPerPixel,
  PhotometricInterpretation: tags.photometricInterpretation,
  Rows: tags.rows,
  Columns: tags.columns,
  BitsAllocated: tags.bitsAllocated,
} as const;

/** Returns the keywords of the image-only attributes (Rows, ImagePositionPatient ...) present in the data set. */
export function imageAttributesPresent(dataset: DicomDataset): string[] {
  return Object.entries(imageOnlyAttributes)
    .filter(([, tag]) => element(dataset, tag) !== undefined)
    .map(([keyword]) => keyword);
}

/** Returns whether the data set stores Float or Double Float Pixel Data instead of integer pixels. */
export function hasFloatPixelData(dataset: DicomDataset): boolean {
  return element(dataset, tags.floatPixelData) !== undefined || element(dataset, tags.doubleFloatPixelData) !== undefined;
}

// Multi-frame functional groups (Enhanced MR Image and similar). For frame `index`, an attribute comes
// from that frame's item of the Per-frame Functional Groups Sequence, else from the Shared Functional
// Groups Sequence.

/** The functional group items that describe one frame of a multi-frame image. */
export interface FrameGroups {
  readonly perFrame: DicomDataset | undefined;
  readonly shared: DicomDataset | undefined;
}

/** Returns whether the data set uses functional groups (a Per-frame or Shared Functional Groups Sequence). */
export function hasFunctionalGroups(dataset: DicomDataset): boolean {
  return (
    element(dataset, tags.perFrameFunctionalGroupsSequence) !== undefined || element(dataset, tags.sharedFunctionalGroupsSequence) !== undefined
  );
}

export function frameGroups(dataset: DicomDataset, index: number): FrameGroups {
  return {
    perFrame: sequenceItems(dataset, tags.perFrameFunctionalGroupsSequence)[index],
    shared: firstItem(dataset, tags.sharedFunctionalGroupsSequence),
  };
}

/** Returns the first item of functional group `sequenceTag`, per-frame first, then shared. */
function groupItem(groups: FrameGroups, sequenceTag: string): DicomDataset | undefined {
  return firstItem(groups.perFrame, sequenceTag) ?? firstItem(groups.shared, sequenceTag);
}

export function frameImagePositionPatient(groups: FrameGroups): Vec3 | undefined {
  return imagePositionPatient(groupItem(groups, tags.planePositionSequence) ?? {});
}

export function frameImageOrientationPatient(groups: FrameGroups): { row: Vec3; column: Vec3 } | undefined {
  return imageOrientationPatient(groupItem(groups, tags.planeOrientationSequence) ?? {});
}

export function framePixelSpacing(groups: FrameGroups): [number, number] | undefined {
  return pixelSpacing(groupItem(groups, tags.pixelMeasuresSequence) ?? {});
}

export function frameSliceThickness(groups: FrameGroups): number | undefined {
  return sliceThickness(groupItem(groups, tags.pixelMeasuresSequence) ?? {});
}

export function frameSpacingBetweenSlices(groups: FrameGroups): number | undefined {
  return spacingBetweenSlices(groupItem(groups, tags.pixelMeasuresSequence) ?? {});
}

export function frameRescale(groups: FrameGroups): { slope: number | undefined; intercept: number | undefined } {
  const item = groupItem(groups, tags.pixelValueTransformationSequence) ?? {};
  return { slope: rescaleSlope(item), intercept: rescaleIntercept(item) };
}

/** Repetition time in ms from the MR Timing and Related Parameters functional group. */
export function frameRepetitionTime(groups: FrameGroups): number | undefined {
  return repetitionTime(groupItem(groups, tags.mrTimingAndRelatedParametersSequence) ?? {});
}

/** Effective echo time in ms from the MR Echo functional group. */
export function frameEffectiveEchoTime(groups: FrameGroups): number | undefined {
  return firstNumber(groupItem(groups, tags.mrEchoSequence) ?? {}, tags.effectiveEchoTime);
}

/** FrameType values in upper case from the MR Image Frame Type functional group; empty when absent. */
export function frameType(groups: FrameGroups): string[] {
  return (allStrings(groupItem(groups, tags.mrImageFrameTypeSequence) ?? {}, tags.frameType) ?? []).map((value) => value.toUpperCase());
}
