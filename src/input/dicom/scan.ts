import { createHash } from 'node:crypto';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Vec3 } from '../../geometry/affine.js';
import type { Logger } from '../../log.js';
import * as attr from './attributes.js';
import { PIXEL_DATA_TAG, SEQUENCE_DELIMITER, hasPart10Prefix, lastIndexOf, parsePart10, part10PrefixOffset, type DicomDataset, type DicomElement } from './dcmjs.js';
import { encapsulatedFrames, nativeFrameBytes, pixelDataByteLength, type PixelFormat } from './pixels.js';
import { imageStorageSopClassName } from './sop-classes.js';
import { transferSyntaxInfo, transferSyntaxName } from './transfer-syntax.js';

/** Category of a file that did not become part of a series. */
export type SkipKind =
  /** Not a DICOM Part 10 file (text, DICOMDIR-less junk, hidden files); logged at debug level only. */
  | 'not-dicom'
  /** A DICOM object without pixels (DICOMDIR, structured report, presentation state); debug level only. */
  | 'not-image'
  /** A DICOM image that deepspine cannot read (colour, an unsupported transfer syntax); warned. */
  | 'unsupported'
  /** A DICOM file that is truncated, corrupt or lacks a required attribute; warned. */
  | 'unreadable'
  /** A second copy of an image already read (same SOPInstanceUID); debug level only. */
  | 'duplicate';

export interface SkippedFile {
  /** Path relative to the scanned folder (the file name itself when a single file was given). */
  readonly file: string;
  readonly kind: SkipKind;
  readonly reason: string;
}

/**
 * The header of one image frame: a single-frame file gives one, a multi-frame file one per frame.
 * Times are in ms, positions and spacings in mm (LPS). Holds no patient identifiers.
 */
export interface DicomFrameHeader {
  /** Absolute path of the file. */
  readonly file: string;
  /** Path relative to the scanned folder, for messages. */
  readonly displayPath: string;
  /** Index of this frame in the file, from 0. */
  readonly frameIndex: number;
  readonly frameCount: number;
  readonly transferSyntaxUid: string;
  readonly sopInstanceUid: string | undefined;
  readonly seriesInstanceUid: string;
  readonly studyInstanceUid: string | undefined;
  /** FrameOfReferenceUID: positions of images that share it are in one patient coordinate system. */
  readonly frameOfReferenceUid: string | undefined;
  readonly seriesNumber: number | undefined;
  readonly seriesDescription: string;
  readonly protocolName: string;
  readonly modality: string;
  /** ImageType values, plus FrameType values for multi-frame images, in upper case. */
  readonly imageType: readonly string[];
  readonly instanceNumber: number | undefined;
  readonly acquisitionNumber: number | undefined;
  readonly echoNumber: number | undefined;
  readonly repetitionTime: number | undefined;
  readonly echoTime: number | undefined;
  readonly inversionTime: number | undefined;
  readonly scanningSequence: readonly string[];
  readonly sequenceName: string | undefined;
  /** ImagePositionPatient: centre of the first pixel, LPS mm. */
  readonly position: Vec3 | undefined;
  /** ImageOrientationPatient: row then column direction cosines, LPS. */
  readonly orientation: { readonly row: Vec3; readonly column: Vec3 } | undefined;
  /** PixelSpacing `[row spacing, column spacing]` in mm. */
  readonly pixelSpacing: readonly [number, number] | undefined;
  readonly sliceThickness: number | undefined;
  readonly spacingBetweenSlices: number | undefined;
  readonly format: PixelFormat;
  /** RescaleSlope, 1 when absent. */
  readonly rescaleSlope: number;
  /** RescaleIntercept, 0 when absent. */
  readonly rescaleIntercept: number;
  /**
   * SHA-1 of the Pixel Data of a single-frame file, which distinguishes an image sent twice under
   * two SOPInstanceUIDs from two images at one position. Undefined for a multi-frame file.
   */
  readonly pixelDigest: string | undefined;
}

export interface ScanResult {
  readonly frames: DicomFrameHeader[];
  readonly skipped: SkippedFile[];
  /** Number of files looked at, readable or not. */
  readonly fileCount: number;
}

/** Media Storage Directory Storage: a DICOMDIR index, which has no pixels of its own. */
const mediaStorageDirectorySopClass = '1.2.840.10008.1.3.10';

/** Files read at the same time; enough to overlap disk reads with parsing. */
const readConcurrency = 8;

/**
 * Lists every regular file under `root`, at any depth, in a stable (sorted) order. Symbolic links to
 * files and folders are followed; a folder reached twice through links is read once. Subfolders that
 * cannot be read are returned in `skipped`.
 * @throws Error from node:fs when `root` itself cannot be read.
 */
