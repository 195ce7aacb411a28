/**
 * Converts one finding into condition values with their evidence and records them at its levels.
 */
import { BOTH_SIDES, LEFT, RIGHT } from './items.js';
import { Family, type Finding } from './findings.js';
import { namesLevels, type LabelTable, type Tier } from './label-table.js';
import type { Lexicon } from './lexicon.js';
import { BINARY_CONDITIONS, GRADED_CONDITIONS, type Condition, type Evidence, type Grade, type ReportLevel, type Section } from './types.js';

export interface Placement {
  readonly levels: readonly ReportLevel[];
  readonly tier: Tier;
  readonly section: 'findings' | 'impression' | 'comment';
}

const SIDED_CONDITIONS: Partial<Record<Family, readonly [left: Condition, right: Condition]>> = {
  [Family.Foramen]: ['left_foraminal_stenosis', 'right_foraminal_stenosis'],
  [Family.Subarticular]: ['left_subarticular_stenosis', 'right_subarticular_stenosis'],
  [Family.Facet]: ['left_facet_arthropathy', 'right_facet_arthropathy'],
};

const BINARY_FAMILY_CONDITION: Partial<Record<Family, Condition>> = {
  [Family.LigamentumFlavum]: 'ligamentum_flavum_thickening',
  [Family.EpiduralLipomatosis]: 'epidural_lipomatosis',
  [Family.DiscBulge]: 'disc_bulge',
  [Family.DiscHerniation]: 'disc_herniation',
  [Family.DiscOsteophyteComplex]: 'disc_osteophyte_complex',
};

/** Returns the canal grade of an antero-posterior diameter in mm. */
export function gradeFromDiameter(millimetres: number, lexicon: Lexicon): Grade {
  const thresholds = lexicon.canalDiameterMm;
  if (millimetres < thresholds.severeBelow) return 3;
  if (millimetres < thresholds.moderateBelow) return 2;
  if (millimetres < thresholds.mildBelow) return 1;
  return 0;
}

class Recorder {
  constructor(
    private readonly table: LabelTable,
    private readonly finding: Finding,
    private readonly placement: Placement,
  ) {}

  evidence(): Evidence {
    const evidence: Evidence = { start: this.finding.start, end: this.finding.end, section: this.placement.section as Section };
    if (!namesLevels(this.placement.tier)) evidence.global = true;
    return evidence;
  }

  put(condition: Condition, value: Grade | 'uncertain', graded: boolean, evidence: Evidence): void {
    for (const level of this.placement.levels) this.table.record(this.placement.section, this.placement.tier, level, condition, value, graded, evidence);
  }

  /** Records a graded condition; `grade` and the flags come from `gradeFinding`. */
  graded(condition: Condition, grade: Grade, fields: Partial<Evidence>): void {
    const evidence = this.evidence();
    if (fields.range !== undefined) evidence.range = fields.range;
    if (fields.measurementMm !== undefined) evidence.measurementMm = fields.measurementMm;
    if (fields.uncertain) evidence.uncertain = true;
    if (fields.unspecifiedGrade) evidence.unspecifiedGrade = true;
    this.put(condition, grade, true, evidence);
  }

  binary(condition: Condition, value: 0 | 1 | 'uncertain'): void {
    this.put(condition, value, false, this.evidence());
  }
}

interface GradeResult {
  grade: Grade;
  fields: Partial<Evidence>;
}

/** Returns whether the finding word of `finding` is a compression word ("effacement of the thecal sac"). */
function namesCompression(finding: Finding): boolean {
  const word = finding.item.findingWord ?? finding.item.borrowed?.findingWord ?? null;
  return word?.lexeme?.findingWord === 'compression';
}

function gradeFinding(finding: Finding, lexicon: Lexicon): GradeResult {
  const result = gradeFromWords(finding, lexicon);
  // Reports write "mild effacement of the ventral thecal sac" both for a canal without stenosis
  // and for mild stenosis, so a mild or ungraded compression keeps its grade with the range [0, 1].
  if (result.grade === 1 && result.fields.range === undefined && namesCompression(finding)) result.fields.range = [0, 1];
  return result;
}

