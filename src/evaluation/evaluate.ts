import { existsSync, statSync, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { norm, subtract, type Vec3 } from '../geometry/affine.js';
import { DeepspineError } from '../errors.js';
import { readVolumeFile } from '../input/volume-file.js';
import { findStudyLevels, type StudyLevels } from '../levels/study-levels.js';
import type { Logger } from '../log.js';
import { segmentationClasses } from '../segmentation/classes.js';
import { readAnnotatedClasses } from '../segmentation/dataset.js';
import type { Volume } from '../geometry/volume.js';
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
  /** Confidence of the predicted name; null when none was found. */
  readonly confidence: number | null;
}

export interface CaseEvaluation {
  readonly case: string;
  /** Dice per annotated class over the whole volume; null for classes the case does not annotate. */
  readonly diceVertebralBody: number | null;
  readonly diceDisc: number | null;
  /**
   * Dice per annotated class within the cranio-caudal extent of that class's annotation (see
   * `diceWithinAnnotatedExtent`); null for classes the case does not annotate.
   */
  readonly extentDiceVertebralBody: number | null;
  readonly extentDiceDisc: number | null;
  readonly naming: NamingCheck[];
  /** Error message when level naming failed for the case. */
  readonly namingError: string | null;
  readonly warnings: string[];
  /** Median body intensity in the series window (see checkContrast); null when levels were not found or no body was segmented. */
  readonly bodyIntensity: number | null;
}

export interface EvaluationSummary {
  readonly cases: CaseEvaluation[];
  readonly meanDiceVertebralBody: number | null;
  readonly meanDiceDisc: number | null;
  readonly meanExtentDiceVertebralBody: number | null;
  readonly meanExtentDiceDisc: number | null;
  readonly namingCorrect: number;
  readonly namingTotal: number;
  /** Structures given a wrong name at confidence 0.5 or more: the mistakes that no `?` marks. */
  readonly namingWrongConfident: number;
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
 * Computes the Dice coefficient of one class with predictions limited to the cranio-caudal extent
 * of that class in `truth`: predicted voxels whose patient z (superior) coordinate lies above the
 * highest or below the lowest labelled voxel are ignored. The labelled cases annotate only some
 * structures (the five lumbar discs, or the bodies T11-L5), and the structures beyond them are
 * unlabelled rather than absent, so a prediction there cannot be scored either way. Structures
 * left unlabelled inside the extent still count as false positives.
 */
export function diceWithinAnnotatedExtent(predicted: ArrayLike<number>, truth: Volume, label: number): number {
  const [nx, ny, nz] = truth.size;
  const a = truth.affine;
  // Patient z of voxel (i, j, k) is a[8] i + a[9] j + a[10] k + a[11].
  const zOf = (i: number, j: number, k: number): number => a[8]! * i + a[9]! * j + a[10]! * k + a[11]!;

  let low = Infinity;
  let high = -Infinity;
  for (let k = 0, index = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, index++) {
        if (truth.data[index] !== label) continue;
        const z = zOf(i, j, k);
        if (z < low) low = z;
        if (z > high) high = z;
      }
    }
  }

  let both = 0;
  let p = 0;
  let t = 0;
  for (let k = 0, index = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, index++) {
        const isTruth = truth.data[index] === label;
        const isPredicted = predicted[index] === label;
        if (isTruth) t++;
        if (!isPredicted) continue;
        const z = zOf(i, j, k);
        // Half a voxel of tolerance, because the extent is measured at voxel centres.
        if (z < low - 0.5 || z > high + 0.5) continue;
        p++;
        if (isTruth) both++;
      }
    }
  }
  return p + t === 0 ? 1 : (2 * both) / (p + t);
}

/** Files that a case folder needs to be evaluated. instances.nii.gz and meta.json are optional. */
const requiredCaseFiles = ['image.nii.gz', 'labels.nii.gz'] as const;

/**
 * Evaluates segmentation and level naming on every case folder under `dir` that has image.nii.gz
 * and labels.nii.gz (instances.nii.gz and meta.json optional), or on the named cases only. The
 * cases are chosen by `listEvaluationCases`.
 */
export async function evaluateFolder(dir: string, model: SegmentationModel, logger: Logger, only?: string[]): Promise<EvaluationSummary> {
  const names = await listEvaluationCases(dir, logger, only);
  const cases: CaseEvaluation[] = [];
  for (const name of names) {
    cases.push(await logger.step(`evaluate ${name}`, () => evaluateCase(join(dir, name), name, model)));
    const last = cases[cases.length - 1]!;
    const correct = last.naming.filter((n) => n.predicted === n.truth).length;
    logger.info(`${name}: Dice body ${formatDice(last.diceVertebralBody)} (in extent ${formatDice(last.extentDiceVertebralBody)}), disc ${formatDice(last.diceDisc)} (in extent ${formatDice(last.extentDiceDisc)}), names ${correct}/${last.naming.length}${last.warnings.length > 0 ? ` (warnings: ${[...new Set(last.warnings)].join(', ')})` : ''}`);
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
    meanExtentDiceVertebralBody: mean(cases.map((c) => c.extentDiceVertebralBody)),
    meanExtentDiceDisc: mean(cases.map((c) => c.extentDiceDisc)),
    namingCorrect: checks.filter((c) => c.predicted === c.truth).length,
    namingWrongConfident: checks.filter((c) => c.predicted !== null && c.predicted !== c.truth && c.confidence !== null && c.confidence >= 0.5).length,
    namingTotal: checks.length,
  };
}

