import { buildDataset, type DatasetBuildResult } from '../dataset/build.js';
import { formatSummary } from '../dataset/summary.js';
import { DeepspineError } from '../errors.js';
import { listFirst, type Logger } from '../log.js';
import { parseShard } from './analyze-command.js';
import { interruptSignals, signalExitCode } from './signals.js';

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
  minLevelConfidence?: string;
}

/**
 * Runs `deepspine dataset build` and prints the summary table on stdout. Returns 0 when every study
 * of the run's shard is done, else the exit status of the first failed study. The manifest is
 * written in both cases. On SIGINT or SIGTERM it logs one line, stops the worker processes and
 * returns 130 or 143, and a second signal exits at once.
 */
export async function runDatasetBuild(options: DatasetBuildCliOptions, logger: Logger): Promise<number> {
  const jobs = options.jobs === undefined ? undefined : parseJobs(options.jobs);
  const minLevelConfidence = options.minLevelConfidence === undefined ? undefined : parseConfidence(options.minLevelConfidence);
  const interruption = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received !== null) process.exit(signalExitCode(signal));
    received = signal;
    logger.error(`dataset build interrupted by ${signal}; stopping the worker processes. Run the same command again to resume: it processes every study without a stored result, the interrupted ones included`);
    interruption.abort(new Error(`interrupted by ${signal}`));
  };
  for (const signal of interruptSignals) process.on(signal, onSignal);
  let result: DatasetBuildResult;
  try {
    result = await buildDataset(
      {
        studies: options.studies,
        reports: options.reports,
        out: options.out,
        shard: options.shard === undefined ? null : parseShard(options.shard),
        retryFailed: options.retryFailed === true,
        ...(jobs !== undefined ? { jobs } : {}),
        ...(options.model !== undefined ? { model: options.model } : {}),
        ...(minLevelConfidence !== undefined ? { minLevelConfidence } : {}),
        rules: options.rules,
        signal: interruption.signal,
      },
      logger,
    );
  } catch (error) {
    if (received !== null) return signalExitCode(received);
    throw error;
  } finally {
    for (const signal of interruptSignals) process.off(signal, onSignal);
  }
  // A signal during the join lets the join finish; the run still ends as interrupted.
  if (received !== null) return signalExitCode(received);
  process.stdout.write(formatSummary(result.summary));
  logger.info(`${result.summary.rows.total} levels of ${result.summary.studies.done} studies in ${result.manifestPath}`);
  const uncertain = result.summary.studies.uncertainNames;
  if (uncertain.length > 0) {
    const named = listFirst(
      uncertain.map((study) => `${study.studyId} (${study.warnings.join(', ') || 'low confidence'})`),
      5,
    );
    logger.warn(
      `${uncertain.length} studies have levels named with confidence under ${result.summary.minLevelConfidence}, and those rows got no report labels: ${named}; ` +
        'see studies.uncertainNames in summary.json',
    );
  }
  if (result.summary.studies.failed > 0) logger.warn(`${result.summary.studies.failed} ${result.summary.studies.failed === 1 ? 'study' : 'studies'} failed; see summary.json, and rerun with --retry-failed after fixing them`);
  return result.exitCode;
}

function parseConfidence(text: string): number {
  const value = Number(text);
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text) || !(value >= 0 && value <= 1)) throw new DeepspineError('INVALID_ARGUMENT', `--min-level-confidence ${text}: expected a number from 0 to 1`);
  return value;
}

function parseJobs(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new DeepspineError('INVALID_ARGUMENT', `--jobs ${text}: expected a whole number of at least 1`);
  return value;
}
