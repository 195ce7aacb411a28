import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import { readReports, type ReadReportsOptions, type ReportRow } from '../../src/reports/io.js';

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-report-io-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let fileCount = 0;
function writeInput(extension: string, content: string | Buffer): string {
  const path = join(scratch, `input-${++fileCount}${extension}`);
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, options: ReadReportsOptions = {}): Promise<ReportRow[]> {
  const rows: ReportRow[] = [];
  for await (const row of readReports(path, options)) rows.push(row);
  return rows;
}

function codes(row: ReportRow): string[] {
  return row.warnings.map((warning) => warning.code);
}

async function assertFileError(path: string, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readAll(path), (error: unknown) => {
    assert.ok(error instanceof DeepspineError, `expected a DeepspineError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('readReports on CSV', () => {
  it('reads quoted multi-line fields', async () => {
    const csv = 'site,id,text\nA,r1,"FINDINGS:\nL4-5: mild stenosis, ""severe"" not seen"\nB,r2,plain text\n';
    const rows = await readAll(writeInput('.csv', csv));
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], { row: 1, id: 'r1', text: 'FINDINGS:\nL4-5: mild stenosis, "severe" not seen', warnings: [] });
    assert.deepEqual(rows[1], { row: 2, id: 'r2', text: 'plain text', warnings: [] });
  });

  it('accepts BOM, CRLF and header case', async () => {
    const csv = '\ufeffID,Text\r\nr1,"a\r\nb"\r\nr2,c\r\n';
    const rows = await readAll(writeInput('.csv', csv));
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.id, 'r1');
    assert.equal(rows[0]!.text, 'a\r\nb');
    assert.equal(rows[1]!.text, 'c');
  });

  it('splits LF rows after a CRLF header', async () => {
    // Rows appended with LF to a file written with CRLF, and a row ending in CRLF after them.
    const csv = 'id,text\r\nr1,L2-3: mild canal stenosis.\nr2,"L3-4: bulge,\nno stenosis"\nr3,L4-5: bulge.\r\nr4,L5-S1: normal.\n';
    const rows = await readAll(writeInput('.csv', csv));
    assert.deepEqual(
      rows.map((row) => [row.id, row.text, codes(row)]),
      [
        ['r1', 'L2-3: mild canal stenosis.', []],
        ['r2', 'L3-4: bulge,\nno stenosis', []],
        ['r3', 'L4-5: bulge.', []],
        ['r4', 'L5-S1: normal.', []],
      ],
    );
  });

  it('splits CRLF rows after an LF header', async () => {
    const rows = await readAll(writeInput('.csv', 'id,text\nr1,a\r\nr2,b\nr3,c\r\n'));
    assert.deepEqual(
      rows.map((row) => [row.id, row.text]),
      [
        ['r1', 'a'],
        ['r2', 'b'],
        ['r3', 'c'],
      ],
    );
  });

  it('reads a file of CR line endings', async () => {
    const rows = await readAll(writeInput('.csv', '\ufeffid,text\rr1,a\rr2,b\r'));
    assert.deepEqual(
      rows.map((row) => [row.id, row.text]),
      [
        ['r1', 'a'],
        ['r2', 'b'],
      ],
    );
  });

  it('keeps a lone CR inside an LF row', async () => {
    // Split at the CR, this row would become two rows of two fields each, with the id "b".
    const rows = await readAll(writeInput('.csv', 'id,text\nr1,a\rb,c\nr2,d\n'));
    assert.equal(rows.length, 2);
    assert.deepEqual(codes(rows[0]!), ['UNPARSEABLE_ROW']);
    assert.equal(rows[1]!.id, 'r2');
  });

  it('keeps a stray quote as a character', async () => {
    const rows = await readAll(writeInput('.csv', 'id,text\nr1,he said "no stenosis" here\nr2,ok\n'));
    assert.equal(rows[0]!.text, 'he said "no stenosis" here');
    assert.deepEqual(rows[0]!.warnings, []);
    assert.equal(rows[1]!.id, 'r2');
  });

  it('wrong field count is UNPARSEABLE_ROW', async () => {
    const rows = await readAll(writeInput('.csv', 'id,text\nr1,a\nr2,b,extra\nr3\nr4,d\n'));
    assert.equal(rows.length, 4);
    for (const index of [1, 2]) {
      assert.deepEqual(codes(rows[index]!), ['UNPARSEABLE_ROW']);
      assert.equal(rows[index]!.id, '');
      assert.equal(rows[index]!.text, '');
      assert.match(rows[index]!.warnings[0]!.message, new RegExp(`^row ${index + 1}:`));
    }
    assert.deepEqual(rows[3], { row: 4, id: 'r4', text: 'd', warnings: [] });
  });

  it('quote open at end is UNPARSEABLE_ROW', async () => {
    const rows = await readAll(writeInput('.csv', 'id,text\nr1,a\nr2,"never closed\nr3,b\n'));
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.id, 'r1');
    assert.deepEqual(codes(rows[1]!), ['UNPARSEABLE_ROW']);
    assert.equal(rows[1]!.row, 2);
  });

  it('invalid UTF-8 is replaced and named', async () => {
    const csv = Buffer.concat([Buffer.from('id,text\nr1,fine\nr2,mild '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' stenosis\n')]);
    const rows = await readAll(writeInput('.csv', csv));
    assert.deepEqual(codes(rows[0]!), []);
    assert.deepEqual(codes(rows[1]!), ['INVALID_UTF8']);
    assert.match(rows[1]!.warnings[0]!.message, /^row 2:/);
    assert.equal(rows[1]!.text, 'mild \ufffd(\ufffd stenosis');
  });

  it('skips blank lines between rows', async () => {
    const rows = await readAll(writeInput('.csv', 'id,text\nr1,a\n\nr2,b\n'));
    assert.deepEqual(
      rows.map((row) => [row.row, row.id]),
      [
        [1, 'r1'],
        [2, 'r2'],
      ],
    );
  });

  it('missing text column stops the run', async () => {
    const path = writeInput('.csv', 'id,report\nr1,a\n');
    await assertFileError(path, 'INVALID_REPORT_FILE', /input-\d+\.csv.*no "text" column/);
  });

  it('missing id column stops the run', async () => {
    await assertFileError(writeInput('.csv', 'study,text\nr1,a\n'), 'INVALID_REPORT_FILE', /no "id" column/);
  });

  it('empty file stops the run', async () => {
    await assertFileError(writeInput('.csv', ''), 'INVALID_REPORT_FILE', /empty/);
  });

  it('header-only file has no rows', async () => {
    assert.deepEqual(await readAll(writeInput('.csv', 'id,text\n')), []);
    assert.deepEqual(await readAll(writeInput('.csv', '\ufeffid,text')), []);
  });

  it('blank lines only is INVALID_REPORT_FILE', async () => {
    await assertFileError(writeInput('.csv', '\n\n\n'), 'INVALID_REPORT_FILE', /input-\d+\.csv: the file has no header row/);
    await assertFileError(writeInput('.csv', '\r\n\r\n'), 'INVALID_REPORT_FILE', /input-\d+\.csv: the file has no header row/);
  });

  it('stray quote error names row and line', async () => {
    // Row 3 opens a quote that is never closed, and the blank lines before it are counted.
    const csv = 'id,text\nr1,a\nr2,"two\nlines"\n\n\nr3,"never closed\n' + 'more text\n'.repeat(20);
    await assert.rejects(readAll(writeInput('.csv', csv), { maxRecordBytes: 100 }), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'INVALID_REPORT_FILE');
      assert.match(error.message, /row 3, which starts on line 7, is longer than 100 bytes/);
      assert.match(error.message, /quote on that row is never closed/);
      assert.doesNotMatch(error.message, /never closed\\n|more text/);
      return true;
    });
  });

  it('oversized first data row names row 1', async () => {
    const csv = 'id,text\n"r1,' + 'x'.repeat(200) + '\n';
    await assert.rejects(readAll(writeInput('.csv', csv), { maxRecordBytes: 100 }), /row 1, which starts on line 2, is longer than 100 bytes/);
  });

  it('oversized header names the header', async () => {
    const csv = 'id,"text' + 'x'.repeat(200) + '\nr1,a\n';
    await assert.rejects(readAll(writeInput('.csv', csv), { maxRecordBytes: 100 }), /the header row, which starts on line 1, is longer than 100 bytes/);
  });
});

describe('readReports on JSONL', () => {
  it('numbers rows by line', async () => {
    const jsonl = '{"id":"r1","text":"a","extra":1}\n\n{"id":"r2","text":"b"}\r\n';
    const rows = await readAll(writeInput('.jsonl', jsonl));
    assert.deepEqual(rows, [
      { row: 1, id: 'r1', text: 'a', warnings: [] },
      { row: 3, id: 'r2', text: 'b', warnings: [] },
    ]);
  });

  it('reads .ndjson and a last line without newline', async () => {
    const rows = await readAll(writeInput('.ndjson', '{"id":7,"text":"a"}\n{"id":"r2","text":"b"}'));
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.id, '7');
    assert.equal(rows[1]!.text, 'b');
  });

  it('bad lines are UNPARSEABLE_ROW', async () => {
    const jsonl = ['{"id":"r1","text":"a"}', '{"id":"r2", text}', '[1,2]', '{"id":{"x":1},"text":"c"}', '{"id":"r5","text":42}', '{"id":"r6","text":"f"}'].join('\n');
    const rows = await readAll(writeInput('.jsonl', jsonl));
    assert.equal(rows.length, 6);
    for (const line of [2, 3, 4, 5]) {
      const row = rows[line - 1]!;
      assert.equal(row.row, line);
      assert.deepEqual(codes(row), ['UNPARSEABLE_ROW']);
      assert.match(row.warnings[0]!.message, new RegExp(`^line ${line}:`));
      assert.equal(row.id, '');
    }
    assert.deepEqual(rows[5], { row: 6, id: 'r6', text: 'f', warnings: [] });
  });

  it('null text is EMPTY_TEXT', async () => {
    const rows = await readAll(writeInput('.jsonl', '{"id":"r1","text":null}\n{"id":"r2"}\n'));
    assert.deepEqual(codes(rows[0]!), ['EMPTY_TEXT']);
    assert.deepEqual(codes(rows[1]!), ['EMPTY_TEXT']);
  });

  it('invalid UTF-8 is replaced and named', async () => {
    const jsonl = Buffer.concat([Buffer.from('{"id":"r1","text":"mild '), Buffer.from([0xfe]), Buffer.from(' stenosis"}\n')]);
    const rows = await readAll(writeInput('.jsonl', jsonl));
    assert.deepEqual(codes(rows[0]!), ['INVALID_UTF8']);
    assert.match(rows[0]!.warnings[0]!.message, /^line 1:/);
    assert.equal(rows[0]!.text, 'mild \ufffd stenosis');
  });

  it('keeps large numeric ids as written', async () => {
    const jsonl = [
      '{"id":12345678901234567890,"text":"a"}',
      '{"id": -9007199254740993 ,"text":"b"}',
      '{"text":"c","id":1.50}',
      '{"id":"x","text":"d","id":3.50e+2}',
      '{"id":7,"text":"e","nested":{"id":8}}',
    ].join('\n');
    const rows = await readAll(writeInput('.jsonl', jsonl));
    assert.deepEqual(
      rows.map((row) => row.id),
      ['12345678901234567890', '-9007199254740993', '1.50', '3.50e+2', '7'],
    );
    for (const row of rows) assert.deepEqual(row.warnings, []);
  });

  it('invalid JSON message quotes no text', async () => {
    const secret = 'Secretword';
    const jsonl = [`not json ${secret}`, `{"id":"r2","text":"${secret}`, `{"id":"r3","text":"${secret}"} ${secret}`, `{"id":"r4", ${secret}: 1}`].join('\n');
    const rows = await readAll(writeInput('.jsonl', jsonl));
    const messages = rows.map((row) => row.warnings[0]!.message);
    for (const message of messages) assert.doesNotMatch(message, /Secret|word|not json/);
    assert.match(messages[0]!, /^line 1: invalid JSON at column 1 \(unexpected character\)/);
    assert.match(messages[1]!, /^line 2: invalid JSON at column 19 \(string not closed before the end of the line\)/);
    assert.match(messages[2]!, /^line 3: invalid JSON at column 33 \(unexpected characters after the JSON value\)/);
    assert.match(messages[3]!, /^line 4: invalid JSON at column 13 \(expected a property name in double quotes\)/);
  });

  it('empty .jsonl stops the run', async () => {
    await assertFileError(writeInput('.jsonl', ''), 'INVALID_REPORT_FILE', /input-\d+\.jsonl: the file is empty \(0 bytes\)/);
  });

  it('blank lines only has no rows', async () => {
    assert.deepEqual(await readAll(writeInput('.jsonl', '\n  \r\n\n')), []);
    assert.deepEqual(await readAll(writeInput('.jsonl', '\ufeff')), []);
  });

  it('first object without id stops the run', async () => {
    await assertFileError(writeInput('.jsonl', '{"study":"r1","text":"a"}\n'), 'INVALID_REPORT_FILE', /first object \(line 1\) has no "id" field/);
  });

  it('lines span read chunks in order', async () => {
    // About 3 MB, so lines are split across the 1 MiB read chunks.
    const lines: string[] = [];
    for (let index = 0; index < 3000; index++) lines.push(JSON.stringify({ id: `r${index}`, text: `report ${index} `.padEnd(1000, 'x') }));
    const rows = await readAll(writeInput('.jsonl', lines.join('\r\n') + '\r\n'));
    assert.equal(rows.length, 3000);
    for (const [index, row] of rows.entries()) {
      assert.equal(row.id, `r${index}`);
      assert.equal(row.text.length, 1000);
    }
  });
});

