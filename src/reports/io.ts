/**
 * Reading free-text reports for `deepspine label-reports`: a CSV file with a header row naming the
 * columns `id` and `text`, or a JSONL file with one `{"id": ..., "text": ...}` object per line.
 * Files are streamed, so only a few records are in memory at a time. Problems with one row become
 * warnings on that row and never stop the others. Problems with the whole file (missing, empty,
 * unknown extension, no `id` or `text` column) are thrown as a DeepspineError. Warning messages
 * name the row and the problem but never quote report text.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream, type ReadStream, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse, type CsvError, type Options } from 'csv-parse';
import { DeepspineError } from '../errors.js';
import { findJsonSyntaxError, rawTopLevelValue } from './json-scan.js';
import type { ReportWarning } from './types.js';

/** One report as read from the input file, with the problems found while reading it. */
export interface ReportRow {
  /** The 1-based data row of a CSV file (the header is not counted), or the 1-based line of a JSONL file. */
  row: number;
  /** The study identifier with surrounding whitespace removed; "" when the row has none or could not be parsed. */
  id: string;
  /** The report text; "" when the row could not be parsed or was longer than `maxChars`. */
  text: string;
  warnings: ReportWarning[];
}

export interface ReadReportsOptions {
  /** Reports longer than this many UTF-16 code units get TEXT_TOO_LONG and an empty text. */
  maxChars?: number;
  /**
   * The maximum bytes of one record: a longer CSV record stops the run and a longer JSONL line is
   * UNPARSEABLE_ROW. Default: the larger of 64 MiB and 4 * maxChars.
   */
  maxRecordBytes?: number;
}

export const DEFAULT_MAX_CHARS = 200_000;

/** The report file formats, chosen by extension. */
export type ReportFileFormat = 'csv' | 'jsonl';

/**
 * A record is buffered whole, so a longer record than this stops the run instead of filling
 * memory. Such a record is typically a CSV quote that is never closed and swallows the rest of the file.
 */
const MIN_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Returns the format of a report file from its extension: .csv, or .jsonl and .ndjson for JSONL. */
export function reportFileFormat(path: string): ReportFileFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  throw new DeepspineError(
    'INVALID_ARGUMENT',
    `${path}: unknown report file extension "${extension}"; use .csv (columns id and text) or .jsonl/.ndjson (one {"id", "text"} object per line)`,
    { file: path },
  );
}

/**
 * Streams the reports of a CSV or JSONL file in file order, one ReportRow per data row or
 * non-blank line, including rows that could not be parsed (UNPARSEABLE_ROW, empty id and text).
 * Row warnings: UNPARSEABLE_ROW, INVALID_UTF8 (the text is decoded with U+FFFD replacement
 * characters), MISSING_ID, DUPLICATE_ID (on every occurrence after the first), EMPTY_TEXT and
 * TEXT_TOO_LONG. File errors are thrown while iterating, in the order of `checkReportFile`, and
 * then INVALID_REPORT_FILE for a missing column or a broken file.
 * A CSV file with only a header row, or a JSONL file with only blank lines, yields no rows.
 */
export async function* readReports(path: string, options: ReadReportsOptions = {}): AsyncGenerator<ReportRow> {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < 1) {
    throw new DeepspineError('INVALID_ARGUMENT', `maxChars must be a positive integer, got ${maxChars}`);
  }
  const maxRecordBytes = options.maxRecordBytes ?? Math.max(MIN_MAX_RECORD_BYTES, 4 * maxChars);
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw new DeepspineError('INVALID_ARGUMENT', `maxRecordBytes must be a positive integer, got ${maxRecordBytes}`);
  }
  const format = await checkReportFile(path);
  const records = format === 'csv' ? readCsvRecords(path, maxRecordBytes) : readJsonlRecords(path, maxRecordBytes);
  const checker = new RowChecker(format === 'csv' ? 'row' : 'line', maxChars);
  for await (const record of records) yield checker.check(record);
}

