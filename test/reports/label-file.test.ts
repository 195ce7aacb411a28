import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { labelReportsFile, labelReportsFileWith, readLabeledReports, toDenseLine, toSparseLine, type Labeler } from '../../src/reports/label-file.js';
import { CONDITIONS, type LabeledReport, type ReportLabels } from '../../src/reports/types.js';

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-label-file-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let fileCount = 0;
function writeInput(extension: string, content: string | Buffer): string {
  const path = join(scratch, `input-${++fileCount}${extension}`);
  writeFileSync(path, content);
  return path;
}

function outputPath(): string {
  return join(scratch, `out-${++fileCount}`, 'labels.jsonl');
}

function captureLogger(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }) };
}

function readLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Creates a stand-in labeler: "stenosis" in the text gives L4-L5 canal stenosis 2, "six" adds L5-L6
 * disc bulge 1 with a SIXTH_LUMBAR_VERTEBRA warning, and "crash" throws. It records every text it gets.
 */
function standInLabeler(): Labeler & { texts: string[] } {
  const texts: string[] = [];
  return {
    texts,
    rulesVersion: 'test-rules/1',
    label(text: string): ReportLabels {
      texts.push(text);
      if (text.includes('crash')) throw new Error('stand-in failure');
      const labels: ReportLabels = { levels: {}, evidence: {}, warnings: [] };
      const at = text.indexOf('stenosis');
      if (at >= 0) {
        labels.levels['L4-L5'] = { spinal_canal_stenosis: 2 };
        labels.evidence['L4-L5'] = { spinal_canal_stenosis: { start: at, end: at + 8, section: 'findings' } };
      }
      if (text.includes('six')) {
        labels.levels['L5-L6'] = { disc_bulge: 1 };
        labels.evidence['L5-L6'] = { disc_bulge: { start: 0, end: 3, section: 'findings' } };
        labels.warnings.push({ code: 'SIXTH_LUMBAR_VERTEBRA', message: 'six lumbar vertebrae' });
      }
      return labels;
    },
  };
}

describe('labelReportsFile output', () => {
  it('writes dense lines in input order', async () => {
    const input = writeInput('.csv', 'id,text\nr1,moderate stenosis\nr2,nothing here\n');
    const output = outputPath();
    const summary = await labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler());
    const lines = readLines(output);
    assert.deepEqual(
      lines.map((line) => line['id']),
      ['r1', 'r2'],
    );
    for (const line of lines) {
      const levels = line['levels'] as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(levels), ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']);
      for (const values of Object.values(levels)) assert.deepEqual(Object.keys(values), [...CONDITIONS]);
      assert.equal(line['rules'], 'test-rules/1');
    }
    const first = lines[0]!['levels'] as Record<string, Record<string, unknown>>;
    assert.equal(first['L4-L5']!['spinal_canal_stenosis'], 2);
    assert.equal(first['L4-L5']!['disc_bulge'], null);
    assert.equal(first['L3-L4']!['spinal_canal_stenosis'], null);
    assert.deepEqual(lines[0]!['evidence'], { 'L4-L5': { spinal_canal_stenosis: { start: 9, end: 17, section: 'findings' } } });
    assert.deepEqual(lines[1]!['evidence'], {});
    assert.equal(summary.reports, 2);
    assert.equal(summary.labeled, 2);
    assert.equal(summary.rules, 'test-rules/1');
    assert.deepEqual(summary.warningCounts, {});
  });

  it('adds sixth lumbar levels when labeled', async () => {
    const input = writeInput('.jsonl', '{"id":"r1","text":"six lumbar"}\n');
    const output = outputPath();
    await labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler());
    const [line] = readLines(output);
    const levels = line!['levels'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(levels), ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1', 'L5-L6']);
    assert.equal(levels['L5-L6']!['disc_bulge'], 1);
    assert.deepEqual(
      (line!['warnings'] as { code: string }[]).map((warning) => warning.code),
      ['SIXTH_LUMBAR_VERTEBRA'],
    );
  });

  it('leaves no partial file after success', async () => {
    const input = writeInput('.csv', 'id,text\nr1,a\n');
    const output = outputPath();
    await labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler());
    assert.ok(existsSync(output));
    assert.ok(!existsSync(`${output}.partial`));
  });

  it('replaces an existing output file', async () => {
    const input = writeInput('.csv', 'id,text\nr1,a\n');
    const output = outputPath();
    await labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler());
    await labelReportsFileWith(writeInput('.csv', 'id,text\nr9,b\nr10,c\n'), output, { logger: captureLogger().logger }, standInLabeler());
    assert.deepEqual(
      readLines(output).map((line) => line['id']),
      ['r9', 'r10'],
    );
  });
});

