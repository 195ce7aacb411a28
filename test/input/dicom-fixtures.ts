/**
 * Synthetic DICOM Part 10 files for tests, written with dcmjs into temporary folders. They carry no
 * real patient data: every value is generated here.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';

type Vec3 = readonly [number, number, number];

interface DcmjsData {
  DicomDict: new (meta: object) => { dict: object; write(): ArrayBuffer };
  DicomMetaDictionary: { denaturalizeDataset(dataset: object): object };
}

interface TranscoderClass {
  new (buffer: ArrayBuffer): { transcode(syntax: string, parameters?: Record<string, unknown>): void; getDicomPart10(): ArrayBuffer };
}

const require = createRequire(import.meta.url);
const dcmjsData = (require('dcmjs') as { data: DcmjsData }).data;

export const syntaxes = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  rle: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegLossless: '1.2.840.10008.1.2.4.70',
  jpegLs: '1.2.840.10008.1.2.4.80',
  jpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  jpeg2000: '1.2.840.10008.1.2.4.91',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
} as const;

const mrImageStorage = '1.2.840.10008.5.1.4.1.1.4';
const ctImageStorage = '1.2.840.10008.5.1.4.1.1.2';

/** Row cosines then column cosines, as in ImageOrientationPatient. */
export const orientations = {
  /** Rows run anterior to posterior, columns superior to inferior; normal towards patient right. */
  sagittal: [0, 1, 0, 0, 0, -1],
  /** Rows run right to left, columns anterior to posterior; normal towards superior. */
  axial: [1, 0, 0, 0, 1, 0],
  /** Rows run right to left, columns superior to inferior; normal towards anterior. */
  coronal: [1, 0, 0, 0, 0, -1],
} as const;

let uidCounter = 0;

/** Returns a UID under the 2.25 root that is unique within the test run (it is not derived from a UUID). */
export function newUid(): string {
  uidCounter += 1;
  return `2.25.${process.pid}${Date.now() % 1_000_000}${uidCounter}`;
}

export interface FixtureSlice {
  readonly position: Vec3;
  readonly instanceNumber: number;
  readonly pixels: Uint16Array | Uint8Array | Int16Array;
  readonly sopInstanceUid?: string;
  readonly echoNumber?: number;
  readonly echoTime?: number;
}

export interface FixtureSeries {
  readonly seriesInstanceUid: string;
  readonly seriesNumber: number;
  readonly description: string;
  readonly modality?: string;
  readonly orientation: readonly number[];
  readonly rows: number;
  readonly columns: number;
  /** `[row spacing, column spacing]`, default [1, 1]. */
  readonly pixelSpacing?: readonly [number, number];
  readonly imageType?: readonly string[];
  readonly repetitionTime?: number;
  readonly echoTime?: number;
  readonly bitsStored?: number;
  readonly rescaleSlope?: number;
  readonly rescaleIntercept?: number;
  readonly sliceThickness?: number;
  readonly spacingBetweenSlices?: number;
  /** Native syntax to write with; default Explicit VR Little Endian. */
  readonly transferSyntaxUid?: string;
  /** More attributes by dcmjs keyword, e.g. `{ PatientName: 'TEST^NAME' }`; `undefined` leaves an attribute out. */
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly slices: readonly FixtureSlice[];
}

