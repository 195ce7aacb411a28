import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeepspineError, type Warning } from '../errors.js';
import { fileSha256 } from '../hash.js';
import { loadStudy } from '../input/study.js';
import type { LoadStudyOptions, SeriesSummary, Study } from '../input/types.js';
import { writeVolumeFile } from '../input/volume-file.js';
import type { LevelResult } from '../levels/find-levels.js';
import { findStudyLevels } from '../levels/study-levels.js';
import type { Logger } from '../log.js';
import { loadSegmentationModel, type SegmentationModel } from '../segmentation/model.js';
import { packageVersion } from '../package-version.js';
import { segmentSagittalVolume, type Segmentation } from '../segmentation/segment.js';
import { outputFileNames } from '../outputs/write-results.js';
import { defaultGradingModelPath, type GradingModel } from '../grading/model.js';
import { gradeLevels, gradingModelAvailable, loadGradingModel, type LevelGrades } from './grade-levels.js';
import { resultsFormat, type AnalysisResult, type SeriesReport } from './result.js';

export interface AnalyzeOptions extends LoadStudyOptions {
  /** Folder for results.json, segmentation.nii.gz and the overlay PNG. */
  readonly outDir: string;
  /** Segmentation ONNX model; the shipped one when absent. */
  readonly segmentationModel?: string;
  /** Recorded in results.json: 'demo' when the input is the generated phantom. */
  readonly inputKind?: 'demo';
  /** onnxruntime intra-op threads; 0 lets onnxruntime choose. */
  readonly threads?: number;
  /** Grading ONNX model; the shipped one when absent. */
  readonly gradingModel?: string;
  /** False skips grading; levels then carry no `grades`. */
  readonly grade?: boolean;
}

/** Everything analyze produced, for callers that render or check more than results.json. */
export interface AnalysisOutput {
  readonly result: AnalysisResult;
  readonly study: Study;
  readonly segmentation: Segmentation;
  readonly levels: LevelResult;
}


/** The models of one analysis, loaded before any study is read so that a bad model file stops a run at once. */
export interface AnalysisModels {
  readonly segmentation: SegmentationModel;
  /** Null when no grading model is installed and none was given: levels then go ungraded, with a warning. */
  readonly grading: GradingModel | null;
}

/**
 * Loads the segmentation model and, when it exists, the grading model of `options`.
 * @throws DeepspineError MODEL_FAILED naming the file that is missing or unusable (a grading model
 *   path that was given must exist).
 */
export async function loadAnalysisModels(options: Pick<AnalyzeOptions, 'segmentationModel' | 'gradingModel' | 'threads' | 'grade'>): Promise<AnalysisModels> {
  const segmentation = await loadSegmentationModel(options.segmentationModel, options.threads ?? 0);
  try {
    const grades = options.grade !== false && (options.gradingModel !== undefined || gradingModelAvailable());
    return { segmentation, grading: grades ? await loadGradingModel(options.gradingModel) : null };
  } catch (error) {
    await segmentation.release();
    throw error;
  }
}

/**
 * Runs the main job on one study: read it, segment the sagittal series, find and name the disc
 * levels, measure them, and build the result. Writing the files is left to `writeAnalysisOutputs`
 * so that tests and services can use the result without touching the disk. `model` and
 * `loadedGrading` are models loaded beforehand (loadAnalysisModels); the ones of `options` are
 * loaded when they are absent, and `loadedGrading` null means no grading model.
 */
