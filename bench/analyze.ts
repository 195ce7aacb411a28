/**
 * Measures `deepspine analyze` on one study: wall time, peak resident memory and the per-step
 * breakdown from results.json, over several runs, each in a fresh process so caches do not carry
 * over. Usage: node dist/bench/analyze.js STUDY [RUNS]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const study = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
if (study === undefined || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: node dist/bench/analyze.js STUDY [RUNS]\n');
  process.exit(2);
}

// The driver runs the CLI inside a child and reports its own peak RSS (maxRSS is in KiB).
const driver = `
const { runCli } = await import(${JSON.stringify(cli.replace('main.js', 'program.js'))});
const start = performance.now();
const code = await runCli(['node', 'deepspine', '--quiet', 'analyze', process.argv[1], '--out', process.argv[2]]);
process.stdout.write(JSON.stringify({ code, wallMs: performance.now() - start, maxRssKiB: process.resourceUsage().maxRSS }));
`;

const rows: { wallMs: number; processMs: number; maxRssMiB: number; steps: Record<string, number> }[] = [];
for (let run = 0; run < runs; run++) {
  const out = mkdtempSync(join(tmpdir(), 'deepspine-bench-'));
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', driver, study, out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const processMs = performance.now() - started;
  const report = JSON.parse(child.stdout.slice(child.stdout.lastIndexOf('{'))) as { code: number; wallMs: number; maxRssKiB: number };
  if (report.code !== 0) throw new Error(`analyze exited with ${report.code} on ${study}`);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { timingsMs: Record<string, number> };
  rows.push({ wallMs: report.wallMs, processMs, maxRssMiB: report.maxRssKiB / 1024, steps: results.timingsMs });
  rmSync(out, { recursive: true, force: true });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const stepNames = [...new Set(rows.flatMap((row) => Object.keys(row.steps)))];
process.stdout.write(`study: ${study}\nruns: ${runs}\n`);
process.stdout.write(`wall time, analyze call (median): ${(median(rows.map((r) => r.wallMs)) / 1000).toFixed(2)} s\n`);
process.stdout.write(`wall time, whole process incl. Node start (median): ${(median(rows.map((r) => r.processMs)) / 1000).toFixed(2)} s\n`);
process.stdout.write(`peak resident memory (max): ${Math.max(...rows.map((r) => r.maxRssMiB)).toFixed(0)} MiB\n`);
process.stdout.write('step breakdown (median ms):\n');
for (const name of stepNames) process.stdout.write(`  ${name.padEnd(18)} ${median(rows.map((r) => r.steps[name] ?? 0)).toFixed(0).padStart(6)}\n`);
