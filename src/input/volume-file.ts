import type { Image } from 'itk-wasm';
import { DeepspineError } from '../errors.js';
import { makeVolume, spacing, type Volume, type VoxelArray } from '../geometry/volume.js';

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

/**
 * Reads a NIfTI, MHA/MHD or NRRD volume with ITK-Wasm. ITK stores geometry in LPS, which is the
 * frame of `Volume.affine`, so the affine is direction * diag(spacing) plus the origin.
 * @throws DeepspineError UNREADABLE_INPUT naming the file when ITK cannot read it or it is not 3-D scalar.
 */
export async function readVolumeFile(path: string): Promise<Volume> {
  let image: Image;
  // NOTE: @itk-wasm/image-io 1.6.1 sets process.exitCode from its WebAssembly module's exit status
  // (1 after a failed read, 0 after a success), so the caller's exit code is restored here.
  const exitCode = process.exitCode;
  try {
    const { readImageNode } = await loadImageIo();
    image = await readImageNode(path);
  } catch (error) {
    throw new DeepspineError('UNREADABLE_INPUT', `${path}: cannot read the volume (${String(error)}); check that the file is complete`, {
      file: path,
      cause: error,
    });
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
  return makeVolume(size, affine, image.data as VoxelArray);
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

/** Writes a volume to any format ITK-Wasm writes by extension (.nii.gz for label maps). */
export async function writeVolumeFile(path: string, volume: Volume): Promise<void> {
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
  // The WebAssembly module sets process.exitCode here too (see readVolumeFile).
  const exitCode = process.exitCode;
  try {
    const { writeImageNode } = await loadImageIo();
    await writeImageNode(image, path, { useCompression: true });
  } catch (error) {
    throw new DeepspineError('OUTPUT_FAILED', `${path}: writing the volume failed (${String(error)})`, { file: path, cause: error });
  } finally {
    process.exitCode = exitCode;
  }
}
