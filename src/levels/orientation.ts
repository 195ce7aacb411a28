import type { Warning } from '../errors.js';
import type { Structure } from './structures.js';

/** Segmented discs that the chain needs before its bend is read: two pairs of neighbours. */
export const minOrientationDiscs = 3;

/**
 * The lordosis bends most at its lower end: the lumbosacral disc meets L4-L5 at a wider angle than
 * any two neighbouring discs above, and neighbouring thoracic discs are nearly parallel. The angle
 * between the two highest segmented discs minus that between the two lowest was -8 to -26 degrees
 * on the 17 labelled volumes (-3.4 on a view without the sacrum), and +8 to +25 with the header
 * flipped head to feet. Above this many degrees the chain is taken to be upside down. Angles
 * between discs do not change when the whole image is rotated.
 * NOTE: a limit set between those groups. Disc sizes were tried first and dropped, because the
 * segmented L4-L5 and L5-S1 discs are often smaller than the discs above them, so a view that
 * starts at L1 looked upside down by size. On vb2-04 cut above its sacrum, the check raised the
 * warning with a correct header.
 */
export const maxTopWedgeExcessDegrees = 5;

/**
 * In a lumbar lordosis the disc planes turn to face forwards going down: the cranial normal of
 * the lowest disc points farther to the front (towards -y, LPS) than that of the highest. The
 * y component of the lowest disc's normal minus that of the highest was -0.49 to -0.93 on the
 * same volumes (-0.07 on a view without the sacrum), and +0.33 to +0.60 with the header flipped
 * front to back, where names were shifted by up to two levels at 0.8 to 0.9. Above this value the
 * curve is taken to bend the wrong way.
 */
export const maxLordosisTurn = 0.15;

/**
 * A supine spine runs close to the head-to-feet axis: the line from the highest to the lowest
 * segmented disc lay 1 to 11 degrees from it on the 17 labelled volumes, sct-t2-lumbar, the DICOM
 * studies and the demo, and up to 18 degrees on cuts of them. The network was trained with
 * rotations of up to 15 degrees. With the header rotated by 25 or 40 degrees about the left-right
 * axis, the line lay 14 to 51 degrees from the axis, and at 40 degrees three volumes were named one
 * level off at about 0.6. Above this many degrees the header is taken to be rotated.
 */
export const maxSpineTiltDegrees = 25;

/** Anchor confidence when the chain looks upside down or back to front in patient coordinates. */
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
 * Reads the orientation of the spine from the chain of discs, ordered cranial to caudal in the
 * header's patient coordinates. A header that swaps head and feet or front and back gives the
 * network an upside-down or mirrored image, and level naming then counts from the wrong end or
 * from discs in the wrong place. Three facts of the anatomy show it: the lordosis bends forwards,
 * and most at its lower end, and a supine spine runs close to the head-to-feet axis. Discs without
 * a volume of their own (added faint discs) are left out.
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
