import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DeepspineError } from '../errors.js';
import { defaultGradingModelPath } from '../grading/model.js';
import { loadAnalysisModels } from '../pipeline/analyze.js';
import { defaultSegmentationModelPath } from '../segmentation/model.js';
import type { Logger } from '../log.js';
import { analyzeOne, parseShard } from './analyze-command.js';
import { runBatch } from './batch.js';
import { prepareDemoStudy } from './demo-study.js';

export interface AnalyzeCliOptions {
  demo?: boolean;
  out: string;
  sagittalSeries?: string;
  axialSeries?: string;
  model?: string;
  gradingModel?: string;
  jobs?: string;
  shard?: string;
  threads?: string;
  resume?: boolean;
}

/** Dispatches `deepspine analyze`: the demo, one study, or a batch of studies. Returns the exit code. */
export async function runAnalyzeCommand(studies: string[], options: AnalyzeCliOptions, logger: Logger): Promise<number> {
  const threads = parsePositive(options.threads, '--threads') ?? 0;
  const shared = {
    ...(options.sagittalSeries !== undefined ? { sagittalSeries: options.sagittalSeries } : {}),
    ...(options.axialSeries !== undefined ? { axialSeries: options.axialSeries } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.gradingModel !== undefined ? { gradingModel: options.gradingModel } : {}),
  };
  // Checked before the demo and single-study paths too, so a wrong --jobs is never silently ignored.
  const requestedJobs = parsePositive(options.jobs, '--jobs');
  const shard = options.shard === undefined ? null : parseShard(options.shard);
  if (options.out.trim() === '') throw new DeepspineError('INVALID_ARGUMENT', '--out is empty; pass an output folder, or leave --out out for deepspine-out');
  if (options.model?.trim() === '') throw new DeepspineError('INVALID_ARGUMENT', '--model is empty; pass the path of a segmentation ONNX model, or leave the option out for the shipped one');
  if (options.gradingModel?.trim() === '') throw new DeepspineError('INVALID_ARGUMENT', '--grading-model is empty; pass the path of a grading ONNX model, or leave the option out for the shipped one');
  // Checked before any study is read: without it, a mistyped path would only turn grading off with a warning.
  if (options.gradingModel !== undefined && !existsSync(options.gradingModel)) {
    throw new DeepspineError('MODEL_FAILED', `grading model ${options.gradingModel} not found; check the path given with --grading-model`, { file: options.gradingModel });
  }
  if (options.demo) {
    if (studies.length > 0) throw new DeepspineError('INVALID_ARGUMENT', 'give either --demo or study paths, not both');
    if (shard !== null) throw new DeepspineError('INVALID_ARGUMENT', '--shard splits a list of studies; it does not apply to --demo');
    if (options.resume === true) throw new DeepspineError('INVALID_ARGUMENT', '--resume skips finished studies of a batch; it does not apply to --demo');
    const demoDir = join(options.out, 'demo-study');
    await prepareDemoStudy(demoDir, logger);
    await analyzeOne(demoDir, { out: options.out, threads, inputKind: 'demo', ...shared }, logger);
    return 0;
  }
  if (studies.length === 0) throw new DeepspineError('INVALID_ARGUMENT', 'no study given; pass a DICOM folder or a NIfTI, MHA, MHD or NRRD file, or --demo');
  if (studies.length === 1 && shard === null && options.resume !== true) {
    await analyzeOne(studies[0]!, { out: options.out, threads, ...shared }, logger);
    return 0;
  }
  const jobs = requestedJobs ?? Math.max(1, Math.floor(availableParallelism() / 2));
  const passThrough = Object.entries(shared).flatMap(([key, value]) => [`--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`, value]);
  // Loaded once here, so that a bad model file stops the batch before any study's folder is touched.
  const models = await logger.step('load models', () => loadAnalysisModels({ ...(options.model !== undefined ? { segmentationModel: options.model } : {}), ...(options.gradingModel !== undefined ? { gradingModel: options.gradingModel } : {}) }));
  await models.segmentation.release();
  const resume = { segmentationModel: options.model ?? defaultSegmentationModelPath, gradingModel: options.gradingModel ?? defaultGradingModelPath };
  return runBatch(
    studies,
    { out: options.out, jobs, shard, passThrough, ...(options.threads !== undefined ? { threads } : {}), ...(options.resume === true ? { resume } : {}) },
    logger,
  );
}

function parsePositive(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new DeepspineError('INVALID_ARGUMENT', `${flag} ${text}: expected a whole number of at least 1`);
  return value;
}
