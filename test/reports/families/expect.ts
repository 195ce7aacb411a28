import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelReport } from '../../../src/reports/labeler.js';
import {
  CONDITIONS,
  GRADED_CONDITIONS,
  LUMBAR_LEVELS,
  REPORT_LEVELS,
  type Condition,
  type ConditionValue,
  type Evidence,
  type Grade,
  type LevelValues,
  type ReportLabels,
  type ReportLevel,
  type Section,
  type WarningCode,
} from '../../../src/reports/types.js';

/** Hand-written labels: only the stated levels and conditions, each with its value. */
export type ExpectedLevels = Partial<Record<ReportLevel, LevelValues>>;

/**
 * Checks on the evidence of one value. A field left out is not checked, and `null` or `false`
 * requires the evidence field to be absent.
 */
export interface ExpectedEvidence {
  /** A word that `text.slice(start, end)` must contain, compared case-insensitively. */
  keyword?: string;
  section?: Section;
  range?: [Grade, Grade] | null;
  measurementMm?: number | null;
  uncertain?: boolean;
  unspecifiedGrade?: boolean;
  global?: boolean;
}

export type ExpectedEvidenceByLevel = Partial<Record<ReportLevel, Partial<Record<Condition, ExpectedEvidence>>>>;

/** One hand-labelled report. */
export interface LabelCase {
  /** Test name, three to six words. */
  name: string;
  text: string;
  levels: ExpectedLevels;
  evidence?: ExpectedEvidenceByLevel;
  /** Checks applied to the evidence of every expected value, before the per-value checks. */
  everyEvidence?: ExpectedEvidence;
  /** The distinct warning codes the labeler must emit. No warning is expected when this is left out. */
  warnings?: WarningCode[];
  /** Codes that may appear without being required, where the labeling rules leave the warning open. */
  allowedWarnings?: WarningCode[];
  /** Why the labeler still gives other labels than `levels`. The test then runs as a node:test todo, which cannot fail the run. */
  todo?: string;
}

/** Returns all twelve conditions set to one value, as for a level described as normal. */
export function allConditions(value: 0): LevelValues {
  return Object.fromEntries(CONDITIONS.map((condition) => [condition, value]));
}

/** Returns the five graded stenosis conditions set to one grade. */
export function allStenosis(grade: Grade): LevelValues {
  return Object.fromEntries(GRADED_CONDITIONS.map((condition) => [condition, grade]));
}

export function bothForamina(grade: Grade): LevelValues {
  return { left_foraminal_stenosis: grade, right_foraminal_stenosis: grade };
}

export function bothSubarticular(grade: Grade): LevelValues {
  return { left_subarticular_stenosis: grade, right_subarticular_stenosis: grade };
}

export function bothFacets(value: ConditionValue): LevelValues {
  return { left_facet_arthropathy: value, right_facet_arthropathy: value };
}

/** Returns the same values at each of the given levels. */
export function atLevels(levels: readonly ReportLevel[], values: LevelValues): ExpectedLevels {
  return Object.fromEntries(levels.map((level) => [level, { ...values }]));
}

/** Returns the same values at L1-L2 to L5-S1, the levels that a whole-study statement covers. */
export function atLumbarLevels(values: LevelValues): ExpectedLevels {
  return atLevels(LUMBAR_LEVELS, values);
}

/** Merges expected levels, with later values of the same level and condition replacing earlier ones. */
export function mergeLevels(...parts: ExpectedLevels[]): ExpectedLevels {
  const merged: ExpectedLevels = {};
  for (const part of parts) {
    for (const [level, values] of Object.entries(part) as [ReportLevel, LevelValues][]) {
      merged[level] = { ...merged[level], ...values };
    }
  }
  return merged;
}

/**
 * Returns the stated values only. The JSONL output writes an unstated condition as null while the
 * contract leaves it out, so both null and absent mean "not stated" here, and a level without any
 * stated value is dropped.
 */
export function statedLevels(labels: ReportLabels): ExpectedLevels {
  const stated: ExpectedLevels = {};
  for (const [level, values] of Object.entries(labels.levels ?? {}) as [ReportLevel, LevelValues | null][]) {
    if (values === null || values === undefined) continue;
    const statedValues = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined));
    if (Object.keys(statedValues).length > 0) stated[level] = statedValues;
  }
  return stated;
}

function showText(text: string): string {
  return `text: ${JSON.stringify(text)}`;
}

function describeLevelDifferences(expected: ExpectedLevels, actual: ExpectedLevels): string[] {
  const lines: string[] = [];
  const levels = new Set<string>([...Object.keys(expected), ...Object.keys(actual)]);
  for (const level of [...levels].sort(byReportLevel)) {
    const expectedValues = (expected as Record<string, LevelValues | undefined>)[level] ?? {};
    const actualValues = (actual as Record<string, LevelValues | undefined>)[level] ?? {};
    const conditions = new Set<string>([...Object.keys(expectedValues), ...Object.keys(actualValues)]);
    for (const condition of conditions) {
      const expectedValue = (expectedValues as Record<string, unknown>)[condition];
      const actualValue = (actualValues as Record<string, unknown>)[condition];
      if (expectedValue !== actualValue) {
        lines.push(`  ${level} ${condition}: expected ${formatValue(expectedValue)}, actual ${formatValue(actualValue)}`);
      }
    }
  }
  return lines;
}

function byReportLevel(a: string, b: string): number {
  const order = REPORT_LEVELS as readonly string[];
  return (order.indexOf(a) + 100 * Number(!order.includes(a))) - (order.indexOf(b) + 100 * Number(!order.includes(b)));
}

function formatValue(value: unknown): string {
  return value === undefined ? 'not stated' : JSON.stringify(value);
}

