import type { Warning } from '../errors.js';
import type { Structure } from './structures.js';

/** Segmented discs that the chain needs before its bend is read: two pairs of neighbours. */
export const minOrientationDiscs = 3;

/**
 * Limit on the angle between the two highest segmented discs minus that between the two lowest.
 * The lordosis bends most at the lumbosacral disc, and neighbouring thoracic discs are nearly
 * parallel. On the 17 labelled volumes this difference was -8 to -26 degrees (-3.4 on a view
 * without the sacrum). With the header flipped head to feet it was +8 to +25. Angles between discs
 * do not change when the whole image is rotated.
 * NOTE: set between those groups. On vb2-04 cut above its sacrum, whose two highest discs meet at
 * 11 degrees, it raised the warning with a correct header.
 */
export const maxTopWedgeExcessDegrees = 5;

/**
 * Limit on the y component (LPS) of the lowest disc's cranial normal minus that of the highest.
 * In a lordosis the disc planes turn to face forwards going down, so the difference is negative:
 * -0.49 to -0.93 on the same volumes, -0.07 on a view without the sacrum. With the header flipped
 * front to back it was +0.33 to +0.60, and names were up to two levels off at 0.8 to 0.9.
 */
export const maxLordosisTurn = 0.15;

/**
 * Limit on the angle between the head-to-feet axis and the line from the highest to the lowest
 * segmented disc. A supine spine runs close to that axis: 1 to 11 degrees on the labelled volumes,
 * the DICOM studies and the demo, and up to 18 degrees on cuts of them. The network was trained
 * with rotations of up to 15 degrees. With the header rotated by 40 degrees the line lay 29 to 51
 * degrees off, and three volumes were named one level off at about 0.6.
 */
export const maxSpineTiltDegrees = 25;

/** Anchor confidence when the chain looks upside down, mirrored or rotated in patient coordinates. */
export const orientationAnchorConfidence = 0.2;

export interface OrientationCheck {
  /** Angle in degrees between the two highest segmented discs minus that between the two lowest; null when not measured. */
  readonly topWedgeExcessDegrees: number | null;
  /** Normal y of the lowest disc minus that of the highest (cranial normals, LPS); null when not measured. */
  readonly lordosisTurn: number | null;
  /** Angle in degrees between the head-to-feet axis and the line from the highest to the lowest disc; null when not measured. */
  readonly spineTiltDegrees: number | null;
  readonly warnings: Warning[];
}

/**
 * Checks the orientation of the spine from the chain of discs, ordered cranial to caudal in the
 * header's patient coordinates. A header that swaps or rotates the patient axes shows the network
 * the spine upside down, mirrored or leaning, and level naming can then count from the wrong end.
 * Three facts show it: the lordosis bends forwards, most at its lower end, and a supine spine runs
 * close to the head-to-feet axis. Added faint discs, which have no volume of their own, are left out.
 */
export function checkOrientation(chain: readonly Structure[]): OrientationCheck {
  const discs = chain.filter((disc) => disc.volumeMm3 > 0);
  if (discs.length < minOrientationDiscs) return { topWedgeExcessDegrees: null, lordosisTurn: null, spineTiltDegrees: null, warnings: [] };
  const reasons: string[] = [];

  const n = discs.length;
  const topWedgeExcessDegrees = angleDegrees(discs[0]!, discs[1]!) - angleDegrees(discs[n - 2]!, discs[n - 1]!);
  if (topWedgeExcessDegrees > maxTopWedgeExcessDegrees) {
    reasons.push(
      `the two highest discs meet at ${topWedgeExcessDegrees.toFixed(0)} degrees more than the two lowest, while a lordosis bends most at the lumbosacral disc (head and feet swapped?)`,
    );
  }

  const lordosisTurn = cranialNormalY(discs[n - 1]!) - cranialNormalY(discs[0]!);
  if (lordosisTurn > maxLordosisTurn) {
    reasons.push(`the disc planes turn to face backwards going down (${lordosisTurn.toFixed(2)}), the opposite of a lumbar lordosis (front and back swapped?)`);
  }
  const spineTiltDegrees = tiltFromHeadToFeetDegrees(discs[0]!, discs[n - 1]!);
  if (spineTiltDegrees > maxSpineTiltDegrees) {
    reasons.push(`the spine runs ${spineTiltDegrees.toFixed(0)} degrees from the head-to-feet axis, more than a supine spine does (header rotated?)`);
  }
  const warnings: Warning[] =
    reasons.length === 0 ? [] : [{ code: 'ORIENTATION_SUSPECTED', message: `${reasons.join('; ')}; the header's orientation may be wrong, so the names may be wrong too` }];
  return { topWedgeExcessDegrees, lordosisTurn, spineTiltDegrees, warnings };
}

/** Angle in degrees between the planes of two discs. */
function angleDegrees(a: Structure, b: Structure): number {
  const cosine = Math.abs(a.thinAxis[0] * b.thinAxis[0] + a.thinAxis[1] * b.thinAxis[1] + a.thinAxis[2] * b.thinAxis[2]);
  return (Math.acos(Math.min(1, cosine)) * 180) / Math.PI;
}

/** Angle in degrees between the line through two disc centres and the head-to-feet (z) axis. */
function tiltFromHeadToFeetDegrees(a: Structure, b: Structure): number {
  const offset = [a.center[0] - b.center[0], a.center[1] - b.center[1], a.center[2] - b.center[2]];
  const length = Math.hypot(...offset);
  return length === 0 ? 0 : (Math.acos(Math.min(1, Math.abs(offset[2]!) / length)) * 180) / Math.PI;
}

/** Front-to-back component (y, LPS) of a disc's plane normal, taken to point cranially. */
function cranialNormalY(disc: Structure): number {
  return disc.thinAxis[2] < 0 ? -disc.thinAxis[1] : disc.thinAxis[1];
}
