import { basename, join, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatLevelTable } from '../outputs/table.js';
import { createOutputFolder, writeOverlayPng, writeResults } from '../outputs/write-results.js';
import { analyzeStudy, writeSegmentation, type AnalysisOutput } from '../pipeline/analyze.js';

export interface AnalyzeCommandOptions {
  out: string;
  sagittalSeries?: string;
  axialSeries?: string;
  model?: string;
  threads?: number;
  inputKind?: 'demo';
}

/**
 * Analyzes one study and writes results.json, segmentation.nii.gz and the overlay PNG to the output
 * folder, then prints the level table on stdout. Returns the analysis for callers that check it.
 */
export async function analyzeOne(study: string, options: AnalyzeCommandOptions, logger: Logger): Promise<AnalysisOutput> {
  const outDir = resolve(options.out);
  // Created before the analysis, so an unusable --out fails at once instead of after the work.
  await createOutputFolder(outDir);
  const output = await analyzeStudy(
    study,
    {
      outDir,
      ...(options.sagittalSeries !== undefined ? { sagittalSeries: options.sagittalSeries } : {}),
      ...(options.axialSeries !== undefined ? { axialSeries: options.axialSeries } : {}),
      ...(options.model !== undefined ? { segmentationModel: options.model } : {}),
      ...(options.inputKind !== undefined ? { inputKind: options.inputKind } : {}),
      threads: options.threads ?? 0,
    },
    logger,
  );
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
  const timingsMs = { ...output.result.timingsMs, 'write outputs': performance.now() - start };
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
  readonly study: string;
  readonly outDir: string;
  readonly exitCode: number;
  readonly error: string | null;
}

/** Writes the batch summary; used by the batch runner so a failed study never hides the others. */
export async function writeBatchSummary(outDir: string, entries: BatchEntry[]): Promise<void> {
  await createOutputFolder(outDir);
  await writeFile(join(outDir, 'batch-summary.json'), JSON.stringify({ studies: entries }, null, 2) + '\n');
}

/** Output folder of one study in a batch: the study's folder or file name, made unique by index when names repeat. */
export function batchOutputDir(out: string, study: string, index: number, names: Set<string>): string {
  let name = basename(study.replace(/[\\/]+$/, '')).replace(/\.(nii\.gz|nii|mha|mhd|nrrd)$/i, '') || `study-${index + 1}`;
  if (names.has(name)) name = `${name}-${index + 1}`;
  names.add(name);
  return join(out, name);
}

/** Parses `--shard INDEX/COUNT` (0-based index). */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index >= count) {
    throw new DeepspineError('INVALID_ARGUMENT', `--shard ${text}: expected INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4`);
  }
  return { index, count };
}
