/**
 * Measures the report labeler on synthetic lumbar MRI reports (bench/report-corpus.ts): the
 * engine alone, single-threaded, after a warm-up, and optionally the whole file path of
 * `deepspine label-reports` (CSV or JSONL in, JSONL out).
 * Usage: node dist/bench/label-reports.js [COUNT] [--seed N] [--runs N] [--file]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { extname, join } from 'node:path';
import { silentLogger } from '../src/log.js';
import { labelReport } from '../src/reports/labeler.js';
import { labelReportsFile } from '../src/reports/label-file.js';
import { loadRules } from '../src/reports/rules.js';
import type { WarningCode } from '../src/reports/types.js';
import { generateCorpus, writeCorpusCsv } from './report-corpus.js';

interface BenchOptions {
  count: number;
  seed: number;
  runs: number;
  file: boolean;
}

function parseArguments(argv: string[]): BenchOptions {
  const options: BenchOptions = { count: 20_000, seed: 1, runs: 3, file: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--file') options.file = true;
    else if (argument === '--seed') options.seed = Number(argv[++index]);
    else if (argument === '--runs') options.runs = Number(argv[++index]);
    else options.count = Number(argument);
  }
  if (![options.count, options.seed, options.runs].every(Number.isInteger) || options.count < 1 || options.runs < 1) {
    process.stderr.write('usage: node dist/bench/label-reports.js [COUNT] [--seed N] [--runs N] [--file]\n');
    process.exit(2);
  }
  return options;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const options = parseArguments(process.argv.slice(2));
const cpu = cpus();
process.stdout.write(`machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}\n`);

const generationStart = performance.now();
const corpus = generateCorpus(options.count, options.seed);
const texts = corpus.map((report) => report.text);
const chars = texts.reduce((sum, text) => sum + text.length, 0);
const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
process.stdout.write(`corpus: ${options.count} reports, seed ${options.seed}, mean ${(chars / options.count).toFixed(0)} characters, generated in ${((performance.now() - generationStart) / 1000).toFixed(1)} s\n`);

const rules = loadRules();
// The warm-up lets V8 compile the hot paths before anything is timed.
const warmUp = Math.min(texts.length, 2000);
for (let index = 0; index < warmUp; index++) labelReport(texts[index]!, rules);

// Wall time is what a user waits. CPU time of this process (user plus system) leaves out the time
// that other processes on a busy machine take from it.
const seconds: number[] = [];
const cpuSeconds: number[] = [];
const warningCounts = new Map<WarningCode, number>();
let values = 0;
for (let run = 0; run < options.runs; run++) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (const text of texts) {
    const labels = labelReport(text, rules);
    // Counting the output keeps the work observable, and the first run's counts are printed below.
    for (const level of Object.values(labels.levels)) values += Object.keys(level).length;
    if (run === 0) for (const warning of labels.warnings) warningCounts.set(warning.code, (warningCounts.get(warning.code) ?? 0) + 1);
  }
  seconds.push((performance.now() - start) / 1000);
  const cpu = process.cpuUsage(cpuStart);
  cpuSeconds.push((cpu.user + cpu.system) / 1e6);
}
const engineSeconds = median(seconds);
const engineCpuSeconds = median(cpuSeconds);
process.stdout.write(
  `engine, single-threaded, median of ${options.runs} runs: ${(options.count / engineSeconds).toFixed(0)} reports/s, ` +
    `${(bytes / 2 ** 20 / engineSeconds).toFixed(1)} MiB/s (runs: ${seconds.map((value) => value.toFixed(2)).join(', ')} s)\n`,
);
process.stdout.write(`engine, per CPU second: ${(options.count / engineCpuSeconds).toFixed(0)} reports/s, ${(bytes / 2 ** 20 / engineCpuSeconds).toFixed(1)} MiB/s\n`);
process.stdout.write(`labels: ${(values / options.runs / options.count).toFixed(1)} values per report; warnings: ${[...warningCounts].map(([code, count]) => `${code} ${count}`).join(', ') || 'none'}\n`);

if (options.file) {
  const scratch = mkdtempSync(join(tmpdir(), 'deepspine-bench-reports-'));
  try {
    const csv = join(scratch, 'reports.csv');
    const jsonl = join(scratch, 'reports.jsonl');
    writeCorpusCsv(csv, corpus);
    writeFileSync(jsonl, corpus.map((report) => JSON.stringify(report)).join('\n') + '\n');
    for (const input of [csv, jsonl]) await benchFile(input, join(scratch, 'labels.jsonl'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Times labelReportsFile on one input file and prints its throughput. */
async function benchFile(input: string, output: string): Promise<void> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const summary = await labelReportsFile(input, output, { rules, logger: silentLogger });
  const fileSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const fileCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const inputMiB = statSync(input).size / 2 ** 20;
  const outputMiB = statSync(output).size / 2 ** 20;
  process.stdout.write(
    `file path (${extname(input).slice(1).toUpperCase()} ${inputMiB.toFixed(1)} MiB in, JSONL ${outputMiB.toFixed(1)} MiB out): ` +
      `${(summary.reports / fileSeconds).toFixed(0)} reports/s, ${(inputMiB / fileSeconds).toFixed(1)} MiB/s of input, ${fileSeconds.toFixed(2)} s; ` +
      `per CPU second ${(summary.reports / fileCpuSeconds).toFixed(0)} reports/s\n`,
  );
}