describe('labelReportsFile sparse output', () => {
  it('writes only stated values', async () => {
    const input = writeInput('.csv', 'id,text\nr1,moderate stenosis\nr2,nothing here\nr3,six\n');
    const output = outputPath();
    await labelReportsFileWith(input, output, { logger: captureLogger().logger, sparse: true }, standInLabeler());
    const lines = readLines(output);
    assert.deepEqual(lines[0]!['levels'], { 'L4-L5': { spinal_canal_stenosis: 2 } });
    assert.deepEqual(lines[1]!['levels'], {});
    assert.deepEqual(lines[2]!['levels'], { 'L5-L6': { disc_bulge: 1 } });
    assert.deepEqual(lines[0]!['evidence'], { 'L4-L5': { spinal_canal_stenosis: { start: 9, end: 17, section: 'findings' } } });
    assert.doesNotMatch(readFileSync(output, 'utf8'), /null/);
  });

  it('reads back like the dense file', async () => {
    const input = writeInput('.jsonl', '{"id":"r1","text":"stenosis"}\n{"id":"r2","text":"six"}\n{"id":"r3","text":""}\n');
    const dense = outputPath();
    const sparse = outputPath();
    await labelReportsFileWith(input, dense, { logger: captureLogger().logger }, standInLabeler());
    await labelReportsFileWith(input, sparse, { logger: captureLogger().logger, sparse: true }, standInLabeler());
    const fromDense: LabeledReport[] = [];
    for await (const report of readLabeledReports(dense)) fromDense.push(report);
    const fromSparse: LabeledReport[] = [];
    for await (const report of readLabeledReports(sparse)) fromSparse.push(report);
    assert.equal(fromSparse.length, 3);
    assert.deepEqual(fromSparse, fromDense);
    assert.ok(statSync(sparse).size < statSync(dense).size / 3, `sparse ${statSync(sparse).size} B, dense ${statSync(dense).size} B`);
  });

  it('toSparseLine drops empty levels', () => {
    const report: LabeledReport = {
      id: 'x',
      rules: 'r',
      levels: { 'L1-L2': {}, 'L2-L3': { disc_herniation: 'uncertain', left_foraminal_stenosis: 0 } },
      evidence: {},
      warnings: [],
    };
    assert.deepEqual(toSparseLine(report).levels, { 'L2-L3': { disc_herniation: 'uncertain', left_foraminal_stenosis: 0 } });
  });
});

describe('labelReportsFile with no reports', () => {
  for (const [name, extension, content] of [
    ['header-only CSV', '.csv', 'id,text\n'],
    ['JSONL of blank lines', '.jsonl', '\n\n  \n'],
  ] as const) {
    it(`${name} is 0 reports with a warning`, async () => {
      const input = writeInput(extension, content);
      const output = outputPath();
      const { lines: logLines, logger } = captureLogger();
      const summary = await labelReportsFileWith(input, output, { logger }, standInLabeler());
      assert.equal(summary.reports, 0);
      assert.equal(readFileSync(output, 'utf8'), '');
      assert.ok(logLines.includes(`warn: no reports in ${input}; ${output} is empty`), logLines.join('\n'));
    });
  }

  for (const extension of ['.csv', '.jsonl']) {
    it(`0-byte ${extension} is INVALID_REPORT_FILE`, async () => {
      const input = writeInput(extension, '');
      const output = outputPath();
      await assert.rejects(labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler()), (error: unknown) => {
        assert.ok(error instanceof DeepspineError);
        assert.equal(error.code, 'INVALID_REPORT_FILE');
        assert.match(error.message, /the file is empty \(0 bytes\)/);
        return true;
      });
      assert.ok(!existsSync(output));
      assert.ok(!existsSync(`${output}.partial`));
    });
  }
});

