/**
 * The transfer syntaxes that deepspine reads. Native syntaxes are parsed by dcmjs; the compressed ones
 * are decoded frame by frame with the codecs of dcmjs-codecs (RLE, libjpeg, CharLS, OpenJPEG, OpenJPH).
 */

/** Decoder family for the pixel data of a transfer syntax. */
export type PixelEncoding = 'native' | 'rle' | 'jpeg' | 'jpeg-ls' | 'jpeg-2000' | 'ht-jpeg-2000';

export interface TransferSyntaxInfo {
  readonly uid: string;
  readonly name: string;
  readonly encoding: PixelEncoding;
  /** True for syntaxes whose decoded values may differ from the acquired ones. */
  readonly lossy: boolean;
}

const supported: readonly TransferSyntaxInfo[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', encoding: 'native', lossy: false },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', encoding: 'native', lossy: false },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', encoding: 'native', lossy: false },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', encoding: 'rle', lossy: false },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', encoding: 'jpeg', lossy: true },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', encoding: 'jpeg', lossy: true },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless (Process 14)', encoding: 'jpeg', lossy: false },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless (Process 14, Selection Value 1)', encoding: 'jpeg', lossy: false },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', encoding: 'jpeg-ls', lossy: false },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', encoding: 'jpeg-ls', lossy: true },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', encoding: 'jpeg-2000', lossy: false },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', encoding: 'jpeg-2000', lossy: true },
  { uid: '1.2.840.10008.1.2.4.201', name: 'HTJ2K Lossless', encoding: 'ht-jpeg-2000', lossy: false },
  { uid: '1.2.840.10008.1.2.4.202', name: 'HTJ2K Lossless RPCL', encoding: 'ht-jpeg-2000', lossy: false },
  { uid: '1.2.840.10008.1.2.4.203', name: 'HTJ2K', encoding: 'ht-jpeg-2000', lossy: true },
];

const byUid = new Map(supported.map((info) => [info.uid, info]));

/** Names of syntaxes that are recognised but not read, for clearer skip reasons. */
const unsupportedNames = new Map([
  ['1.2.840.10008.1.2.2', 'Explicit VR Big Endian (retired)'],
  ['1.2.840.10008.1.2.4.100', 'MPEG2 video'],
  ['1.2.840.10008.1.2.4.102', 'MPEG-4 video'],
  ['1.2.840.10008.1.2.4.110', 'JPEG XL Lossless'],
  ['1.2.840.10008.1.2.4.112', 'JPEG XL'],
]);

/** Returns the syntax's description, or undefined when deepspine cannot read it. */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return byUid.get(uid);
}

/** Returns a readable name for any transfer syntax UID, for messages and the series list. */
export function transferSyntaxName(uid: string): string {
  return byUid.get(uid)?.name ?? unsupportedNames.get(uid) ?? `transfer syntax ${uid}`;
}

export const supportedTransferSyntaxes: readonly TransferSyntaxInfo[] = supported;