export async function listFiles(root: string): Promise<{ files: string[]; skipped: SkippedFile[] }> {
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const seenFolders = new Set<string>();
  const visit = async (folder: string): Promise<void> => {
    let entries;
    try {
      const real = await realpath(folder);
      if (seenFolders.has(real)) return;
      seenFolders.add(real);
      // Names are read as bytes, because a name that is not valid UTF-8 would come back altered and could not be opened.
      entries = await readdir(folder, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      if (folder === root) throw error;
      skipped.push({ file: relative(root, folder), kind: 'unreadable', reason: `cannot read the folder (${(error as NodeJS.ErrnoException).code ?? String(error)})` });
      return;
    }
    const named = entries.map((entry) => ({ entry, name: entry.name.toString('utf8') }));
    named.sort((a, b) => compareNames(a.name, b.name));
    for (const { entry, name } of named) {
      const path = join(folder, name);
      if (!Buffer.from(name, 'utf8').equals(entry.name)) {
        skipped.push({ file: relative(root, path), kind: 'unreadable', reason: 'the file name is not valid UTF-8, so it cannot be opened; rename it and run again' });
      } else if (entry.isDirectory()) {
        await visit(path);
      } else if (entry.isFile()) {
        files.push(path);
      } else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target?.isDirectory()) await visit(path);
        else if (target?.isFile()) files.push(path);
        else if (target === undefined) skipped.push({ file: relative(root, path), kind: 'unreadable', reason: 'a symbolic link whose target cannot be read' });
        else skipped.push({ file: relative(root, path), kind: 'not-dicom', reason: 'a symbolic link to something that is not a file or folder' });
      } else {
        skipped.push({ file: relative(root, path), kind: 'not-dicom', reason: 'not a regular file (a FIFO, socket or device)' });
      }
    }
  };
  await visit(root);
  return { files, skipped };
}

/** Orders names by UTF-16 code units, the same on every platform and locale. */
function compareNames(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

type FileResult = { frames: DicomFrameHeader[] } | { skipped: SkippedFile };

/**
 * Reads the headers of `files`, which lie under the folder `root`. Pixel data is checked for
 * completeness but not decoded. Files that are not DICOM images are returned in `skipped` with the
 * reason and logged at debug level. The caller decides which of them to warn about.
 */
export async function scanDicomFiles(root: string, files: readonly string[], logger: Logger): Promise<ScanResult> {
  const results: FileResult[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      results[index] = await readFileHeaders(file, relative(root, file) || file);
    }
  };
  await Promise.all(Array.from({ length: Math.min(readConcurrency, files.length) }, worker));

  const frames: DicomFrameHeader[] = [];
  const skipped: SkippedFile[] = [];
  for (const result of results) {
    if ('frames' in result) {
      frames.push(...result.frames);
    } else {
      skipped.push(result.skipped);
      logger.debug(`skipped ${result.skipped.file}: ${result.skipped.reason}`);
    }
  }
  return { frames, skipped, fileCount: files.length };
}

async function readFileBytes(file: string): Promise<Uint8Array | undefined> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const prefix = Buffer.alloc(Math.min(size, part10PrefixOffset + 4));
    await handle.read(prefix, 0, prefix.length, 0);
    if (!hasPart10Prefix(prefix)) return undefined;
    const bytes = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return offset === size ? bytes : bytes.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

