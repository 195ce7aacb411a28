/**
 * Pairs the grades or sides of a statement with its levels in text order when the statement
 * contains "respectively": "Mild and moderate canal stenosis at L3-4 and L4-5 respectively" gives
 * L3-L4 1 and L4-L5 2. Pairing needs as many grades or sides as levels. Otherwise nothing is
 * paired, and the findings take their levels as they would without the word.
 */
import { Family, Finding } from './findings.js';
import { LEFT, RIGHT } from './items.js';
import type { LevelGroup, StatementLevels } from './level-groups.js';
import { UnitKind } from './lexicon.js';
import type { Unit } from './scan.js';
import type { ReportLevel } from './types.js';

/** One finding placed at one level of the list. A finding split by side is a copy with one side. */
export interface LevelPair {
  readonly finding: Finding;
  readonly level: ReportLevel;
}

/** One side that a finding's own words name: a side phrase, or one half of "left and right". */
interface SideValue {
  readonly unit: Unit;
  /** 0 for a phrase that names one side, else the index of the half in `unit.sideParts`. */
  readonly part: number;
  readonly side: number;
}

const SIDE_BITS = { left: LEFT, right: RIGHT } as const;

/**
 * Returns the level group that "respectively", standing before unit `marker`, pairs with: the last
 * group before it, else the first group after it. The group must list two or more notations, each
 * naming one distinct level, so that the levels have an order. Returns null otherwise.
 */
function pairedGroup(units: readonly Unit[], marker: number, levels: StatementLevels): LevelGroup | null {
  const before = levels.groups.filter((candidate) => candidate.first < marker);
  const group = before.length > 0 ? before[before.length - 1]! : levels.groups[0];
  if (group === undefined || group.global) return null;
  let notations = 0;
  for (let index = group.first; index <= group.last; index++) {
    const unit = units[index]!;
    if (unit.kind !== UnitKind.Level) continue;
    if (unit.levelKind !== 'disc' && unit.levelKind !== 'lumbosacral') return null;
    notations++;
  }
  return notations >= 2 && group.levels.length === notations ? group : null;
}

function isSidedFamily(family: Family): boolean {
  return family === Family.Foramen || family === Family.Subarticular || family === Family.Facet;
}

/** Returns the sides that the finding's own item names, in text order. */
function sideValuesOf(units: readonly Unit[], finding: Finding): SideValue[] {
  const values: SideValue[] = [];
  if (!isSidedFamily(finding.family)) return values;
  for (let index = finding.item.first; index <= finding.item.last; index++) {
    const unit = units[index]!;
    if (unit.kind !== UnitKind.Side) continue;
    const side = unit.lexeme!.side;
    if (side === 'left' || side === 'right') values.push({ unit, part: 0, side: SIDE_BITS[side] });
    else if (unit.sideParts !== null) unit.sideParts.forEach((part, index) => values.push({ unit, part: index, side: SIDE_BITS[part] }));
  }
  return values;
}

function byPosition(a: SideValue, b: SideValue): number {
  return a.unit.start - b.unit.start || a.part - b.part;
}

function copyWithSides(finding: Finding, sides: number): Finding {
  const copy = new Finding(finding.family, finding.item, finding.position);
  copy.zero = finding.zero;
  copy.severity = finding.severity;
  copy.sides = sides;
  copy.measure = finding.measure;
  copy.negated = finding.negated;
  copy.hedged = finding.hedged;
  copy.start = finding.start;
  copy.end = finding.end;
  return copy;
}

/** Returns the grade that a finding adds to the list: its severity, unless it states 0 ("patent", "normal"). */
function listedGrade(finding: Finding): Unit | null {
  return finding.zero ? null : finding.severity;
}

function isSameSide(a: SideValue, b: SideValue): boolean {
  return a.unit === b.unit && a.part === b.part;
}

/**
 * Pairs the findings of one statement with the levels of the group that "respectively" refers to.
 * The word comes before unit `marker`, or ends the statement when `marker` is the statement end.
 * The n-th grade, or the n-th side, among the findings placed at that group goes to its n-th
 * level. A finding whose grade and side point to different levels, or that has neither, keeps all
 * the group's levels. Returns the pairs by finding. Returns null when the number of grades and the
 * number of sides both differ from the number of levels, or when some level gets no finding.
 */
export function pairRespectively(
  units: readonly Unit[],
  marker: number,
  levels: StatementLevels,
  findings: readonly Finding[],
): Map<Finding, LevelPair[]> | null {
  const group = pairedGroup(units, marker, levels);
  if (group === null) return null;
  const listed = findings.filter((finding) => levels.groupFor(finding.position) === group);

  const grades: Unit[] = [];
  const sides: SideValue[] = [];
  const sidesByFinding = new Map<Finding, SideValue[]>();
  for (const finding of listed) {
    const grade = listedGrade(finding);
    if (grade !== null && !grades.includes(grade)) grades.push(grade);
    const own = sideValuesOf(units, finding);
    sidesByFinding.set(finding, own);
    for (const value of own) if (!sides.some((known) => isSameSide(known, value))) sides.push(value);
  }
  grades.sort((a, b) => a.start - b.start);
  sides.sort(byPosition);
  const count = group.levels.length;
  const pairGrades = grades.length === count;
  const pairSides = sides.length === count;
  if (!pairGrades && !pairSides) return null;

  const pairs = new Map<Finding, LevelPair[]>();
  const pairedLevels = new Set<ReportLevel>();
  for (const finding of listed) {
    const grade = listedGrade(finding);
    const gradeIndex = pairGrades && grade !== null ? grades.indexOf(grade) : -1;
    const own = sidesByFinding.get(finding)!;
    const sideIndices = pairSides ? own.map((value) => sides.findIndex((known) => isSameSide(known, value))) : [];
    let findingPairs: LevelPair[] = [];
    if (sideIndices.length === 2 && own[0]!.unit === own[1]!.unit && gradeIndex < 0) {
      // "Left and right foraminal stenosis at L4-5 and L5-S1 respectively": one finding, split by side.
      findingPairs = sideIndices.map((index) => ({ finding: copyWithSides(finding, sides[index]!.side), level: group.levels[index]! }));
    } else if (sideIndices.length === 1 && (gradeIndex < 0 || gradeIndex === sideIndices[0])) {
      findingPairs = [{ finding, level: group.levels[sideIndices[0]!]! }];
    } else if (sideIndices.length === 0 && gradeIndex >= 0) {
      findingPairs = [{ finding, level: group.levels[gradeIndex]! }];
    }
    if (findingPairs.length === 0) continue;
    pairs.set(finding, findingPairs);
    for (const pair of findingPairs) pairedLevels.add(pair.level);
  }
  return pairedLevels.size === count ? pairs : null;
}
