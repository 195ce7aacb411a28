/**
 * Pairs the grades or sides of a statement with its levels in text order when the statement
 * contains "respectively": "Mild and moderate canal stenosis at L3-4 and L4-5 respectively" gives
 * L3-L4 1 and L4-L5 2. Only the findings of the clause that the word closes take part, so a
 * finding added after it ("..., and mild foraminal stenosis at both levels") is read on its own.
 * Pairing needs as many grades or sides as levels. Otherwise nothing is paired, and the findings
 * take their levels as they would without the word.
 */
import { Family, Finding } from './findings.js';
import { ItemType, LEFT, RIGHT } from './items.js';
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

function copyOf(finding: Finding): Finding {
  const copy = new Finding(finding.family, finding.item, finding.position);
  copy.zero = finding.zero;
  copy.severity = finding.severity;
  copy.sides = finding.sides;
  copy.measure = finding.measure;
  copy.negated = finding.negated;
  copy.hedged = finding.hedged;
  copy.start = finding.start;
  copy.end = finding.end;
  return copy;
}

function copyWithSides(finding: Finding, sides: number): Finding {
  const copy = copyOf(finding);
  copy.sides = sides;
  return copy;
}

/** Returns a copy of `finding` graded `grade`, whose evidence also covers the grade. */
function copyWithGrade(finding: Finding, grade: Unit): Finding {
  const copy = copyOf(finding);
  copy.severity = grade;
  copy.extend(grade.start, grade.end);
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
 * Returns the first unit of the clause that "respectively", standing before unit `marker` in the
 * statement that starts at unit `from`, closes: the nearest clause before the word that states a
 * grade or side. A clause ends at a semicolon or a break word ("with", "which"), so in "disc
 * bulges with mild and moderate canal stenosis at L3-4 and L4-5 respectively" the clause starts
 * after "with". The clause reaches up to the word.
 */
function clauseStartBefore(units: readonly Unit[], from: number, marker: number): number {
  let graded = false;
  for (let index = marker - 1; index >= from; index--) {
    const kind = units[index]!.kind;
    if (kind === UnitKind.Severity || kind === UnitKind.Side) graded = true;
    if (kind === UnitKind.Break && graded) return index + 1;
  }
  return from;
}

/**
 * Returns the findings of the clause from unit `clauseStart` to the word before unit `marker`,
 * with the grades or sides right after the word ("canal stenosis at L3-4 and L4-5, respectively
 * mild and moderate"). A finding after those has words of its own and is left out.
 */
function findingsOfClause(clauseStart: number, marker: number, findings: readonly Finding[]): Finding[] {
  const byPlace = [...findings].sort((a, b) => a.item.first - b.item.first);
  const scoped: Finding[] = [];
  let trailingGradesEnded = false;
  for (const finding of byPlace) {
    const first = finding.item.first;
    if (first < clauseStart) continue;
    if (first < marker) {
      scoped.push(finding);
    } else if (!trailingGradesEnded && finding.item.type === ItemType.Elliptical) {
      scoped.push(finding);
    } else {
      trailingGradesEnded = true;
    }
  }
  return scoped;
}

/**
 * Returns the list of two or more grades, joined only by list words and commas, that comes right
 * before the first structure of units `from` to `to`, with sides allowed between them ("mild and
 * moderate" in "mild and moderate canal and foraminal stenosis"). Returns an empty list when there
 * is none.
 */
function gradeListBeforeStructure(units: readonly Unit[], from: number, to: number): Unit[] {
  let structure = from;
  while (structure < to && units[structure]!.kind !== UnitKind.Structure) structure++;
  if (structure === to) return [];
  let index = structure - 1;
  while (index >= from && units[index]!.kind === UnitKind.Side) index--;
  const grades: Unit[] = [];
  for (; index >= from; index--) {
    const unit = units[index]!;
    if (unit.kind === UnitKind.Severity) grades.unshift(unit);
    else if (unit.kind !== UnitKind.Separator || grades.length === 0) break;
  }
  return grades.length >= 2 ? grades : [];
}

/**
 * Returns the findings of `listed` that take their grade from `grades`, grouped by family, or null
 * when some graded finding takes its grade from elsewhere.
 */
function familiesGradedBy(grades: readonly Unit[], listed: readonly Finding[]): Map<Family, Finding[]> | null {
  const byFamily = new Map<Family, Finding[]>();
  for (const finding of listed) {
    const grade = listedGrade(finding);
    if (grade === null) continue;
    if (!grades.some((listedUnit) => listedUnit.start === grade.start)) return null;
    const members = byFamily.get(finding.family) ?? [];
    members.push(finding);
    byFamily.set(finding.family, members);
  }
  return byFamily;
}

/**
 * Pairs the findings of several structures that share one list of grades ("mild and moderate canal
 * and foraminal stenosis at L3-4 and L4-5 respectively"): each structure gets the n-th grade at the
 * n-th level. The items give each structure only one grade of the list, so the other grades become
 * graded copies. `byFamily` contains the findings of each structure.
 */
function pairSharedGrades(grades: readonly Unit[], group: LevelGroup, byFamily: ReadonlyMap<Family, Finding[]>): Map<Finding, LevelPair[]> {
  const pairs = new Map<Finding, LevelPair[]>();
  for (const members of byFamily.values()) {
    for (const member of members) pairs.set(member, []);
    grades.forEach((grade, index) => {
      const own = members.find((member) => listedGrade(member)!.start === grade.start);
      const level = group.levels[index]!;
      if (own !== undefined) pairs.get(own)!.push({ finding: own, level });
      else pairs.get(members[0]!)!.push({ finding: copyWithGrade(members[0]!, grade), level });
    });
  }
  return pairs;
}

/**
 * Pairs the n-th grade, or the n-th side, among `listed` with the n-th level of `group`. A finding
 * whose grade and side point to different levels, or that has neither, keeps all the group's
 * levels. Returns null when the number of grades and the number of sides both differ from the
 * number of levels, or when some level gets no finding.
 */
function pairInOrder(units: readonly Unit[], group: LevelGroup, listed: readonly Finding[]): Map<Finding, LevelPair[]> | null {
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

/**
 * Pairs the findings of one statement with the levels of the group that "respectively" refers to.
 * The statement starts at unit `from`, and the word comes before unit `marker`, or ends the
 * statement when `marker` is the statement end. Only the findings of the clause that the word
 * closes and that are placed at that group take part. Returns the pairs by finding, or null when
 * the grades or sides cannot be paired with the levels.
 */
export function pairRespectively(
  units: readonly Unit[],
  from: number,
  marker: number,
  levels: StatementLevels,
  findings: readonly Finding[],
): Map<Finding, LevelPair[]> | null {
  const group = pairedGroup(units, marker, levels);
  if (group === null) return null;
  const clauseStart = clauseStartBefore(units, from, marker);
  const listed = findingsOfClause(clauseStart, marker, findings).filter((finding) => levels.groupFor(finding.position) === group);
  const gradeList = gradeListBeforeStructure(units, clauseStart, marker);
  const byFamily = gradeList.length > 0 ? familiesGradedBy(gradeList, listed) : null;
  if (byFamily !== null && byFamily.size > 0) {
    // The findings may carry fewer grades than the list names, so the list decides whether the counts match.
    if (gradeList.length !== group.levels.length) return null;
    if (byFamily.size >= 2) return pairSharedGrades(gradeList, group, byFamily);
  }
  return pairInOrder(units, group, listed);
}
