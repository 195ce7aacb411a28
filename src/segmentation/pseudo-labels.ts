import type { Volume } from '../geometry/volume.js';
import { segmentationClasses } from './classes.js';

/** Largest gap in mm between neighbouring structures that is filled with the other class. */
const maxGapMm = { disc: 25, vertebralBody: 45 } as const;

export interface PseudoLabelResult {
  /** Labels with the filled class added where they were 0. */
  readonly labels: Uint8Array;
  /** Per voxel: bit 0 set where the vertebral body channel is known, bit 1 where the disc channel is. */
  readonly known: Uint8Array;
  /** Voxels filled with the pseudo-labelled class. */
  readonly filled: number;
}

/**
 * Derives labels for the class a case does not annotate from the one it does: on each sagittal
 * plane and image column, the space between two neighbouring labelled bodies is disc, and between
 * two neighbouring labelled discs is vertebral body. The filled class counts as known only between
 * the lowest row of the top structure and the highest row of the bottom structure, so unlabelled
 * structures above and below the annotated run are never taught as background.
 *
 * `instances` and `labels` must be in the sagittal layout (i posterior, j inferior, k lateral).
 * Neighbours are instance ids that differ by one, as in VerSe numbering.
 */
export function pseudoLabel(labels: Volume, instances: Volume, annotated: number[], rowSpacingMm: number): PseudoLabelResult {
  const [nx, ny, nz] = labels.size;
  const out = Uint8Array.from(labels.data as ArrayLike<number>);
  const known = new Uint8Array(out.length);
  const annotatedBits = annotated.reduce((bits, c) => bits | (1 << (c - 1)), 0);
  known.fill(annotatedBits);
  const source = annotated.length === 1 ? annotated[0]! : null;
  if (source === null) return { labels: out, known, filled: 0 };
  const target = source === segmentationClasses.vertebralBody ? segmentationClasses.disc : segmentationClasses.vertebralBody;
  const maxGap = Math.round((target === segmentationClasses.disc ? maxGapMm.disc : maxGapMm.vertebralBody) / rowSpacingMm);

  // Instance ids of the annotated class, and each one's row range over the whole volume.
  const rowRange = new Map<number, [number, number]>();
  for (let index = 0; index < out.length; index++) {
    const id = instances.data[index]!;
    if (id === 0 || labels.data[index] !== source) continue;
    const j = Math.floor(index / nx) % ny;
    const range = rowRange.get(id);
    if (range === undefined) rowRange.set(id, [j, j]);
    else {
      range[0] = Math.min(range[0], j);
      range[1] = Math.max(range[1], j);
    }
  }
  const ids = [...rowRange.keys()].sort((a, b) => rowRange.get(a)![0] - rowRange.get(b)![0]);
  if (ids.length < 2) return { labels: out, known, filled: 0 };
  const bandTop = rowRange.get(ids[0]!)![1];
  const bandBottom = rowRange.get(ids[ids.length - 1]!)![0];

  let filled = 0;
  const pairs = ids.slice(1).map((id, index) => [ids[index]!, id] as const).filter(([a, b]) => Math.abs(a - b) === 1);
  for (let k = 0; k < nz; k++) {
    for (let i = 0; i < nx; i++) {
      for (const [upper, lower] of pairs) {
        let upperBottom = -1;
        let lowerTop = -1;
        for (let j = 0; j < ny; j++) {
          const id = instances.data[i + nx * (j + ny * k)]!;
          if (id === upper) upperBottom = j;
          if (id === lower && lowerTop < 0) lowerTop = j;
        }
        if (upperBottom < 0 || lowerTop < 0 || lowerTop <= upperBottom + 1 || lowerTop - upperBottom - 1 > maxGap) continue;
        for (let j = upperBottom + 1; j < lowerTop; j++) {
          const index = i + nx * (j + ny * k);
          if (out[index] === 0) {
            out[index] = target;
            filled++;
          }
        }
      }
    }
  }
  const targetBit = 1 << (target - 1);
  for (let k = 0; k < nz; k++) {
    for (let j = bandTop + 1; j < bandBottom; j++) {
      const offset = nx * (j + ny * k);
      for (let i = 0; i < nx; i++) known[offset + i]! |= targetBit;
    }
  }
  return { labels: out, known, filled };
}