/** Encodes one slice of a series as a Part 10 file. */
export function encodeSlice(series: FixtureSeries, slice: FixtureSlice): ArrayBuffer {
  const modality = series.modality ?? 'MR';
  const sopClassUid = modality === 'CT' ? ctImageStorage : mrImageStorage;
  const sopInstanceUid = slice.sopInstanceUid ?? newUid();
  const bitsAllocated = slice.pixels.BYTES_PER_ELEMENT * 8;
  const signed = slice.pixels instanceof Int16Array;
  const dataset: Record<string, unknown> = {
    SOPClassUID: sopClassUid,
    SOPInstanceUID: sopInstanceUid,
    Modality: modality,
    SeriesInstanceUID: series.seriesInstanceUid,
    SeriesNumber: series.seriesNumber,
    SeriesDescription: series.description,
    InstanceNumber: slice.instanceNumber,
    ImageType: [...(series.imageType ?? ['ORIGINAL', 'PRIMARY', 'M', 'ND'])],
    ImagePositionPatient: [...slice.position],
    ImageOrientationPatient: [...series.orientation],
    PixelSpacing: [...(series.pixelSpacing ?? [1, 1])],
    Rows: series.rows,
    Columns: series.columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: bitsAllocated,
    BitsStored: series.bitsStored ?? bitsAllocated,
    HighBit: (series.bitsStored ?? bitsAllocated) - 1,
    PixelRepresentation: signed ? 1 : 0,
    PixelData: [slice.pixels.buffer.slice(slice.pixels.byteOffset, slice.pixels.byteOffset + slice.pixels.byteLength)],
    _vrMap: { PixelData: bitsAllocated === 8 ? 'OB' : 'OW' },
    ...series.extra,
  };
  const optional: Record<string, number | undefined> = {
    RepetitionTime: series.repetitionTime,
    EchoTime: slice.echoTime ?? series.echoTime,
    EchoNumbers: slice.echoNumber,
    RescaleSlope: series.rescaleSlope,
    RescaleIntercept: series.rescaleIntercept,
    SliceThickness: series.sliceThickness,
    SpacingBetweenSlices: series.spacingBetweenSlices,
  };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) dataset[name] = value;
  for (const [name, value] of Object.entries(series.extra ?? {})) if (value === undefined) delete dataset[name];
  return writePart10(fileMeta(sopClassUid, sopInstanceUid, series.transferSyntaxUid ?? syntaxes.explicitLittle), dataset);
}

function writePart10(meta: Record<string, unknown>, dataset: Record<string, unknown>): ArrayBuffer {
  const dict = new dcmjsData.DicomDict(dcmjsData.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(dataset);
  return dict.write();
}

function fileMeta(sopClassUid: string, sopInstanceUid: string, syntaxUid: string): Record<string, unknown> {
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: syntaxUid,
    ImplementationClassUID: '2.25.1234567890',
  };
}

/**
 * Encodes a DICOM object without pixel data: a DICOMDIR (whose SOP class is only in the file meta
 * information) or a structured report.
 */
export function encodeNonImage(sopClassUid: string): ArrayBuffer {
  const sopInstanceUid = newUid();
  const dataset =
    sopClassUid === sopClasses.mediaStorageDirectory
      ? { FileSetID: 'TESTSET' }
      : { SOPClassUID: sopClassUid, SOPInstanceUID: sopInstanceUid, Modality: 'SR', SeriesInstanceUID: newUid() };
  return writePart10(fileMeta(sopClassUid, sopInstanceUid, syntaxes.explicitLittle), dataset);
}

export const sopClasses = {
  mediaStorageDirectory: '1.2.840.10008.1.3.10',
  basicTextStructuredReport: '1.2.840.10008.5.1.4.1.1.88.11',
  enhancedMrImage: '1.2.840.10008.5.1.4.1.1.4.1',
} as const;

/**
 * Encodes a whole series as one Enhanced MR Image: orientation, pixel spacing and timing in the
 * Shared Functional Groups Sequence, each frame's position in the Per-frame Functional Groups
 * Sequence. Frames are written in the order of `series.slices`.
 */
