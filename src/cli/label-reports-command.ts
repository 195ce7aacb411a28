import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { DEFAULT_MAX_CHARS } from '../reports/io.js';
import { labelReportsFile, type LabelRunSummary } from '../reports/label-file.js';
import { loadRules } from '../reports/rules.js';

export interface LabelReportsCliOptions {
  out: string;
  /** Extra rules folders, in the order given on the command line. */
  rules: string[];
  maxChars?: string;
  /** Writes only the stated levels and conditions instead of every one with null. */
  sparse?: boolean;
}

/**
 * Labels a CSV or JSONL file of reports into a JSONL file and logs a summary. Returns 0 once the
 * file was read, even when rows carry warnings; file errors are thrown as a DeepspineError.
 */
export async function runLabelReports(input: string, options: LabelReportsCliOptions, logger: Logger): Promise<number> {
  const maxChars = options.maxChars === undefined ? DEFAULT_MAX_CHARS : parseMaxChars(options.maxChars);
  const rules = loadRules(options.rules.length > 0 ? options.rules : undefined);
  const sparse = options.sparse === true;
  logger.info(
    `label-reports: ${input} -> ${options.out} (rules ${rules.version}, at most ${maxChars} characters per report, ${sparse ? 'sparse' : 'dense'} lines)`,
  );
  const summary = await labelReportsFile(input, options.out, { rules, logger, maxChars, sparse });
  logSummary(logger, summary);
  return 0;
}

function parseMaxChars(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new DeepspineError('INVALID_ARGUMENT', `--max-chars must be a positive whole number of characters, got "${value}"`);
  }
  return parsed;
}

function logSummary(logger: Logger, summary: LabelRunSummary): void {
  logger.info(
    `label-reports: ${summary.reports} reports (${summary.labeled} labeled) in ${summary.seconds.toFixed(1)} s, ` +
      `${Math.round(summary.reportsPerSecond)} reports/s -> ${summary.output}`,
  );
  const counts = Object.entries(summary.warningCounts).sort(([a], [b]) => a.localeCompare(b));
  if (counts.length === 0) logger.info('label-reports: no warnings');
  else logger.info(`label-reports: warnings ${counts.map(([code, count]) => `${code} ${count}`).join(', ')}`);
}