describe('readReports row checks', () => {
  it('empty text is EMPTY_TEXT', async () => {
    const rows = await readAll(writeInput('.csv', 'id,text\nr1,\nr2,"  \n "\n'));
    assert.deepEqual(codes(rows[0]!), ['EMPTY_TEXT']);
    assert.deepEqual(codes(rows[1]!), ['EMPTY_TEXT']);
  });

  it('duplicate ids name the first row', async () => {
    const rows = await readAll(writeInput('.csv', 'id,text\nr1,a\nr2,b\nr1,c\n r1 ,d\n'));
    assert.deepEqual(rows.map(codes), [[], [], ['DUPLICATE_ID'], ['DUPLICATE_ID']]);
    assert.match(rows[2]!.warnings[0]!.message, /^row 3: id "r1" already appeared on row 1$/);
    assert.match(rows[3]!.warnings[0]!.message, /^row 4: id "r1" already appeared on row 1$/);
    assert.equal(rows[3]!.text, 'd');
  });

  it('missing id is MISSING_ID', async () => {
    const rows = await readAll(writeInput('.csv', 'id,text\n,a\n  ,b\n'));
    for (const row of rows) {
      assert.deepEqual(codes(row), ['MISSING_ID']);
      assert.equal(row.id, '');
    }
    assert.equal(rows[0]!.text, 'a');
  });

  it('10 MB report is TEXT_TOO_LONG', async () => {
    const huge = 'mild stenosis at L4-5. '.repeat(450_000);
    const csv = `id,text\nbig,"${huge}"\nnext,moderate stenosis\n`;
    const started = performance.now();
    const rows = await readAll(writeInput('.csv', csv));
    const seconds = (performance.now() - started) / 1000;
    assert.equal(rows.length, 2);
    assert.deepEqual(codes(rows[0]!), ['TEXT_TOO_LONG']);
    assert.equal(rows[0]!.id, 'big');
    assert.equal(rows[0]!.text, '');
    assert.match(rows[0]!.warnings[0]!.message, /10350000 characters, over the limit of 200000/);
    assert.deepEqual(rows[1], { row: 2, id: 'next', text: 'moderate stenosis', warnings: [] });
    // A generous bound that only a quadratic or stalled reader would exceed.
    assert.ok(seconds < 10, `reading took ${seconds.toFixed(1)} s`);
  });

  it('maxChars sets the limit', async () => {
    const path = writeInput('.jsonl', '{"id":"r1","text":"12345"}\n{"id":"r2","text":"123456"}\n');
    const rows = await readAll(path, { maxChars: 5 });
    assert.deepEqual(rows.map(codes), [[], ['TEXT_TOO_LONG']]);
  });

  it('line over maxRecordBytes is UNPARSEABLE_ROW', async () => {
    const path = writeInput('.jsonl', `{"id":"r1","text":"${'x'.repeat(200)}"}\n{"id":"r2","text":"b"}\n`);
    const rows = await readAll(path, { maxRecordBytes: 100 });
    assert.deepEqual(rows.map(codes), [['UNPARSEABLE_ROW'], []]);
    assert.match(rows[0]!.warnings[0]!.message, /^line 1: the line is longer than 100 bytes/);
  });

  it('invalid maxRecordBytes is rejected', async () => {
    const path = writeInput('.csv', 'id,text\nr1,a\n');
    await assert.rejects(readAll(path, { maxRecordBytes: 0 }), /maxRecordBytes must be a positive integer/);
  });

  it('invalid maxChars is rejected', async () => {
    const path = writeInput('.csv', 'id,text\nr1,a\n');
    await assert.rejects(readAll(path, { maxChars: 0 }), /maxChars must be a positive integer/);
  });
});

describe('readReports file errors', () => {
  it('missing file is INPUT_NOT_FOUND', async () => {
    await assertFileError(join(scratch, 'absent.csv'), 'INPUT_NOT_FOUND', /absent\.csv/);
  });

  it('unknown extension is INVALID_ARGUMENT', async () => {
    await assertFileError(writeInput('.txt', 'id,text\n'), 'INVALID_ARGUMENT', /input-\d+\.txt.*\.csv.*\.jsonl/);
  });

  it('folder is INVALID_REPORT_FILE', async () => {
    const folder = join(scratch, 'folder.csv');
    mkdirSync(folder);
    await assertFileError(folder, 'INVALID_REPORT_FILE', /folder\.csv is not a file/);
  });

  it('folder without extension is INVALID_REPORT_FILE', async () => {
    const folder = join(scratch, 'exports');
    mkdirSync(folder);
    await assertFileError(folder, 'INVALID_REPORT_FILE', /exports is not a file/);
  });

  it('missing .txt file is INPUT_NOT_FOUND', async () => {
    await assertFileError(join(scratch, 'absent.txt'), 'INPUT_NOT_FOUND', /absent\.txt/);
  });
});