describe('labelReportsFile output is the input', () => {
  const content = 'id,text\nr1,stenosis\n';

  async function assertRejectedAndUnchanged(input: string, output: string): Promise<void> {
    await assert.rejects(labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler()), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.ok(error.message.includes(input), error.message);
      assert.ok(error.message.includes(output), error.message);
      return true;
    });
    assert.equal(readFileSync(input, 'utf8'), content);
  }

  it('same path is INVALID_ARGUMENT', async () => {
    const input = writeInput('.csv', content);
    await assertRejectedAndUnchanged(input, input);
    assert.ok(!existsSync(`${input}.partial`));
  });

  it('other spelling of the path is rejected', async () => {
    const input = writeInput('.csv', content);
    const folder = join(scratch, 'spelling');
    mkdirSync(folder, { recursive: true });
    await assertRejectedAndUnchanged(input, join(folder, '..', input.split('/').pop()!));
  });

  it('symbolic link to the input is rejected', async () => {
    const input = writeInput('.csv', content);
    const link = join(scratch, `link-${++fileCount}.jsonl`);
    symlinkSync(input, link);
    await assertRejectedAndUnchanged(input, link);
    assert.ok(!existsSync(`${link}.partial`));
  });

  it('hard link to the input is rejected', async () => {
    const input = writeInput('.csv', content);
    const link = join(scratch, `hard-link-${++fileCount}.jsonl`);
    linkSync(input, link);
    await assertRejectedAndUnchanged(input, link);
  });

  it('partial file linked to input is rejected', async () => {
    const input = writeInput('.csv', content);
    const output = join(scratch, `out-${++fileCount}.jsonl`);
    symlinkSync(input, `${output}.partial`);
    await assert.rejects(labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler()), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.ok(error.message.includes(`the partial output file ${output}.partial`), error.message);
      assert.ok(error.message.includes(input), error.message);
      return true;
    });
    assert.equal(readFileSync(input, 'utf8'), content);
    assert.ok(!existsSync(output));
  });
});

