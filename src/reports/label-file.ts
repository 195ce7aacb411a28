/**
 * Labels a file of reports (CSV or JSONL, see io.ts) into a JSONL file with one LabeledReport per
 * input row, in input order, and reads such a file back. Lines are dense (every level and
 * condition, null where not stated) by default, or sparse (stated values only) on request.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { isSameFile } from '../same-file.js';
import { checkReportFile, readReports, type ReportRow } from './io.js';
import { labelReport } from './labeler.js';
import { loadRules, type Rules } from './rules.js';
import {
  BINARY_CONDITIONS,
  CONDITIONS,
  GRADED_CONDITIONS,
  REPORT_LEVELS,
  type Condition,
  type ConditionValue,
  type LabeledReport,
  type LevelValues,
  type ReportLabels,
  type ReportLevel,
  type ReportWarning,
  type WarningCode,
} from './types.js';

export interface LabelFileOptions {
  /** The rules to label with; loaded with loadRules() when absent. */
  rules?: Rules;
  logger: Logger;
  /** Reports longer than this many characters are not labeled (TEXT_TOO_LONG); default 200000. */
  maxChars?: number;
  /** Writes only the stated levels and conditions (toSparseLine) instead of dense lines; default false. */
  sparse?: boolean;
}

/** The counts and timing of one labelReportsFile run, for the log and for callers. */
export interface LabelRunSummary {
  input: string;
  output: string;
  /** The rules version written into every line, e.g. "deepspine-rules/1". */
  rules: string;
  /** Lines written: one per input row, including rows that were not labeled. */
  reports: number;
  /** Rows whose text was given to the labeler. */
  labeled: number;
  seconds: number;
  reportsPerSecond: number;
  /** How many warnings of each code the output lines carry. */
  warningCounts: Partial<Record<WarningCode, number>>;
}

/** The levels every output line lists, whether or not the report names them. */
const DENSE_LEVELS: readonly ReportLevel[] = ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'];

/** Rows with these warnings carry no usable text, so they are written with empty labels. */
const NOT_LABELED: ReadonlySet<WarningCode> = new Set(['UNPARSEABLE_ROW', 'TEXT_TOO_LONG', 'EMPTY_TEXT']);

const PROGRESS_INTERVAL_MS = 5000;
/** Each warning code is logged with its row this many times; later ones are only counted. */
const LOGGED_WARNINGS_PER_CODE = 5;
const WRITE_BATCH_CHARS = 1 << 20;

/**
 * Labels every report of `input` (CSV or JSONL) and writes one JSON line per input row to
 * `output`, in input order. The output is first written to `output + ".partial"` and renamed when
 * complete, so an interrupted run never leaves a file that looks finished. Row problems are
 * warnings on that row's line, and a file with no reports is logged as a warning.
 * @throws DeepspineError from checkReportFile, before anything is written, when the input is
 * missing, not a file, empty or has an unknown extension.
 * @throws DeepspineError INVALID_ARGUMENT, before anything is written, when `output` or its
 * partial file is the input file, also through a link.
 * @throws DeepspineError from readReports when the input cannot be read as a report file, and
 * OUTPUT_FAILED when the output cannot be written. In both cases the partial file is removed.
 */
export async function labelReportsFile(input: string, output: string, options: LabelFileOptions): Promise<LabelRunSummary> {
  const rules = options.rules ?? loadRules();
  return labelReportsFileWith(input, output, options, { label: (text) => labelReport(text, rules), rulesVersion: rules.version });
}

/** The labeling function and the rules version it writes; tests pass a stand-in labeler here. */
export interface Labeler {
  label(text: string): ReportLabels;
  rulesVersion: string;
}

/** labelReportsFile with the labeler given, so that the file handling can be tested alone. */
export async function labelReportsFileWith(
  input: string,
  output: string,
  options: Omit<LabelFileOptions, 'rules'>,
  labeler: Labeler,
): Promise<LabelRunSummary> {
  const { logger } = options;
  const unit = (await checkReportFile(input)) === 'csv' ? 'row' : 'line';
  const partial = `${output}.partial`;
  await assertNotInputFile(input, output, output);
  await assertNotInputFile(input, partial, output);
  const toLine = options.sparse === true ? toSparseLine : toDenseLine;
  const start = performance.now();
  const warningCounts: Partial<Record<WarningCode, number>> = {};
  let reports = 0;
  let labeled = 0;
  let lastProgress = start;

  const writer = await openOutput(partial);
  try {
    const rows = readReports(input, options.maxChars === undefined ? {} : { maxChars: options.maxChars });
    for await (const row of rows) {
      const report = labelRow(row, labeler, unit);
      if (report.labeled) labeled++;
      reports++;
      for (const warning of report.line.warnings) {
        const count = (warningCounts[warning.code] ?? 0) + 1;
        warningCounts[warning.code] = count;
        logRowWarning(logger, unit, row, warning, count);
      }
      await writer.write(JSON.stringify(toLine(report.line)) + '\n');

      const now = performance.now();
      if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = now;
        logger.info(`label-reports: ${reports} reports, ${Math.round(reports / ((now - start) / 1000))} reports/s`);
      }
    }
    await writer.close();
    await renameOutput(partial, output);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  if (reports === 0) logger.warn(`no reports in ${input}; ${output} is empty`);

  const seconds = (performance.now() - start) / 1000;
  return {
    input,
    output,
    rules: labeler.rulesVersion,
    reports,
    labeled,
    seconds,
    reportsPerSecond: seconds > 0 ? reports / seconds : 0,
    warningCounts,
  };
}