async function readFileHeaders(file: string, displayPath: string): Promise<FileResult> {
  const skip = (kind: SkipKind, reason: string): FileResult => ({ skipped: { file: displayPath, kind, reason } });
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFileBytes(file);
  } catch (error) {
    return skip('unreadable', `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes === undefined) return skip('not-dicom', 'not a DICOM Part 10 file (no DICM prefix after the 128-byte preamble)');

  let parsed;
  try {
    parsed = parsePart10(bytes);
  } catch (error) {
    // The parser's message goes last, after the advice, because only a bug report needs it.
    const detail = error instanceof Error ? error.message : String(error);
    return skip('unreadable', `truncated or corrupt DICOM file (${bytes.length} bytes): its data set ends early or is damaged; copy or export it again (parser: ${detail})`);
  }
  return framesFromDataset(parsed.meta, parsed.dataset, file, displayPath, skip, bytes);
}

/**
 * Returns whether the Sequence Delimitation Item follows the Pixel Data element in `bytes`. dcmjs
 * reads encapsulated Pixel Data cut short without an error, and a codec may then fill the missing
 * part of the frame with zeros, so a file without the delimiter after its pixels is taken as
 * truncated. A sequence of undefined length in the header ends with the same bytes, which is why
 * the search starts at the Pixel Data tag.
 */
function hasSequenceDelimiter(bytes: Uint8Array): boolean {
  const pixelData = lastIndexOf(bytes, PIXEL_DATA_TAG);
  return lastIndexOf(bytes, SEQUENCE_DELIMITER, Math.max(0, pixelData)) >= 0;
}

function framesFromDataset(
  meta: DicomDataset,
  dataset: DicomDataset,
  file: string,
  displayPath: string,
  skip: (kind: SkipKind, reason: string) => FileResult,
  bytes: Uint8Array,
): FileResult {
  const syntaxUid = attr.transferSyntaxUid(meta);
  if (syntaxUid === undefined) return skip('unreadable', 'the file meta information has no TransferSyntaxUID');
  if ((attr.mediaStorageSopClassUid(meta) ?? attr.sopClassUid(dataset)) === mediaStorageDirectorySopClass) return skip('not-image', 'DICOMDIR (a media index, no image)');
  // The syntax is checked before anything else in the data set, which an unsupported byte order garbles.
  const syntax = transferSyntaxInfo(syntaxUid);
  if (syntax === undefined) {
    return skip('unsupported', `${transferSyntaxName(syntaxUid)} is not supported; convert the study to Explicit VR Little Endian`);
  }

  const pixelData = attr.pixelDataElement(dataset);
  const rows = attr.rows(dataset);
  const columns = attr.columns(dataset);
  if (pixelData === undefined) {
    if (attr.hasFloatPixelData(dataset)) return skip('unsupported', 'float pixel data is not supported; export the series with integer pixels');
    if (rows !== undefined && columns !== undefined) return skip('unreadable', 'truncated or corrupt DICOM file: it has image attributes but no Pixel Data');
    const imageEvidence = evidenceOfImage(meta, dataset);
    if (imageEvidence !== undefined) {
      // dcmjs stops at a damaged element (a wrong length or VR) without an error, so the rest of
      // the header and the pixels are lost and an image looks like an object without pixels.
      return skip('unreadable', `corrupt DICOM header: ${imageEvidence}, but Rows, Columns and Pixel Data cannot be read (an element is damaged); re-export the file`);
    }
    return skip('not-image', 'DICOM object without pixel data');
  }
  if (rows === undefined || columns === undefined || rows <= 0 || columns <= 0) return skip('unreadable', 'Rows or Columns is missing');

  const format: PixelFormat = {
    rows,
    columns,
    bitsAllocated: attr.bitsAllocated(dataset) ?? 16,
    bitsStored: attr.bitsStored(dataset) ?? attr.bitsAllocated(dataset) ?? 16,
    pixelRepresentation: attr.pixelRepresentation(dataset) ?? 0,
    samplesPerPixel: attr.samplesPerPixel(dataset) ?? 1,
    photometricInterpretation: attr.photometricInterpretation(dataset) ?? 'MONOCHROME2',
    planarConfiguration: attr.planarConfiguration(dataset) ?? 0,
  };
  if (format.samplesPerPixel !== 1) {
    return skip('unsupported', `colour image (SamplesPerPixel ${format.samplesPerPixel}, ${format.photometricInterpretation}); deepspine reads grayscale MR only`);
  }
  if (![8, 16, 32].includes(format.bitsAllocated)) {
    return skip('unsupported', `BitsAllocated ${format.bitsAllocated} is not supported; expected 8, 16 or 32`);
  }

  const frameCount = attr.numberOfFrames(dataset);
  if (syntax.encoding === 'native') {
    const expected = frameCount * nativeFrameBytes(format);
    const actual = pixelDataByteLength(pixelData);
    if (actual < expected) return skip('unreadable', `truncated DICOM file: Pixel Data has ${actual} of ${expected} bytes`);
  } else {
    if (!hasSequenceDelimiter(bytes)) return skip('unreadable', 'truncated DICOM file: the compressed Pixel Data ends before its sequence delimiter');
    try {
      const encoded = encapsulatedFrames(pixelData, frameCount, syntax.encoding);
      const empty = encoded.findIndex((frame) => frame.byteLength === 0);
      if (empty >= 0) return skip('unreadable', `truncated DICOM file: compressed frame ${empty + 1} is empty`);
    } catch (error) {
      return skip('unreadable', `invalid compressed Pixel Data (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  const seriesUid = attr.seriesInstanceUid(dataset);
  if (seriesUid === undefined) return skip('unreadable', 'SeriesInstanceUID is missing, so the file cannot be assigned to a series');

  const common = {
    file,
    displayPath,
    frameCount,
    transferSyntaxUid: syntaxUid,
    sopInstanceUid: attr.sopInstanceUid(dataset),
    seriesInstanceUid: seriesUid,
    studyInstanceUid: attr.studyInstanceUid(dataset),
    frameOfReferenceUid: attr.frameOfReferenceUid(dataset),
    seriesNumber: attr.seriesNumber(dataset),
    seriesDescription: attr.seriesDescription(dataset) ?? '',
    protocolName: attr.protocolName(dataset) ?? '',
    modality: attr.modality(dataset) ?? '',
    instanceNumber: attr.instanceNumber(dataset),
    acquisitionNumber: attr.acquisitionNumber(dataset),
    echoNumber: attr.echoNumber(dataset),
    scanningSequence: attr.scanningSequence(dataset),
    sequenceName: attr.sequenceName(dataset),
    format,
    pixelDigest: frameCount === 1 ? pixelDataDigest(pixelData) : undefined,
  };
  const frames: DicomFrameHeader[] = [];
  const functionalGroups = attr.hasFunctionalGroups(dataset);
  for (let frameIndex = 0; frameIndex < frameCount; frameIndex++) {
    frames.push(functionalGroups ? enhancedFrame(dataset, frameIndex, common) : classicFrame(dataset, frameIndex, common));
  }
  return { frames };
}

/** Returns the SHA-1 of the bytes of a Pixel Data element, as 40 hex digits. */
function pixelDataDigest(element: DicomElement): string {
  const hash = createHash('sha1');
  for (const value of element.Value ?? []) {
    if (value instanceof ArrayBuffer) hash.update(new Uint8Array(value));
    else if (ArrayBuffer.isView(value)) hash.update(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
  return hash.digest('hex');
}

/**
 * Returns why a data set without readable pixels is an image after all: its SOP class is an image
 * storage class, or it has image-only attributes such as ImagePositionPatient. Undefined otherwise.
 */
function evidenceOfImage(meta: DicomDataset, dataset: DicomDataset): string | undefined {
  const sopClassName = imageStorageSopClassName(attr.mediaStorageSopClassUid(meta) ?? attr.sopClassUid(dataset));
  if (sopClassName !== undefined) return `the file is an image (${sopClassName})`;
  const present = attr.imageAttributesPresent(dataset);
  if (present.length > 0) return `the file has image attributes (${present.join(', ')})`;
  return undefined;
}

type CommonAttributes = Omit<
  DicomFrameHeader,
  | 'frameIndex'
  | 'imageType'
  | 'repetitionTime'
  | 'echoTime'
  | 'inversionTime'
  | 'position'
  | 'orientation'
  | 'pixelSpacing'
  | 'sliceThickness'
  | 'spacingBetweenSlices'
  | 'rescaleSlope'
  | 'rescaleIntercept'
>;

/** Builds the header of a frame of a single-frame image (or of a multi-frame image without functional groups). */
function classicFrame(dataset: DicomDataset, frameIndex: number, common: CommonAttributes): DicomFrameHeader {
  return {
    ...common,
    frameIndex,
    imageType: attr.imageType(dataset),
    repetitionTime: attr.repetitionTime(dataset),
    echoTime: attr.echoTime(dataset),
    inversionTime: attr.inversionTime(dataset),
    position: attr.imagePositionPatient(dataset),
    orientation: attr.imageOrientationPatient(dataset),
    pixelSpacing: attr.pixelSpacing(dataset),
    sliceThickness: attr.sliceThickness(dataset),
    spacingBetweenSlices: attr.spacingBetweenSlices(dataset),
    rescaleSlope: attr.rescaleSlope(dataset) ?? 1,
    rescaleIntercept: attr.rescaleIntercept(dataset) ?? 0,
  };
}

/** Builds the header of a frame of an enhanced multi-frame image, whose geometry is in functional groups. */
function enhancedFrame(dataset: DicomDataset, frameIndex: number, common: CommonAttributes): DicomFrameHeader {
  const groups = attr.frameGroups(dataset, frameIndex);
  const rescale = attr.frameRescale(groups);
  return {
    ...common,
    frameIndex,
    imageType: [...attr.imageType(dataset), ...attr.frameType(groups)],
    repetitionTime: attr.frameRepetitionTime(groups) ?? attr.repetitionTime(dataset),
    echoTime: attr.frameEffectiveEchoTime(groups) ?? attr.echoTime(dataset),
    inversionTime: attr.inversionTime(dataset),
    position: attr.frameImagePositionPatient(groups) ?? attr.imagePositionPatient(dataset),
    orientation: attr.frameImageOrientationPatient(groups) ?? attr.imageOrientationPatient(dataset),
    pixelSpacing: attr.framePixelSpacing(groups) ?? attr.pixelSpacing(dataset),
    sliceThickness: attr.frameSliceThickness(groups) ?? attr.sliceThickness(dataset),
    spacingBetweenSlices: attr.frameSpacingBetweenSlices(groups) ?? attr.spacingBetweenSlices(dataset),
    rescaleSlope: rescale.slope ?? attr.rescaleSlope(dataset) ?? 1,
    rescaleIntercept: rescale.intercept ?? attr.rescaleIntercept(dataset) ?? 0,
  };
}
