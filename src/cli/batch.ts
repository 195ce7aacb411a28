import { spawn } from 'node:child_process';
import { availableParallelism, constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { printable, type Logger } from '../log.js';
import { batchOutputDirs, batchSummaryFileName, prepareBatchOutput, writeBatchSummary, type BatchEntry, type Shard } from './analyze-command.js';
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
}

/**
 * Analyzes many studies with `jobs` worker processes (a study given twice, or through two links, once), each with an equal share of the CPU threads,
 * and writes the batch summary (see `batchSummaryFileName`). The level table of each study that
 * succeeds is printed on stdout when it finishes (see `formatBatchTable`). A study that fails is
 * recorded with its exit code and the others go on. Returns 0 when every study succeeded, else the
 * exit code of the first failure.
 */
export async function runBatch(studies: string[], options: BatchOptions, logger: Logger): Promise<number> {
  await prepareBatchOutput(options.out, options.shard);
  const sorted = uniqueStudies(studies, 'analyzed', logger).sort();
  // Folders are chosen over the whole list before sharding, so that they do not depend on the shard.
  const outDirs = batchOutputDirs(options.out, sorted);
  const planned = sorted.map((study, index) => ({ study, outDir: outDirs[index]!, index }));
  const mine = options.shard === null ? planned : planned.filter((p) => p.index % options.shard!.count === options.shard!.index);
  const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / options.jobs));
  logger.info(`analyzing ${mine.length} of ${sorted.length} studies with ${options.jobs} ${options.jobs === 1 ? 'process' : 'processes'} of ${threads} ${threads === 1 ? 'thread' : 'threads'}`);
  const entries: BatchEntry[] = new Array(mine.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < mine.length) {
      const position = next++;
      const { study, outDir } = mine[position]!;
      const { exitCode, stdout, stderrTail } = await runChild(['--quiet', 'analyze', study, '--out', outDir, '--threads', String(threads), ...options.passThrough]);
      entries[position] = { study, outDir, exitCode, error: exitCode === 0 ? null : stderrTail };
      done++;
      if (exitCode === 0) {
        logger.info(`[${done}/${mine.length}] ${study}: done`);
        process.stdout.write(formatBatchTable(study, outDir, stdout));
      } else logger.error(`[${done}/${mine.length}] ${study}: failed with exit code ${exitCode}: ${stderrTail}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, mine.length) }, worker));
  await writeBatchSummary(options.out, entries, options.shard);
  const failed = entries.filter((e) => e.exitCode !== 0);
  logger.info(`${entries.length - failed.length} of ${entries.length} studies succeeded; summary in ${batchSummaryFileName(options.shard)}`);
  return failed[0]?.exitCode ?? 0;
}

/**
 * Returns the stdout block of one study of a batch: a line naming the study and its output folder,
 * the study's level table, and a blank line that separates it from the next block.
 */
export function formatBatchTable(study: string, outDir: string, table: string): string {
  const body = table.endsWith('\n') ? table : `${table}\n`;
  return `Study ${printable(study)}, results in ${printable(outDir)}:\n${body}\n`;
}

/** Runs one `deepspine` child process and returns its exit status, its whole stdout and the tail of its stderr. */
function runChild(args: string[]): Promise<{ exitCode: number; stdout: string; stderrTail: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mainScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { exitCode: 128 + (constants.signals[signal] ?? 0), stderrTail: `the analysis process was killed by ${signal}${cause}${tail === '' ? '' : ` | ${tail}`}` };
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
