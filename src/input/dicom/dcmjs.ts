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
  // dcmjs reads from an ArrayBuffer, so a Buffer that is a view into a larger pool is copied out.
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const parsed = dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: false, untilTag: null, includeUntilTagValue: false });
  return { meta: parsed.meta, dataset: parsed.dict };
}
