/**
 * Measures level naming on fields of view that end low in the spine: every labelled volume of
 * known level identity is cut at several heights below its lowest labelled structure, and each cut
 * is segmented and named as `analyze` does. A level is checked when its labelled centre lies at
 * least 4 mm above the cut. The figure that matters is the number of wrong names at confidence 0.5
 * or more, because names under 0.5 are marked as possibly shifted.
 * Usage: node dist/bench/crop-naming.js VOLUMES_DIR [--model PATH] [--cuts MM,MM,...] [--cases A,B]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { norm, subtract } from '../src/geometry/affine.js';
import { headToFeetAxis, keepPlanes } from '../src/geometry/crop.js';
import { indexToPatient, type Volume } from '../src/geometry/volume.js';
import { truthStructures, type TruthStructure } from '../src/evaluation/truth.js';
import { matchToleranceMm } from '../src/evaluation/evaluate.js';
import { readVolumeFile } from '../src/input/volume-file.js';
import { findStudyLevels } from '../src/levels/study-levels.js';
import { defaultSegmentationModelPath, loadSegmentationModel } from '../src/segmentation/model.js';
import { segmentSagittalVolume } from '../src/segmentation/segment.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, cuts: { type: 'string' }, cases: { type: 'string' } },
});
const volumesDir = positionals[0];
if (volumesDir === undefined) {
  process.stderr.write('usage: node dist/bench/crop-naming.js VOLUMES_DIR [--model PATH] [--cuts MM,MM,...] [--cases A,B]\n');
  process.exit(2);
}
// Distances in mm below the centre of the lowest labelled structure; "full" keeps the whole volume.
const cuts = (values.cuts ?? '5,15,25,35,50,70').split(',').map(Number);
const model = await loadSegmentationModel(values.model ?? defaultSegmentationModelPath);
const cases = (values.cases?.split(',') ?? readdirSync(volumesDir).sort()).filter((name) => existsSync(join(volumesDir, name, 'instances.nii.gz')));

/** Returns the part of `volume` whose planes along `axis` lie at z of at least `minZ` (LPS mm). */
function cropBelow(volume: Volume, axis: 0 | 1 | 2, minZ: number): Volume {
  const keep = Array.from({ length: volume.size[axis] }, (_, index) => {
    const point: [number, number, number] = [0, 0, 0];
    point[axis] = index;
    return indexToPatient(volume, point)[2] >= minZ;
  });
  return keepPlanes(volume, axis, keep.indexOf(true), keep.lastIndexOf(true) + 1);
}

interface CutOutcome {
  readonly checked: number;
  readonly wrong: number;
  readonly wrongConfident: number;
  readonly warnings: string[];
  readonly error: string | null;
}

async function nameCut(image: Volume, truth: readonly TruthStructure[], minZ: number | null): Promise<CutOutcome> {
  const volume = minZ === null ? image : cropBelow(image, headToFeetAxis(image), minZ);
  const segmentation = await segmentSagittalVolume(volume, model);
  let levels;
  try {
    levels = findStudyLevels(segmentation, volume, 'crop', model.bodyIntensity).levels;
  } catch (error) {
    return { checked: 0, wrong: 0, wrongConfident: 0, warnings: [], error: (error as { code?: string }).code ?? String(error) };
  }
  let checked = 0;
  let wrong = 0;
  let wrongConfident = 0;
  for (const structure of truth) {
    if (minZ !== null && structure.center[2] < minZ + 4) continue;
    const candidates = structure.kind === 'disc' ? levels.allDiscs : levels.vertebrae;
    let best: { name: string; confidence: number; distance: number } | null = null;
    for (const candidate of candidates) {
      const distance = norm(subtract(candidate.center, structure.center));
      if (best === null || distance < best.distance) best = { name: candidate.name, confidence: candidate.confidence, distance };
    }
    if (best === null || best.distance > matchToleranceMm) continue;
    checked++;
    if (best.name === structure.name) continue;
    wrong++;
    if (best.confidence >= 0.5) wrongConfident++;
  }
  return { checked, wrong, wrongConfident, warnings: levels.warnings.map((warning) => warning.code), error: null };
}

const totals = { cuts: 0, checked: 0, wrong: 0, wrongConfident: 0 };
process.stdout.write(`model: ${values.model ?? defaultSegmentationModelPath}\ncase      cut (mm)  checked  wrong  wrong >= 0.5  warnings\n`);
for (const name of cases) {
  const image = await readVolumeFile(join(volumesDir, name, 'image.nii.gz'));
  const truth = truthStructures(await readVolumeFile(join(volumesDir, name, 'instances.nii.gz')));
  if (truth.length === 0) continue;
  const lowest = Math.min(...truth.map((structure) => structure.center[2]));
  for (const cut of [...cuts, null]) {
    const outcome = await nameCut(image, truth, cut === null ? null : lowest - cut);
    totals.cuts++;
    totals.checked += outcome.checked;
    totals.wrong += outcome.wrong;
    totals.wrongConfident += outcome.wrongConfident;
    const label = cut === null ? 'full' : String(cut);
    const detail = outcome.error ?? outcome.warnings.join(', ');
    process.stdout.write(`${name.padEnd(9)} ${label.padStart(8)}  ${String(outcome.checked).padStart(7)}  ${String(outcome.wrong).padStart(5)}  ${String(outcome.wrongConfident).padStart(12)}  ${detail}\n`);
  }
}
process.stdout.write(`total: ${totals.cuts} cuts, ${totals.checked} names checked, ${totals.wrong} wrong, ${totals.wrongConfident} wrong at confidence 0.5 or more\n`);
