import { createRequire } from 'node:module';

/**
 * Typed access to the parts of dcmjs 0.52 that deepspine uses. dcmjs ships no type declarations, so
 * this module declares the small surface it calls and keeps the untyped import in one place.
 */

/** One data element as dcmjs returns it: the VR and its values, or the items of a sequence (VR SQ). */
export interface DicomElement {
  readonly vr?: string;
  readonly Value?: readonly unknown[];
}

/** A data set (or a sequence item) keyed by tag as eight upper-case hex digits, e.g. `0020000E`. */
export type DicomDataset = Readonly<Record<string, DicomElement | undefined>>;

/** A parsed DICOM Part 10 file: the file meta information (group 0002) and the main data set. */
export interface DicomPart10 {
  readonly meta: DicomDataset;
  readonly dataset: DicomDataset;
}

interface LoglevelLogger {
  setLevel(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'): void;
  getLogger(name: string): LoglevelLogger;
}

interface DcmjsModule {
  readonly data: {
    readonly DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string | null; includeUntilTagValue?: boolean }): {
        meta: DicomDataset;
        dict: DicomDataset;
      };
    };
  };
  readonly log: LoglevelLogger;
}

const require = createRequire(import.meta.url);
const dcmjs = require('dcmjs') as DcmjsModule;

// dcmjs reports recoverable problems (a value shorter than its declared length, an unknown character
// set) through its own console logger. deepspine checks for those cases itself and reports them as
// warnings, so only dcmjs errors stay on the console. The validation logger is silenced because it
// reports every implicit VR Pixel Data element as an error ("Invalid vr type ox") while reading it
// correctly as OW.
dcmjs.log.setLevel('error');
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

/** Offset of the `DICM` prefix in a Part 10 file, after the 128-byte preamble. */
export const part10PrefixOffset = 128;

/** Returns whether the bytes start with a Part 10 preamble and the `DICM` prefix. */
export function hasPart10Prefix(bytes: Uint8Array): boolean {
  return (
    bytes.length >= part10PrefixOffset + 4 &&
    bytes[part10PrefixOffset] === 0x44 &&
    bytes[part10PrefixOffset + 1] === 0x49 &&
    bytes[part10PrefixOffset + 2] === 0x43 &&
    bytes[part10PrefixOffset + 3] === 0x4d
  );
}

/**
 * Parses a DICOM Part 10 file. Pixel data stays encoded: native pixel data is one ArrayBuffer and
 * encapsulated pixel data is one ArrayBuffer per fragment (or per frame when the file has a basic
 * offset table).
 * @throws Error from dcmjs when the file is not Part 10 or ends inside an element header or item.
 */
export function parsePart10(bytes: Uint8Array): DicomPart10 {
  try {
    return readPart10(bytes);
  } catch (error) {
    // Some media pad files with zero bytes after the data set, which dcmjs reads as a broken element.
    const end = endWithoutZeroPadding(bytes);
    if (end === bytes.length) throw error;
    return readPart10(bytes.subarray(0, end));
  }
}

/** The tag of Pixel Data (7FE0,0010) as little-endian bytes. */
export const PIXEL_DATA_TAG = Uint8Array.of(0xe0, 0x7f, 0x10, 0x00);

/** The Sequence Delimitation Item (FFFE,E0DD) with length 0, as little-endian bytes, which closes encapsulated Pixel Data. */
export const SEQUENCE_DELIMITER = Uint8Array.of(0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0);

/** Returns the start of the last occurrence of `pattern` in `bytes` at or after `from`, or -1. */
export function lastIndexOf(bytes: Uint8Array, pattern: Uint8Array, from = 0): number {
  for (let start = bytes.length - pattern.length; start >= from; start--) {
    let index = 0;
    while (index < pattern.length && bytes[start + index] === pattern[index]) index++;
    if (index === pattern.length) return start;
  }
  return -1;
}

/**
 * Returns where the Pixel Data element ends when only zero bytes follow it, or the length of
 * `bytes` otherwise. The element is found from its tag (7FE0,0010) with an explicit VR of OB or OW
 * or an implicit VR, and encapsulated data ends after its sequence delimiter.
 */
function endWithoutZeroPadding(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = lastIndexOf(bytes, PIXEL_DATA_TAG);
  if (tag < 0 || tag + 12 > bytes.length) return bytes.length;
  const vr = String.fromCharCode(bytes[tag + 4]!, bytes[tag + 5]!);
  const explicit = vr === 'OB' || vr === 'OW';
  const length = explicit ? view.getUint32(tag + 8, true) : view.getUint32(tag + 4, true);
  let end = tag + (explicit ? 12 : 8) + length;
  if (length === 0xffffffff) {
    const delimiter = lastIndexOf(bytes, SEQUENCE_DELIMITER, tag + 8);
    end = delimiter < 0 ? -1 : delimiter + SEQUENCE_DELIMITER.length;
  }
  if (end < 0 || end >= bytes.length) return bytes.length;
  for (let index = end; index < bytes.length; index++) if (bytes[index] !== 0) return bytes.length;
  return end;
}

function readPart10(bytes: Uint8Array): DicomPart10 {
  // dcmjs reads from an ArrayBuffer, so a Buffer that is a view into a larger pool is copied out.
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const parsed = dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: false, untilTag: null, includeUntilTagValue: false });
  return { meta: parsed.meta, dataset: parsed.dict };
}