/**
 * Checks that `path` can be read as a report file and returns its format. Throws INPUT_NOT_FOUND
 * when nothing is at `path`, INVALID_REPORT_FILE when it is a folder or another non-file,
 * INVALID_ARGUMENT when its extension is unknown, and INVALID_REPORT_FILE when it is empty. The
 * file type comes first, so a folder named `reports` and one named `reports.csv` give the same error.
 */
export async function checkReportFile(path: string): Promise<ReportFileFormat> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw new DeepspineError('INPUT_NOT_FOUND', `report file not found: ${path}`, { file: path, cause: error });
  }
  if (!info.isFile()) throw new DeepspineError('INVALID_REPORT_FILE', `${path} is not a file; pass a .csv or .jsonl file of reports`, { file: path });
  const format = reportFileFormat(path);
  // A file that is present but empty is usually a failed export, so it stops the run. A CSV file
  // with only a header, or a JSONL file with only blank lines, is read as 0 reports instead.
  if (info.size === 0) throw invalidFile(path, 'the file is empty (0 bytes); a CSV file needs a header row naming the columns id and text, a JSONL file one {"id", "text"} object per line');
  return format;
}

/** A record as split from the file, before the row checks. */
interface RawRecord {
  row: number;
  id: string;
  text: string;
  invalidUtf8: boolean;
  /** The reason the record could not be parsed; id and text are then empty. */
  unparseable?: string;
}

/** Applies the row checks that do not depend on the format, and remembers ids to find duplicates. */
class RowChecker {
  private readonly firstRowOfId = new Map<string, number>();

  constructor(
    private readonly unit: 'row' | 'line',
    private readonly maxChars: number,
  ) {}

  check(record: RawRecord): ReportRow {
    const where = `${this.unit} ${record.row}`;
    if (record.unparseable !== undefined) {
      return { row: record.row, id: '', text: '', warnings: [{ code: 'UNPARSEABLE_ROW', message: `${where}: ${record.unparseable}; it is not labeled` }] };
    }
    const warnings: ReportWarning[] = [];
    if (record.invalidUtf8) {
      warnings.push({ code: 'INVALID_UTF8', message: `${where}: bytes that are not valid UTF-8 were replaced with U+FFFD` });
    }
    const id = record.id.trim();
    if (id === '') {
      warnings.push({ code: 'MISSING_ID', message: `${where}: no id; the labels are written with id "" and cannot be joined` });
    } else {
      const firstRow = this.firstRowOfId.get(id);
      if (firstRow === undefined) this.firstRowOfId.set(id, record.row);
      else warnings.push({ code: 'DUPLICATE_ID', message: `${where}: id "${id}" already appeared on ${this.unit} ${firstRow}` });
    }
    let text = record.text;
    if (text.length > this.maxChars) {
      warnings.push({ code: 'TEXT_TOO_LONG', message: `${where}: the report has ${text.length} characters, over the limit of ${this.maxChars}; it is not labeled` });
      text = '';
    } else if (text.trim() === '') {
      warnings.push({ code: 'EMPTY_TEXT', message: `${where}: the report text is empty` });
    }
    return { row: record.row, id, text, warnings };
  }
}

/** Decodes UTF-8 bytes, replacing invalid sequences with U+FFFD. */
function decodeUtf8(bytes: Uint8Array): { text: string; invalid: boolean } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { text: buffer.toString('utf8'), invalid: !isUtf8(buffer) };
}

/** A CSV record, or a record the parser skipped, numbered in file order (the header is number 1). */
type CsvItem = { kind: 'record'; sequence: number; fields: string[]; fieldCountError: boolean } | { kind: 'skip'; sequence: number; error: CsvError };

/**
 * Streams the records of a CSV file. Quoting follows RFC 4180 (quoted fields may hold commas,
 * doubled quotes and line breaks), and a stray quote inside a field is kept as a character, as
 * most CSV readers do. Each row may end in CRLF or LF (see csvRecordDelimiters). A record with
 * another number of fields than the header becomes UNPARSEABLE_ROW, and so does a quoted field
 * still open at the end of the file.
 */
