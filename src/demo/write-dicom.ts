import { createRequire } from 'node:module';
import { implementationClassUid } from './uid.js';
import { maxStoredValue, sliceLocation, type SeriesPlan } from './series.js';

/** MR Image Storage SOP Class. */
export const mrImageStorage = '1.2.840.10008.5.1.4.1.1.4';
/** Explicit VR Little Endian transfer syntax. */
export const explicitVrLittleEndian = '1.2.840.10008.1.2.1';

/** The fixed synthetic identity of the demo study: no real patient, date or institution. */
export const demoIdentity = {
  patientName: 'PHANTOM^DEMO',
  patientId: 'DEMO',
  studyDate: '20000101',
  studyTime: '120000',
  studyDescription: 'LUMBAR SPINE MRI (SYNTHETIC PHANTOM)',
} as const;

/** Study-level attributes shared by every file of the demo study. */
export interface StudyHeader {
  readonly studyInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly imageComments: string;
}

/** Instance-level attributes of one file. */
export interface InstanceHeader {
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  /** 1-based; the slice is `plan.slices[instanceNumber - 1]`. */
  readonly instanceNumber: number;
  readonly windowCenter: number;
  readonly windowWidth: number;
}

// dcmjs 0.52 ships no type declarations; this is the part of its API that writing Part 10 uses.
type NaturalDataset = Record<string, unknown>;
interface DcmjsWriter {
  readonly data: {
    readonly DicomMetaDictionary: { denaturalizeDataset(dataset: NaturalDataset): Record<string, unknown> };
    readonly DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(): ArrayBuffer };
  };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as DcmjsWriter;

/**
 * Encodes one MR image as a DICOM Part 10 file, Explicit VR Little Endian, MONOCHROME2, 16 bits
 * allocated and 12 stored, unsigned. `pixels` contains rows x columns values, row-major.
 * NOTE: the pixel bytes are written in the host's byte order, which is little-endian on every
 * platform Node.js 20 supports (x64, arm64).
 * @throws RangeError when the pixel count does not match the plan's rows and columns.
 */
export function encodeMrImage(study: StudyHeader, plan: SeriesPlan, instance: InstanceHeader, pixels: Uint16Array): Uint8Array {
  if (pixels.length !== plan.rows * plan.columns) {
    throw new RangeError(`pixel buffer has ${pixels.length} values, expected ${plan.rows} x ${plan.columns} for series ${plan.folder}`);
  }
  const plane = plan.slices[instance.instanceNumber - 1];
  if (plane === undefined) throw new RangeError(`instance ${instance.instanceNumber} is outside series ${plan.folder} (${plan.slices.length} slices)`);
  const dataset: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: [...plan.imageType],
    SOPClassUID: mrImageStorage,
    SOPInstanceUID: instance.sopInstanceUid,
    StudyDate: demoIdentity.studyDate,
    SeriesDate: demoIdentity.studyDate,
    AcquisitionDate: demoIdentity.studyDate,
    ContentDate: demoIdentity.studyDate,
    StudyTime: demoIdentity.studyTime,
    SeriesTime: seriesTime(plan.seriesNumber),
    AcquisitionTime: seriesTime(plan.seriesNumber),
    ContentTime: seriesTime(plan.seriesNumber),
    AccessionNumber: '',
    Modality: 'MR',
    Manufacturer: 'deepspine',
    ReferringPhysicianName: '',
    StudyDescription: demoIdentity.studyDescription,
    SeriesDescription: plan.seriesDescription,
    ManufacturerModelName: 'synthetic lumbar phantom',
    PatientName: demoIdentity.patientName,
    PatientID: demoIdentity.patientId,
    PatientBirthDate: '',
    PatientSex: 'O',
    BodyPartExamined: 'LSPINE',
    ScanningSequence: plan.scanningSequence,
    SequenceVariant: [...plan.sequenceVariant],
    ScanOptions: '',
    MRAcquisitionType: '2D',
    SliceThickness: decimalString(plan.sliceThicknessMm),
    RepetitionTime: decimalString(plan.repetitionTimeMs),
    EchoTime: decimalString(plan.echoTimeMs),
    ImagingFrequency: '63.87',
    ImagedNucleus: '1H',
    MagneticFieldStrength: '1.5',
    SpacingBetweenSlices: decimalString(plan.spacingBetweenSlicesMm),
    EchoTrainLength: plan.echoTrainLength,
    PatientPosition: 'HFS',
    StudyInstanceUID: study.studyInstanceUid,
    SeriesInstanceUID: instance.seriesInstanceUid,
    StudyID: '1',
    SeriesNumber: plan.seriesNumber,
    AcquisitionNumber: 1,
    InstanceNumber: instance.instanceNumber,
    ImagePositionPatient: plane.position.map(decimalString),
    ImageOrientationPatient: [...plane.rowDirection, ...plane.columnDirection].map(decimalString),
    FrameOfReferenceUID: study.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    SliceLocation: decimalString(sliceLocation(plane)),
    ImageComments: study.imageComments,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: plan.rows,
    Columns: plan.columns,
    PixelSpacing: plan.pixelSpacing.map(decimalString),
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    WindowCenter: decimalString(instance.windowCenter),
    WindowWidth: decimalString(instance.windowWidth),
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
    _vrMap: { PixelData: 'OW' },
  };
  const meta: NaturalDataset = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: mrImageStorage,
    MediaStorageSOPInstanceUID: instance.sopInstanceUid,
    TransferSyntaxUID: explicitVrLittleEndian,
    ImplementationClassUID: implementationClassUid,
    ImplementationVersionName: 'DEEPSPINE_DEMO',
  };
  const file = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(file.write());
}

/** Series times a few minutes apart, in acquisition order (HHMMSS). */
function seriesTime(seriesNumber: number): string {
  return `12${String(seriesNumber * 3).padStart(2, '0')}00`;
}

/**
 * Formats a number as a DICOM DS value: at most 6 decimals, no exponent, at most 16 characters.
 * @throws RangeError for values that do not fit, which no demo attribute reaches.
 */
export function decimalString(value: number): string {
  let text = String(Number(value.toFixed(6)));
  if (text === '-0') text = '0';
  if (text.includes('e') || text.length > 16) throw new RangeError(`${value} does not fit a 16-character DICOM decimal string`);
  return text;
}

/**
 * Returns a window (centre, width) that spans the 1st to 99.5th percentile of the non-zero pixels of
 * a series, the way scanners set a default display window.
 */
export function seriesWindow(images: readonly Uint16Array[]): { center: number; width: number } {
  const histogram = new Uint32Array(maxStoredValue + 1);
  let count = 0;
  for (const image of images) {
    for (let i = 0; i < image.length; i++) {
      const value = image[i]!;
      if (value === 0) continue;
      histogram[value]!++;
      count++;
    }
  }
  if (count === 0) return { center: maxStoredValue / 2, width: maxStoredValue };
  const percentile = (fraction: number): number => {
    const target = fraction * count;
    let cumulative = 0;
    for (let value = 0; value <= maxStoredValue; value++) {
      cumulative += histogram[value]!;
      if (cumulative >= target) return value;
    }
    return maxStoredValue;
  };
  const low = percentile(0.01);
  const high = percentile(0.995);
  return { center: (low + high) / 2, width: Math.max(high - low, 1) };
}
