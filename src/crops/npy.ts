import { readFile, writeFile } from 'node:fs/promises';

/**
 * Minimal reader and writer of NumPy `.npy` files (format version 1.0) for little-endian float32
 * arrays in C order, the only kind that crops use. `shape` lists the slowest axis first, as NumPy
 * does, so a crop stored i fastest with size [width, height, slices] has shape [slices, height, width].
 */
const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** Encodes a float32 array as the bytes of a `.npy` file. */
export function encodeNpyFloat32(data: Float32Array, shape: readonly number[]): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`npy shape (${shape.join(', ')}) has ${count} values, but the array has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Magic (6) + version (2) + header length (2) + header + newline is padded to a multiple of 64.
  const unpadded = magic.length + 4 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(magic.length + 4);
  magic.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(data.length * 4);
  for (let i = 0; i < data.length; i++) body.writeFloatLE(data[i]!, i * 4);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]);
}

export async function writeNpyFloat32(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  await writeFile(path, encodeNpyFloat32(data, shape));
}

/** A decoded `.npy` float32 array. */
export interface NpyArray {
  readonly shape: number[];
  readonly data: Float32Array;
}

/**
 * Decodes a `.npy` file of little-endian float32 in C order.
 * @throws RangeError when the bytes are not such a file.
 */
export function decodeNpyFloat32(bytes: Buffer): NpyArray {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(magic)) throw new RangeError('not a .npy file: magic string missing');
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.subarray(headerStart, headerStart + headerLength).toString('latin1');
  if (!/'descr':\s*'<f4'/.test(header)) throw new RangeError(`unsupported .npy dtype in header ${header.trim()}; expected '<f4'`);
  if (/'fortran_order':\s*True/.test(header)) throw new RangeError('unsupported .npy layout: Fortran order');
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch) throw new RangeError(`.npy header without a shape: ${header.trim()}`);
  const shape = shapeMatch[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  if (bytes.length - start !== count * 4) throw new RangeError(`.npy body has ${bytes.length - start} bytes, expected ${count * 4} for shape (${shape.join(', ')})`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(start + i * 4);
  return { shape, data };
}

export async function readNpyFloat32(path: string): Promise<NpyArray> {
  return decodeNpyFloat32(await readFile(path));
}