async function* readCsvRecords(path: string, maxRecordBytes: number): AsyncGenerator<RawRecord> {
  // Every item is numbered at parse time, so that a skipped record, which the parser reports
  // through on_skip instead of the stream, is yielded in its place.
  let sequence = 0;
  const skipped: CsvItem[] = [];
  // The parser does not record where a record starts, so the end of the last record and the count
  // of blank lines until then are kept, to name the start line of a record that is too long.
  let lastEndLine = 0;
  let emptyLinesAtLastEnd = 0;
  const noteRecordEnd = (context: { lines: number; empty_lines: number }): void => {
    lastEndLine = context.lines;
    emptyLinesAtLastEnd = context.empty_lines;
  };
  const options: Options<CsvItem, string[]> = {
    // latin1 maps each byte to one character, so the fields keep their bytes for the UTF-8 check.
    // The byte order mark is removed before parsing, because csv-parse's `bom` option would switch
    // the decoding to UTF-8.
    encoding: 'latin1',
    record_delimiter: csvRecordDelimiters(await readFileHead(path, LINE_ENDING_PROBE_BYTES)),
    skip_empty_lines: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: maxRecordBytes,
    on_skip: (error: CsvError | undefined): undefined => {
      if (error === undefined) return undefined;
      // Past the size limit the parser would keep buffering, so the file is given up instead.
      if (error.code === 'CSV_MAX_RECORD_SIZE') {
        const context = error as unknown as { empty_lines: number };
        const startLine = lastEndLine + 1 + (context.empty_lines - emptyLinesAtLastEnd);
        throw recordTooLong(path, maxRecordBytes, sequence, startLine, error);
      }
      noteRecordEnd(error as unknown as { lines: number; empty_lines: number });
      skipped.push({ kind: 'skip', sequence: ++sequence, error });
      return undefined;
    },
    on_record: (record: string[], info: { error?: CsvError; lines: number; empty_lines: number }): CsvItem => {
      noteRecordEnd(info);
      return { kind: 'record', sequence: ++sequence, fields: record, fieldCountError: info.error !== undefined };
    },
  };
  // The overloads of parse() fix the record type to string[], which on_record replaces here.
  const parser = (await openWithoutBom(path)).pipe(parse(options as unknown as Options));

  let columns: { id: number; text: number; count: number } | undefined;
  const toRaw = (item: CsvItem): RawRecord | undefined => {
    if (columns === undefined) {
      if (item.kind === 'skip') throw invalidFile(path, `the header row cannot be parsed as CSV (${item.error.message})`);
      columns = headerColumns(path, item.fields);
      return undefined;
    }
    const row = item.sequence - 1;
    if (item.kind === 'skip') return unparseableRecord(row, csvErrorReason(item.error));
    if (item.fieldCountError) return unparseableRecord(row, `the row has ${item.fields.length} fields, but the header has ${columns.count}`);
    const id = decodeLatin1Utf8(item.fields[columns.id]!);
    const text = decodeLatin1Utf8(item.fields[columns.text]!);
    return { row, id: id.text, text: text.text, invalidUtf8: id.invalid || text.invalid };
  };

  try {
    for await (const item of parser as AsyncIterable<CsvItem>) {
      while (skipped.length > 0 && skipped[0]!.sequence < item.sequence) {
        const raw = toRaw(skipped.shift()!);
        if (raw !== undefined) yield raw;
      }
      const raw = toRaw(item);
      if (raw !== undefined) yield raw;
    }
  } catch (error) {
    if (error instanceof DeepspineError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      throw new DeepspineError('INPUT_NOT_FOUND', `cannot read report file ${path}: ${(error as Error).message}`, { file: path, cause: error });
    }
    // csv-parse's messages can quote a field, which is report text, so its errors are named by code.
    if (typeof code === 'string' && code.startsWith('CSV_')) throw invalidFile(path, `${csvErrorReason(error as CsvError)}; reading stopped there`, error);
    throw invalidFile(path, (error as Error).message, error);
  }
  for (const item of skipped) {
    const raw = toRaw(item);
    if (raw !== undefined) yield raw;
  }
  if (columns === undefined) throw invalidFile(path, 'the file has no header row, only blank lines; the first row must name the columns id and text');
}

