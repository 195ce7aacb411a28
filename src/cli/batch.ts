import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSha256 } from '../hash.js';
import { printable, type Logger } from '../log.js';
import { outputFileNames } from '../outputs/write-results.js';
import { packageVersion } from '../package-version.js';
import { batchOutputDirs, batchSummaryFileName, prepareBatchOutput, summaryFileName, writeBatchSummary, type BatchEntry, type Shard } from './analyze-command.js';
import { interruptSignals, signalExitCode } from './signals.js';
import { uniqueStudies } from './unique-studies.js';

const mainScript = fileURLToPath(new URL('./main.js', import.meta.url));

export interface BatchOptions {
  out: string;
  /** Studies analysed at once; each runs in its own process. */
  jobs: number;
  /** Only studies whose position in the sorted list modulo count equals index. */
  shard: Shard | null;
  /** Extra arguments passed to every per-study run (series overrides, models). */
  passThrough: string[];
  /** CPU threads of each process; by default the cores are shared equally among the `jobs` processes. */
  threads?: number;
  /**
   * With `resume`, a study whose folder contains the results.json of an earlier run of this
   * deepspine version with these model files is not analyzed again (see finishedEarlier).
   */
  resume?: { segmentationModel: string; gradingModel: string };
}

/**
 * Analyzes many studies with `jobs` worker processes, each with an equal share of the CPU threads
 * (a study given twice, or through two links, once), and writes the batch summary (see
 * `batchSummaryFileName`). The level table of each study that succeeds is printed on stdout when
 * it finishes (see `formatBatchTable`). A study that fails is recorded with its exit code and the
 * others go on. Returns 0 when every study succeeded, else the exit code of the first failure.
 *
 * On SIGINT or SIGTERM no further study starts and the running ones are stopped. The summary
 * records them and the studies not started as not finished, and the return value is 128 plus the
 * signal's number. A second signal exits at once.
 */