function checkEvidenceFields(
  text: string,
  level: ReportLevel,
  condition: Condition,
  evidence: Evidence,
  expected: ExpectedEvidence,
): void {
  const where = `${showText(text)}\n  ${level} ${condition}`;
  const span = text.slice(evidence.start, evidence.end);

  if (expected.keyword !== undefined) {
    assert.ok(
      span.toLowerCase().includes(expected.keyword.toLowerCase()),
      `${where}: expected the evidence to contain ${JSON.stringify(expected.keyword)}, actual evidence ${JSON.stringify(span)}`,
    );
  }
  if (expected.section !== undefined) {
    assert.equal(evidence.section, expected.section, `${where}: expected section ${expected.section}, actual ${evidence.section}`);
  }
  if (expected.range !== undefined) {
    const expectedRange = expected.range ?? undefined;
    assert.deepEqual(evidence.range, expectedRange, `${where}: expected range ${formatValue(expectedRange)}, actual ${formatValue(evidence.range)}`);
  }
  if (expected.measurementMm !== undefined) {
    const expectedMm = expected.measurementMm ?? undefined;
    assert.equal(
      evidence.measurementMm,
      expectedMm,
      `${where}: expected measurementMm ${formatValue(expectedMm)}, actual ${formatValue(evidence.measurementMm)}`,
    );
  }
  for (const flag of ['uncertain', 'unspecifiedGrade', 'global'] as const) {
    const flagSet = expected[flag];
    if (flagSet === undefined) continue;
    const expectedFlag = flagSet ? true : undefined;
    assert.equal(evidence[flag], expectedFlag, `${where}: expected ${flag} ${formatValue(expectedFlag)}, actual ${formatValue(evidence[flag])}`);
  }
}

/** Checks that every stated value has evidence inside the text, and no evidence exists without a value. */
function checkEvidenceParallel(text: string, labels: ReportLabels, stated: ExpectedLevels): void {
  const evidence = labels.evidence ?? {};
  for (const [level, values] of Object.entries(stated) as [ReportLevel, LevelValues][]) {
    for (const condition of Object.keys(values) as Condition[]) {
      const entry = evidence[level]?.[condition];
      const where = `${showText(text)}\n  ${level} ${condition}`;
      assert.ok(entry, `${where}: expected evidence for value ${formatValue(values[condition])}, actual none`);
      assert.ok(
        Number.isInteger(entry.start) && Number.isInteger(entry.end) && entry.start >= 0 && entry.start < entry.end && entry.end <= text.length,
        `${where}: expected evidence offsets inside the text, actual start ${entry.start} end ${entry.end} for length ${text.length}`,
      );
    }
  }
  for (const [level, entries] of Object.entries(evidence) as [ReportLevel, Partial<Record<Condition, Evidence>> | null][]) {
    for (const [condition, entry] of Object.entries(entries ?? {})) {
      if (entry === null || entry === undefined) continue;
      const value = stated[level]?.[condition as Condition];
      assert.ok(value !== undefined, `${showText(text)}\n  ${level} ${condition}: expected no evidence without a value, actual ${JSON.stringify(entry)}`);
    }
  }
}

function checkWarnings(text: string, labels: ReportLabels, required: readonly WarningCode[], allowed: readonly WarningCode[]): void {
  const actual = labels.warnings ?? [];
  const codes = new Set(actual.map((warning) => warning.code));
  const listed = JSON.stringify(actual.map((warning) => `${warning.code}: ${warning.message}`));
  for (const code of required) {
    assert.ok(codes.has(code), `${showText(text)}\n  expected warning ${code}, actual warnings ${listed}`);
  }
  for (const code of codes) {
    assert.ok(
      required.includes(code) || allowed.includes(code),
      `${showText(text)}\n  expected warnings ${JSON.stringify(required)}, actual extra warning ${code} in ${listed}`,
    );
  }
}

/** Labels `labelCase.text` and checks the levels, the evidence and the warnings against the hand labels. */
export function checkLabels(labelCase: LabelCase): ReportLabels {
  const { text } = labelCase;
  const labels = labelReport(text);
  const actual = statedLevels(labels);
  const differences = describeLevelDifferences(labelCase.levels, actual);
  assert.deepEqual(actual, labelCase.levels, `${showText(text)}\n${differences.join('\n')}`);

  checkEvidenceParallel(text, labels, actual);
  for (const [level, values] of Object.entries(labelCase.levels) as [ReportLevel, LevelValues][]) {
    for (const condition of Object.keys(values) as Condition[]) {
      const checks = { ...labelCase.everyEvidence, ...labelCase.evidence?.[level]?.[condition] };
      checkEvidenceFields(text, level, condition, labels.evidence[level]![condition]!, checks);
    }
  }
  for (const [level, entries] of Object.entries(labelCase.evidence ?? {})) {
    for (const condition of Object.keys(entries ?? {})) {
      assert.ok(
        (labelCase.levels as Record<string, Record<string, unknown> | undefined>)[level]?.[condition] !== undefined,
        `test case ${JSON.stringify(labelCase.name)} checks evidence for ${level} ${condition} without an expected value`,
      );
    }
  }

  checkWarnings(text, labels, labelCase.warnings ?? [], labelCase.allowedWarnings ?? []);
  return labels;
}

/** Registers one node:test test per case. */
export function testCases(cases: readonly LabelCase[]): void {
  const names = new Set<string>();
  for (const labelCase of cases) {
    assert.ok(!names.has(labelCase.name), `duplicate test name ${JSON.stringify(labelCase.name)}`);
    names.add(labelCase.name);
    test(labelCase.name, labelCase.todo === undefined ? {} : { todo: labelCase.todo }, () => {
      checkLabels(labelCase);
    });
  }
}
