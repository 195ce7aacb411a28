import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DicomElement } from './dcmjs.js';
import type { PixelEncoding } from './transfer-syntax.js';

/** The Image Pixel attributes needed to interpret one frame of stored values. */
export interface PixelFormat {
  readonly rows: number;
  readonly columns: number;
  /** 8, 16 or 32; bit-packed (1-bit) images are not read. */
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  readonly pixelRepresentation: number;
  readonly samplesPerPixel: number;
  readonly photometricInterpretation: string;
  readonly planarConfiguration: number;
}

/**
 * Stored values of one frame in DICOM order: row by row, so the value at (column c, row r) is at
 * `c + columns * r`. Values are masked to BitsStored and sign-extended when signed.
 */
export type FramePixels = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** Returns the number of bytes one native (uncompressed) frame takes. */
export function nativeFrameBytes(format: PixelFormat): number {
  return format.rows * format.columns * format.samplesPerPixel * (format.bitsAllocated / 8);
}

/** Returns the total byte length of the values of a Pixel Data element as dcmjs stores them. */
export function pixelDataByteLength(element: DicomElement): number {
  let total = 0;
  for (const value of element.Value ?? []) {
    if (value instanceof ArrayBuffer) total += value.byteLength;
    else if (ArrayBuffer.isView(value)) total += value.byteLength;
  }
  return total;
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError('pixel data value is not binary');
}

function allocate(format: PixelFormat, length: number): FramePixels {
  const signed = format.pixelRepresentation === 1;
  switch (format.bitsAllocated) {
    case 8:
      return signed ? new Int8Array(length) : new Uint8Array(length);
    case 16:
      return signed ? new Int16Array(length) : new Uint16Array(length);
    case 32:
      return signed ? new Int32Array(length) : new Uint32Array(length);
    default:
      throw new RangeError(`BitsAllocated ${format.bitsAllocated} is not supported; expected 8, 16 or 32`);
  }
}

/**
 * Copies little-endian bytes of one frame into a typed array and applies BitsStored.
 * NOTE: typed arrays use the host's byte order; every platform Node 20 supports is little-endian.
 */
function framePixelsFromBytes(bytes: Uint8Array, format: PixelFormat): FramePixels {
  const length = format.rows * format.columns * format.samplesPerPixel;
  const pixels = allocate(format, length);
  const expected = length * pixels.BYTES_PER_ELEMENT;
  if (bytes.byteLength < expected) {
    throw new RangeError(`frame has ${bytes.byteLength} bytes, expected ${expected}`);
  }
  new Uint8Array(pixels.buffer).set(bytes.subarray(0, expected));
  applyBitsStored(pixels, format);
  return pixels;
}

/**
 * Masks values to the low BitsStored bits and sign-extends them when signed. Bits above BitsStored
 * may hold overlay planes or garbage, and the standard says they carry no pixel value.
 */
function applyBitsStored(pixels: FramePixels, format: PixelFormat): void {
  const bits = format.bitsStored;
  if (bits >= format.bitsAllocated || bits <= 0) return;
  const mask = 2 ** bits - 1;
  if (format.pixelRepresentation === 1) {
    const signBit = 2 ** (bits - 1);
    for (let index = 0; index < pixels.length; index++) {
      const value = pixels[index]! & mask;
      pixels[index] = value >= signBit ? value - 2 * signBit : value;
    }
  } else {
    for (let index = 0; index < pixels.length; index++) pixels[index] = pixels[index]! & mask;
  }
}

/** Returns frame `frameIndex` of native pixel data (one contiguous buffer). */
export function nativeFrame(element: DicomElement, format: PixelFormat, frameIndex: number): FramePixels {
  const values = element.Value ?? [];
  const bytes = values.length === 1 ? toBytes(values[0]) : concatenate(values.map(toBytes));
  const frameBytes = nativeFrameBytes(format);
  const start = frameIndex * frameBytes;
  if (start + frameBytes > bytes.byteLength) {
    throw new RangeError(`pixel data has ${bytes.byteLength} bytes, frame ${frameIndex + 1} needs bytes ${start} to ${start + frameBytes}`);
  }
  return framePixelsFromBytes(bytes.subarray(start, start + frameBytes), format);
}

function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Returns whether a fragment starts a new compressed frame (a JPEG SOI marker or a JPEG 2000 SOC marker). */
function startsFrame(fragment: Uint8Array, encoding: PixelEncoding): boolean {
  if (fragment.byteLength < 2 || fragment[0] !== 0xff) return false;
  if (encoding === 'jpeg' || encoding === 'jpeg-ls') return fragment[1] === 0xd8;
  if (encoding === 'jpeg-2000' || encoding === 'ht-jpeg-2000') return fragment[1] === 0x4f;
  return false;
}