describe('labelReportsFile bad rows', () => {
  it('bad rows keep their place unlabeled', async () => {
    const csv = Buffer.concat([
      Buffer.from('id,text\nr1,stenosis\nr2,\nr3,a,b\n,stenosis\nr1,stenosis again\nr6,"'),
      Buffer.from('x'.repeat(60)),
      Buffer.from('"\nr7,bad byte '),
      Buffer.from([0xff]),
      Buffer.from(' stenosis\nr8,last\n'),
    ]);
    const input = writeInput('.csv', csv);
    const output = outputPath();
    const labeler = standInLabeler();
    const { lines: logLines, logger } = captureLogger();
    const summary = await labelReportsFileWith(input, output, { logger, maxChars: 50 }, labeler);

    const lines = readLines(output);
    const codes = lines.map((line) => (line['warnings'] as { code: string }[]).map((warning) => warning.code));
    assert.deepEqual(codes, [[], ['EMPTY_TEXT'], ['UNPARSEABLE_ROW'], ['MISSING_ID'], ['DUPLICATE_ID'], ['TEXT_TOO_LONG'], ['INVALID_UTF8'], []]);
    assert.deepEqual(
      lines.map((line) => line['id']),
      ['r1', 'r2', '', '', 'r1', 'r6', 'r7', 'r8'],
    );

    // Empty, unparseable and too-long rows never reach the labeler.
    assert.deepEqual(labeler.texts, ['stenosis', 'stenosis', 'stenosis again', 'bad byte \ufffd stenosis', 'last']);
    const tooLong = lines[5]!['levels'] as Record<string, Record<string, unknown>>;
    assert.equal(tooLong['L4-L5']!['spinal_canal_stenosis'], null);
    const invalid = lines[6]!['levels'] as Record<string, Record<string, unknown>>;
    assert.equal(invalid['L4-L5']!['spinal_canal_stenosis'], 2);

    assert.equal(summary.reports, 8);
    assert.equal(summary.labeled, 5);
    assert.deepEqual(summary.warningCounts, { EMPTY_TEXT: 1, UNPARSEABLE_ROW: 1, MISSING_ID: 1, DUPLICATE_ID: 1, TEXT_TOO_LONG: 1, INVALID_UTF8: 1 });
    assert.ok(logLines.includes('warn: row 5 (id "r1"): DUPLICATE_ID: id "r1" already appeared on row 1'), logLines.join('\n'));
    assert.ok(logLines.includes('warn: row 3: UNPARSEABLE_ROW: the row has 3 fields, but the header has 2; it is not labeled'), logLines.join('\n'));
  });

  it('logs no report text', async () => {
    const secret = 'Secretword stenosis';
    const input = writeInput('.jsonl', `{"id":"r1","text":"${secret}"}\n{"id":"r1","text":"${secret}"}\n{"id":"","text":"${secret}"}\nnot json ${secret}\n`);
    const { lines: logLines, logger } = captureLogger();
    await labelReportsFileWith(input, outputPath(), { logger }, standInLabeler());
    assert.ok(logLines.length >= 3, `expected warning lines, got ${logLines.length}`);
    for (const line of logLines) assert.doesNotMatch(line, /Secretword/);
  });

  it('counts repeated warnings after a few logs', async () => {
    const rows = Array.from({ length: 20 }, (_, index) => `r${index},`).join('\n');
    const { lines: logLines, logger } = captureLogger();
    const summary = await labelReportsFileWith(writeInput('.csv', `id,text\n${rows}\n`), outputPath(), { logger }, standInLabeler());
    assert.equal(summary.warningCounts.EMPTY_TEXT, 20);
    const logged = logLines.filter((line) => line.includes('EMPTY_TEXT'));
    assert.equal(logged.length, 5);
    assert.match(logged[4]!, /further EMPTY_TEXT warnings are counted/);
  });
});

describe('labelReportsFile failures', () => {
  it('file error leaves no output', async () => {
    const input = writeInput('.csv', 'id,report\nr1,a\n');
    const output = outputPath();
    await assert.rejects(labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler()), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'INVALID_REPORT_FILE');
      return true;
    });
    assert.ok(!existsSync(output));
    assert.ok(!existsSync(`${output}.partial`));
  });

  it('labeler exception skips only its row', async () => {
    const input = writeInput('.csv', 'id,text\nr1,fine\nr2,crash here\nr3,fine\n');
    const output = outputPath();
    const summary = await labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler());
    assert.equal(summary.reports, 3);
    assert.equal(summary.labeled, 2);
    assert.equal(summary.warningCounts['LABELER_FAILED'], 1);
    const lines = readLines(output);
    assert.deepEqual(lines.map((line) => line['id']), ['r1', 'r2', 'r3']);
    const warnings = lines[1]!['warnings'] as { code: string; message: string }[];
    assert.deepEqual(warnings.map((w) => w.code), ['LABELER_FAILED']);
    assert.match(warnings[0]!.message, /row 2/);
    assert.doesNotMatch(warnings[0]!.message, /crash here/);
  });

  it('unwritable output is OUTPUT_FAILED', async () => {
    const input = writeInput('.csv', 'id,text\nr1,a\n');
    const blocker = join(scratch, 'blocker');
    writeFileSync(blocker, 'a file where a folder is needed');
    await assert.rejects(labelReportsFileWith(input, join(blocker, 'labels.jsonl'), { logger: captureLogger().logger }, standInLabeler()), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'OUTPUT_FAILED');
      return true;
    });
  });
});