export async function runBatch(studies: string[], options: BatchOptions, logger: Logger): Promise<number> {
  await prepareBatchOutput(options.out, options.shard);
  const sorted = uniqueStudies(studies, 'analyzed', logger).sort();
  // Folders are chosen over the whole list before sharding, so that they do not depend on the shard.
  const outDirs = batchOutputDirs(options.out, sorted);
  const planned = sorted.map((study, index) => ({ study, outDir: outDirs[index]!, index }));
  const mine = options.shard === null ? planned : planned.filter((p) => p.index % options.shard!.count === options.shard!.index);
  const entries: (BatchEntry | undefined)[] = new Array(mine.length).fill(undefined);
  if (options.resume !== undefined) {
    const check = await earlierRunCheck(options.resume);
    const earlierStudies = await studiesOfEarlierSummaries(options.out);
    for (const [position, { study, outDir }] of mine.entries()) {
      // The folder must have held this study before: a changed list can give its name to another.
      if (earlierStudies.get(basename(outDir)) !== resolve(study)) continue;
      if (await finishedEarlier(outDir, check)) entries[position] = { study, studyPath: resolve(study), outDir, exitCode: 0, error: null, fromEarlierRun: true };
    }
    const reused = entries.filter((entry) => entry !== undefined).length;
    logger.info(`${reused} of ${mine.length} ${mine.length === 1 ? 'study has' : 'studies have'} results of an earlier run with the same version and models, and are not analyzed again`);
  }
  const todo = mine.map((_, position) => position).filter((position) => entries[position] === undefined);
  const processes = Math.max(1, Math.min(options.jobs, todo.length));
  const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / processes));
  logger.info(`analyzing ${todo.length} of ${sorted.length} studies with ${processes} ${processes === 1 ? 'process' : 'processes'} of ${threads} ${threads === 1 ? 'thread' : 'threads'}`);

  const running = new Set<ChildProcess>();
  let stopped: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopped !== null) process.exit(signalExitCode(signal));
    stopped = signal;
    logger.error(`batch interrupted by ${signal}; stopping the running studies. Run the same command again with --resume to analyze only the studies that did not finish`);
    for (const child of running) child.kill('SIGTERM');
  };
  for (const signal of interruptSignals) process.on(signal, onSignal);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length && stopped === null) {
      const position = todo[next++]!;
      const { study, outDir } = mine[position]!;
      const { exitCode, stdout, stderrTail } = await runChild(['--quiet', 'analyze', study, '--out', outDir, '--threads', String(threads), ...options.passThrough], running);
      done++;
      if (stopped !== null && exitCode !== 0) continue;
      entries[position] = { study, studyPath: resolve(study), outDir, exitCode, error: exitCode === 0 ? null : stderrTail };
      if (exitCode === 0) {
        logger.info(`[${done}/${todo.length}] ${study}: done`);
        process.stdout.write(formatBatchTable(study, outDir, stdout));
      } else logger.error(`[${done}/${todo.length}] ${study}: failed with exit code ${exitCode}: ${stderrTail}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.jobs, todo.length) }, worker));
  } finally {
    for (const signal of interruptSignals) process.off(signal, onSignal);
  }
  const interrupted: NodeJS.Signals | null = stopped;
  const summary = entries.map(
    (entry, position): BatchEntry =>
      entry ?? { study: mine[position]!.study, studyPath: resolve(mine[position]!.study), outDir: mine[position]!.outDir, exitCode: signalExitCode(interrupted!), error: `not finished: the batch was interrupted by ${interrupted}` },
  );
  await writeBatchSummary(options.out, summary, options.shard);
  const failed = summary.filter((e) => e.exitCode !== 0);
  logger.info(`${summary.length - failed.length} of ${summary.length} studies succeeded; summary in ${batchSummaryFileName(options.shard)}`);
  if (interrupted !== null) return signalExitCode(interrupted);
  return failed[0]?.exitCode ?? 0;
}

/** The version and model hashes that results.json of an earlier run must record for `--resume` to keep it. */
interface EarlierRunCheck {
  readonly version: string;
  readonly segmentationSha256: string;
  /** Null when no grading model is installed, so results without grades are the expected ones. */
  readonly gradingSha256: string | null;
}

async function earlierRunCheck(models: { segmentationModel: string; gradingModel: string }): Promise<EarlierRunCheck> {
  return {
    version: packageVersion(),
    segmentationSha256: await fileSha256(models.segmentationModel),
    gradingSha256: existsSync(models.gradingModel) ? await fileSha256(models.gradingModel) : null,
  };
}

/**
 * Maps the name of each study folder in the batch summaries in `out` (of every shard) to the
 * absolute path of the study that finished there. Study folders are direct children of `out`.
 * Summaries that cannot be read are passed over.
 */
async function studiesOfEarlierSummaries(out: string): Promise<Map<string, string>> {
  const studies = new Map<string, string>();
  const names = await readdir(out).catch(() => [] as string[]);
  for (const name of names.filter((entry) => summaryFileName.test(entry))) {
    let summary: { studies?: unknown };
    try {
      summary = JSON.parse(await readFile(join(out, name), 'utf8')) as { studies?: unknown };
    } catch {
      continue;
    }
    if (summary === null || !Array.isArray(summary.studies)) continue;
    for (const entry of summary.studies as Partial<BatchEntry>[]) {
      // The absolute paths: a relative one names another study when the next run starts elsewhere.
      if (typeof entry?.studyPath === 'string' && typeof entry.outDir === 'string' && entry.exitCode === 0) studies.set(basename(entry.outDir), entry.studyPath);
    }
  }
  return studies;
}

/**
 * Returns whether `outDir` contains the results.json of a finished run of this deepspine version with the
 * same model files. A run writes results.json last and removes it first, so its presence means
 * that run finished. Series options are not recorded there, so a resumed batch must be given the
 * same ones.
 */
async function finishedEarlier(outDir: string, check: EarlierRunCheck): Promise<boolean> {
  let result: { deepspineVersion?: unknown; models?: Record<string, { sha256?: unknown } | undefined> };
  try {
    result = JSON.parse(await readFile(join(outDir, outputFileNames.results), 'utf8')) as typeof result;
  } catch {
    return false;
  }
  if (result === null || typeof result !== 'object' || result.deepspineVersion !== check.version) return false;
  if (result.models?.['segmentation']?.sha256 !== check.segmentationSha256) return false;
  return (result.models['grading']?.sha256 ?? null) === check.gradingSha256;
}

/**
 * Returns the stdout block of one study of a batch: a line naming the study and its output folder,
 * the study's level table, and a blank line that separates it from the next block.
 */
export function formatBatchTable(study: string, outDir: string, table: string): string {
  const body = table.endsWith('\n') ? table : `${table}\n`;
  return `Study ${printable(study)}, results in ${printable(outDir)}:\n${body}\n`;
}

/**
 * Runs one `deepspine` child process and returns its exit status, its whole stdout and the tail of
 * its stderr. The child is in `running` while it runs, so that an interrupted batch can stop it.
 */
function runChild(args: string[], running: Set<ChildProcess>): Promise<{ exitCode: number; stdout: string; stderrTail: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mainScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.on('close', () => running.delete(child));
    // The child prints only its level table on stdout (about 3 kB for a study with six levels), so it is kept whole.
    const stdoutChunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on('close', (code, signal) => resolve({ ...childOutcome(code, signal, stderr), stdout: Buffer.concat(stdoutChunks).toString('utf8') }));
    child.on('error', (error) => resolve({ exitCode: 1, stdout: '', stderrTail: String(error) }));
  });
}

/**
 * Returns the exit status and error text of a finished child process. A child killed by a signal
 * gets 128 plus the signal's number, as a shell reports it (137 for SIGKILL), and an error that
 * names the signal, since such a child prints nothing about its end.
 */
export function childOutcome(code: number | null, signal: NodeJS.Signals | null, stderr: string): { exitCode: number; stderrTail: string } {
  const tail = stderrTail(stderr);
  if (signal === null) return { exitCode: code ?? 1, stderrTail: tail };
  // The kernel's out-of-memory killer sends SIGKILL, and a study too large for the memory is the likeliest sender.
  const cause = signal === 'SIGKILL' ? ' (the system may have run out of memory)' : '';
  return { exitCode: signalExitCode(signal), stderrTail: `the analysis process was killed by ${signal}${cause}${tail === '' ? '' : ` | ${tail}`}` };
}

/**
 * Returns the error lines of a child's stderr, or its last three lines when it has none, joined by
 * " | " with the "error: " prefix of each line removed. The batch log line and batch-summary.json
 * already report the failure, so the prefix would only repeat it, and a warning logged before the
 * error would hide which line is the error.
 */
export function stderrTail(stderr: string): string {
  const all = stderr.trim().split('\n');
  const errors = all.filter((line) => line.startsWith('error: ')).slice(-3);
  const lines = errors.length > 0 ? errors : all.slice(-3);
  return lines.map((line) => line.replace(/^error: /, '')).join(' | ');
}
