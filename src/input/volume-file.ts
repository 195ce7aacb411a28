import { open, readFile, realpath } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { format } from 'node:util';
import type { Image } from 'itk-wasm';
import { DeepspineError } from '../errors.js';
import { makeVolume, spacing, type Volume, type VoxelArray } from '../geometry/volume.js';
import type { Logger } from '../log.js';

/** File name endings read as a single volume rather than a DICOM study. */
export const volumeFileSuffixes = ['.nii', '.nii.gz', '.mha', '.mhd', '.nrrd'] as const;

/** Loads ITK-Wasm on first use: importing it takes about 0.2 s, which DICOM-only runs skip. */
function loadImageIo(): Promise<typeof import('@itk-wasm/image-io')> {
  return import('@itk-wasm/image-io');
}

export function isVolumeFile(path: string): boolean {
  const lower = path.toLowerCase();
  return volumeFileSuffixes.some((suffix) => lower.endsWith(suffix));
}

/** The console methods that ITK-Wasm 1.x writes to when a WebAssembly pipeline throws. */
const consoleMethods = ['log', 'info', 'warn', 'error'] as const;
type ConsoleMethod = (typeof consoleMethods)[number];

/** Line buffers of the library calls now running; the console is redirected while any is open. */
const consoleSinks = new Set<string[]>();
let savedConsole: Pick<Console, ConsoleMethod> | undefined;

/**
 * Runs an ITK-Wasm call with the console redirected into `lines`. itk-wasm 1.x prints
 * "Exception while running pipeline:", "stderr:" and "Build module in Debug mode ..." with
 * console.log and console.error whenever a pipeline throws, and that text belongs in the debug log,
 * not in the user's output.
 * NOTE: calls that overlap in one thread share the redirection, so each buffer also receives the
 * lines of the others.
 */
async function withConsoleCaptured<T>(lines: string[], task: () => Promise<T>): Promise<T> {
  if (consoleSinks.size === 0) {
    savedConsole = { log: console.log, info: console.info, warn: console.warn, error: console.error };
    for (const method of consoleMethods) {
      console[method] = (...args: unknown[]) => {
        const line = format(...args);
        for (const sink of consoleSinks) sink.push(line);
      };
    }
  }
  consoleSinks.add(lines);
  try {
    return await task();
  } finally {
    consoleSinks.delete(lines);
    if (consoleSinks.size === 0 && savedConsole !== undefined) {
      Object.assign(console, savedConsole);
      savedConsole = undefined;
    }
  }
}

/** Logs at debug level what ITK-Wasm printed and threw during a failed call. */
function logLibraryOutput(logger: Logger | undefined, operation: string, error: unknown, lines: string[]): void {
  if (logger === undefined) return;
  // A WebAssembly exception arrives as a bare number (a pointer into the module's memory).
  const thrown = typeof error === 'number' ? `WebAssembly exception ${error}` : String(error);
  logger.debug(`ITK-Wasm failed ${operation}: ${thrown}`);
  for (const line of lines.flatMap((text) => text.split('\n'))) {
    if (line.trim() !== '') logger.debug(`ITK-Wasm: ${line}`);
  }
}

/** A volume file as read, with whether its header records an orientation. */
export interface VolumeFileContents {
  readonly volume: Volume;
  /**
   * False for a NIfTI file whose qform_code and sform_code are both 0: it records no orientation,
   * and ITK-Wasm then gives it the identity direction (i, j, k along LPS x, y, z).
   */
  readonly hasOrientation: boolean;
}

/**
 * Reads a NIfTI, MHA/MHD or NRRD volume with ITK-Wasm; see `readVolumeFileContents`.
 * @throws DeepspineError as `readVolumeFileContents` does.
 */
export async function readVolumeFile(path: string, logger?: Logger): Promise<Volume> {
  return (await readVolumeFileContents(path, logger)).volume;
}

/**
 * Reads a NIfTI, MHA/MHD or NRRD volume with ITK-Wasm. ITK stores geometry in LPS, which is the
 * frame of `Volume.affine`, so the affine is direction * diag(spacing) plus the origin. What
 * ITK-Wasm prints on a failed read goes to `logger` at debug level, never to the console.
 * @throws DeepspineError INPUT_NOT_FOUND when the path or the target of a link does not exist;
 * UNREADABLE_INPUT naming the file when ITK cannot read it or it is not 3-D scalar.
 */
