import type { AnalysisResult, LevelReport, SeriesReport } from '../pipeline/result.js';
import { printable } from '../log.js';

export interface LevelTableOptions {
  /** Adds ANSI colour (bold headers, yellow for low confidence and warnings). Default: stdout is a TTY and NO_COLOR is unset. */
  readonly color?: boolean;
  /** Widest line in characters before the grade columns move to tables of their own. Default: the terminal width, else 100. */
  readonly width?: number;
  /** Levels with a confidence below this get a '?' after the name (default 0.5). */
  readonly lowConfidence?: number;
}

interface Column {
  /** Header lines, top to bottom. Shorter headers are aligned to the bottom. */
  readonly header: readonly string[];
  readonly align: 'left' | 'right';
  readonly cells: readonly string[];
}

const ansi = { bold: '\u001b[1m', yellow: '\u001b[33m', reset: '\u001b[0m' } as const;
const columnGap = '  ';
/** Warnings shown per code. The rest are counted, because a study with one warning per skipped file can have hundreds. */
const maxWarningsPerCode = 5;

/**
 * Formats the levels of `result` as plain-text tables for a terminal. Each level gets one row with
 * its confidence, centre (LPS mm), anterior, middle and posterior disc heights (mm) and disc height
 * index. Graded conditions add one column each, in a second table when the first gets too wide.
 * The warnings with their codes (at most 5 per code, with a count of the rest) and the series used
 * follow. The returned text ends with a newline.
 */
export function formatLevelTable(result: AnalysisResult, options: LevelTableOptions = {}): string {
  const color = options.color ?? (process.stdout.isTTY === true && !process.env['NO_COLOR']);
  const width = options.width ?? (process.stdout.isTTY === true ? (process.stdout.columns ?? 100) : 100);
  const lowConfidence = options.lowConfidence ?? 0.5;
  const style = (text: string, code: string): string => (color ? `${code}${text}${ansi.reset}` : text);
  const levels = result.levels;
  const lowRows = levels.map((level) => level.confidence < lowConfidence);
  const lines: string[] = [];

  if (levels.length === 0) {
    lines.push('No disc level was found.');
  } else {
    const main = measurementColumns(levels, lowRows);
    const grades = gradeColumns(levels);
    const combined = [...main, ...grades];
    if (grades.length === 0 || tableWidth(combined) <= width) {
      lines.push(...renderTable(combined, lowRows, style));
    } else {
      lines.push(...renderTable(main, lowRows, style));
      for (const chunk of splitToWidth(grades, main[0]!, width)) lines.push('', ...renderTable([main[0]!, ...chunk], lowRows, style));
    }
    if (lowRows.some(Boolean)) lines.push(`? confidence below ${lowConfidence.toFixed(2)}: the name may be shifted by a level`);
    const ungraded = levels.filter((level) => Object.values(level.grades ?? {}).some(isNotGraded)).map((level) => level.level);
    if (ungraded.length > 0) lines.push(`Not graded, because the crop lies partly outside the image: ${ungraded.join(', ')}`);
    const untrained = untrainedConditions(levels);
    if (untrained.length > 0) lines.push(`Not trained on real data, so not reported as findings: ${untrained.map((c) => c.replace(/_/g, ' ')).join(', ')}`);
  }

  lines.push('');
  if (result.warnings.length === 0) {
    lines.push('Warnings: none');
  } else {
    lines.push('Warnings:');
    const countByCode = new Map<string, number>();
    for (const warning of result.warnings) {
      const count = (countByCode.get(warning.code) ?? 0) + 1;
      countByCode.set(warning.code, count);
      if (count <= maxWarningsPerCode) lines.push(`  ${style(warning.code, ansi.yellow)}: ${printable(warning.message)}`);
    }
    for (const [code, count] of countByCode) {
      if (count > maxWarningsPerCode) lines.push(`  ${style(code, ansi.yellow)}: ${count - maxWarningsPerCode} more warnings with this code are listed in results.json`);
    }
  }

  lines.push('', `Sagittal series: ${printable(describeSeries(result.series.sagittal))}`);
  lines.push(`Axial series: ${result.series.axial === null ? 'none' : printable(describeSeries(result.series.axial))}`);
  return `${lines.join('\n')}\n`;
}

