import { readFile } from 'node:fs/promises';
import { DeepspineError } from '../../errors.js';
import { listFirst } from '../../log.js';
import { makeVolume, type Volume, type VoxelArray } from '../../geometry/volume.js';
import * as attr from './attributes.js';
import { parsePart10 } from './dcmjs.js';
import { decodeFrame, encapsulatedFrames, nativeFrame, type FramePixels, type PixelFormat } from './pixels.js';
import type { DicomFrameHeader } from './scan.js';
import type { DicomSeries } from './series.js';
import { transferSyntaxInfo, transferSyntaxName } from './transfer-syntax.js';

/** Files decoded at the same time. */
const decodeConcurrency = 4;

/** One file of a series that failed to decode, with its path relative to the study folder. */
export interface FileDecodeFailure {
  readonly displayPath: string;
  readonly error: DeepspineError;
}

/** A series whose files failed to decode: `failures` contains one entry per file, in file order. */
export class SeriesDecodeError extends DeepspineError {
  constructor(readonly failures: readonly FileDecodeFailure[]) {
    const first = failures[0]!.error;
    const others = failures.slice(1).map((failure) => failure.displayPath);
    const more = others.length === 0 ? '' : ` (${others.length} more ${others.length === 1 ? 'file' : 'files'} failed to decode: ${listFirst(others, 5, ', ')})`;
    super('UNREADABLE_INPUT', `${first.message}${more}`, { file: first.file, cause: first });
  }
}

/**
 * Decodes the pixels of a series into a volume with the series' affine (see SeriesGeometry). Voxel
 * (i, j, k) is column i, row j of slice k. Stored values become modality values
 * (value * RescaleSlope + RescaleIntercept). When every slice has slope 1, intercept 0 and the same
 * pixel format, the volume keeps the stored integer type (Uint16Array for unsigned 16-bit), and
 * otherwise it is Float32Array.
 * @throws DeepspineError UNREADABLE_INPUT when the series has no geometry, and SeriesDecodeError
 * naming every file that cannot be read or decoded, after all files were tried.
 */
export async function readSeriesVolume(series: DicomSeries): Promise<Volume> {
  const geometry = series.geometry;
  if (geometry === undefined) {
    throw new DeepspineError('UNREADABLE_INPUT', `series ${series.id} cannot be read as a volume: ${series.problems.join('; ')}`);
  }
  const frameSize = geometry.rows * geometry.columns;
  const data = allocateVolumeData(series.frames, frameSize * series.frames.length);
  const rescale = data instanceof Float32Array;

  // Frames of one file are decoded together, so a multi-frame file is read and parsed once.
  const byFile = new Map<string, { frame: DicomFrameHeader; k: number }[]>();
  series.frames.forEach((frame, k) => {
    const list = byFile.get(frame.file);
    if (list === undefined) byFile.set(frame.file, [{ frame, k }]);
    else list.push({ frame, k });
  });
  const files = [...byFile.entries()];
  const failures: (FileDecodeFailure | undefined)[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const position = next++;
      const [file, entries] = files[position]!;
      let decoded: FramePixels[];
      try {
        decoded = await decodeFileFrames(file, entries.map((entry) => entry.frame));
      } catch (error) {
        if (!(error instanceof DeepspineError)) throw error;
        failures[position] = { displayPath: entries[0]!.frame.displayPath, error };
        continue;
      }
      entries.forEach(({ frame, k }, index) => {
        const pixels = decoded[index]!;
        const offset = k * frameSize;
        if (rescale) {
          const slope = frame.rescaleSlope;
          const intercept = frame.rescaleIntercept;
          for (let p = 0; p < frameSize; p++) data[offset + p] = pixels[p]! * slope + intercept;
        } else {
          data.set(pixels, offset);
        }
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(decodeConcurrency, files.length) }, worker));
  const failed = failures.filter((failure): failure is FileDecodeFailure => failure !== undefined);
  if (failed.length > 0) throw new SeriesDecodeError(failed);
  return makeVolume([geometry.columns, geometry.rows, series.frames.length], geometry.affine, data);
}

function sameFormat(a: PixelFormat, b: PixelFormat): boolean {
  return a.bitsAllocated === b.bitsAllocated && a.pixelRepresentation === b.pixelRepresentation;
}

function allocateVolumeData(frames: readonly DicomFrameHeader[], length: number): VoxelArray {
  const format = frames[0]!.format;
  const keepStored = frames.every((frame) => frame.rescaleSlope === 1 && frame.rescaleIntercept === 0 && sameFormat(frame.format, format));
  if (!keepStored) return new Float32Array(length);
  const signed = format.pixelRepresentation === 1;
  if (format.bitsAllocated === 8) return signed ? new Int8Array(length) : new Uint8Array(length);
  if (format.bitsAllocated === 16) return signed ? new Int16Array(length) : new Uint16Array(length);
  return signed ? new Int32Array(length) : new Uint32Array(length);
}

/**
 * Returns the message of a decoding error. A WebAssembly codec that traps on damaged data reports only
 * "unreachable", which is given a meaning.
 */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message === 'unreachable' ? 'the codec stopped on damaged data: unreachable' : message;
}

/** Reads one file and returns the stored values of the requested frames, in the order given. */
async function decodeFileFrames(file: string, frames: readonly DicomFrameHeader[]): Promise<FramePixels[]> {
  const first = frames[0]!;
  const fail = (failure: string, error: unknown): DeepspineError =>
    new DeepspineError(
      'UNREADABLE_INPUT',
      `${first.displayPath}: ${failure} (${describeFailure(error)}); ` +
        're-export the series, or choose another series with --sagittal-series or --axial-series',
      { file: first.file, cause: error },
    );
  let dataset;
  try {
    dataset = parsePart10(await readFile(file)).dataset;
  } catch (error) {
    throw fail('reading the DICOM file failed', error);
  }
  const pixelData = attr.pixelDataElement(dataset);
  const syntax = transferSyntaxInfo(first.transferSyntaxUid);
  if (pixelData === undefined || syntax === undefined) {
    throw fail('the file changed since it was scanned', new Error('no readable Pixel Data'));
  }
  try {
    if (syntax.encoding === 'native') return frames.map((frame) => nativeFrame(pixelData, frame.format, frame.frameIndex));
    const encoded = encapsulatedFrames(pixelData, first.frameCount, syntax.encoding);
    const out: FramePixels[] = [];
    for (const frame of frames) out.push(await decodeFrame(syntax.encoding, encoded[frame.frameIndex]!, frame.format));
    return out;
  } catch (error) {
    throw fail(`decoding ${transferSyntaxName(first.transferSyntaxUid)} pixel data failed`, error);
  }
}