export function encodeEnhancedMr(series: FixtureSeries): ArrayBuffer {
  const sopInstanceUid = newUid();
  const frameBytes = series.slices.reduce((sum, slice) => sum + slice.pixels.byteLength, 0);
  const pixelData = new Uint8Array(frameBytes);
  let offset = 0;
  for (const slice of series.slices) {
    pixelData.set(new Uint8Array(slice.pixels.buffer, slice.pixels.byteOffset, slice.pixels.byteLength), offset);
    offset += slice.pixels.byteLength;
  }
  const bitsAllocated = series.slices[0]!.pixels.BYTES_PER_ELEMENT * 8;
  const dataset = {
    SOPClassUID: sopClasses.enhancedMrImage,
    SOPInstanceUID: sopInstanceUid,
    Modality: 'MR',
    SeriesInstanceUID: series.seriesInstanceUid,
    SeriesNumber: series.seriesNumber,
    SeriesDescription: series.description,
    InstanceNumber: 1,
    ImageType: ['ORIGINAL', 'PRIMARY', 'M', 'NONE'],
    NumberOfFrames: series.slices.length,
    Rows: series.rows,
    Columns: series.columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: bitsAllocated,
    BitsStored: series.bitsStored ?? bitsAllocated,
    HighBit: (series.bitsStored ?? bitsAllocated) - 1,
    PixelRepresentation: 0,
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: [...series.orientation] }],
        PixelMeasuresSequence: [{ PixelSpacing: [...(series.pixelSpacing ?? [1, 1])], SliceThickness: series.sliceThickness ?? 4 }],
        MRTimingAndRelatedParametersSequence: [{ RepetitionTime: series.repetitionTime ?? 3000 }],
        MREchoSequence: [{ EffectiveEchoTime: series.echoTime ?? 100 }],
        PixelValueTransformationSequence: [{ RescaleSlope: series.rescaleSlope ?? 1, RescaleIntercept: series.rescaleIntercept ?? 0, RescaleType: 'US' }],
      },
    ],
    PerFrameFunctionalGroupsSequence: series.slices.map((slice) => ({ PlanePositionSequence: [{ ImagePositionPatient: [...slice.position] }] })),
    PixelData: [pixelData.buffer],
    _vrMap: { PixelData: bitsAllocated === 8 ? 'OB' : 'OW' },
  };
  return writePart10(fileMeta(sopClasses.enhancedMrImage, sopInstanceUid, syntaxes.explicitLittle), dataset);
}

/**
 * Rewrites an Explicit VR Little Endian file as Deflated Explicit VR Little Endian: the file meta
 * information stays as is (apart from the syntax UID) and the data set after it is deflated.
 */
export function deflatePart10(series: FixtureSeries, slice: FixtureSlice): ArrayBuffer {
  const bytes = new Uint8Array(encodeSlice({ ...series, transferSyntaxUid: syntaxes.deflated }, slice));
  // Preamble (128) + "DICM" (4) + group length element (12) + the group length value.
  const metaLength = new DataView(bytes.buffer).getUint32(140, true);
  const metaEnd = 144 + metaLength;
  const deflated = deflateRawSync(bytes.subarray(metaEnd));
  const out = new Uint8Array(metaEnd + deflated.byteLength);
  out.set(bytes.subarray(0, metaEnd));
  out.set(deflated, metaEnd);
  return out.buffer;
}

let transcoderPromise: Promise<TranscoderClass> | undefined;

/** Transcodes a Part 10 file with dcmjs-codecs (the maintained native codecs), for compressed fixtures. */
export async function transcode(buffer: ArrayBuffer, syntaxUid: string, parameters: Record<string, unknown> = {}): Promise<ArrayBuffer> {
  transcoderPromise ??= (async () => {
    const codecs = require('dcmjs-codecs') as { NativeCodecs: { initializeAsync(options?: object): Promise<void> }; Transcoder: TranscoderClass };
    const entry = require.resolve('dcmjs-codecs');
    await codecs.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: join(dirname(entry), 'dcmjs-native-codecs.wasm') });
    return codecs.Transcoder;
  })();
  const Transcoder = await transcoderPromise;
  const transcoder = new Transcoder(buffer);
  transcoder.transcode(syntaxUid, parameters);
  return transcoder.getDicomPart10();
}

/** Writes every slice of a series under `folder` (created if needed) and returns the file paths. */
export async function writeSeries(
  folder: string,
  series: FixtureSeries,
  options: { name?: (index: number) => string; encode?: (series: FixtureSeries, slice: FixtureSlice) => Promise<ArrayBuffer> | ArrayBuffer } = {},
): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const paths: string[] = [];
  for (const [index, slice] of series.slices.entries()) {
    const path = join(folder, options.name?.(index) ?? `IM${String(index + 1).padStart(4, '0')}`);
    const bytes = await (options.encode ?? encodeSlice)(series, slice);
    await writeFile(path, new Uint8Array(bytes));
    paths.push(path);
  }
  return paths;
}

/** Returns the test pattern value, which differs along every axis, so a swapped or flipped axis changes values. */
export function patternValue(i: number, j: number, k: number, max = 4000): number {
  return (i * 7 + j * 13 + k * 101 + 5) % max;
}

export interface StackOptions {
  readonly orientation: readonly number[];
  readonly rows: number;
  readonly columns: number;
  readonly count: number;
  /** Position of the first slice's first pixel, LPS mm. */
  readonly origin: Vec3;
  /** Distance between slices along the normal (row x column), mm. */
  readonly spacing: number;
  readonly array?: 'uint16' | 'uint8' | 'int16';
  /** Value at column i, row j of slice k; default `patternValue`. */
  readonly value?: (i: number, j: number, k: number) => number;
}

