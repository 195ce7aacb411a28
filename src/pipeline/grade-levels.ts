import { existsSync } from 'node:fs';
import { extractDiscCrops } from '../crops/extract.js';
import type { ImagedPlanes } from '../crops/resample.js';
import type { Volume } from '../geometry/volume.js';
import { defaultGradingModelPath, GradingModel, type GradingHead } from '../grading/model.js';
import type { DiscLevel } from '../levels/types.js';

/** Status written for a head that had no real labels to learn from. */
export const notTrainedStatus = 'not trained';

/** Status written for a trained head at a level whose sagittal crop lies partly outside the image. */
export const notGradedStatus = 'not graded';

/**
 * Fraction of the middle slice of the sagittal crop, the one through the disc centre, that must lie
 * inside the sagittal series for a level to be graded. The slices beside it are left out, so that a
 * thin slab of sagittal planes does not count as an image edge. The crop reaches 24 mm above and below the disc, so a disc 12 mm above the image's lower
 * edge has a coverage of about 0.75. On ivd-11 cut that way the L5-S1 bulge probability rose from
 * 0.19 (whole image) to 0.46. The lowest disc of sct-t2-lumbar, 4 mm above the edge, got a bulge of
 * 0.86 and Pfirrmann 5, where every other disc was near 0.
 */
export const minSagittalCoverage = 0.9;

/** One head's result for one level, as written under `grades` in results.json. */
export type HeadGrade =
  | { readonly status: 'trained'; readonly kind: 'binary'; readonly probability: number }
  | {
      readonly status: 'trained';
      readonly kind: 'multiclass';
      readonly classes: readonly string[];
      readonly probabilities: readonly number[];
      /** Class with the highest probability. */
      readonly grade: string;
    }
  | { readonly status: typeof notTrainedStatus; readonly note: string }
  | { readonly status: typeof notGradedStatus; readonly note: string };

export interface LevelGrades {
  readonly level: string;
  /** Whether an axial crop was fed to the model for this level. */
  readonly usedAxial: boolean;
  /** Reason that no axial crop was fed to the model, or null exactly when `usedAxial` is true. */
  readonly axialMissingReason: string | null;
  /**
   * Fraction of the middle slice of the sagittal crop inside the sagittal series, padding planes
   * counted as outside, rounded to 3 decimals.
   */
  readonly sagittalCoverage: number;
  readonly heads: Record<string, HeadGrade>;
}

/**
 * Crops every named disc and grades it with the multi-task model. Heads without real training
 * data carry only their status: their outputs are never reported as findings.
 * Nor are the outputs of a level whose sagittal crop has less than minSagittalCoverage inside
 * the image. `sagittalImaged`, the planes of the sagittal series between its padding, makes the
 * padding count as outside.
 */
export async function gradeLevels(
  sagittal: Volume,
  axial: Volume | null,
  levels: readonly DiscLevel[],
  model: GradingModel,
  sagittalImaged: ImagedPlanes | null = null,
): Promise<LevelGrades[]> {
  const crops = extractDiscCrops({ studyId: 'study', sagittal, axial, sagittalImaged }, levels, model.info.cropSpec);
  const grades = await model.grade(crops);
  return grades.map((grade, index) => {
    const coverage = crops[index]!.sagittal.middleSliceCoverage;
    const outside =
      coverage < minSagittalCoverage
        ? `${Math.round((1 - coverage) * 100)} % of the sagittal crop at ${grade.level} lies outside the image, so its grades would describe the image border; not reported`
        : null;
    return {
      level: grade.level,
      usedAxial: grade.usedAxial,
      axialMissingReason: grade.axialMissingReason,
      sagittalCoverage: round(coverage),
      heads: Object.fromEntries(model.info.heads.map((head) => [head.name, headGrade(head, grade.probabilities[head.name] ?? [], outside)])),
    };
  });
}

function headGrade(head: GradingHead, probabilities: readonly number[], outside: string | null): HeadGrade {
  if (!head.trained) {
    return { status: notTrainedStatus, note: 'no real training labels for this head; its output is not a finding and is not reported' };
  }
  if (outside !== null) return { status: notGradedStatus, note: outside };
  if (head.kind === 'binary') return { status: 'trained', kind: 'binary', probability: round(probabilities[0] ?? NaN) };
  let best = 0;
  probabilities.forEach((p, index) => {
    if (p > probabilities[best]!) best = index;
  });
  return { status: 'trained', kind: 'multiclass', classes: head.classes, probabilities: probabilities.map(round), grade: head.classes[best]! };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Loads the shipped grading model, or the given one. */
export async function loadGradingModel(path?: string): Promise<GradingModel> {
  return GradingModel.load(path ?? defaultGradingModelPath);
}

export function gradingModelAvailable(path?: string): boolean {
  return existsSync(path ?? defaultGradingModelPath);
}
