import type { Warning } from '../errors.js';
import type { Structure } from './structures.js';

/**
 * Discs of the chain, with a segmented volume, needed before the chain's shape is read for its
 * orientation. Fewer discs give too few pairs for the size trend to mean much.
 */
export const minOrientationDiscs = 4;

/**
 * Lumbar discs get larger towards the sacrum, and thoracic ones above them are smaller still. Of
 * the pairs of discs in the chain, the fraction whose lower disc is the larger was 0.61 to 0.87 on
 * the 17 labelled volumes, the 3 DICOM studies and the demo phantom. With the header flipped head
 * to feet it was 0.07 to 0.40, and every name ran the wrong way. Below this fraction the chain is
 * taken to be upside down.
 * NOTE: a limit set between those two groups. Severely narrowed lower discs in an elderly spine
 * lower the fraction, and were not in that data.
 */
export const minCaudalGrowthFraction = 0.5;

/**
 * In a lumbar lordosis the disc planes turn to face forwards going down: the cranial normal of
 * the lowest disc points farther to the front (towards -y, LPS) than that of the highest. The
 * y component of the lowest disc's normal minus that of the highest was -0.35 to -0.93 on the
 * same data (-0.07 on a short view without the sacrum), and +0.33 to +0.60 with the header flipped
 * front to back, where names were shifted by up to two levels at 0.8 to 0.9. Above this value the
 * curve is taken to bend the wrong way.
 */
export const maxLordosisTurn = 0.15;

/** Anchor confidence when the chain looks upside down or back to front in patient coordinates. */
export const orientationAnchorConfidence = 0.2;

export interface OrientationCheck {
  /** Fraction of disc pairs whose lower disc has the larger volume; null when not measured. */
  readonly caudalGrowthFraction: number | null;
  /** Normal y of the lowest disc minus that of the highest (cranial normals, LPS); null when not measured. */
  readonly lordosisTurn: number | null;
  readonly warnings: Warning[];
}

/**
 * Reads the orientation of the spine from the chain of discs, ordered cranial to caudal in the
 * header's patient coordinates. A header that swaps head and feet or front and back gives the
 * network an upside-down or mirrored image, and level naming then counts from the wrong end or
 * from discs in the wrong place. Two facts of the anatomy show it: discs grow towards the sacrum,
 * and the lordosis bends forwards. Discs without a volume of their own (added faint discs) are
 * left out.
 */
export function checkOrientation(chain: readonly Structure[]): OrientationCheck {
  const discs = chain.filter((disc) => disc.volumeMm3 > 0);
  if (discs.length < minOrientationDiscs) return { caudalGrowthFraction: null, lordosisTurn: null, warnings: [] };
  const reasons: string[] = [];

  let growing = 0;
  let shrinking = 0;
  for (let upper = 0; upper < discs.length; upper++) {
    for (let lower = upper + 1; lower < discs.length; lower++) {
      if (discs[lower]!.volumeMm3 > discs[upper]!.volumeMm3) growing++;
      else if (discs[lower]!.volumeMm3 < discs[upper]!.volumeMm3) shrinking++;
    }
  }
  const caudalGrowthFraction = growing + shrinking === 0 ? null : growing / (growing + shrinking);
  if (caudalGrowthFraction !== null && caudalGrowthFraction < minCaudalGrowthFraction) {
    reasons.push(`the lower disc is the larger in only ${(caudalGrowthFraction * 100).toFixed(0)} % of the disc pairs, while lumbar discs grow towards the sacrum (head and feet swapped?)`);
  }

  const lordosisTurn = cranialNormalY(discs[discs.length - 1]!) - cranialNormalY(discs[0]!);
  if (lordosisTurn > maxLordosisTurn) {
    reasons.push(`the disc planes turn to face backwards going down (${lordosisTurn.toFixed(2)}), the opposite of a lumbar lordosis (front and back swapped?)`);
  }
  const warnings: Warning[] =
    reasons.length === 0 ? [] : [{ code: 'ORIENTATION_SUSPECTED', message: `${reasons.join('; ')}; the header's orientation may be wrong, so the names may be wrong too` }];
  return { caudalGrowthFraction, lordosisTurn, warnings };
}

/** Front-to-back component (y, LPS) of a disc's plane normal, taken to point cranially. */
function cranialNormalY(disc: Structure): number {
  return disc.thinAxis[2] < 0 ? -disc.thinAxis[1] : disc.thinAxis[1];
}
