import { basename, dirname, join, resolve } from 'node:path';
import { realpath, stat } from 'node:fs/promises';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatLevelTable } from '../outputs/table.js';
import { createOutputFolder, removeEarlierOutputs, writeOutput, writeOverlayPng, writeResults } from '../outputs/write-results.js';
import { analyzeStudy, loadAnalysisModels, writeSegmentation, type AnalysisOutput } from '../pipeline/analyze.js';

export interface AnalyzeCommandOptions {
  out: string;
  sagittalSeries?: string;
  axialSeries?: string;
  model?: string;
  gradingModel?: string;
  threads?: number;
  inputKind?: 'demo';
}

/**
 * Analyzes one study and writes results.json, segmentation.nii.gz and the overlay PNG to the output
 * folder, then prints the level table on stdout. Those files of an earlier run are removed first,
 * so a failed run leaves none. Returns the analysis for callers that check it.
 */
export async function analyzeOne(study: string, options: AnalyzeCommandOptions, logger: Logger): Promise<AnalysisOutput> {
  // Created before the analysis, so an unusable --out fails at once instead of after the work. The
  // image library writes the label map through the real path, so a link to a folder is resolved.
  await createOutputFolder(resolve(options.out));
  const outDir = await realpath(resolve(options.out));
  const analyzeOptions = {
    outDir,
    ...(options.sagittalSeries !== undefined ? { sagittalSeries: options.sagittalSeries } : {}),
    ...(options.axialSeries !== undefined ? { axialSeries: options.axialSeries } : {}),
    ...(options.model !== undefined ? { segmentationModel: options.model } : {}),
    ...(options.gradingModel !== undefined ? { gradingModel: options.gradingModel } : {}),
    ...(options.inputKind !== undefined ? { inputKind: options.inputKind } : {}),
    threads: options.threads ?? 0,
  };
  // The models are loaded before the earlier outputs go, so that a mistyped model path keeps them.
  const loadStart = performance.now();
  const models = await logger.step('load models', () => loadAnalysisModels(analyzeOptions));
  const loadMs = performance.now() - loadStart;
  let output: AnalysisOutput;
  try {
    await removeEarlierOutputs(outDir, study);
    output = await analyzeStudy(study, analyzeOptions, logger, models.segmentation, models.grading);
  } finally {
    await models.segmentation.release();
  }
  const start = performance.now();
  await logger.step('write outputs', async () => {
    await createOutputFolder(outDir);
    await writeSegmentation(outDir, output);
    await writeOverlayPng(
      join(outDir, output.result.outputs.overlay),
      output.study.sagittal,
      output.segmentation.labels,
      output.levels.allDiscs,
    );
  });
  const timingsMs = { 'load models': loadMs, ...output.result.timingsMs, 'write outputs': performance.now() - start };
  const result = { ...output.result, timingsMs: roundTimings(timingsMs) };
  await writeResults(outDir, result);
  process.stdout.write(formatLevelTable(result));
  logger.info(`results written to ${outDir}`);
  return { ...output, result };
}

function roundTimings(timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([name, ms]) => [name, Math.round(ms)]));
}

/** Summary line of one study in a batch run. */
export interface BatchEntry {
  /** The study path as given. */
  readonly study: string;
  /** The same path made absolute, which `--resume` compares, since a later run may start in another folder. */
  readonly studyPath: string;
  readonly outDir: string;
  readonly exitCode: number;
  readonly error: string | null;
  /** True when `--resume` kept the results of an earlier run instead of analyzing the study again. */
  readonly fromEarlierRun?: true;
}

/** One part of a study list split across machines: `--shard INDEX/COUNT`, INDEX counted from 0. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Returns the batch summary's file name: batch-summary.json, or batch-summary-shard-INDEX-of-COUNT.json
 * for a shard, so that the shards of one list can share an output folder.
 */
export function batchSummaryFileName(shard: Shard | null): string {
  return shard === null ? 'batch-summary.json' : `batch-summary-shard-${shard.index}-of-${shard.count}.json`;
}

/**
 * Creates the batch output folder and checks that the batch summary can take its name there, so that
 * a folder in the way stops the batch before any study runs.
 * @throws DeepspineError OUTPUT_FAILED naming the folder or the summary path.
 */
export async function prepareBatchOutput(outDir: string, shard: Shard | null): Promise<void> {
  await createOutputFolder(outDir);
  const path = join(outDir, batchSummaryFileName(shard));
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory() === true) {
    throw new DeepspineError('OUTPUT_FAILED', `${path}: cannot write the batch summary, a folder is in the way; remove it or pass another --out`, { file: path });
  }
}

/** Writes the batch summary; used by the batch runner so a failed study never hides the others. */
export async function writeBatchSummary(outDir: string, entries: BatchEntry[], shard: Shard | null = null): Promise<void> {
  await createOutputFolder(outDir);
  await writeOutput(join(outDir, batchSummaryFileName(shard)), JSON.stringify({ studies: entries }, null, 2) + '\n');
}

/** Volume file extensions that a study's output folder name leaves out. */
const volumeExtension = /\.(nii\.gz|nii|mha|mhd|nrrd)$/i;

/** Names of the batch summary files, which no study folder may take. */
export const summaryFileName = /^batch-summary(-shard-\d+-of-\d+)?\.json$/i;

/**
 * Chooses the output folder of every study of a batch, in list order. A folder is named after the
 * last component of the study's resolved path without its volume extension, or `study` when that
 * would be empty, `.` or `..`. A name already taken, compared case-insensitively for file systems
 * that ignore case, gets the first free suffix of -2, -3, and so on. Every folder is a direct child
 * of `out`.
 *
 * The choice depends on nothing but the list (and the working folder, for relative paths), so
 * shards given the same list agree on every folder and never write into the same one.
 */
export function batchOutputDirs(out: string, studies: readonly string[]): string[] {
  const usedNames = new Set<string>();
  const isUsed = (name: string): boolean => usedNames.has(name.toLowerCase()) || summaryFileName.test(name);
  // Volume files laid out as CASE/image.nii.gz share one name, so the name of their folder goes before it.
  const fileNameCounts = new Map<string, number>();
  for (const study of studies) {
    if (!volumeExtension.test(study)) continue;
    const key = studyFolderName(study).toLowerCase();
    fileNameCounts.set(key, (fileNameCounts.get(key) ?? 0) + 1);
  }
  return studies.map((study) => {
    const name = studyFolderName(study);
    const shared = volumeExtension.test(study) && fileNameCounts.get(name.toLowerCase())! > 1;
    const base = shared ? `${studyFolderName(dirname(resolve(study)))}-${name}` : name;
    let folder = base;
    for (let suffix = 2; isUsed(folder); suffix++) folder = `${base}-${suffix}`;
    usedNames.add(folder.toLowerCase());
    return join(out, folder);
  });
}

function studyFolderName(study: string): string {
  const name = basename(resolve(study)).replace(volumeExtension, '');
  return name === '' || name === '.' || name === '..' ? 'study' : name;
}

/** Parses `--shard INDEX/COUNT` (0-based index). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index >= count) {
    throw new DeepspineError('INVALID_ARGUMENT', `--shard ${text}: expected INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4`);
  }
  return { index, count };
}
