import { makeVolume, type Volume } from '../geometry/volume.js';
import { fitPolynomial } from '../geometry/fit.js';
import { segmentationClasses } from '../segmentation/classes.js';
import type { SegmentationModel } from '../segmentation/model.js';
import { segmentSagittalVolume } from '../segmentation/segment.js';
import { findPlaneDiscs, type PlaneDisc, type PlaneDiscLimits, defaultPlaneDiscLimits } from './plane-discs.js';
import type { SliceImage } from './slices-folder.js';

/** Something that finds the discs on one 2-D sagittal slice. */
export interface SliceDiscFinder {
  /** Short name written into logs and summaries. */
  readonly name: string;
  /** Returns the discs found, cranial to caudal. */
  find(image: SliceImage): Promise<PlaneDisc[]>;
}

/** Largest antero-posterior offset in mm of a disc centre from the fitted spine curve. */
const maxCurveOffsetMm = 20;

/**
 * Drops discs that lie off the spinal column, such as bowel or vessels. The antero-posterior
 * position (LPS y) of the disc centres is fitted as a quadratic in their height (LPS z), a line
 * with three discs. The disc farthest from the fit is dropped while it is more than 20 mm away,
 * and the fit is repeated. With fewer than three discs nothing is dropped.
 */
export function dropOffChain<T extends Pick<PlaneDisc, 'center'>>(discs: readonly T[]): T[] {
  let kept = [...discs];
  while (kept.length >= 3) {
    const coefficients = fitPolynomial(kept.map((d) => d.center[2]), kept.map((d) => d.center[1]), kept.length >= 4 ? 2 : 1);
    let worst = -1;
    let worstOffset = maxCurveOffsetMm;
    kept.forEach((disc, index) => {
      const z = disc.center[2];
      const fitted = coefficients.reduce((sum, c, power) => sum + c * z ** power, 0);
      const offset = Math.abs(disc.center[1] - fitted);
      if (offset > worstOffset) {
        worst = index;
        worstOffset = offset;
      }
    });
    if (worst < 0) break;
    kept = kept.filter((_, index) => index !== worst);
  }
  return kept;
}

/**
 * Finds discs with the deepspine segmentation network: the slice is segmented as a one-plane
 * sagittal series and the disc components are described in-plane, then filtered to the spinal chain.
 */
export function segmentationDiscFinder(model: SegmentationModel, limits: PlaneDiscLimits = defaultPlaneDiscLimits): SliceDiscFinder {
  return {
    name: 'segmentation',
    async find(image: SliceImage): Promise<PlaneDisc[]> {
      const segmentation = await segmentSagittalVolume(image.volume, model);
      const labels: Volume = makeVolume(image.volume.size, image.volume.affine, segmentation.labels.data);
      return dropOffChain(findPlaneDiscs(labels, segmentationClasses.disc, segmentation.discProbability, limits));
    },
  };
}