async function evaluateCase(folder: string, name: string, model: SegmentationModel): Promise<CaseEvaluation> {
  const image = await readVolumeFile(join(folder, 'image.nii.gz'));
  const labels = await readVolumeFile(join(folder, 'labels.nii.gz'));
  const annotated = await readAnnotatedClasses(folder);
  const segmentation = await segmentSagittalVolume(image, model);
  let found: StudyLevels | null = null;
  let namingError: string | null = null;
  try {
    found = findStudyLevels(segmentation, image, join(folder, 'image.nii.gz'), model.bodyIntensity);
  } catch (error) {
    namingError = error instanceof Error ? error.message : String(error);
  }
  const levels = found?.levels ?? null;
  // Dice is measured on the label map that analyze writes, which drops components off the spine.
  const predicted = found === null ? segmentation.labels.data : found.labels.data;
  const body = segmentationClasses.vertebralBody;
  const disc = segmentationClasses.disc;
  const diceVertebralBody = annotated.includes(body) ? dice(predicted, labels.data, body) : null;
  const diceDisc = annotated.includes(disc) ? dice(predicted, labels.data, disc) : null;
  const extentDiceVertebralBody = annotated.includes(body) ? diceWithinAnnotatedExtent(predicted, labels, body) : null;
  const extentDiceDisc = annotated.includes(disc) ? diceWithinAnnotatedExtent(predicted, labels, disc) : null;

  const instancesPath = join(folder, 'instances.nii.gz');
  let naming: NamingCheck[] = [];
  const warnings = levels === null ? [] : levels.warnings.map((w) => w.code);
  if (existsSync(instancesPath)) {
    const truth = truthStructures(await readVolumeFile(instancesPath));
    naming = truth.map((structure) => {
      let candidates: { name: string; center: Vec3; confidence: number }[] = [];
      if (levels !== null) candidates = structure.kind === 'disc' ? levels.allDiscs : levels.vertebrae;
      const match = nearest(structure.center, candidates);
      const matched = match !== null && match.distance <= matchToleranceMm;
      return {
        truth: structure.name,
        kind: structure.kind,
        predicted: matched ? match.name : null,
        distanceMm: match === null ? null : Math.round(match.distance * 10) / 10,
        confidence: matched ? match.confidence : null,
      };
    });
  } else {
    // Without instances there is nothing to name-check, so a level-finding failure is not reported.
    namingError = null;
  }
  const bodyIntensity = found?.contrast.bodyIntensity ?? null;
  return { case: name, diceVertebralBody, diceDisc, extentDiceVertebralBody, extentDiceDisc, naming, namingError, warnings, bodyIntensity };
}

/**
 * Returns the sorted names of the case folders under `dir` that have image.nii.gz and
 * labels.nii.gz, or of the cases in `only`. Without `only`, each subfolder that lacks one of them
 * is skipped with an info log line that names it and the missing file. A case folder may be a
 * symbolic link.
 * @throws DeepspineError INPUT_NOT_FOUND when `dir` does not exist, when a case in `only` has no
 *   folder or lacks a required file (naming each such case), or when no case is left;
 *   INVALID_ARGUMENT when `dir` is not a folder.
 */
export async function listEvaluationCases(dir: string, logger: Logger, only?: readonly string[]): Promise<string[]> {
  let isFolder: boolean;
  let entries: Dirent[] = [];
  try {
    isFolder = (await stat(dir)).isDirectory();
    if (isFolder) entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? String(error)})`;
    throw new DeepspineError('INPUT_NOT_FOUND', `${dir}: evaluation folder ${problem}`, { file: dir, cause: error });
  }
  if (!isFolder) {
    throw new DeepspineError('INVALID_ARGUMENT', `${dir}: not a folder; pass the folder that contains one subfolder per labelled case`, { file: dir });
  }
  // A symbolic link counts as a case folder when it leads to one.
  const folders = entries.filter((entry) => entry.isDirectory() || (entry.isSymbolicLink() && isFolderSync(join(dir, entry.name)))).map((entry) => entry.name);
  const missingFile = (name: string): string | undefined => requiredCaseFiles.find((file) => !existsSync(join(dir, name, file)));

  if (only !== undefined) {
    const requested = [...new Set(only)].sort();
    const problems: string[] = [];
    for (const name of requested) {
      if (!folders.includes(name)) {
        problems.push(`"${name}" (folder not found)`);
        continue;
      }
      const missing = missingFile(name);
      if (missing !== undefined) problems.push(`"${name}" (no ${missing})`);
    }
    if (problems.length > 0) {
      throw new DeepspineError('INPUT_NOT_FOUND', `${dir}: cannot evaluate the --cases ${problems.join(', ')}; pass names of its subfolders that contain image.nii.gz and labels.nii.gz`, { file: dir });
    }
    return requested;
  }

  const names: string[] = [];
  for (const name of folders.sort()) {
    const missing = missingFile(name);
    if (missing === undefined) names.push(name);
    else logger.info(`${name}: skipped, no ${missing}`);
  }
  if (names.length === 0) throw new DeepspineError('INPUT_NOT_FOUND', `${dir}: no case folder with image.nii.gz and labels.nii.gz`, { file: dir });
  return names;
}

function isFolderSync(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function nearest(point: Vec3, candidates: { name: string; center: Vec3; confidence: number }[]): { name: string; distance: number; confidence: number } | null {
  let best: { name: string; distance: number; confidence: number } | null = null;
  for (const candidate of candidates) {
    const distance = norm(subtract(candidate.center, point));
    if (best === null || distance < best.distance) best = { name: candidate.name, distance, confidence: candidate.confidence };
  }
  return best;
}

export function formatDice(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}
