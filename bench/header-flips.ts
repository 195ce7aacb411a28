/**
 * Measures level naming when a volume's header has its patient axes flipped, front to back, head
 * to feet or both, while the voxels stay as stored. Each volume is segmented and named as `analyze`
 * does, once with its own header and once per flip, and each disc named under a flip is matched by
 * voxel position to a disc named with the own header. The figure that matters is the number of names
 * that differ from the own header's at confidence 0.5 or more, because names under 0.5 are marked
 * as possibly wrong.
 * Usage: node dist/bench/header-flips.js VOLUMES_DIR [--model PATH] [--cases A,B]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeVolume, patientToIndex, spacing, type Volume } from '../src/geometry/volume.js';
import { readVolumeFile } from '../src/input/volume-file.js';
import { findStudyLevels } from '../src/levels/study-levels.js';
import { defaultSegmentationModelPath, loadSegmentationModel, type SegmentationModel } from '../src/segmentation/model.js';
import { segmentSagittalVolume } from '../src/segmentation/segment.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { model: { type: 'string' }, cases: { type: 'string' } } });
const volumesDir = positionals[0];
if (volumesDir === undefined) {
  process.stderr.write('usage: node dist/bench/header-flips.js VOLUMES_DIR [--model PATH] [--cases A,B]\n');
  process.exit(2);
}
const model = await loadSegmentationModel(values.model ?? defaultSegmentationModelPath);
const cases = (values.cases?.split(',') ?? readdirSync(volumesDir).sort()).filter((name) => existsSync(join(volumesDir, name, 'labels.nii.gz')));

/** Patient axes (1: y, front to back; 2: z, head to feet) whose rows of the affine each flip negates. */
const flips = { 'front-back': [1], 'head-feet': [2], both: [1, 2] } as const;

/** Largest distance in mm between a disc named under a flip and its match named with the own header. */
const matchToleranceMm = 12;

interface NamedDisc {
  readonly name: string;
  readonly confidence: number;
  /** Position in voxel indices, which a header flip does not change. */
  readonly index: [number, number, number];
}

async function nameDiscs(image: Volume, model: SegmentationModel): Promise<{ discs: NamedDisc[]; warnings: string[] }> {
  const segmentation = await segmentSagittalVolume(image, model);
  const { levels } = findStudyLevels(segmentation, image, 'bench', model.bodyIntensity);
  return {
    discs: levels.allDiscs.map((d) => ({ name: d.name, confidence: d.confidence, index: patientToIndex(image, d.center) })),
    warnings: [...new Set(levels.warnings.map((w) => w.code))],
  };
}

const totals = { runs: 0, failed: 0, names: 0, differ: 0, differConfident: 0, warned: 0 };
console.log(`${'case'.padEnd(10)} ${'flip'.padEnd(11)} ${'names'.padStart(5)} ${'differ'.padStart(6)} ${'differ, >=0.5'.padStart(13)}  warnings`);
for (const name of cases) {
  const image = await readVolumeFile(join(volumesDir, name, 'image.nii.gz'));
  const voxelMm = spacing(image);
  const own = await nameDiscs(image, model);
  console.log(`${name.padEnd(10)} ${'none'.padEnd(11)} ${String(own.discs.length).padStart(5)} ${'-'.padStart(6)} ${'-'.padStart(13)}  ${own.warnings.join(', ')}`);
  for (const [flip, axes] of Object.entries(flips)) {
    const affine = [...image.affine];
    for (const axis of axes) for (let column = 0; column < 4; column++) affine[axis * 4 + column] = -affine[axis * 4 + column]!;
    totals.runs++;
    let flipped: Awaited<ReturnType<typeof nameDiscs>>;
    try {
      flipped = await nameDiscs(makeVolume(image.size, affine, image.data), model);
    } catch (error) {
      totals.failed++;
      console.log(`${name.padEnd(10)} ${flip.padEnd(11)} no levels: ${error instanceof Error ? error.message.split(': ').slice(1).join(': ') : String(error)}`);
      continue;
    }
    let differ = 0;
    let differConfident = 0;
    for (const disc of flipped.discs) {
      const distances = own.discs.map((other) => Math.hypot(...other.index.map((value, axis) => (value - disc.index[axis]!) * voxelMm[axis]!)));
      const nearest = distances.indexOf(Math.min(...distances));
      if (nearest < 0 || distances[nearest]! > matchToleranceMm || own.discs[nearest]!.name === disc.name) continue;
      differ++;
      if (disc.confidence >= 0.5) differConfident++;
    }
    totals.names += flipped.discs.length;
    totals.differ += differ;
    totals.differConfident += differConfident;
    if (flipped.warnings.includes('ORIENTATION_SUSPECTED')) totals.warned++;
    console.log(`${name.padEnd(10)} ${flip.padEnd(11)} ${String(flipped.discs.length).padStart(5)} ${String(differ).padStart(6)} ${String(differConfident).padStart(13)}  ${flipped.warnings.join(', ')}`);
  }
}
console.log(
  `total: ${totals.runs} flipped volumes (${totals.failed} without levels), ${totals.names} names, ${totals.differ} differ from the own header's, ` +
    `${totals.differConfident} of them at confidence 0.5 or more; ORIENTATION_SUSPECTED on ${totals.warned}`,
);
