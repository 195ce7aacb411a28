import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A parsed Part 10 file with dcmjs's naturalized attribute names, e.g. `ImagePositionPatient`. */
export interface NaturalFile {
  readonly meta: Record<string, unknown>;
  readonly dataset: Record<string, unknown>;
  /** Pixel values of a 16-bit unsigned image, row-major. */
  readonly pixels: Uint16Array;
}

interface DcmjsReader {
  readonly data: {
    readonly DicomMessage: { readFile(buffer: ArrayBuffer): { meta: Record<string, unknown>; dict: Record<string, unknown> } };
    readonly DicomMetaDictionary: { naturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown> };
  };
}

const dcmjs = createRequire(import.meta.url)('dcmjs') as DcmjsReader;

/** Parses one Part 10 file with dcmjs, independently of deepspine's own reader. */
export function readNatural(path: string): NaturalFile {
  const bytes = readFileSync(path);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const parsed = dcmjs.data.DicomMessage.readFile(buffer);
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.dict);
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.meta);
  const pixelData = dataset['PixelData'] as ArrayBuffer[] | undefined;
  return { meta, dataset, pixels: pixelData === undefined ? new Uint16Array(0) : new Uint16Array(pixelData[0]!) };
}

/** Parses every `.dcm` file of a series folder, in file-name order. */
export function readSeries(folder: string): NaturalFile[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.dcm'))
    .sort()
    .map((name) => readNatural(join(folder, name)));
}

/** Returns a numeric multi-valued attribute (DS or IS) as numbers. */
export function numbers(file: NaturalFile, keyword: string): number[] {
  const value = file.dataset[keyword];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => Number(item));
}

/** Returns a single-valued attribute as a number. */
export function numberOf(file: NaturalFile, keyword: string): number {
  const [first] = numbers(file, keyword);
  return first!;
}