/**
 * Returns the INVALID_REPORT_FILE error for a record over the size limit. `recordsBefore` counts
 * the records before it, with the header, so it is also the data row number of this record.
 */
function recordTooLong(path: string, maxRecordBytes: number, recordsBefore: number, startLine: number, cause: unknown): DeepspineError {
  const record = recordsBefore === 0 ? 'the header row' : `row ${recordsBefore}`;
  return invalidFile(
    path,
    `${record}, which starts on line ${startLine}, is longer than ${maxRecordBytes} bytes; this usually means a quote on that row is never closed`,
    cause,
  );
}

/** Decodes a field that csv-parse read as latin1, that is one character per byte, as UTF-8. */
function decodeLatin1Utf8(field: string): { text: string; invalid: boolean } {
  return decodeUtf8(Buffer.from(field, 'latin1'));
}

function headerColumns(path: string, fields: string[]): { id: number; text: number; count: number } {
  const names = fields.map((field) => decodeLatin1Utf8(field).text.trim().toLowerCase());
  const find = (name: string): number => {
    const index = names.indexOf(name);
    if (index < 0) throw invalidFile(path, `the header row has no "${name}" column (found: ${names.join(', ')}); the reports need the columns id and text`);
    if (names.indexOf(name, index + 1) >= 0) throw invalidFile(path, `the header row names the "${name}" column twice`);
    return index;
  };
  return { id: find('id'), text: find('text'), count: fields.length };
}

/** Describes a CSV error by its code and line, because csv-parse's messages can quote the field. */
function csvErrorReason(error: CsvError): string {
  const line = error.lines as number | undefined;
  const at = line === undefined ? '' : ` at line ${line}`;
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field that starts on this row is still open at the end of the file';
  return `invalid CSV${at} (csv-parse error ${error.code})`;
}

function unparseableRecord(row: number, reason: string): RawRecord {
  return { row, id: '', text: '', invalidUtf8: false, unparseable: reason };
}

function invalidFile(path: string, reason: string, cause?: unknown): DeepspineError {
  return new DeepspineError('INVALID_REPORT_FILE', `${path}: ${reason}`, cause === undefined ? { file: path } : { file: path, cause });
}

/**
 * Streams the lines of a JSONL file as raw records, numbered by line (blank lines are counted but
 * not returned). The first object must have the keys id and text, so that a file with other field
 * names stops the run instead of giving every row a warning. A numeric id is kept as written in the
 * line, because JSON.parse rounds integers beyond Number.MAX_SAFE_INTEGER.
 */
async function* readJsonlRecords(path: string, maxRecordBytes: number): AsyncGenerator<RawRecord> {
  let checkedKeys = false;
  for await (const line of splitLines(path, maxRecordBytes)) {
    if (line.bytes === undefined) {
      yield unparseableRecord(line.number, `the line is longer than ${maxRecordBytes} bytes`);
      continue;
    }
    const decoded = decodeUtf8(line.bytes);
    if (decoded.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(decoded.text);
    } catch {
      // JSON.parse's message quotes the start of the line, which is report text.
      const syntaxError = findJsonSyntaxError(decoded.text);
      const where = syntaxError.column === undefined ? '' : ` at column ${syntaxError.column}`;
      yield unparseableRecord(line.number, `invalid JSON${where} (${syntaxError.problem})`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield unparseableRecord(line.number, 'the line is not a JSON object');
      continue;
    }
    const object = value as Record<string, unknown>;
    if (!checkedKeys) {
      for (const key of ['id', 'text']) {
        if (!(key in object)) throw invalidFile(path, `the first object (line ${line.number}) has no "${key}" field; each line must be a JSON object with id and text`);
      }
      checkedKeys = true;
    }
    const id = object['id'];
    const text = object['text'];
    if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
      yield unparseableRecord(line.number, `the id is a ${Array.isArray(id) ? 'array' : typeof id}, not a string or number`);
    } else if (text !== undefined && text !== null && typeof text !== 'string') {
      yield unparseableRecord(line.number, `the text is a ${Array.isArray(text) ? 'array' : typeof text}, not a string`);
    } else {
      let idText = typeof id === 'string' ? id : '';
      if (typeof id === 'number') {
        const written = rawTopLevelValue(decoded.text, 'id');
        if (written === undefined) {
          // Happens only when the line nests arrays or objects deeper than the scanner's recursion
          // allows. The id is then rejected instead of rounded.
          yield unparseableRecord(line.number, 'the numeric id could not be located in the line; write the id as a string');
          continue;
        }
        idText = written;
      }
      yield { row: line.number, id: idText, text: text ?? '', invalidUtf8: decoded.invalid };
    }
  }
}

