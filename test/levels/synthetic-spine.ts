import { makeVolume, type Volume } from '../../src/geometry/volume.js';
import type { Segmentation } from '../../src/segmentation/segment.js';

export interface SyntheticSpineOptions {
  /** Disc heights in mm, cranial to caudal. */
  discHeights: number[];
  /** Antero-posterior depth in mm of discs and bodies. */
  depth?: number;
  /** Height in mm of each vertebral body. */
  bodyHeight?: number;
  /** Height in mm of the sacral body under the lowest disc (default bodyHeight). */
  sacrumHeight?: number;
  /** Field of view in mm below the sacrum's top row; the grid adds 10 mm more. */
  marginBelow?: number;
  /** Indices of discs to leave out of the label map (simulating a missed disc). */
  omit?: number[];
  /** Tilt of the whole spine about the left-right axis, degrees (default 20): a lumbosacral disc is tilted about 20-40, and a spine that leans more than 25 reads as a rotated header. */
  tiltDegrees?: number;
  /** Indices of discs drawn as vertebral body, as when the network misses a disc and merges the bodies around it. */
  fused?: number[];
  /** Indices of discs left out of the label map but kept in the disc probability at 0.5, as a faint band. */
  faint?: number[];
  /**
   * A rudimentary S1-S2 disc: a 4 mm band of disc probability 0.5, not labelled, under a sacral body
   * 20 mm high, and with `s2Body` an S2 body 15 mm high under the band.
   */
  sacralDisc?: { s2Body: boolean };
  /** Left-right extent of the grid in 1 mm slices (default 30); structures leave 5 mm free on each side. */
  lateralSlices?: number;
  /** Indices of discs drawn as two halves, 7 mm wide each, at the left and right ends of the structures. */
  splitDisc?: number[];
}

/**
 * Builds a straight spine on a 1 mm sagittal grid (columns posterior, rows inferior, slices left):
 * box-shaped bodies and discs stacked along -z, with probabilities 1 inside each structure.
 * Returns the segmentation and the disc centres' z positions (LPS mm), cranial first.
 * The whole spine is tilted about the left-right axis so the lowest disc looks lumbosacral.
 */
export function syntheticSpine(options: SyntheticSpineOptions): { segmentation: Segmentation; discZ: number[] } {
  const depth = options.depth ?? 40;
  const bodyHeight = options.bodyHeight ?? 25;
  const marginBelow = options.marginBelow ?? 60;
  const discCount = options.discHeights.length;
  const spineLength = 20 + discCount * bodyHeight + options.discHeights.reduce((s, h) => s + h, 0) + marginBelow;
  const nx = 100;
  const ny = Math.ceil(spineLength);
  const nz = options.lateralSlices ?? 30;
  // Affine: i -> +y (posterior), j -> -z (inferior), k -> +x (left), then rotated about x by the tilt.
  const angle = ((options.tiltDegrees ?? 20) * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const affine = [0, 0, 1, -15, cos, sin, 0, -50, sin, -cos, 0, 0, 0, 0, 0, 1];
  const labels = new Uint8Array(nx * ny * nz);
  const vertebra = new Float32Array(nx * ny * nz);
  const disc = new Float32Array(nx * ny * nz);
  const fill = (rowStart: number, rowEnd: number, label: 1 | 2, probability = 1, slices: [number, number] = [5, nz - 5]) => {
    for (let k = slices[0]; k < slices[1]; k++) {
      for (let j = Math.round(rowStart); j < Math.round(rowEnd); j++) {
        for (let i = 30; i < 30 + depth; i++) {
          const index = i + nx * (j + ny * k);
          (label === 1 ? vertebra : disc)[index] = probability;
          if (probability > 0.5) labels[index] = label;
        }
      }
    }
  };
  const discZ: number[] = [];
  let row = 10;
  for (let d = 0; d < discCount; d++) {
    fill(row, row + bodyHeight, 1);
    row += bodyHeight;
    const height = options.discHeights[d]!;
    if ((options.faint ?? []).includes(d)) fill(row, row + height, 2, 0.5);
    else if ((options.fused ?? []).includes(d)) fill(row, row + height, 1);
    else if ((options.splitDisc ?? []).includes(d)) {
      fill(row, row + height, 2, 1, [5, 12]);
      fill(row, row + height, 2, 1, [nz - 12, nz - 5]);
    } else if (!(options.omit ?? []).includes(d)) fill(row, row + height, 2);
    discZ.push(sin * (30 + (depth - 1) / 2) - cos * (row + (height - 1) / 2));
    row += height;
  }
  // The sacrum: one more body below the lowest disc, inside the margin.
  if (options.sacralDisc === undefined) {
    fill(row, Math.min(row + (options.sacrumHeight ?? bodyHeight), ny - 1), 1);
  } else {
    fill(row, row + 20, 1);
    fill(row + 20, row + 24, 2, 0.5);
    if (options.sacralDisc.s2Body) fill(row + 24, Math.min(row + 39, ny - 1), 1);
  }
  const volume = <T extends Uint8Array | Float32Array>(data: T): Volume<T> => makeVolume([nx, ny, nz], affine, data);
  return {
    segmentation: { labels: volume(labels), vertebraProbability: volume(vertebra), discProbability: volume(disc), window: { low: 0, high: 1 } },
    discZ,
  };
}
