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
import { applyAffine, applyLinear, multiply4, rotationAbout } from '../src/geometry/affine.js';
import { makeVolume, spacing, type Volume } from '../src/geometry/volume.js';
import { readVolumeFile } from '../src/input/volume-file.js';
import { defaultSegmentationModelPath, loadSegmentationModel } from '../src/segmentation/model.js';
import { countDiffering, failureReason, nameDiscs, nameReference } from './naming-match.js';
import { numberList } from './options.js';

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

// A series more than 45 degrees oblique is not sagittal.
const changes = [
  ...numberList('tilts', values.tilts ?? '20,-20', -45, 45, usage).map((degrees) => ({ change: `tilt${degrees}`, rotation: rotationAbout(1, degrees) })),
  ...numberList('turns', values.turns ?? '20,-20', -45, 45, usage).map((degrees) => ({ change: `turn${degrees}`, rotation: rotationAbout(2, degrees) })),
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
    // The copy's voxels are the stored ones, so a disc should lie where the stored disc of the same
    // name lies, turned by the rotation.
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
