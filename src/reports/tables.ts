/**
 * Tables whose grades stand under column headers, as in a header line "Level | Canal | Left
 * foramen | Right foramen" over rows such as "L4-5 | moderate | mild | none". Each header cell is
 * mapped to the conditions it names, and each row cell gives those conditions a value at the
 * level of its row. A row whose cells name their own findings ("L4-5 | canal stenosis: moderate")
 * needs no header and is read as ordinary text.
 */
import { gradeFromDiameter } from './finding-values.js';
import { BOTH_SIDES, LEFT, RIGHT } from './items.js';
import { UnitKind, type Lexicon } from './lexicon.js';
import type { StructureKind } from './rules-schema.js';
import type { Sentence, Unit } from './scan.js';
import { GRADED_CONDITIONS, type Condition, type ConditionValue, type Grade } from './types.js';

const PIPE = 124;

/** One cell of a table line: units `from` to `to` and the offsets of its text, trimmed. */
export interface TableCell {
  readonly from: number;
  readonly to: number;
  readonly start: number;
  readonly end: number;
}

/** A condition that a column header names, with the side it belongs to (LEFT, RIGHT or 0 for none). */
export interface ColumnCondition {
  readonly condition: Condition;
  readonly side: number;
}

/** One column of a table: the conditions its header names, empty when the header names none. */
export interface TableColumn {
  readonly conditions: readonly ColumnCondition[];
  /** The header cell, for the warning about a header that names no condition. */
  readonly header: TableCell;
}

/** A table row: its cells, the index of the cell that contains its level, and the columns of its table. */
export interface TableRow {
  readonly cells: readonly TableCell[];
  readonly levelColumn: number;
  readonly columns: readonly TableColumn[];
}

/** The reading of one sentence of a table: a header line gives no value, and a row gives the values of its cells. */
export type TableLine = { readonly kind: 'header'; readonly columns: readonly TableColumn[]; readonly levelColumn: number } | { readonly kind: 'row'; readonly row: TableRow };

