import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { PlaneDisc } from '../../src/grading/plane-discs.js';
import type { SliceDiscFinder } from '../../src/grading/slice-discs.js';
import type { SliceImage } from '../../src/grading/slices-folder.js';
import { findPlaneDiscs } from '../../src/grading/plane-discs.js';
import { makeVolume } from '../../src/geometry/volume.js';

/** Size of the synthetic slices: 200 x 300 px at 0.8 mm. */
export const sliceWidth = 200;
export const sliceHeight = 300;

/**
 * Draws a synthetic sagittal slice: dark background with bright flat ellipses ("discs") centred on
 * column 90, 40 px apart, the given number counted from the bottom.
 */
export function drawSlice(discs: number): Uint8Array {
  const pixels = new Uint8Array(sliceWidth * sliceHeight).fill(30);
  for (let d = 0; d < discs; d++) {
    const centreRow = sliceHeight - 40 - d * 40;
    for (let r = 0; r < sliceHeight; r++) {
      for (let c = 0; c < sliceWidth; c++) {
        if (((c - 90) / 25) ** 2 + ((r - centreRow) / 6) ** 2 <= 1) pixels[r * sliceWidth + c] = 220;
      }
    }
  }
  return pixels;
}

/** Writes a slices folder with one PNG per entry and SPIDER-style gradings for patients 1 and 2. */
export async function writeSliceFolder(dir: string, series: { patient: string; series: string; discs: number; listedDiscs?: number }[]): Promise<void> {
  await mkdir(join(dir, 'images'), { recursive: true });
  const lines = ['file,patient,series,sequence,original_size_wh,source_pixel_spacing_mm,source_slice_thickness_mm,num_discs,how_decided'];
  for (const s of series) {
    const file = `images/${s.series}.png`;
    await writeFile(join(dir, file), encode({ width: sliceWidth, height: sliceHeight, data: drawSlice(s.discs), channels: 1, depth: 8 }));
    lines.push(`${file},${s.patient},${s.series},t2,${sliceWidth}x${sliceHeight},0.8\\0.8,4.0,${s.listedDiscs ?? s.discs},"viewed, flipped"`);
  }
  await writeFile(join(dir, 'slices.csv'), lines.join('\n') + '\n');
  const grades = ['Patient,IVD label,Modic,UP endplate,LOW endplate,Spondylolisthesis,Disc herniation,Disc narrowing,Disc bulging,Pfirrman grade'];
  for (const patient of ['1', '2']) {
    for (let ivd = 1; ivd <= 3; ivd++) grades.push(`${patient},${ivd},0,0,1,0,0,${ivd === 1 ? 1 : 0},${ivd % 2},${ivd + 1}`);
  }
  await writeFile(join(dir, 'radiological_gradings.csv'), grades.join('\n') + '\n');
}

/** Finds the bright ellipses of `drawSlice` by thresholding: a stand-in for the segmentation model. */
export const thresholdFinder: SliceDiscFinder = {
  name: 'threshold (test)',
  async find(image: SliceImage): Promise<PlaneDisc[]> {
    const labels = new Uint8Array(image.volume.data.length);
    image.volume.data.forEach((v, i) => {
      labels[i] = v > 128 ? 2 : 0;
    });
    return findPlaneDiscs(makeVolume(image.volume.size, image.volume.affine, labels), 2);
  },
};
