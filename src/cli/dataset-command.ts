import { buildDataset } from '../dataset/build.js';
import { formatSummary } from '../dataset/summary.js';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseShard } from './analyze-command.js';

/** Options of `deepspine dataset build` as commander parses them. */
export interface DatasetBuildCliOptions {
  studies: string;
  reports: string;
  out: string;
  jobs?: string;
  shard?: string;
  model?: string;
  /** Extra labeler rules folders, in the order given. */
  rules: string[];
  retryFailed?: boolean;
}

/**
 * Runs `deepspine dataset build` and prints the summary table on stdout. Returns 0 when every study
 * of the run's shard is done, else the exit status of the first failed study. The manifest is
 * written in both cases.
 */
export async function runDatasetBuild(options: DatasetBuildCliOptions, logger: Logger): Promise<number> {
  const jobs = options.jobs === undefined ? undefined : parseJobs(options.jobs);
  const result = await buildDataset(
    {
      studies: options.studies,
      reports: options.reports,
      out: options.out,
      shard: options.shard === undefined ? null : parseShard(options.shard),
      retryFailed: options.retryFailed === true,
      ...(jobs !== undefined ? { jobs } : {}),
      ...(options.model !== undefined ? { model: options.model } : {}),
      rules: options.rules,
    },
    logger,
  );
  process.stdout.write(formatSummary(result.summary));
  logger.info(`${result.summary.rows.total} levels of ${result.summary.studies.done} studies in ${result.manifestPath}`);
  if (result.summary.studies.failed > 0) logger.warn(`${result.summary.studies.failed} studies failed; see summary.json, and rerun with --retry-failed after fixing them`);
  return result.exitCode;
}

function parseJobs(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new DeepspineError('INVALID_ARGUMENT', `--jobs ${text}: expected a whole number of at least 1`);
  return value;
}