/**
 * Returns the encoded bytes of each frame of encapsulated pixel data. dcmjs returns one buffer per
 * frame when the file has a basic offset table, else one buffer per fragment. A single-frame image
 * takes all fragments. A multi-frame image without an offset table is split where a fragment starts
 * with a JPEG or JPEG 2000 start marker.
 * @throws RangeError when the fragments cannot be assigned to `frameCount` frames.
 */
export function encapsulatedFrames(element: DicomElement, frameCount: number, encoding: PixelEncoding): Uint8Array[] {
  const fragments = (element.Value ?? []).map(toBytes);
  if (fragments.length === 0) throw new RangeError('encapsulated pixel data has no fragments');
  if (frameCount === 1) return [fragments.length === 1 ? fragments[0]! : concatenate(fragments)];
  if (fragments.length === frameCount) return fragments;
  const frames: Uint8Array[][] = [];
  for (const fragment of fragments) {
    if (frames.length === 0 || startsFrame(fragment, encoding)) frames.push([fragment]);
    else frames[frames.length - 1]!.push(fragment);
  }
  if (frames.length !== frameCount) {
    throw new RangeError(`cannot split ${fragments.length} pixel data fragments into ${frameCount} frames without a basic offset table`);
  }
  return frames.map((parts) => (parts.length === 1 ? parts[0]! : concatenate(parts)));
}

// The codecs module (WebAssembly) loads on first use, so studies stored uncompressed never pay for it.

interface CodecContext {
  getDecodedBuffer(): Uint8Array | undefined;
}

interface CodecsModule {
  Context: new (attributes: {
    width: number;
    height: number;
    bitsAllocated: number;
    bitsStored: number;
    samplesPerPixel: number;
    pixelRepresentation: number;
    planarConfiguration: number;
    photometricInterpretation: string;
    encodedBuffer: Uint8Array;
  }) => CodecContext;
  NativeCodecs: {
    initializeAsync(options?: { webAssemblyModulePathOrUrl?: string; logCodecsInfo?: boolean; logCodecsTrace?: boolean }): Promise<void>;
    decodeRle(context: CodecContext): CodecContext;
    decodeJpeg(context: CodecContext, parameters?: { convertColorspaceToRgb?: boolean }): CodecContext;
    decodeJpegLs(context: CodecContext): CodecContext;
    decodeJpeg2000(context: CodecContext): CodecContext;
    decodeHtJpeg2000(context: CodecContext): CodecContext;
  };
}

let codecsPromise: Promise<CodecsModule> | undefined;

/** Loads dcmjs-codecs and its WebAssembly module once per process. */
export function loadCodecs(): Promise<CodecsModule> {
  codecsPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('dcmjs-codecs');
    const codecs = require('dcmjs-codecs') as CodecsModule;
    // The wasm file sits beside the package's entry script in build/.
    await codecs.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: join(dirname(entry), 'dcmjs-native-codecs.wasm') });
    return codecs;
  })();
  return codecsPromise;
}

/**
 * Decodes one compressed frame with the native codecs of dcmjs-codecs.
 * @throws Error when the codec rejects the data or returns the wrong number of bytes.
 */
export async function decodeFrame(encoding: Exclude<PixelEncoding, 'native'>, encoded: Uint8Array, format: PixelFormat): Promise<FramePixels> {
  const codecs = await loadCodecs();
  const context = new codecs.Context({
    width: format.columns,
    height: format.rows,
    bitsAllocated: format.bitsAllocated,
    bitsStored: format.bitsStored,
    samplesPerPixel: format.samplesPerPixel,
    pixelRepresentation: format.pixelRepresentation,
    planarConfiguration: format.planarConfiguration,
    photometricInterpretation: format.photometricInterpretation,
    encodedBuffer: encoded,
  });
  const decoders = {
    rle: () => codecs.NativeCodecs.decodeRle(context),
    jpeg: () => codecs.NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false }),
    'jpeg-ls': () => codecs.NativeCodecs.decodeJpegLs(context),
    'jpeg-2000': () => codecs.NativeCodecs.decodeJpeg2000(context),
    'ht-jpeg-2000': () => codecs.NativeCodecs.decodeHtJpeg2000(context),
  };
  let decoded: Uint8Array | undefined;
  try {
    decoded = decoders[encoding]().getDecodedBuffer();
  } catch (error) {
    // A codec that traps on damaged data can leave its WebAssembly instance broken, so that later
    // frames fail too. The next frame therefore gets a fresh instance.
    codecsPromise = undefined;
    throw error;
  }
  if (decoded === undefined || decoded.byteLength === 0) throw new Error(`${encoding} decoder returned no pixels`);
  const expected = nativeFrameBytes(format);
  if (decoded.byteLength !== expected) {
    throw new RangeError(`${encoding} decoder returned ${decoded.byteLength} bytes, expected ${expected} for ${format.columns}x${format.rows}`);
  }
  return framePixelsFromBytes(decoded, format);
}
