import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { runLabelReports } from '../../src/cli/label-reports-command.js';
import { createLogger } from '../../src/log.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'deepspine-label-reports-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the built CLI in a child process and captures its exit status and output. */
function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) code = typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function write(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

const REPORTS_CSV = [
  'id,text',
  'a1,"FINDINGS:\nL4-5: Moderate spinal canal stenosis. Mild left foraminal stenosis.\nL5-S1: Unremarkable."',
  'a2,',
  'a1,"L3-L4: severe canal stenosis"',
  'a4,too,many',
  ',"L2-3: mild disc bulge"',
  '',
].join('\n');

describe('deepspine label-reports', () => {
  it('labels a file with bad rows, exit 0', async () => {
    const input = write('reports.csv', REPORTS_CSV);
    const output = join(scratch, 'out', 'labels.jsonl');
    const result = await run('label-reports', input, '--out', output);
    assert.equal(result.code, 0, result.stderr);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
    const first = JSON.parse(lines[0]!) as { id: string; levels: Record<string, Record<string, unknown>> };
    assert.equal(first.id, 'a1');
    assert.equal(first.levels['L4-L5']!['spinal_canal_stenosis'], 2);
    assert.match(result.stderr, /5 reports \(3 labeled\) in [\d.]+ s, \d+ reports\/s/);
    assert.match(result.stderr, /warnings DUPLICATE_ID 1, EMPTY_TEXT 1, MISSING_ID 1, UNPARSEABLE_ROW 1/);
    assert.match(result.stderr, /row 4: UNPARSEABLE_ROW: the row has 3 fields, but the header has 2/);
    assert.doesNotMatch(result.stderr, /canal stenosis|disc bulge/);
    assert.ok(!existsSync(`${output}.partial`));
  });

  it('labels LF rows after a CRLF header', async () => {
    const input = write('mixed-endings.csv', 'id,text\r\nr1,L4-5: mild canal stenosis.\nr2,L5-S1: severe canal stenosis.\nr3,L3-4: disc bulge.\n');
    const output = join(scratch, 'mixed-endings.jsonl');
    const result = await run('label-reports', input, '--out', output);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /3 reports \(3 labeled\)/);
    assert.doesNotMatch(result.stderr, /UNPARSEABLE_ROW/);
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; levels: Record<string, Record<string, unknown>> });
    assert.deepEqual(
      lines.map((line) => line.id),
      ['r1', 'r2', 'r3'],
    );
    assert.equal(lines[1]!.levels['L5-S1']!['spinal_canal_stenosis'], 3);
  });

  it('--max-chars limits the length', async () => {
    const input = write('short.jsonl', '{"id":"s1","text":"L4-5: mild stenosis"}\n');
    const output = join(scratch, 'short.jsonl.out');
    const result = await run('label-reports', input, '--out', output, '--max-chars', '10');
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(output, 'utf8'), /"TEXT_TOO_LONG"/);
  });

  it('invalid --max-chars is exit 2', async () => {
    const input = write('any.csv', 'id,text\nr1,a\n');
    for (const value of ['0', '-5', '1.5', 'many']) {
      const result = await run('label-reports', input, '--out', join(scratch, 'x.jsonl'), '--max-chars', value);
      assert.equal(result.code, 2, `--max-chars ${value}`);
      assert.match(result.stderr, /--max-chars must be a positive whole number/);
    }
  });

  it('missing input is exit 3', async () => {
    const result = await run('label-reports', join(scratch, 'absent.csv'), '--out', join(scratch, 'y.jsonl'));
    assert.equal(result.code, 3);
    assert.match(result.stderr, /absent\.csv/);
  });

  it('unknown extension is exit 2', async () => {
    const input = write('reports.txt', 'id,text\nr1,a\n');
    const result = await run('label-reports', input, '--out', join(scratch, 'z.jsonl'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /reports\.txt/);
  });

  it('folder as report file is exit 10', async () => {
    const folder = join(scratch, 'report-folder');
    mkdirSync(folder);
    const output = join(scratch, 'folder-out.jsonl');
    const result = await run('label-reports', folder, '--out', output);
    assert.equal(result.code, 10, result.stderr);
    assert.match(result.stderr, /report-folder is not a file/);
    assert.ok(!existsSync(output));
  });

  it('invalid --rules file is exit 2', async () => {
    const rulesFolder = join(scratch, 'bad-rules');
    mkdirSync(rulesFolder);
    writeFileSync(join(rulesFolder, 'site.json'), JSON.stringify({ version: 'deepspine-rules/1', severity: { grades: { tight: 5 } } }));
    const input = write('rules-input.csv', 'id,text\nr1,a\n');
    const output = join(scratch, 'rules-out.jsonl');
    const result = await run('label-reports', input, '--out', output, '--rules', rulesFolder);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /invalid rules file .*site\.json: "severity\.grades\.tight" must be a grade 0, 1, 2 or 3, got 5/);
    assert.ok(!existsSync(output));
  });

  it('missing text column is exit 10', async () => {
    const input = write('no-text.csv', 'id,report\nr1,a\n');
    const output = join(scratch, 'no-text.jsonl');
    const result = await run('label-reports', input, '--out', output);
    assert.equal(result.code, 10);
    assert.match(result.stderr, /no-text\.csv.*no "text" column/);
    assert.ok(!existsSync(output));
    assert.ok(!existsSync(`${output}.partial`));
  });

  it('--out equal to the input is exit 2', async () => {
    const content = 'id,text\nr1,"L4-5: mild stenosis"\n';
    const input = write('same.csv', content);
    const link = join(scratch, 'same-link.csv');
    symlinkSync(input, link);
    for (const output of [input, link]) {
      const result = await run('label-reports', input, '--out', output);
      assert.equal(result.code, 2, result.stderr);
      assert.ok(result.stderr.includes(output), result.stderr);
      assert.match(result.stderr, /is the input report file .*same\.csv/);
      assert.equal(readFileSync(input, 'utf8'), content);
    }
  });

  it('empty .jsonl is exit 10', async () => {
    const input = write('empty.jsonl', '');
    const output = join(scratch, 'empty-out.jsonl');
    const result = await run('label-reports', input, '--out', output);
    assert.equal(result.code, 10, result.stderr);
    assert.match(result.stderr, /empty\.jsonl: the file is empty \(0 bytes\)/);
    assert.ok(!existsSync(output));
  });

  it('header-only CSV is exit 0, warned', async () => {
    const input = write('header-only.csv', 'id,text\n');
    const output = join(scratch, 'header-only.jsonl');
    const result = await run('label-reports', input, '--out', output);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warn: no reports in .*header-only\.csv/);
    assert.equal(readFileSync(output, 'utf8'), '');
  });

  it('sparse option writes stated values only', async () => {
    const input = write('sparse.jsonl', '{"id":"s1","text":"L4-5: moderate spinal canal stenosis."}\n');
    const output = join(scratch, 'sparse-out.jsonl');
    const logLines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
    const code = await runLabelReports(input, { out: output, rules: [], sparse: true }, logger);
    assert.equal(code, 0);
    const line = JSON.parse(readFileSync(output, 'utf8')) as { levels: Record<string, Record<string, unknown>> };
    assert.deepEqual(line.levels, { 'L4-L5': { spinal_canal_stenosis: 2 } });
    assert.ok(logLines.some((entry) => entry.includes('sparse lines')), logLines.join('\n'));
  });

  it('missing --out is exit 2', async () => {
    const input = write('no-out.csv', 'id,text\nr1,a\n');
    const result = await run('label-reports', input);
    assert.equal(result.code, 2);
  });
});
