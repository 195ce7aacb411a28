/**
 * Measures level naming on oblique copies of each labelled volume. The header is turned about the
 * patient's front-to-back axis (a coronal tilt) or head-to-feet axis (an axial turn) and the voxels
 * stay, as when a sagittal series is prescribed along the spine of a patient who lies tilted. Each
 * copy is segmented and named as `analyze` does. Its discs are matched by voxel position to those
 * named on the volume as stored, and each matched centre is compared with the stored one turned by
 * the same rotation. The names, confidences and warnings should not change.
 * Usage: node dist/bench/oblique-series.js VOLUMES_DIR [--model PATH] [--cases A,B] [--tilts 20,-20] [--turns 20,-20]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyAffine, applyLinear, multiply4, type Mat4 } from '../src/geometry/affine.js';
import { makeVolume, spacing, type Volume } from '../src/geometry/volume.js';
import { readVolumeFile } from '../src/input/volume-file.js';
import { defaultSegmentationModelPath, loadSegmentationModel } from '../src/segmentation/model.js';
import { countDiffering, failureReason, nameDiscs, nameReference } from './naming-match.js';

const usage = 'usage: node dist/bench/oblique-series.js VOLUMES_DIR [--model PATH] [--cases A,B] [--tilts 20,-20] [--turns 20,-20]\n';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, cases: { type: 'string' }, tilts: { type: 'string' }, turns: { type: 'string' } },
});
const volumesDir = positionals[0];
if (volumesDir === undefined) {
  process.stderr.write(usage);
  process.exit(2);
}

/** Parses a comma-separated list of degrees, exiting with status 2 on a value outside -45 to 45. */
function degreesList(option: string, text: string): number[] {
  return text.split(',').filter((item) => item !== '').map((item) => {
    const degrees = Number(item);
    if (!(Math.abs(degrees) <= 45)) {
      process.stderr.write(`--${option} ${item}: expected degrees from -45 to 45 (a series more oblique is not sagittal)\n${usage}`);
      process.exit(2);
    }
    return degrees;
  });
}

/** Returns the rotation by `degrees` about patient axis 1 (front to back) or 2 (head to feet). */
function rotationAbout(axis: 1 | 2, degrees: number): Mat4 {
  const cos = Math.cos((degrees * Math.PI) / 180);
  const sin = Math.sin((degrees * Math.PI) / 180);
  return axis === 1 ? [cos, 0, sin, 0, 0, 1, 0, 0, -sin, 0, cos, 0, 0, 0, 0, 1] : [cos, -sin, 0, 0, sin, cos, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
}

const changes = [
  ...degreesList('tilts', values.tilts ?? '20,-20').map((degrees) => ({ change: `tilt${degrees}`, rotation: rotationAbout(1, degrees) })),
  ...degreesList('turns', values.turns ?? '20,-20').map((degrees) => ({ change: `turn${degrees}`, rotation: rotationAbout(2, degrees) })),
];
const model = await loadSegmentationModel(values.model ?? defaultSegmentationModelPath);
const cases = (values.cases?.split(',') ?? readdirSync(volumesDir).sort()).filter((name) => existsSync(join(volumesDir, name, 'labels.nii.gz')));

const totals = { runs: 0, failed: 0, names: 0, differ: 0, differConfident: 0, confidenceChanged: 0, warningsChanged: 0, maxOffsetMm: 0 };
console.log(`${'case'.padEnd(10)} ${'change'.padEnd(8)} ${'names'.padStart(5)} ${'differ'.padStart(6)} ${'differ, >=0.5'.padStart(13)} ${'offset mm'.padStart(9)}  warnings`);
for (const name of cases) {
  const stored = await readVolumeFile(join(volumesDir, name, 'image.nii.gz'));
  const voxelMm = spacing(stored);
  const reference = await nameReference(model, stored, `${name.padEnd(10)} stored  `);
  if (reference === null) continue;
  for (const { change, rotation } of changes) {
    totals.runs++;
    const label = `${name.padEnd(10)} ${change.padEnd(8)}`;
    const image: Volume = makeVolume(stored.size, multiply4(rotation, stored.affine), stored.data);
    let named: Awaited<ReturnType<typeof nameDiscs>>;
    try {
      named = await nameDiscs(model, image, (index) => index);
    } catch (error) {
      totals.failed++;
      console.log(`${label} no levels: ${failureReason(error)}`);
      continue;
    }
    const { differ, differConfident } = countDiffering(reference.discs, named.discs, voxelMm);
    // Matched by the voxel index, a disc's centre in the copy is the stored centre turned.
    let offsetMm = 0;
    for (const disc of named.discs) {
      const match = reference.discs.find((other) => other.name === disc.name);
      if (match === undefined) continue;
      const expected = applyLinear(rotation, applyAffine(stored.affine, match.index as [number, number, number]));
      const found = applyAffine(image.affine, disc.index as [number, number, number]);
      offsetMm = Math.max(offsetMm, Math.hypot(...found.map((value, axis) => value - expected[axis]!)));
      if (disc.confidence !== match.confidence) totals.confidenceChanged++;
    }
    if (named.warnings.join() !== reference.warnings.join()) totals.warningsChanged++;
    totals.names += named.discs.length;
    totals.differ += differ;
    totals.differConfident += differConfident;
    totals.maxOffsetMm = Math.max(totals.maxOffsetMm, offsetMm);
    console.log(`${label} ${String(named.discs.length).padStart(5)} ${String(differ).padStart(6)} ${String(differConfident).padStart(13)} ${offsetMm.toFixed(2).padStart(9)}  ${named.warnings.join(', ')}`);
  }
}
console.log(
  `total: ${totals.runs} runs (${totals.failed} without levels), ${totals.names} names, ${totals.differ} differ from the stored volume's, ` +
    `${totals.differConfident} of them at confidence 0.5 or more; ${totals.confidenceChanged} confidences and the warnings of ${totals.warningsChanged} runs changed; ` +
    `centres at most ${totals.maxOffsetMm.toFixed(2)} mm from the stored ones turned`,
);
