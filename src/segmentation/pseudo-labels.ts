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
  /** Voxels whose vertebral body channel was made unknown below the lowest labelled body (see unknownBelowLowestBody). */
  readonly unknownBelow: number;
}

/**
 * Derives labels for the class a case does not annotate from the one it does: on each sagittal
 * plane and image column, the space between two neighbouring labelled bodies is disc, and between
 * two neighbouring labelled discs is vertebral body. The filled class counts as known only between
 * the lowest row of the top structure and the highest row of the bottom structure, so unlabelled
 * structures above and below the annotated run are never taught as background.
 *
 * When bodies are the annotated class, the body channel is also made unknown below the lowest
 * labelled body (unknownBelowLowestBody).
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
  if (source === null) return { labels: out, known, filled: 0, unknownBelow: 0 };
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
  if (ids.length < 2) return { labels: out, known, filled: 0, unknownBelow: 0 };
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
  const unknownBelow = source === segmentationClasses.vertebralBody ? unknownBelowLowestBody(instances, known, ids[ids.length - 1]!) : 0;
  return { labels: out, known, filled, unknownBelow };
}

/** VerSe instance id of the sacrum, the one body under which no other body follows. */
const sacrumId = 26;

/**
 * Marks the vertebral body channel unknown where the body below the lowest labelled body lies,
 * when that body is not the sacrum. A case that labels the bodies T11 to L5 leaves S1 unlabelled,
 * not absent, and other cases label S1 as a body, so counting it as background taught the network
 * both ways. The region is taken per sagittal plane and image column. It starts under the body's
 * lowest row in that column, or under its lowest row anywhere where the column misses it, and
 * reaches `belowHeights` body heights down. Its columns are the body's, widened on each side by
 * `sideDepths` times the body's depth, so the tilted S1 is covered. The rest stays known
 * background.
 * Returns the number of voxels made unknown.
 */
export function unknownBelowLowestBody(instances: Volume, known: Uint8Array, lowestId: number, belowHeights = 1.5, sideDepths = 0.5): number {
  if (lowestId >= sacrumId) return 0;
  const [nx, ny, nz] = instances.size;
  let top = ny;
  let bottom = -1;
  let front = nx;
  let back = -1;
  for (let index = 0; index < known.length; index++) {
    if (instances.data[index] !== lowestId) continue;
    const i = index % nx;
    const j = Math.floor(index / nx) % ny;
    top = Math.min(top, j);
    bottom = Math.max(bottom, j);
    front = Math.min(front, i);
    back = Math.max(back, i);
  }
  if (bottom < 0) return 0;

  const depth = back - front + 1;
  const reach = Math.round(belowHeights * (bottom - top + 1));
  const firstColumn = Math.max(0, front - Math.round(sideDepths * depth));
  const lastColumn = Math.min(nx - 1, back + Math.round(sideDepths * depth));
  const bodyBit = 1 << (segmentationClasses.vertebralBody - 1);

  let cleared = 0;
  for (let k = 0; k < nz; k++) {
    for (let i = firstColumn; i <= lastColumn; i++) {
      let columnBottom = -1;
      for (let j = 0; j < ny; j++) if (instances.data[i + nx * (j + ny * k)] === lowestId) columnBottom = j;
      const start = (columnBottom < 0 ? bottom : columnBottom) + 1;
      for (let j = start; j < Math.min(ny, start + reach); j++) {
        const index = i + nx * (j + ny * k);
        if ((known[index]! & bodyBit) === 0) continue;
        known[index]! &= ~bodyBit;
        cleared++;
      }
    }
  }
  return cleared;
}