/**
 * Throws INVALID_ARGUMENT when `path` is the same file as `input`: the same device and inode, so a
 * symbolic or hard link to the input counts too. A path that does not exist yet cannot be the input.
 */
async function assertNotInputFile(input: string, path: string, output: string): Promise<void> {
  if (!(await isSameFile(input, path))) return;
  const role = path === output ? `the output file ${output}` : `the partial output file ${path}`;
  throw new DeepspineError('INVALID_ARGUMENT', `${role} is the input report file ${input}; choose another output path so that the reports are not overwritten`, {
    file: input,
  });
}

function labelRow(row: ReportRow, labeler: Labeler, unit: string): { line: LabeledReport; labeled: boolean } {
  const empty: LabeledReport = { id: row.id, rules: labeler.rulesVersion, levels: {}, evidence: {}, warnings: [...row.warnings] };
  if (row.warnings.some((warning) => NOT_LABELED.has(warning.code))) return { line: empty, labeled: false };
  let labels: ReportLabels;
  try {
    labels = labeler.label(row.text);
  } catch (error) {
    // The labeler has no expected failures, so an exception is a bug. The row keeps no labels and
    // names the failure, and the other rows go on; the message never contains report text.
    const reason = error instanceof Error ? error.message : String(error);
    const warning = { code: 'LABELER_FAILED' as const, message: `labeling ${unit} ${row.row} failed (${reason}); please report it with the report text` };
    return { line: { ...empty, warnings: [...empty.warnings, warning] }, labeled: false };
  }
  return {
    line: { id: row.id, rules: labeler.rulesVersion, levels: labels.levels, evidence: labels.evidence, warnings: [...row.warnings, ...labels.warnings] },
    labeled: true,
  };
}

/**
 * Logs the first few warnings of each code with their row and id, and then once that the rest are
 * only counted. A warning found while reading the row also gives its reason, such as the field
 * counts of an UNPARSEABLE_ROW. Those messages quote no report text.
 */
function logRowWarning(logger: Logger, unit: string, row: ReportRow, warning: ReportWarning, count: number): void {
  if (count > LOGGED_WARNINGS_PER_CODE) return;
  const code = warning.code;
  const id = row.id === '' ? '' : ` (id "${row.id}")`;
  const rowPrefix = `${unit} ${row.row}: `;
  const reason = row.warnings.includes(warning) && warning.message.startsWith(rowPrefix) ? `: ${warning.message.slice(rowPrefix.length)}` : '';
  const more = count === LOGGED_WARNINGS_PER_CODE ? `; further ${code} warnings are counted in the summary, not logged` : '';
  logger.warn(`${unit} ${row.row}${id}: ${code}${reason}${more}`);
}

/** A line of the output file: every level of DENSE_LEVELS (plus L5-L6 and L6-S1 when present) with every condition, null where not stated. */
export interface DenseLabeledReport extends Omit<LabeledReport, 'levels'> {
  levels: Partial<Record<ReportLevel, Record<Condition, ConditionValue | null>>>;
}

/**
 * Returns the report with only the stated values: levels without a stated condition are left out.
 * readLabeledReports reads these lines as well as dense ones.
 */
export function toSparseLine(report: LabeledReport): LabeledReport {
  const levels: LabeledReport['levels'] = {};
  for (const level of REPORT_LEVELS) {
    const values = report.levels[level];
    if (values === undefined) continue;
    const stated: LevelValues = {};
    for (const condition of CONDITIONS) {
      const value = values[condition];
      if (value !== undefined) stated[condition] = value;
    }
    if (Object.keys(stated).length > 0) levels[level] = stated;
  }
  return { id: report.id, rules: report.rules, levels, evidence: report.evidence, warnings: report.warnings };
}

/** Fills in every listed level and condition of a report, with null where the report states nothing. */
export function toDenseLine(report: LabeledReport): DenseLabeledReport {
  const levels: DenseLabeledReport['levels'] = {};
  for (const level of REPORT_LEVELS) {
    const values = report.levels[level];
    if (!DENSE_LEVELS.includes(level) && values === undefined && report.evidence[level] === undefined) continue;
    const dense = {} as Record<Condition, ConditionValue | null>;
    for (const condition of CONDITIONS) dense[condition] = values?.[condition] ?? null;
    levels[level] = dense;
  }
  return { id: report.id, rules: report.rules, levels, evidence: report.evidence, warnings: report.warnings };
}