/** Formats a confidence with two decimals, rounded down, so that a name marked with '?' never shows 0.50. */
export function formatConfidence(value: number): string {
  return (Math.floor(value * 100 + 1e-9) / 100).toFixed(2);
}

function measurementColumns(levels: readonly LevelReport[], lowRows: readonly boolean[]): Column[] {
  const height = (value: number | undefined): string => (value === undefined ? '-' : value.toFixed(1));
  return [
    { header: ['Level'], align: 'left', cells: levels.map((level, row) => `${level.level}${lowRows[row] ? '?' : ''}`) },
    { header: ['Confidence'], align: 'right', cells: levels.map((level) => formatConfidence(level.confidence)) },
    { header: ['Centre', 'LPS (mm)'], align: 'right', cells: formatCenters(levels) },
    { header: ['Anterior', 'height', '(mm)'], align: 'right', cells: levels.map((level) => height(level.measurements?.anteriorHeightMm)) },
    { header: ['Middle', 'height', '(mm)'], align: 'right', cells: levels.map((level) => height(level.measurements?.middleHeightMm)) },
    { header: ['Posterior', 'height', '(mm)'], align: 'right', cells: levels.map((level) => height(level.measurements?.posteriorHeightMm)) },
    { header: ['DHI'], align: 'right', cells: levels.map((level) => (level.measurements === null ? '-' : level.measurements.discHeightIndex.toFixed(2))) },
  ];
}

/** Formats centres as "x, y, z" with 1 decimal, each coordinate padded so that the commas line up. */
function formatCenters(levels: readonly LevelReport[]): string[] {
  const parts = levels.map((level) => level.center.map((value) => value.toFixed(1)));
  const widths = [0, 1, 2].map((axis) => Math.max(...parts.map((part) => part[axis]!.length)));
  return parts.map((part) => part.map((text, axis) => text.padStart(widths[axis]!)).join(', '));
}

/** Keys of a level's `grades` that describe the inputs rather than a condition. */
const gradeInputKeys = new Set(['usedAxial', 'axialMissingReason', 'sagittalCoverage']);

function isUntrained(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'status' in value && value.status === 'not trained';
}

function isNotGraded(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'status' in value && value.status === 'not graded';
}

/** Lists the graded conditions whose head had no real training data. */
function untrainedConditions(levels: readonly LevelReport[]): string[] {
  const names = new Set<string>();
  for (const level of levels) for (const [condition, value] of Object.entries(level.grades ?? {})) if (isUntrained(value)) names.add(condition);
  return [...names];
}

/** Builds one column per condition graded at any level, in order of first appearance, with '-' where a level lacks it. */
function gradeColumns(levels: readonly LevelReport[]): Column[] {
  const conditions: string[] = [];
  for (const level of levels) {
    for (const [condition, value] of Object.entries(level.grades ?? {})) {
      if (gradeInputKeys.has(condition) || isUntrained(value) || conditions.includes(condition)) continue;
      conditions.push(condition);
    }
  }
  return conditions.map((condition) => {
    const cells = levels.map((level) => formatGrade(level.grades?.[condition]));
    const words = condition.split(/[_\s]+/).filter((word) => word !== '');
    const columnWidth = Math.max(...cells.map((cell) => cell.length), ...words.map((word) => word.length));
    return { header: wrapWords(words, columnWidth), align: 'left', cells };
  });
}

/**
 * Formats one grade: strings and numbers as they are, booleans as yes/no, and an object with a
 * `grade` field as that grade followed by its `probability` when present.
 */
