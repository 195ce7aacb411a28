/**
 * Measures level naming on headers with wrong patient axes while the voxels stay as stored. The
 * header is flipped front to back, head to feet or both, or rotated about the left-right axis. Each
 * volume runs whole and cut at the top or the bottom, and each copy is segmented and named as
 * `analyze` does. Every disc named is matched by voxel position to a disc named on the whole volume
 * with its own header. Two figures matter:
 * - names that differ from the whole volume's at confidence 0.5 or more (names under 0.5 are marked
 *   as possibly wrong);
 * - ORIENTATION_SUSPECTED on a copy with its own header, which is a false alarm.
 * Usage: node dist/bench/header-flips.js VOLUMES_DIR [--model PATH] [--cases A,B] [--cuts top70,top55,bottom70]
 *        [--rotations DEGREES,DEGREES]   (--cuts '' runs the whole volumes only)
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { multiply4, rotationAbout } from '../src/geometry/affine.js';
import { headToFeetAxis, keepPlanes } from '../src/geometry/crop.js';
import { makeVolume, spacing } from '../src/geometry/volume.js';
import { readVolumeFile } from '../src/input/volume-file.js';
import { defaultSegmentationModelPath, loadSegmentationModel } from '../src/segmentation/model.js';
import { countDiffering, nameDiscs } from './naming-match.js';
import { numberList } from './options.js';

const usage = 'usage: node dist/bench/header-flips.js VOLUMES_DIR [--model PATH] [--cases A,B] [--cuts top70,top55,bottom70] [--rotations DEGREES,...]\n';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, cases: { type: 'string' }, cuts: { type: 'string' }, rotations: { type: 'string' } },
});
const volumesDir = positionals[0];
if (volumesDir === undefined) {
  process.stderr.write(usage);
  process.exit(2);
}
/** Cuts to run, each naming the end cut away and the percentage of the head-to-feet extent kept. */
const cuts = ['whole', ...(values.cuts ?? 'top70,top55,bottom70').split(',').filter((cut) => cut !== '')].map((cut) => {
  const match = /^(top|bottom)(\d+)$/.exec(cut);
  if (cut !== 'whole' && (match === null || Number(match[2]) < 10 || Number(match[2]) > 99)) {
    process.stderr.write(`--cuts ${cut}: expected top or bottom followed by the percentage kept (10 to 99), e.g. top70\n${usage}`);
    process.exit(2);
  }
  return { name: cut, cutAway: match?.[1] as 'top' | 'bottom' | undefined, keptFraction: match === null ? 1 : Number(match[2]) / 100 };
});
const model = await loadSegmentationModel(values.model ?? defaultSegmentationModelPath);
const cases = (values.cases?.split(',') ?? readdirSync(volumesDir).sort()).filter((name) => existsSync(join(volumesDir, name, 'labels.nii.gz')));

/** Patient axes (1: y, front to back; 2: z, head to feet) whose rows of the affine each flip negates. */
const flips = { none: [], 'front-back': [1], 'head-feet': [2], both: [1, 2] } as const;
/** Rotations of the header about the patient's left-right axis, in degrees, run with no flip. */
const rotations = numberList('rotations', values.rotations ?? '', -180, 180, usage);

const totals = { runs: 0, failed: 0, flippedRuns: 0, names: 0, differ: 0, differConfident: 0, flippedWarned: 0, falseAlarms: 0 };
console.log(`${'case'.padEnd(10)} ${'cut'.padEnd(9)} ${'flip'.padEnd(11)} ${'names'.padStart(5)} ${'differ'.padStart(6)} ${'differ, >=0.5'.padStart(13)}  warnings`);
for (const name of cases) {
  const whole = await readVolumeFile(join(volumesDir, name, 'image.nii.gz'));
  const voxelMm = spacing(whole);
  const reference = await nameDiscs(model, whole, (index) => index);
  const axis = headToFeetAxis(whole);
  const planes = whole.size[axis];
  // Voxel index grows towards the head when the axis points up in patient z.
  const indexGrowsUp = whole.affine[8 + axis]! > 0;
  for (const cut of cuts) {
    const keep = Math.round(planes * cut.keptFraction);
    const keepLowIndices = cut.cutAway === undefined || (cut.cutAway === 'top') === indexGrowsUp;
    const from = keepLowIndices ? 0 : planes - keep;
    const image = cut.cutAway === undefined ? whole : keepPlanes(whole, axis, from, from + keep);
    const offset = [0, 0, 0];
    offset[axis] = from;
    const variants = [
      ...Object.entries(flips).map(([flip, axes]) => {
        const affine = [...image.affine];
        for (const patientAxis of axes) for (let column = 0; column < 4; column++) affine[patientAxis * 4 + column] = -affine[patientAxis * 4 + column]!;
        return { flip, affine };
      }),
      ...rotations.map((degrees) => ({ flip: `rotate${degrees > 0 ? '+' : ''}${degrees}`, affine: multiply4(rotationAbout(0, degrees), image.affine) })),
    ];
    for (const { flip, affine } of variants) {
      totals.runs++;
      const label = `${name.padEnd(10)} ${cut.name.padEnd(9)} ${flip.padEnd(11)}`;
      let named: Awaited<ReturnType<typeof nameDiscs>>;
      try {
        named = await nameDiscs(model, makeVolume(image.size, affine, image.data), (index) => index.map((value, i) => value + offset[i]!));
      } catch (error) {
        totals.failed++;
        console.log(`${label} no levels: ${error instanceof Error ? error.message.split(': ').slice(1).join(': ') : String(error)}`);
        continue;
      }
      const { differ, differConfident } = countDiffering(reference.discs, named.discs, voxelMm);
      const warned = named.warnings.includes('ORIENTATION_SUSPECTED');
      totals.names += named.discs.length;
      totals.differ += differ;
      totals.differConfident += differConfident;
      if (flip === 'none' && warned) totals.falseAlarms++;
      if (flip !== 'none') {
        totals.flippedRuns++;
        if (warned) totals.flippedWarned++;
      }
      console.log(`${label} ${String(named.discs.length).padStart(5)} ${String(differ).padStart(6)} ${String(differConfident).padStart(13)}  ${named.warnings.join(', ')}`);
    }
  }
}
console.log(
  `total: ${totals.runs} runs (${totals.failed} without levels), ${totals.names} names, ${totals.differ} differ from the whole volume's with its own header, ` +
    `${totals.differConfident} of them at confidence 0.5 or more; ORIENTATION_SUSPECTED on ${totals.flippedWarned} of ${totals.flippedRuns} runs with a flipped or rotated header ` +
    `that named levels and on ${totals.falseAlarms} ${totals.falseAlarms === 1 ? 'run' : 'runs'} with the own header`,
);