function allocatePixels(array: NonNullable<StackOptions['array']>, length: number): Uint16Array | Uint8Array | Int16Array {
  if (array === 'uint8') return new Uint8Array(length);
  if (array === 'int16') return new Int16Array(length);
  return new Uint16Array(length);
}

/** Returns slices stacked along the normal of `orientation`, instance numbers 1..count in k order. */
export function stackSlices(options: StackOptions): FixtureSlice[] {
  const [rx, ry, rz, cx, cy, cz] = options.orientation as [number, number, number, number, number, number];
  const normal: Vec3 = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx];
  const value = options.value ?? ((i: number, j: number, k: number) => patternValue(i, j, k, options.array === 'uint8' ? 250 : 4000));
  const slices: FixtureSlice[] = [];
  for (let k = 0; k < options.count; k++) {
    const length = options.rows * options.columns;
    const pixels = allocatePixels(options.array ?? 'uint16', length);
    for (let j = 0; j < options.rows; j++) {
      for (let i = 0; i < options.columns; i++) pixels[i + options.columns * j] = value(i, j, k);
    }
    const offset = k * options.spacing;
    slices.push({
      position: [options.origin[0] + normal[0] * offset, options.origin[1] + normal[1] * offset, options.origin[2] + normal[2] * offset],
      instanceNumber: k + 1,
      pixels,
    });
  }
  return slices;
}

/** Returns a small sagittal T2 series (8 slices of 12 x 10) for tests that need a valid study. */
export function sagittalT2(overrides: Partial<FixtureSeries> = {}): FixtureSeries {
  return {
    seriesInstanceUid: newUid(),
    seriesNumber: 2,
    description: 'T2 TSE SAG',
    orientation: orientations.sagittal,
    rows: 10,
    columns: 12,
    pixelSpacing: [0.8, 0.9],
    repetitionTime: 3500,
    echoTime: 100,
    slices: stackSlices({ orientation: orientations.sagittal, rows: 10, columns: 12, count: 8, origin: [14, -30, 40], spacing: 4 }),
    ...overrides,
  };
}

/** Returns a small axial T2 series (6 slices of 9 x 11). */
export function axialT2(overrides: Partial<FixtureSeries> = {}): FixtureSeries {
  return {
    seriesInstanceUid: newUid(),
    seriesNumber: 3,
    description: 'T2 TSE AX',
    orientation: orientations.axial,
    rows: 11,
    columns: 9,
    repetitionTime: 4000,
    echoTime: 110,
    slices: stackSlices({ orientation: orientations.axial, rows: 11, columns: 9, count: 6, origin: [-20, -40, -10], spacing: 3.5 }),
    ...overrides,
  };
}

const tempDirs: string[] = [];

/** Creates an empty temporary folder for one test; `removeTempDirs` deletes it. */
export async function makeTempDir(prefix: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), `deepspine-${prefix}-`));
  tempDirs.push(folder);
  return folder;
}

/** Deletes every folder made by `makeTempDir` in this test file; register it with `after`. */
export async function removeTempDirs(): Promise<void> {
  const folders = tempDirs.splice(0);
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
}

/**
 * Damages one data element of an Explicit VR Little Endian file in place, the way a faulty export
 * does: `length` sets its 16-bit value length to 0xFFF0, `vr` replaces its VR with the invalid `ZZ`.
 * The element is found by its tag and VR bytes, so it must have a VR with a 16-bit length (PN, CS, DS ...).
 */
export function damageElement(bytes: Uint8Array, group: number, element: number, vr: string, damage: 'length' | 'vr'): void {
  const pattern = Buffer.from([group & 0xff, group >> 8, element & 0xff, element >> 8, vr.charCodeAt(0), vr.charCodeAt(1)]);
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(pattern);
  if (at < 0) throw new Error(`element (${group.toString(16)},${element.toString(16)}) ${vr} not found`);
  if (damage === 'length') {
    bytes[at + 6] = 0xf0;
    bytes[at + 7] = 0xff;
  } else {
    bytes[at + 4] = 0x5a;
    bytes[at + 5] = 0x5a;
  }
}
