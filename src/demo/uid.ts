import { hashInts, hashString } from './random.js';

/**
 * UIDs of the demo study. The root is `2.25.` followed by a 96-bit integer hashed from the seed and
 * the other phantom options, so the same options always give the same UIDs and different phantoms
 * do not share them. Further components below the root number the study, series and instances.
 * NOTE: PS3.5 B.2 defines `2.25.` UIDs as the decimal form of a whole UUID; a hashed 96-bit value
 * with sub-components is a syntactically valid UID but not a registered UUID form.
 */
export interface StudyUids {
  readonly root: string;
  readonly studyInstanceUid: string;
  readonly frameOfReferenceUid: string;
  seriesInstanceUid(seriesNumber: number): string;
  sopInstanceUid(seriesNumber: number, instanceNumber: number): string;
}

/** Implementation Class UID of files written by deepspine (fixed for all studies). */
export const implementationClassUid = `2.25.${decimalOf96Bits(hashString('deepspine implementation'))}`;

/** Builds the UIDs for a phantom from a canonical text of its options (including the seed). */
export function studyUids(optionsKey: string): StudyUids {
  const root = `2.25.${decimalOf96Bits(hashString(`deepspine demo ${optionsKey}`))}`;
  return {
    root,
    studyInstanceUid: `${root}.1`,
    frameOfReferenceUid: `${root}.2`,
    seriesInstanceUid: (seriesNumber) => `${root}.3.${seriesNumber}`,
    sopInstanceUid: (seriesNumber, instanceNumber) => `${root}.4.${seriesNumber}.${instanceNumber}`,
  };
}

/** Returns the decimal text of a 96-bit integer derived from `hash`, without leading zeros. */
function decimalOf96Bits(hash: number): string {
  const high = BigInt(hashInts(hash, 1));
  const middle = BigInt(hashInts(hash, 2));
  const low = BigInt(hashInts(hash, 3));
  // BigInt text has no leading zeros, as UID components require; at most 29 digits.
  return ((high << 64n) | (middle << 32n) | low).toString(10);
}