export async function readVolumeFileContents(path: string, logger?: Logger): Promise<VolumeFileContents> {
  // ITK-Wasm mounts only the file's folder into the WebAssembly file system, so a symbolic link to
  // a file in another folder points outside the mount and cannot be opened. The real path can.
  let realPath: string;
  try {
    realPath = await realpath(path);
  } catch (error) {
    throw new DeepspineError('INPUT_NOT_FOUND', `volume file not found: ${path} (or a symbolic link on the way points to a missing file)`, {
      file: path,
      cause: error,
    });
  }
  if (realPath !== path) logger?.debug(`reading ${path} at its real path ${realPath}`);

  let hasOrientation = true;
  let nonFiniteVoxels: Uint32Array = new Uint32Array(0);
  if (/\.nii(\.gz)?$/i.test(realPath)) {
    const facts = await readNiftiFacts(path, realPath);
    hasOrientation = facts.codes.qformCode !== 0 || facts.codes.sformCode !== 0;
    nonFiniteVoxels = facts.nonFiniteVoxels;
  }

  let image: Image;
  const libraryOutput: string[] = [];
  // NOTE: @itk-wasm/image-io 1.6.1 sets process.exitCode from its WebAssembly module's exit status
  // (1 after a failed read, 0 after a success), so the caller's exit code is restored here.
  const exitCode = process.exitCode;
  try {
    const { readImageNode } = await loadImageIo();
    image = await withConsoleCaptured(libraryOutput, () => readImageNode(realPath));
  } catch (error) {
    logLibraryOutput(logger, `to read ${path}`, error, libraryOutput);
    const hint = logger === undefined ? '' : ' (--verbose logs the output of ITK-Wasm)';
    const gzipped = /\.nii$/i.test(realPath) && (await startsWithGzipMagic(realPath));
    const advice = gzipped ? 'the file is gzip-compressed but named .nii; rename it to .nii.gz' : 'check that the file is complete and not damaged';
    throw new DeepspineError('UNREADABLE_INPUT', `${path}: cannot read the volume as NIfTI, MHA/MHD or NRRD; ${advice}${hint}`, { file: path, cause: error });
  } finally {
    process.exitCode = exitCode;
  }

  if (image.imageType.dimension !== 3 || image.imageType.components !== 1) {
    throw new DeepspineError(
      'UNREADABLE_INPUT',
      `${path}: expected a 3-D scalar image, got dimension ${image.imageType.dimension} with ${image.imageType.components} components`,
      { file: path },
    );
  }

  const size = [image.size[0]!, image.size[1]!, image.size[2]!] as const;
  const d = Array.from(image.direction as ArrayLike<number>);
  const s = image.spacing;
  const o = image.origin;
  // ITK-Wasm stores the direction matrix row-major with the index axes as columns.
  const affine = [
    d[0]! * s[0]!, d[1]! * s[1]!, d[2]! * s[2]!, o[0]!,
    d[3]! * s[0]!, d[4]! * s[1]!, d[5]! * s[2]!, o[1]!,
    d[6]! * s[0]!, d[7]! * s[1]!, d[8]! * s[2]!, o[2]!,
    0, 0, 0, 1,
  ];
  const spacingProblem = [0, 1, 2].find((axis) => !(Number.isFinite(s[axis]) && s[axis]! > 0) || !d.slice(3 * axis, 3 * axis + 3).every(Number.isFinite));
  if (spacingProblem !== undefined || !affine.every(Number.isFinite) || Math.abs(det3(affine)) < 1e-12) {
    throw new DeepspineError(
      'UNREADABLE_INPUT',
      `${path}: the header gives an invalid voxel geometry (spacing ${[s[0], s[1], s[2]].join(' x ')} mm, or a zero or non-finite orientation); fix the header's pixel dimensions and orientation`,
      { file: path },
    );
  }
  const data = image.data as VoxelArray;
  // ITK-Wasm reads NaN and infinite NIfTI voxels as 0, so they are marked again from the file's bytes
  // (ITK keeps the file's voxel order) for the caller to find them.
  if (data instanceof Float32Array || data instanceof Float64Array) {
    for (const index of nonFiniteVoxels) data[index] = NaN;
  }
  return { volume: makeVolume(size, affine, data), hasOrientation };
}

/** Returns the determinant of the 3 x 3 block of a row-major 4 x 4 affine; zero means the axes are degenerate. */
function det3(m: readonly number[]): number {
  return m[0]! * (m[5]! * m[10]! - m[6]! * m[9]!) - m[1]! * (m[4]! * m[10]! - m[6]! * m[8]!) + m[2]! * (m[4]! * m[9]! - m[5]! * m[8]!);
}