function isPipe(text: string, unit: Unit): boolean {
  return unit.kind === UnitKind.Break && unit.lexeme === null && text.charCodeAt(unit.start) === PIPE;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/** Returns the offsets from `start` to `end` without surrounding whitespace, as `[start, end]`. */
function trimmed(text: string, start: number, end: number): [number, number] {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return [start, end];
}

/**
 * Splits a sentence into cells at its vertical bars. Returns null when it has none. A line that
 * opens or ends with a bar has an empty first or last cell.
 */
function splitCells(text: string, units: readonly Unit[], sentence: Sentence): TableCell[] | null {
  const pipes: number[] = [];
  for (let index = sentence.from; index < sentence.to; index++) if (isPipe(text, units[index]!)) pipes.push(index);
  if (pipes.length === 0) return null;
  const lineStart = text.lastIndexOf('\n', units[sentence.from]!.start - 1) + 1;
  const lastEnd = units[sentence.to - 1]!.end;
  const newline = text.indexOf('\n', lastEnd);
  const lineEnd = newline < 0 ? text.length : newline;
  const cells: TableCell[] = [];
  let from = sentence.from;
  let start = lineStart;
  for (const pipe of [...pipes, sentence.to]) {
    const end = pipe < sentence.to ? units[pipe]!.start : lineEnd;
    const [cellStart, cellEnd] = trimmed(text, start, end);
    cells.push({ from, to: pipe, start: cellStart, end: cellEnd });
    if (pipe < sentence.to) {
      from = pipe + 1;
      start = units[pipe]!.end;
    }
  }
  return cells;
}

function firstFilledCell(cells: readonly TableCell[]): number {
  return cells.findIndex((cell) => cell.to > cell.from);
}

/** Returns the index of the cell whose first unit is a level notation and that opens the row, or -1. */
function levelCellOf(units: readonly Unit[], cells: readonly TableCell[]): number {
  const first = firstFilledCell(cells);
  if (first < 0) return -1;
  const unit = units[cells[first]!.from]!;
  return unit.kind === UnitKind.Level && unit.levelKind !== 'wholeStudy' && unit.levelKind !== 'remaining' && unit.levelKind !== 'upper' && unit.levelKind !== 'lower' ? first : -1;
}

const STRUCTURE_CONDITIONS: Record<StructureKind, readonly ColumnCondition[]> = {
  canal: [{ condition: 'spinal_canal_stenosis', side: 0 }],
  canalQualifier: [{ condition: 'spinal_canal_stenosis', side: 0 }],
  foramen: [
    { condition: 'left_foraminal_stenosis', side: LEFT },
    { condition: 'right_foraminal_stenosis', side: RIGHT },
  ],
  subarticular: [
    { condition: 'left_subarticular_stenosis', side: LEFT },
    { condition: 'right_subarticular_stenosis', side: RIGHT },
  ],
  facet: [
    { condition: 'left_facet_arthropathy', side: LEFT },
    { condition: 'right_facet_arthropathy', side: RIGHT },
  ],
  ligamentumFlavum: [{ condition: 'ligamentum_flavum_thickening', side: 0 }],
  epiduralFat: [{ condition: 'epidural_lipomatosis', side: 0 }],
  disc: [],
};

/** Returns the side bits of a side phrase: LEFT, RIGHT, or both for "bilateral" and the comparisons. */
function sideOf(unit: Unit): number {
  const side = unit.lexeme!.side;
  if (side === 'left') return LEFT;
  if (side === 'right') return RIGHT;
  return BOTH_SIDES;
}

/**
 * Returns the conditions that a header cell names: its structures ("Canal", "Left foramen",
 * "Facets"), conditions named by one word ("Disc bulge", "Herniation"), or a stenosis word alone
 * ("Stenosis"), which means the canal as it does in text. A side in the header keeps the sided
 * conditions of that side. A header with a level or a word the rules list as none of these
 * ("Disc", "Comments") names no condition.
 */
function columnConditions(units: readonly Unit[], cell: TableCell): ColumnCondition[] {
  const conditions: ColumnCondition[] = [];
  let sides = 0;
  let bareNarrowing = false;
  for (let index = cell.from; index < cell.to; index++) {
    const unit = units[index]!;
    switch (unit.kind) {
      case UnitKind.Structure:
        conditions.push(...STRUCTURE_CONDITIONS[unit.lexeme!.structure!]);
        break;
      case UnitKind.Standalone:
        conditions.push({ condition: unit.lexeme!.condition!, side: 0 });
        break;
      case UnitKind.FindingWord:
        if (unit.lexeme!.findingWord === 'narrowing') bareNarrowing = true;
        break;
      case UnitKind.Side:
        sides |= sideOf(unit);
        break;
      case UnitKind.Level:
        return [];
      default:
        break;
    }
  }
  if (conditions.length === 0 && bareNarrowing) conditions.push({ condition: 'spinal_canal_stenosis', side: 0 });
  if (sides === 0 || sides === BOTH_SIDES) return conditions;
  return conditions.filter((entry) => entry.side === 0 || entry.side === sides);
}

/** Returns whether every unit of the sentence is a vertical bar, as in a markdown line "|---|---|". */
function onlyPipes(text: string, units: readonly Unit[], sentence: Sentence): boolean {
  for (let index = sentence.from; index < sentence.to; index++) if (!isPipe(text, units[index]!)) return false;
  return true;
}

/**
 * Finds the tables of a report and returns, by sentence index, how each of their lines is read.
 * A header line is a line with vertical bars whose first filled cell contains no level, at least one
 * cell of which names a condition. It must be followed, after any line of bars alone, by rows in
 * the same section with as many cells, whose first filled cell starts with a level notation.
 * The rows run until a line that is no such row.
 */
export function findTables(text: string, units: readonly Unit[], sentences: readonly Sentence[]): Map<number, TableLine> {
  const lines = new Map<number, TableLine>();
  let index = 0;
  while (index < sentences.length) {
    const header = sentences[index]!;
    const headerCells = splitCells(text, units, header);
    if (headerCells === null || levelCellOf(units, headerCells) >= 0 || firstFilledCell(headerCells) < 0) {
      index++;
      continue;
    }
    let next = index + 1;
    while (next < sentences.length && sentences[next]!.section === header.section && onlyPipes(text, units, sentences[next]!)) next++;
    const rows: [number, TableCell[]][] = [];
    let levelColumn = -1;
    while (next < sentences.length && sentences[next]!.section === header.section) {
      const cells = splitCells(text, units, sentences[next]!);
      if (cells === null || cells.length !== headerCells.length) break;
      const column = levelCellOf(units, cells);
      if (column < 0 || (levelColumn >= 0 && column !== levelColumn)) break;
      levelColumn = column;
      rows.push([next, cells]);
      next++;
    }
    const columns: TableColumn[] = headerCells.map((cell, column) => ({
      conditions: column === levelColumn ? [] : columnConditions(units, cell),
      header: cell,
    }));
    if (rows.length === 0 || !columns.some((column) => column.conditions.length > 0)) {
      index++;
      continue;
    }
    lines.set(index, { kind: 'header', columns, levelColumn });
    for (const [sentence, cells] of rows) lines.set(sentence, { kind: 'row', row: { cells, levelColumn, columns } });
    index = next;
  }
  return lines;
}

/** The value that one cell gives one condition of its column, with the evidence fields it sets. */
export interface CellValue {
  readonly condition: Condition;
  readonly value: ConditionValue;
  readonly graded: boolean;
  readonly range?: [Grade, Grade];
  readonly measurementMm?: number;
  readonly uncertain?: boolean;
}

/** The grade, measurement, negation, hedge and sides that the units of one cell state, whatever the column. */
interface CellWords {
  severity: Unit | null;
  measure: Unit | null;
  negated: boolean;
  zero: boolean;
  hedged: boolean;
  sides: number;
}

function readCellWords(units: readonly Unit[], cell: TableCell): CellWords {
  const words: CellWords = { severity: null, measure: null, negated: false, zero: false, hedged: false, sides: 0 };
  for (let index = cell.from; index < cell.to; index++) {
    const unit = units[index]!;
    switch (unit.kind) {
      case UnitKind.Severity:
        if (!unit.lesser && (words.severity === null || unit.grade > words.severity.grade)) words.severity = unit;
        break;
      case UnitKind.Measure:
        words.measure ??= unit;
        break;
      case UnitKind.NegBefore:
      case UnitKind.NegAfter:
        words.negated = true;
        break;
      case UnitKind.Normal:
      case UnitKind.Patent:
        words.zero = true;
        break;
      case UnitKind.Uncertain:
        words.hedged = true;
        break;
      case UnitKind.Side:
        words.sides |= sideOf(unit);
        break;
      default:
        break;
    }
  }
  return words;
}

/**
 * Returns the grade that a cell gives a graded condition, or null: 0 for "none", "normal" or
 * "patent", the grade of a severity word, or for the canal a diameter in mm. A negated severe grade
 * ("no severe") leaves a lower grade open and gives null, as it does in text.
 */
function cellGrade(words: CellWords, condition: Condition, lexicon: Lexicon): { grade: Grade; fields: Partial<CellValue> } | null {
  const severity = words.severity;
  if (words.zero || (words.negated && (severity === null || severity.grade < 3))) return { grade: 0, fields: {} };
  if (words.negated) return null;
  if (severity !== null && severity.grade >= 0) {
    const fields: Partial<CellValue> = severity.rangeLow >= 0 ? { range: [severity.rangeLow as Grade, severity.grade as Grade] } : {};
    return { grade: severity.grade as Grade, fields };
  }
  if (words.measure !== null && condition === 'spinal_canal_stenosis') {
    const millimetres = words.measure.measureMm;
    return { grade: gradeFromDiameter(millimetres, lexicon), fields: { measurementMm: millimetres } };
  }
  return null;
}

/**
 * Returns the values that `cell` gives the conditions of `column`. A graded condition takes the
 * cell's grade, and a condition of presence is 1 for a grade above none ("mild" under "Facet
 * arthropathy") and 0 for "none" or "normal". A hedge makes a grade uncertain and a presence
 * "uncertain". A side in the cell ("mild left" under "Foramina") keeps that side's conditions.
 */
export function cellValues(units: readonly Unit[], cell: TableCell, column: TableColumn, lexicon: Lexicon): CellValue[] {
  const words = readCellWords(units, cell);
  const values: CellValue[] = [];
  const sides = words.sides === 0 ? BOTH_SIDES : words.sides;
  for (const { condition, side } of column.conditions) {
    if (side !== 0 && (side & sides) === 0) continue;
    const result = cellGrade(words, condition, lexicon);
    if (result === null) continue;
    const graded = (GRADED_CONDITIONS as readonly Condition[]).includes(condition);
    const hedge = words.hedged && result.grade > 0 ? { uncertain: true } : {};
    if (graded) {
      values.push({ condition, value: result.grade, graded, ...result.fields, ...hedge });
    } else if (result.grade === 0) {
      values.push({ condition, value: 0, graded });
    } else {
      values.push({ condition, value: words.hedged ? 'uncertain' : 1, graded });
    }
  }
  return values;
}