export async function analyzeStudy(
  studyPath: string,
  options: AnalyzeOptions,
  logger: Logger,
  model?: SegmentationModel,
  loadedGrading?: GradingModel | null,
): Promise<AnalysisOutput> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, task: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await logger.step(name, task);
    } finally {
      timings[name] = (timings[name] ?? 0) + performance.now() - start;
    }
  };
  const study = await timed('decode', () => loadStudy(studyPath, options, logger));
  const ownModel = model === undefined;
  const segmentationModel = model ?? (await timed('load models', () => loadSegmentationModel(options.segmentationModel, options.threads ?? 0)));
  try {
    const raw = await logger.step('segmentation', () => segmentSagittalVolume(study.sagittal, segmentationModel, timings));
    const source = describeSource(studyPath, study.sagittalSeries);
    const { levels, labels, contrast } = await timed('levels', () => findStudyLevels(raw, study.sagittal, source, segmentationModel.bodyIntensity));
    // The written label map keeps only the components on the spine (bowel, hip and border detections go).
    const segmentation: Segmentation = { ...raw, labels };
    for (const warning of levels.warnings) logger.warn(warning.message);
    const warnings: Warning[] = [...study.warnings, ...levels.warnings];
    const models: Record<string, { file: string; sha256: string; spacingMm?: number }> = {
      segmentation: { file: segmentationModel.path, sha256: await sha256(segmentationModel.path), spacingMm: segmentationModel.spacingMm },
    };
    let grades: LevelGrades[] | null = null;
    if (options.grade !== false && levels.levels.length > 0) {
      if (loadedGrading !== null && (loadedGrading !== undefined || gradingModelAvailable(options.gradingModel))) {
        const gradingModel = loadedGrading ?? (await timed('load models', () => loadGradingModel(options.gradingModel)));
        grades = await timed('grading', () => gradeLevels(study.sagittal, study.axial, levels.levels, gradingModel, levels.imagedPlanes));
        models['grading'] = { file: options.gradingModel ?? defaultGradingModelPath, sha256: await sha256(options.gradingModel ?? defaultGradingModelPath) };
      } else {
        const warning = { code: 'GRADING_MODEL_MISSING', message: `grading model ${options.gradingModel ?? defaultGradingModelPath} not found, so no level is graded; reinstall deepspine or pass a grading model with --grading-model` };
        logger.warn(warning.message);
        warnings.push(warning);
      }
    }
    const result: AnalysisResult = {
      format: resultsFormat,
      deepspineVersion: packageVersion(),
      input: {
        kind: options.inputKind ?? study.source,
        skippedFiles: study.skippedFiles.map((skipped) => ({ file: skipped.file, reason: skipped.reason })),
      },
      series: {
        sagittal: seriesReport(study.sagittalSeries),
        axial: study.axialSeries ? seriesReport(study.axialSeries) : null,
        all: study.series.map(seriesReport),
      },
      models,
      levels: levels.levels.map((level) => ({
        level: level.level,
        center: roundVector(level.center),
        normal: roundVector(level.normal, 4),
        confidence: level.confidence,
        measurements: level.measurements === null ? null : roundMeasurements(level.measurements),
        ...(grades === null ? {} : { grades: gradesFor(grades, level.level) }),
      })),
      vertebrae: levels.vertebrae.map((v) => ({ name: v.name, center: roundVector(v.center), confidence: v.confidence })),
      imageContrast: contrast,
      warnings,
      timingsMs: timings,
      outputs: { ...outputFileNames },
    };
    return { result, study, segmentation, levels };
  } finally {
    if (ownModel) await segmentationModel.release();
  }
}

/** Writes the segmentation label map on the grid of the sagittal series. */
export async function writeSegmentation(outDir: string, output: AnalysisOutput): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeVolumeFile(join(outDir, outputFileNames.segmentation), output.segmentation.labels);
}

function gradesFor(grades: LevelGrades[], level: string): Record<string, unknown> {
  const found = grades.find((g) => g.level === level);
  if (found === undefined) return {};
  return { usedAxial: found.usedAxial, axialMissingReason: found.axialMissingReason, sagittalCoverage: found.sagittalCoverage, ...found.heads };
}

/** Returns the part of a series summary that results.json reports. */
export function seriesReport(series: SeriesSummary): SeriesReport {
  return {
    id: series.id,
    seriesInstanceUid: series.seriesInstanceUid,
    seriesNumber: series.number,
    description: series.description,
    classification: series.classification,
    slices: series.sliceCount,
    pixelSpacingMm: series.pixelSpacing,
    // The spacing is measured between slice positions, so it carries rounding (3.99999999999707);
    // a micrometre is far below any slice spacing.
    sliceSpacingMm: series.sliceSpacing === null ? null : Math.round(series.sliceSpacing * 1000) / 1000,
  };
}

/** Names the series in messages by its number and description, never by patient attributes. */
function describeSource(studyPath: string, series: SeriesSummary): string {
  const label = series.number !== null ? `series ${series.number}` : series.id;
  return series.seriesInstanceUid === null ? studyPath : `${studyPath} (${label}${series.description ? ` "${series.description}"` : ''})`;
}

const digests = new Map<string, string>();

async function sha256(path: string): Promise<string> {
  let digest = digests.get(path);
  if (digest === undefined) {
    try {
      digest = await fileSha256(path);
    } catch (error) {
      throw new DeepspineError('MODEL_FAILED', `${path}: cannot read the model file (${String(error)})`, { file: path, cause: error });
    }
    digests.set(path, digest);
  }
  return digest;
}

function roundVector(v: readonly number[], digits = 2): [number, number, number] {
  const f = 10 ** digits;
  return [Math.round(v[0]! * f) / f, Math.round(v[1]! * f) / f, Math.round(v[2]! * f) / f];
}

function roundMeasurements<T extends object>(m: T): T {
  return Object.fromEntries(Object.entries(m).map(([key, value]) => [key, typeof value === 'number' ? Math.round(value * 1000) / 1000 : value])) as T;
}