/** Returns the first `length` bytes of the file, or all of them when it is shorter. */
async function readFileHead(path: string, length: number): Promise<Buffer> {
  const head = Buffer.alloc(length);
  const handle = await open(path, 'r');
  try {
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function startsWithBom(head: Buffer): boolean {
  return head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
}

/** Opens a read stream of 1 MiB chunks that starts after a leading UTF-8 byte order mark, if the file has one. */
async function openWithoutBom(path: string): Promise<ReadStream> {
  const hasBom = startsWithBom(await readFileHead(path, 3));
  return createReadStream(path, { highWaterMark: 1 << 20, start: hasBom ? 3 : 0 });
}

/** How much of a CSV file is searched for the line ending of the header row. */
const LINE_ENDING_PROBE_BYTES = 64 * 1024;

/**
 * Returns the record delimiters of a CSV file that starts with `head`. csv-parse would take the
 * line ending of the header row for every row, so a file written with CRLF and extended with LF
 * rows would read those rows as one. Each row may therefore end in CRLF or LF. A header row that
 * ends in a lone CR marks a file of CR line endings (classic Mac OS), which is split at CR alone.
 * Other files are never split at a lone CR, which stays part of its unquoted field.
 */
function csvRecordDelimiters(head: Buffer): string[] {
  let quoted = false;
  for (let index = startsWithBom(head) ? 3 : 0; index < head.length; index++) {
    const byte = head[index];
    if (byte === 0x22) {
      quoted = !quoted;
    } else if (!quoted && byte === 0x0a) {
      break;
    } else if (!quoted && byte === 0x0d) {
      if (index + 1 < head.length && head[index + 1] !== 0x0a) return ['\r'];
      break;
    }
  }
  return ['\r\n', '\n'];
}

/**
 * Splits a file into lines at LF (a CR before it is dropped), numbered from 1. A line longer than
 * `maxBytes` is returned without its bytes, and the rest of it is skipped without buffering.
 */
async function* splitLines(path: string, maxBytes: number): AsyncGenerator<{ number: number; bytes: Uint8Array | undefined }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let number = 0;
  const finish = (tail: Buffer): { number: number; bytes: Uint8Array | undefined } => {
    number++;
    if (tooLong || pendingBytes + tail.length > maxBytes) {
      pending = [];
      pendingBytes = 0;
      tooLong = false;
      return { number, bytes: undefined };
    }
    let bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    return { number, bytes };
  };

  for await (const data of (await openWithoutBom(path)) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = data.indexOf(0x0a, start); end >= 0; end = data.indexOf(0x0a, start)) {
      yield finish(data.subarray(start, end));
      start = end + 1;
    }
    const rest = data.subarray(start);
    if (rest.length === 0) continue;
    if (tooLong || pendingBytes + rest.length > maxBytes) {
      tooLong = true;
      pending = [];
      pendingBytes = 0;
    } else {
      pending.push(rest);
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0 || tooLong) yield finish(Buffer.alloc(0));
}
