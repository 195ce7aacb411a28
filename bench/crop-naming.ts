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
import { arrayTypes, indexToPatient, makeVolume, type DataType, type Volume, type VoxelArray } from '../src/geometry/volume.js';
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

/** Index of the voxel axis closest to the patient's cranio-caudal (z) direction. */
function craniocaudalAxis(volume: Volume): 0 | 1 | 2 {
  const zParts = [0, 1, 2].map((axis) => Math.abs(volume.affine[8 + axis]!) / norm([volume.affine[axis]!, volume.affine[4 + axis]!, volume.affine[8 + axis]!]));
  return zParts.indexOf(Math.max(...zParts)) as 0 | 1 | 2;
}

/** Returns the part of `volume` whose planes along `axis` lie at z of at least `minZ` (LPS mm). */
function cropBelow(volume: Volume, axis: 0 | 1 | 2, minZ: number): Volume {
  const size = [...volume.size] as [number, number, number];
  const keep = Array.from({ length: size[axis] }, (_, index) => {
    const point: [number, number, number] = [0, 0, 0];
    point[axis] = index;
    return indexToPatient(volume, point)[2] >= minZ;
  });
  const start = keep.indexOf(true);
  const end = keep.lastIndexOf(true) + 1;
  const cropped = [...size] as [number, number, number];
  cropped[axis] = end - start;
  const Type = arrayTypes[dataTypeOf(volume.data)];
  const data = new Type(cropped[0] * cropped[1] * cropped[2]) as VoxelArray;
  for (let k = 0; k < cropped[2]; k++) {
    for (let j = 0; j < cropped[1]; j++) {
      for (let i = 0; i < cropped[0]; i++) {
        const source = [i, j, k];
        source[axis] += start;
        data[i + cropped[0] * (j + cropped[1] * k)] = volume.data[source[0]! + size[0] * (source[1]! + size[1] * source[2]!)]!;
      }
    }
  }
  const origin: [number, number, number] = [0, 0, 0];
  origin[axis] = start;
  const [x, y, z] = indexToPatient(volume, origin);
  const affine = [...volume.affine];
  affine[3] = x;
  affine[7] = y;
  affine[11] = z;
  return makeVolume(cropped, affine, data);
}

function dataTypeOf(data: VoxelArray): DataType {
  const entry = Object.entries(arrayTypes).find(([, Type]) => data instanceof Type);
  if (entry === undefined) throw new Error('unknown voxel array type');
  return entry[0] as DataType;
}

interface CutOutcome {
  readonly checked: number;
  readonly wrong: number;
  readonly wrongConfident: number;
  readonly warnings: string[];
  readonly error: string | null;
}

async function nameCut(image: Volume, truth: readonly TruthStructure[], minZ: number | null): Promise<CutOutcome> {
  const volume = minZ === null ? image : cropBelow(image, craniocaudalAxis(image), minZ);
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