/** Returns whether a file starts with the two bytes of a gzip stream. */
async function startsWithGzipMagic(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

const componentTypes = new Map<string, string>([
  ['Uint8Array', 'uint8'],
  ['Int8Array', 'int8'],
  ['Uint16Array', 'uint16'],
  ['Int16Array', 'int16'],
  ['Uint32Array', 'uint32'],
  ['Int32Array', 'int32'],
  ['Float32Array', 'float32'],
  ['Float64Array', 'float64'],
]);

/**
 * Writes a volume to any format ITK-Wasm writes by extension (.nii.gz for label maps). What
 * ITK-Wasm prints on a failed write goes to `logger` at debug level, never to the console.
 */
export async function writeVolumeFile(path: string, volume: Volume, logger?: Logger): Promise<void> {
  const [sx, sy, sz] = spacing(volume);
  const a = volume.affine;
  const direction = new Float64Array([
    a[0]! / sx, a[1]! / sy, a[2]! / sz,
    a[4]! / sx, a[5]! / sy, a[6]! / sz,
    a[8]! / sx, a[9]! / sy, a[10]! / sz,
  ]);
  const componentType = componentTypes.get(volume.data.constructor.name);
  if (componentType === undefined) throw new TypeError(`unsupported voxel array ${volume.data.constructor.name}`);
  const image = {
    imageType: { dimension: 3, componentType, pixelType: 'Scalar', components: 1 },
    name: 'image',
    origin: [a[3]!, a[7]!, a[11]!],
    spacing: [sx, sy, sz],
    direction,
    size: [...volume.size],
    metadata: new Map(),
    data: volume.data,
  } as unknown as Image;
  const libraryOutput: string[] = [];
  // The WebAssembly module sets process.exitCode here too (see readVolumeFile).
  const exitCode = process.exitCode;
  try {
    const { writeImageNode } = await loadImageIo();
    await withConsoleCaptured(libraryOutput, () => writeImageNode(image, path, { useCompression: true }));
  } catch (error) {
    logLibraryOutput(logger, `to write ${path}`, error, libraryOutput);
    // ITK-Wasm throws a bare number (a WebAssembly exception pointer) that means nothing to a user.
    const detail = typeof error === 'number' ? 'the image library failed; check that the folder is writable and the disk has space' : String(error);
    throw new DeepspineError('OUTPUT_FAILED', `${path}: writing the volume failed (${detail})`, { file: path, cause: error });
  } finally {
    process.exitCode = exitCode;
  }
}

/**
 * Checks that a NIfTI-1 or NIfTI-2 file contains all the voxel bytes its header declares, and
 * returns its qform_code and sform_code and the indices of its NaN and infinite voxels. ITK-Wasm
 * (@itk-wasm/image-io 1.6.1) reads a .nii or .nii.gz cut short without an error, so without this
 * check a truncated file would be analyzed with zeros in place of the missing voxels. It also reads
 * NaN and infinite voxels as 0, which only the file's bytes show.
 * @throws DeepspineError UNREADABLE_INPUT naming `path` when the file is truncated or its header is invalid.
 */
async function readNiftiFacts(path: string, realPath: string): Promise<{ codes: NiftiOrientationCodes; nonFiniteVoxels: Uint32Array }> {
  const raw = await readFile(realPath);
  let bytes: Buffer = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (error) {
      throw new DeepspineError('UNREADABLE_INPUT', `${path}: the gzip stream is truncated or damaged; copy the file again`, { file: path, cause: error });
    }
  }
  const expected = niftiExpectedBytes(bytes);
  const codes = niftiOrientationCodes(bytes);
  if (expected === null || codes === null) {
    const notGzip = bytes === raw && path.toLowerCase().endsWith('.gz') ? 'named .gz but not gzip-compressed, and ' : '';
    throw new DeepspineError('UNREADABLE_INPUT', `${path}: ${notGzip}not a NIfTI-1 or NIfTI-2 file (header size is neither 348 nor 540)`, { file: path });
  }
  if (bytes.length < expected) {
    throw new DeepspineError(
      'UNREADABLE_INPUT',
      `${path}: truncated NIfTI file, ${bytes.length} bytes of image data and header where the header declares ${expected}; copy the file again`,
      { file: path },
    );
  }
  return { codes, nonFiniteVoxels: niftiNonFiniteVoxels(bytes) };
}

/** The qform_code and sform_code of a NIfTI header, each 0 when its transform is absent. */
export interface NiftiOrientationCodes {
  readonly qformCode: number;
  readonly sformCode: number;
}

/**
 * Returns qform_code and sform_code of a NIfTI-1 header (int16 at bytes 252 and 254) or a
 * NIfTI-2 header (int32 at bytes 344 and 348), or null when the header is not NIfTI.
 */