describe('readLabeledReports', () => {
  it('round-trips to sparse labels', async () => {
    const input = writeInput('.csv', 'id,text\nr1,stenosis\nr2,six\n');
    const output = outputPath();
    await labelReportsFileWith(input, output, { logger: captureLogger().logger }, standInLabeler());
    const reports: LabeledReport[] = [];
    for await (const report of readLabeledReports(output)) reports.push(report);
    assert.equal(reports.length, 2);
    assert.deepEqual(reports[0], {
      id: 'r1',
      rules: 'test-rules/1',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
      evidence: { 'L4-L5': { spinal_canal_stenosis: { start: 0, end: 8, section: 'findings' } } },
      warnings: [],
    });
    assert.deepEqual(reports[1]!.levels, { 'L5-L6': { disc_bulge: 1 } });
  });

  it('dense line converts back exactly', async () => {
    const report: LabeledReport = {
      id: 'x',
      rules: 'r',
      levels: { 'L1-L2': { disc_herniation: 'uncertain', left_foraminal_stenosis: 0 } },
      evidence: {},
      warnings: [],
    };
    const path = writeInput('.jsonl', JSON.stringify(toDenseLine(report)) + '\n');
    const reports: LabeledReport[] = [];
    for await (const read of readLabeledReports(path)) reports.push(read);
    assert.deepEqual(reports, [report]);
  });

  it('invalid value names the line', async () => {
    const good = JSON.stringify(toDenseLine({ id: 'a', rules: 'r', levels: {}, evidence: {}, warnings: [] }));
    const bad = good.replace('"spinal_canal_stenosis":null', '"spinal_canal_stenosis":7');
    const path = writeInput('.jsonl', `${good}\n${bad}\n`);
    await assert.rejects(
      (async () => {
        for await (const report of readLabeledReports(path)) assert.ok(report);
      })(),
      /line 2: invalid value 7 for spinal_canal_stenosis at T12-L1/,
    );
  });

  it('missing file is INPUT_NOT_FOUND', async () => {
    await assert.rejects(
      (async () => {
        for await (const report of readLabeledReports(join(scratch, 'absent.jsonl'))) assert.ok(report);
      })(),
      (error: unknown) => error instanceof DeepspineError && error.code === 'INPUT_NOT_FOUND',
    );
  });
});

describe('labelReportsFile with the rules', () => {
  it('labels a lumbar report', async () => {
    const text = 'FINDINGS:\\nL4-L5: Moderate spinal canal stenosis. No foraminal stenosis.\\nL5-S1: Unremarkable.';
    const input = writeInput('.jsonl', `{"id":"lumbar","text":"${text}"}\n`);
    const output = outputPath();
    const summary = await labelReportsFile(input, output, { logger: captureLogger().logger });
    assert.equal(summary.reports, 1);
    const [line] = readLines(output);
    const levels = line!['levels'] as Record<string, Record<string, unknown>>;
    assert.equal(levels['L4-L5']!['spinal_canal_stenosis'], 2);
    assert.equal(levels['L4-L5']!['left_foraminal_stenosis'], 0);
    assert.equal(levels['L4-L5']!['right_foraminal_stenosis'], 0);
    assert.equal(levels['L5-S1']!['spinal_canal_stenosis'], 0);
    assert.equal(levels['L2-L3']!['spinal_canal_stenosis'], null);
    assert.match(String(line!['rules']), /\S/);
  });

  it('cervical report is NOT_LUMBAR', async () => {
    const text = 'MRI CERVICAL SPINE\\nFINDINGS:\\nC5-C6: Moderate spinal canal stenosis and severe left foraminal stenosis.';
    const input = writeInput('.jsonl', `{"id":"neck","text":"${text}"}\n`);
    const output = outputPath();
    const summary = await labelReportsFile(input, output, { logger: captureLogger().logger });
    const [line] = readLines(output);
    assert.deepEqual(
      (line!['warnings'] as { code: string }[]).map((warning) => warning.code),
      ['NOT_LUMBAR'],
    );
    const levels = line!['levels'] as Record<string, Record<string, unknown>>;
    for (const values of Object.values(levels)) for (const value of Object.values(values)) assert.equal(value, null);
    assert.equal(summary.warningCounts.NOT_LUMBAR, 1);
  });
});
