/**
 * The labeler's contract: what `labelReport` returns for one free-text lumbar MRI report, and
 * what `deepspine label-reports` writes as one JSONL line. The engine, the CLI, the dataset
 * builder and the hand-written test suite all code against these types.
 */

/** Disc levels in cranio-caudal order. L5-L6 and L6-S1 appear only when a report numbers a sixth lumbar vertebra. */
export const REPORT_LEVELS = ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1', 'L5-L6', 'L6-S1'] as const;
export type ReportLevel = (typeof REPORT_LEVELS)[number];

/** The usual lumbar levels; a global "normal study" statement covers these. */
export const LUMBAR_LEVELS = ['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'] as const satisfies readonly ReportLevel[];

/** Conditions graded 0 none, 1 mild, 2 moderate, 3 severe. */
export const GRADED_CONDITIONS = [
  'spinal_canal_stenosis',
  'left_foraminal_stenosis',
  'right_foraminal_stenosis',
  'left_subarticular_stenosis',
  'right_subarticular_stenosis',
] as const;

/** Conditions stated as present (1) or absent (0), or "uncertain" when hedged. */
export const BINARY_CONDITIONS = [
  'disc_bulge',
  'disc_osteophyte_complex',
  'left_facet_arthropathy',
  'right_facet_arthropathy',
  'ligamentum_flavum_thickening',
  'epidural_lipomatosis',
  'disc_herniation',
] as const;

export type GradedCondition = (typeof GRADED_CONDITIONS)[number];
export type BinaryCondition = (typeof BINARY_CONDITIONS)[number];
export type Condition = GradedCondition | BinaryCondition;
export const CONDITIONS: readonly Condition[] = [...GRADED_CONDITIONS, ...BINARY_CONDITIONS];

export type Grade = 0 | 1 | 2 | 3;
export type Presence = 0 | 1 | 'uncertain';
export type ConditionValue = Grade | Presence;

/** The report section a statement came from. */
export type Section = 'findings' | 'impression' | 'comment' | 'other';

/**
 * The text behind one value; the parallel `evidence` field contains one for every value.
 * `start` and `end` are UTF-16 offsets into the decoded report text, end exclusive. They cover the
 * words that carry the value: the condition, and the grade and negation where present.
 */
export interface Evidence {
  start: number;
  end: number;
  section: Section;
  /** For an intermediate grade such as "mild to moderate": the lower and upper grade; the value is the upper. */
  range?: [Grade, Grade];
  /** For a grade derived from a measurement, the measurement in mm. */
  measurementMm?: number;
  /** True when a graded condition was hedged ("may represent mild stenosis"); the value is still the grade. */
  uncertain?: true;
  /** True when a stenosis was stated without a severity word; the value is then the rules' default grade. */
  unspecifiedGrade?: true;
  /** True when the value comes from a statement about the whole study ("normal study", "no stenosis at any level"); a span such as L3-S1 does not set it. */
  global?: true;
}

export type WarningCode =
  | 'EMPTY_TEXT'
  | 'INVALID_UTF8'
  | 'TEXT_TOO_LONG'
  | 'NOT_LUMBAR'
  | 'NO_LEVELS_FOUND'
  | 'SECTION_DISAGREEMENT'
  | 'TABLE_COLUMN_UNREAD'
  | 'SIXTH_LUMBAR_VERTEBRA'
  | 'TRANSITIONAL_ANATOMY'
  | 'DUPLICATE_ID'
  | 'MISSING_ID'
  | 'UNPARSEABLE_ROW'
  | 'LABELER_FAILED';

export interface ReportWarning {
  code: WarningCode;
  message: string;
  /** Offsets into the text when the warning is about one place in it. */
  start?: number;
  end?: number;
}

export type LevelValues = Partial<Record<Condition, ConditionValue>>;
export type LevelEvidence = Partial<Record<Condition, Evidence>>;

/** The labels of one report. Levels and conditions that the report does not state are absent; the CLI writes them as null. */
export interface ReportLabels {
  levels: Partial<Record<ReportLevel, LevelValues>>;
  /** Parallel to `levels`: one Evidence for every value. */
  evidence: Partial<Record<ReportLevel, LevelEvidence>>;
  warnings: ReportWarning[];
}

/** One line of `deepspine label-reports` output. */
export interface LabeledReport extends ReportLabels {
  id: string;
  /** The version of the rules that produced the labels, e.g. "deepspine-rules/1". */
  rules: string;
}