/**
 * Streams the reports of a file written by labelReportsFile, dense or sparse, one per line, with
 * the null values removed so that each matches the LabeledReport type. Throws INPUT_NOT_FOUND when the file is
 * missing and INVALID_REPORT_FILE, naming the line, when a line is not a labeled report.
 */
export async function* readLabeledReports(jsonlPath: string): AsyncGenerator<LabeledReport> {
  const stream = createReadStream(jsonlPath, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('ready', resolve);
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new DeepspineError('INPUT_NOT_FOUND', `labeled reports file not found: ${jsonlPath}`, { file: jsonlPath, cause: error });
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw invalidLabeledLine(jsonlPath, number, `invalid JSON (${(error as Error).message})`);
    }
    yield parseLabeledReport(value, (reason) => invalidLabeledLine(jsonlPath, number, reason));
  }
}

function invalidLabeledLine(path: string, line: number, reason: string): DeepspineError {
  return new DeepspineError('INVALID_REPORT_FILE', `${path} line ${line}: ${reason}; expected a line written by deepspine label-reports`, { file: path });
}

const GRADES: readonly unknown[] = [0, 1, 2, 3];
const PRESENCES: readonly unknown[] = [0, 1, 'uncertain'];

/** Checks one parsed output line and converts it back to the sparse LabeledReport. */
function parseLabeledReport(value: unknown, invalid: (reason: string) => DeepspineError): LabeledReport {
  if (!isObject(value)) throw invalid('the line is not a JSON object');
  const { id, rules, levels, evidence, warnings } = value;
  if (typeof id !== 'string') throw invalid('"id" is not a string');
  if (typeof rules !== 'string') throw invalid('"rules" is not a string');
  if (!isObject(levels)) throw invalid('"levels" is not an object');
  if (!isObject(evidence)) throw invalid('"evidence" is not an object');
  if (!Array.isArray(warnings)) throw invalid('"warnings" is not an array');

  const sparse: LabeledReport['levels'] = {};
  for (const [level, values] of Object.entries(levels)) {
    if (!(REPORT_LEVELS as readonly string[]).includes(level)) throw invalid(`unknown level "${level}"`);
    if (!isObject(values)) throw invalid(`level ${level} is not an object`);
    const sparseValues: LevelValues = {};
    for (const [condition, conditionValue] of Object.entries(values)) {
      if (conditionValue === null) continue;
      const allowed = (GRADED_CONDITIONS as readonly string[]).includes(condition)
        ? GRADES
        : (BINARY_CONDITIONS as readonly string[]).includes(condition)
          ? PRESENCES
          : undefined;
      if (allowed === undefined) throw invalid(`unknown condition "${condition}" at ${level}`);
      if (!allowed.includes(conditionValue)) throw invalid(`invalid value ${JSON.stringify(conditionValue)} for ${condition} at ${level}`);
      sparseValues[condition as Condition] = conditionValue as ConditionValue;
    }
    if (Object.keys(sparseValues).length > 0) sparse[level as ReportLevel] = sparseValues;
  }
  return { id, rules, levels: sparse, evidence: evidence as LabeledReport['evidence'], warnings: warnings as LabeledReport['warnings'] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An output file written in batches of about 1 MiB. */
interface OutputWriter {
  write(text: string): Promise<void>;
  close(): Promise<void>;
  /** Closes and removes the file after a failure. */
  abort(): Promise<void>;
}

async function openOutput(path: string): Promise<OutputWriter> {
  const failed = (error: unknown): DeepspineError =>
    new DeepspineError('OUTPUT_FAILED', `cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`, { file: path, cause: error });
  let handle;
  try {
    await mkdir(dirname(path), { recursive: true });
    handle = await open(path, 'w');
  } catch (error) {
    throw failed(error);
  }
  const file = handle;
  let batch: string[] = [];
  let batchChars = 0;
  let closed = false;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const text = batch.join('');
    batch = [];
    batchChars = 0;
    try {
      await file.write(text);
    } catch (error) {
      throw failed(error);
    }
  };
  return {
    async write(text) {
      batch.push(text);
      batchChars += text.length;
      if (batchChars >= WRITE_BATCH_CHARS) await flush();
    },
    async close() {
      await flush();
      closed = true;
      try {
        await file.close();
      } catch (error) {
        throw failed(error);
      }
    },
    async abort() {
      if (!closed) await file.close().catch(() => undefined);
      await rm(path, { force: true });
    },
  };
}

async function renameOutput(partial: string, output: string): Promise<void> {
  try {
    await rename(partial, output);
  } catch (error) {
    throw new DeepspineError('OUTPUT_FAILED', `cannot rename ${partial} to ${output}: ${error instanceof Error ? error.message : String(error)}`, { file: output, cause: error });
  }
}