export function niftiOrientationCodes(bytes: Buffer): NiftiOrientationCodes | null {
  const header = niftiHeaderKind(bytes);
  if (header === null) return null;
  const { version, littleEndian } = header;
  if (version === 1) {
    const int16 = (offset: number): number => (littleEndian ? bytes.readInt16LE(offset) : bytes.readInt16BE(offset));
    return { qformCode: int16(252), sformCode: int16(254) };
  }
  const int32 = (offset: number): number => (littleEndian ? bytes.readInt32LE(offset) : bytes.readInt32BE(offset));
  return { qformCode: int32(344), sformCode: int32(348) };
}

/** Returns the NIfTI version and byte order of a header, from its sizeof_hdr field, or null when the bytes are not a NIfTI header. */
function niftiHeaderKind(bytes: Buffer): { version: 1 | 2; littleEndian: boolean } | null {
  if (bytes.length < 348) return null;
  for (const littleEndian of [true, false]) {
    const headerSize = littleEndian ? bytes.readInt32LE(0) : bytes.readInt32BE(0);
    if (headerSize === 348) return { version: 1, littleEndian };
    if (headerSize === 540 && bytes.length >= 540) return { version: 2, littleEndian };
  }
  return null;
}

/** Returns header plus voxel bytes that a NIfTI-1 or NIfTI-2 header declares, or null when the header is not NIfTI. */
export function niftiExpectedBytes(bytes: Buffer): number | null {
  const header = niftiHeaderKind(bytes);
  if (header === null) return null;
  const { version, littleEndian } = header;
  if (version === 1) {
    const int16 = (offset: number): number => (littleEndian ? bytes.readInt16LE(offset) : bytes.readInt16BE(offset));
    const rank = int16(40);
    const bitsPerVoxel = int16(72);
    const voxelOffset = littleEndian ? bytes.readFloatLE(108) : bytes.readFloatBE(108);
    let voxels = 1;
    for (let axis = 1; axis <= Math.min(Math.max(rank, 1), 7); axis++) voxels *= Math.max(1, int16(40 + 2 * axis));
    return Math.max(Math.round(voxelOffset), 348) + (voxels * bitsPerVoxel) / 8;
  }
  const int64 = (offset: number): number => Number(littleEndian ? bytes.readBigInt64LE(offset) : bytes.readBigInt64BE(offset));
  const bitsPerVoxel = littleEndian ? bytes.readInt16LE(14) : bytes.readInt16BE(14);
  const rank = int64(16);
  const voxelOffset = int64(168);
  let voxels = 1;
  for (let axis = 1; axis <= Math.min(Math.max(rank, 1), 7); axis++) voxels *= Math.max(1, int64(16 + 8 * axis));
  return Math.max(voxelOffset, 540) + (voxels * bitsPerVoxel) / 8;
}

/** NIfTI datatype codes of the floating-point voxel types that can hold NaN and infinity, with their byte sizes. */
const niftiFloatTypes = new Map<number, 4 | 8>([
  [16, 4], // DT_FLOAT32
  [64, 8], // DT_FLOAT64
]);

/**
 * Returns the indices, in file order, of the NaN and infinite voxels of a complete, uncompressed
 * NIfTI-1 or NIfTI-2 file. Files of other voxel types, and bytes that are not NIfTI, give none.
 */
export function niftiNonFiniteVoxels(bytes: Buffer): Uint32Array {
  const header = niftiHeaderKind(bytes);
  const expected = niftiExpectedBytes(bytes);
  if (header === null || expected === null || bytes.length < expected) return new Uint32Array(0);
  const { version, littleEndian } = header;
  const datatypeOffset = version === 1 ? 70 : 12;
  const datatype = littleEndian ? bytes.readInt16LE(datatypeOffset) : bytes.readInt16BE(datatypeOffset);
  const voxelBytes = niftiFloatTypes.get(datatype);
  if (voxelBytes === undefined) return new Uint32Array(0);
  const voxelOffset =
    version === 1
      ? Math.max(Math.round(littleEndian ? bytes.readFloatLE(108) : bytes.readFloatBE(108)), 348)
      : Math.max(Number(littleEndian ? bytes.readBigInt64LE(168) : bytes.readBigInt64BE(168)), 540);
  const count = Math.floor((expected - voxelOffset) / voxelBytes);
  const read = (offset: number): number => {
    if (voxelBytes === 4) return littleEndian ? bytes.readFloatLE(offset) : bytes.readFloatBE(offset);
    return littleEndian ? bytes.readDoubleLE(offset) : bytes.readDoubleBE(offset);
  };
  const found: number[] = [];
  for (let index = 0; index < count; index++) {
    if (!Number.isFinite(read(voxelOffset + index * voxelBytes))) found.push(index);
  }
  return Uint32Array.from(found);
}
