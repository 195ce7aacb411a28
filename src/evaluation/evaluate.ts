import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { norm, subtract, type Vec3 } from '../geometry/affine.js';
import { DeepspineError } from '../errors.js';
import { readVolumeFile } from '../input/volume-file.js';
import { findLevels, type LevelResult } from '../levels/find-levels.js';
import type { Logger } from '../log.js';
import { segmentationClasses } from '../segmentation/classes.js';
import { readAnnotatedClasses } from '../segmentation/dataset.js';
import type { SegmentationModel } from '../segmentation/model.js';
import { segmentSagittalVolume } from '../segmentation/segment.js';
import { truthStructures } from './truth.js';

/** Distance in mm within which a found structure is matched to a labelled one. */
export const matchToleranceMm = 15;

export interface NamingCheck {
  readonly truth: string;
  readonly kind: 'vertebra' | 'disc';
  /** Name given to the matched structure, or null when none was found within matchToleranceMm. */
  readonly predicted: string | null;
  readonly distanceMm: number | null;
}

export interface CaseEvaluation {
  readonly case: string;
  /** Dice per annotated class; null for classes the case does not annotate. */
  readonly diceVertebralBody: number | null;
  readonly diceDisc: number | null;
  readonly naming: NamingCheck[];
  /** Error message when level naming failed for the case. */
  readonly namingError: string | null;
  readonly warnings: string[];
}

export interface EvaluationSummary {
  readonly cases: CaseEvaluation[];
  readonly meanDiceVertebralBody: number | null;
  readonly meanDiceDisc: number | null;
  readonly namingCorrect: number;
  readonly namingTotal: number;
}

/** Computes the Dice coefficient of one class between two label maps on the same grid. */
export function dice(predicted: ArrayLike<number>, truth: ArrayLike<number>, label: number): number {
  let both = 0;
  let a = 0;
  let b = 0;
  for (let index = 0; index < truth.length; index++) {
    const p = predicted[index] === label;
    const t = truth[index] === label;
    if (p) a++;
    if (t) b++;
    if (p && t) both++;
  }
  return a + b === 0 ? 1 : (2 * both) / (a + b);
}

/**
 * Evaluates segmentation and level naming on every case folder under `dir` that has image.nii.gz
 * and labels.nii.gz (instances.nii.gz and meta.json optional), or on the named cases only.
 */
export async function evaluateFolder(dir: string, model: SegmentationModel, logger: Logger, only?: string[]): Promise<EvaluationSummary> {
  if (!existsSync(dir)) throw new DeepspineError('INPUT_NOT_FOUND', `${dir}: evaluation folder not found`, { file: dir });
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'labels.nii.gz')))
    .map((entry) => entry.name)
    .filter((name) => only === undefined || only.includes(name))
    .sort();
  if (names.length === 0) throw new DeepspineError('INPUT_NOT_FOUND', `${dir}: no case folder with image.nii.gz and labels.nii.gz`, { file: dir });
  const cases: CaseEvaluation[] = [];
  for (const name of names) {
    cases.push(await logger.step(`evaluate ${name}`, () => evaluateCase(join(dir, name), name, model)));
    const last = cases[cases.length - 1]!;
    const correct = last.naming.filter((n) => n.predicted === n.truth).length;
    logger.info(`${name}: Dice body ${formatDice(last.diceVertebralBody)}, disc ${formatDice(last.diceDisc)}, names ${correct}/${last.naming.length}`);
  }
  const mean = (values: (number | null)[]): number | null => {
    const present = values.filter((v): v is number => v !== null);
    return present.length === 0 ? null : present.reduce((s, v) => s + v, 0) / present.length;
  };
  const checks = cases.flatMap((c) => c.naming);
  return {
    cases,
    meanDiceVertebralBody: mean(cases.map((c) => c.diceVertebralBody)),
    meanDiceDisc: mean(cases.map((c) => c.diceDisc)),
    namingCorrect: checks.filter((c) => c.predicted === c.truth).length,
    namingTotal: checks.length,
  };
}

async function evaluateCase(folder: string, name: string, model: SegmentationModel): Promise<CaseEvaluation> {
  const image = await readVolumeFile(join(folder, 'image.nii.gz'));
  const labels = await readVolumeFile(join(folder, 'labels.nii.gz'));
  const annotated = await readAnnotatedClasses(folder);
  const segmentation = await segmentSagittalVolume(image, model);
  const predicted = segmentation.labels.data;
  const diceVertebralBody = annotated.includes(segmentationClasses.vertebralBody) ? dice(predicted, labels.data, segmentationClasses.vertebralBody) : null;
  const diceDisc = annotated.includes(segmentationClasses.disc) ? dice(predicted, labels.data, segmentationClasses.disc) : null;

  const instancesPath = join(folder, 'instances.nii.gz');
  let naming: NamingCheck[] = [];
  let namingError: string | null = null;
  let warnings: string[] = [];
  if (existsSync(instancesPath)) {
    const truth = truthStructures(await readVolumeFile(instancesPath));
    let levels: LevelResult | null = null;
    try {
      levels = findLevels(segmentation, join(folder, 'image.nii.gz'));
      warnings = levels.warnings.map((w) => w.code);
    } catch (error) {
      namingError = error instanceof Error ? error.message : String(error);
    }
    naming = truth.map((structure) => {
      let candidates: { name: string; center: Vec3 }[] = [];
      if (levels !== null) candidates = structure.kind === 'disc' ? levels.allDiscs : levels.vertebrae;
      const match = nearest(structure.center, candidates);
      return {
        truth: structure.name,
        kind: structure.kind,
        predicted: match !== null && match.distance <= matchToleranceMm ? match.name : null,
        distanceMm: match === null ? null : Math.round(match.distance * 10) / 10,
      };
    });
  }
  return { case: name, diceVertebralBody, diceDisc, naming, namingError, warnings };
}

function nearest(point: Vec3, candidates: { name: string; center: Vec3 }[]): { name: string; distance: number } | null {
  let best: { name: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const distance = norm(subtract(candidate.center, point));
    if (best === null || distance < best.distance) best = { name: candidate.name, distance };
  }
  return best;
}

export function formatDice(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}