function gradeFromWords(finding: Finding, lexicon: Lexicon): GradeResult {
  const fields: Partial<Evidence> = {};
  if (finding.hedged) fields.uncertain = true;
  if (finding.measure !== null) fields.measurementMm = finding.measure.measureMm;
  if (finding.zero || finding.negated) return { grade: 0, fields };
  const severity = finding.severity;
  if (severity !== null) {
    if (severity.rangeLow >= 0) fields.range = [severity.rangeLow as Grade, severity.grade as Grade];
    return { grade: severity.grade as Grade, fields };
  }
  if (finding.measure !== null) return { grade: gradeFromDiameter(finding.measure.measureMm, lexicon), fields };
  fields.unspecifiedGrade = true;
  return { grade: lexicon.defaultGrade as Grade, fields };
}

/**
 * Records a sided condition on each side the finding names, or on both when it names none.
 * "Left greater than right" with one grade gives both sides that grade, because the grade
 * describes the stenosis on both sides and the comparison only orders them.
 */
function recordSided(recorder: Recorder, finding: Finding, conditions: readonly [Condition, Condition], result: GradeResult): void {
  const sides = finding.sides === 0 ? BOTH_SIDES : finding.sides;
  if (sides & LEFT) recorder.graded(conditions[0], result.grade, result.fields);
  if (sides & RIGHT) recorder.graded(conditions[1], result.grade, result.fields);
}

function presence(finding: Finding): 0 | 1 | 'uncertain' {
  if (finding.zero || finding.negated) return 0;
  return finding.hedged ? 'uncertain' : 1;
}

/** Records the values of `finding` at every level of `placement`. */
export function recordFinding(table: LabelTable, finding: Finding, placement: Placement, lexicon: Lexicon): void {
  const recorder = new Recorder(table, finding, placement);
  const family = finding.family;
  switch (family) {
    case Family.Canal:
      recordGraded(recorder, finding, 'spinal_canal_stenosis', lexicon);
      return;
    case Family.Foramen:
    case Family.Subarticular:
      recordSided(recorder, finding, SIDED_CONDITIONS[family]!, gradeFinding(finding, lexicon));
      return;
    case Family.Facet: {
      const sides = finding.sides === 0 ? BOTH_SIDES : finding.sides;
      if (sides & LEFT) recorder.binary('left_facet_arthropathy', presence(finding));
      if (sides & RIGHT) recorder.binary('right_facet_arthropathy', presence(finding));
      return;
    }
    case Family.BareNarrowing:
      if (finding.sides !== 0) {
        // A side without a structure ("severe left stenosis") names neither a foramen nor a recess,
        // so it gives nothing. Negated ("no left stenosis"), it gives 0 to that side's foramen and
        // recess, and it never reaches the canal.
        if (finding.negated || finding.zero) {
          const result = gradeFinding(finding, lexicon);
          recordSided(recorder, finding, SIDED_CONDITIONS[Family.Foramen]!, result);
          recordSided(recorder, finding, SIDED_CONDITIONS[Family.Subarticular]!, result);
        }
        return;
      }
      if (finding.negated || finding.zero) {
        for (const condition of GRADED_CONDITIONS) recordGraded(recorder, finding, condition, lexicon);
      } else {
        recordGraded(recorder, finding, 'spinal_canal_stenosis', lexicon);
      }
      return;
    case Family.PatentDefault:
      for (const condition of ['spinal_canal_stenosis', 'left_foraminal_stenosis', 'right_foraminal_stenosis'] as const) recordGraded(recorder, finding, condition, lexicon);
      return;
    case Family.LevelNormal:
    case Family.StudyNormal:
      for (const condition of GRADED_CONDITIONS) recordGraded(recorder, finding, condition, lexicon);
      for (const condition of BINARY_CONDITIONS) recorder.binary(condition, 0);
      return;
    case Family.DiscNormal:
      recorder.binary('disc_bulge', 0);
      recorder.binary('disc_herniation', 0);
      return;
    default:
      recorder.binary(BINARY_FAMILY_CONDITION[family]!, presence(finding));
  }
}

function recordGraded(recorder: Recorder, finding: Finding, condition: Condition, lexicon: Lexicon): void {
  const result = gradeFinding(finding, lexicon);
  recorder.graded(condition, result.grade, result.fields);
}