export function formatGrade(value: unknown): string {
  if (value === undefined || value === null || isNotGraded(value)) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'object' && 'kind' in value && value.kind === 'binary' && 'probability' in value && typeof value.probability === 'number') {
    return value.probability.toFixed(2);
  }
  if (typeof value === 'object' && 'grade' in value && 'probabilities' in value && Array.isArray(value.probabilities)) {
    return `${formatGrade(value.grade)} (${Math.max(...(value.probabilities as number[])).toFixed(2)})`;
  }
  if (typeof value === 'object' && 'grade' in value) {
    const grade = formatGrade(value.grade);
    const probability = 'probability' in value && typeof value.probability === 'number' ? ` ${value.probability.toFixed(2)}` : '';
    return `${grade}${probability}`;
  }
  // NOTE: other shapes are shown as compact JSON, cut to keep the column narrow.
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 24 ? `${json.slice(0, 23)}~` : json;
}

function wrapWords(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + word.length <= width) lines[last] = `${lines[last]} ${word}`;
    else lines.push(word);
  }
  return lines;
}

function columnWidth(column: Column): number {
  return Math.max(...column.header.map((line) => line.length), ...column.cells.map((cell) => cell.length));
}

function tableWidth(columns: readonly Column[]): number {
  return columns.reduce((sum, column) => sum + columnWidth(column), 0) + columnGap.length * (columns.length - 1);
}

/** Splits grade columns into groups that fit `width` beside the level column. A column wider than that gets a group of its own. */
function splitToWidth(columns: readonly Column[], levelColumn: Column, width: number): Column[][] {
  const groups: Column[][] = [];
  let current: Column[] = [];
  for (const column of columns) {
    if (current.length > 0 && tableWidth([levelColumn, ...current, column]) > width) {
      groups.push(current);
      current = [];
    }
    current.push(column);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Renders columns with bottom-aligned headers, a dashed rule and one line per row. Rows flagged in `lowRows` are yellow. */
function renderTable(columns: readonly Column[], lowRows: readonly boolean[], style: (text: string, code: string) => string): string[] {
  const widths = columns.map(columnWidth);
  const pad = (text: string, index: number): string => (columns[index]!.align === 'left' ? text.padEnd(widths[index]!) : text.padStart(widths[index]!));
  const joinRow = (cells: readonly string[]): string => cells.map(pad).join(columnGap).trimEnd();
  const headerLines = Math.max(...columns.map((column) => column.header.length));
  const lines: string[] = [];
  for (let line = 0; line < headerLines; line++) {
    const cells = columns.map((column) => column.header[line - (headerLines - column.header.length)] ?? '');
    lines.push(style(joinRow(cells), ansi.bold));
  }
  lines.push(widths.map((width) => '-'.repeat(width)).join(columnGap));
  const rows = columns[0]!.cells.length;
  for (let row = 0; row < rows; row++) {
    const text = joinRow(columns.map((column) => column.cells[row]!));
    lines.push(lowRows[row] ? style(text, ansi.yellow) : text);
  }
  return lines;
}

/** Describes a series by number, description and geometry. The id is left out, because for a volume file it is the file name. */
function describeSeries(series: SeriesReport): string {
  const parts = [series.seriesNumber === null ? null : String(series.seriesNumber), series.description === '' ? null : `"${series.description}"`];
  const name = parts.filter((part) => part !== null).join(' ');
  const slices = series.sliceSpacingMm === null ? `${series.slices} slices` : `${series.slices} slices ${series.sliceSpacingMm.toFixed(2)} mm apart`;
  const pixels = series.pixelSpacingMm === null ? '' : `, pixels ${series.pixelSpacingMm.map((value) => value.toFixed(2)).join(' x ')} mm`;
  return `${name === '' ? 'unnamed' : name} (${series.classification}), ${slices}${pixels}`;
}
