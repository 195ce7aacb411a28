/**
 * Turns the items of one statement into findings. Items that lack a finding word share one with
 * their neighbours in the same clause. In "canal or right foraminal stenosis", "canal" takes the
 * word "stenosis" of the next item. In "foraminal stenosis, moderate on the right", the later item
 * takes the structure and finding word of the earlier one. Severity and side then carry along the
 * list ("mild canal and foraminal stenosis" grades both).
 */
import { BOTH_SIDES, Item, ItemType, LEFT, RIGHT, buildItems, combines, isSided } from './items.js';
import type { LevelGroup } from './level-groups.js';
import { UnitKind } from './lexicon.js';
import type { StandaloneCondition, StructureKind } from './rules-schema.js';
import { Unit } from './scan.js';
import { applyScopes } from './scopes.js';
import { ScratchInt32 } from './scratch.js';

const rightHeadScratch = new ScratchInt32();
const rightShareableScratch = new ScratchInt32();

/** Finding families, each of which maps to one or more conditions. */
export const Family = {
  Canal: 1,
  Foramen: 2,
  Subarticular: 3,
  Facet: 4,
  LigamentumFlavum: 5,
  EpiduralLipomatosis: 6,
  DiscBulge: 7,
  DiscHerniation: 8,
  DiscOsteophyteComplex: 9,
  /**
   * "Stenosis" without a structure: the canal when present, every stenosis condition when negated.
   * With a side it gives nothing, or 0 for that side's foramen and recess when negated.
   */
  BareNarrowing: 10,
  /** "Patent" without a structure: the canal and both foramina. */
  PatentDefault: 11,
  /** A level described as normal: every condition. */
  LevelNormal: 12,
  /** A normal study: every condition at every lumbar level. */
  StudyNormal: 13,
  /** A normal disc: no bulge and no herniation. */
  DiscNormal: 14,
} as const;
export type Family = (typeof Family)[keyof typeof Family];

export class Finding {
  /** Patent or normal: the value is 0 whatever the negation. */
  zero = false;
  severity: Unit | null = null;
  sides = 0;
  measure: Unit | null = null;
  negated = false;
  hedged = false;
  start: number;
  end: number;

  constructor(
    readonly family: Family,
    readonly item: Item,
    /** Unit index that places the finding among the statement's level notations. */
    readonly position: number,
  ) {
    this.start = item.valueStart;
    this.end = item.valueEnd;
  }

  extend(start: number, end: number): void {
    if (start < this.start) this.start = start;
    if (end > this.end) this.end = end;
  }
}

const STANDALONE_FAMILY: Record<StandaloneCondition, Family> = {
  disc_bulge: Family.DiscBulge,
  disc_herniation: Family.DiscHerniation,
  disc_osteophyte_complex: Family.DiscOsteophyteComplex,
  epidural_lipomatosis: Family.EpiduralLipomatosis,
};

function structureFamily(structure: StructureKind): Family | null {
  switch (structure) {
    case 'canal':
    case 'canalQualifier':
      return Family.Canal;
    case 'foramen':
      return Family.Foramen;
    case 'subarticular':
      return Family.Subarticular;
    case 'facet':
      return Family.Facet;
    case 'ligamentumFlavum':
      return Family.LigamentumFlavum;
    case 'epiduralFat':
      return Family.EpiduralLipomatosis;
    case 'disc':
      return null;
  }
}

/** Returns the family that "patent" or "normal" sets to 0 for a structure, or null. */
function predicateFamily(structure: StructureKind, patent: boolean): Family | null {
  if (structure === 'disc') return patent ? null : Family.DiscNormal;
  const family = structureFamily(structure);
  if (patent && family !== Family.Canal && family !== Family.Foramen && family !== Family.Subarticular) return null;
  return family;
}

function structureKind(unit: Unit): StructureKind {
  return unit.lexeme!.structure!;
}

/** Returns whether the item's own structures include a sided one that its finding word applies to. */
function hasSidedFinding(item: Item): boolean {
  const word = item.findingWord?.lexeme!.findingWord ?? null;
  if (word === null) return false;
  return item.structures.some((unit) => isSided(structureKind(unit)) && combines(structureKind(unit), word));
}

/**
 * Returns whether `item` grades the structure `kind` without a finding word. A canal, foramen or
 * recess word takes a grade ("Canal: moderate") or a negation alone ("Right foramen: none"), and a
 * canal word takes a measurement.
 */
function gradesWithoutFindingWord(item: Item, kind: StructureKind): boolean {
  const stenosisStructure = kind === 'canal' || kind === 'foramen' || kind === 'subarticular';
  const graded = item.severity !== null || (item.negationTriggers > 0 && item.negationTriggers === item.triggers.length);
  if (item.content === 0 && graded && stenosisStructure) return true;
  return item.measures.length > 0 && (kind === 'canal' || kind === 'canalQualifier');
}

function canGradeWithoutFindingWord(item: Item): boolean {
  return item.structures.some((unit) => gradesWithoutFindingWord(item, structureKind(unit)));
}

/** The level notations of one statement, as StatementLevels gives them. */
export interface LevelLookup {
  /** Returns the number of level notations among the statement's units before unit `index`. */
  countBefore(index: number): number;
  /** Returns the level group of a finding at unit `index`, or null when the statement names no level. */
  groupFor(index: number): LevelGroup | null;
}

/**
 * The finding heading in force ("Canal stenosis:" before "L3-4 mild", "L4-5 severe"), carried
 * from statement to statement by the caller. A grade, a side, "none" or "normal" after a level
 * with no finding of its own describes the heading's finding at that level.
 */
export class FindingHeading {
  item: Item | null = null;
  /** The heading comes from an earlier statement. */
  inherited = false;
  /** No item with a finding of its own has come since the heading or the statement start. */
  open = true;

  clear(): void {
    this.item = null;
    this.inherited = false;
  }
}

/**
 * The one graded finding of the last statement, carried from statement to statement by the
 * caller. A statement of levels and a grade alone continues it: in "L2-3: mild canal stenosis.
 * L3-4: moderate." the grade of the second statement grades the canal at L3-4.
 */
export class PreviousFinding {
  item: Item | null = null;
}

/**
 * Returns `severity`, or for a lesser-degree word ("to a lesser degree") the grade that it gives
 * after a finding graded `base`: one grade lower but at least mild. After a severe finding the text
 * allows mild or moderate, so the grade is 2 with the range [1, 2]. Returns null for a
 * lesser-degree word without a graded finding before it, which leaves the default grade.
 */
function gradeAfter(severity: Unit | null, base: Unit | null): Unit | null {
  if (severity === null || !severity.lesser) return severity;
  if (base === null || base.lesser || base.grade < 1) return null;
  const unit = new Unit(UnitKind.Severity, severity.start, severity.end, severity.lexeme);
  unit.grade = Math.max(1, base.grade - 1);
  unit.rangeLow = unit.grade > 1 ? 1 : -1;
  return unit;
}

function severityOf(item: Item): Unit | null {
  return item.effectiveSeverity ?? item.severity;
}

/** Returns the unit index that places the findings of a head item: its finding word. */
function placeOf(item: Item): number {
  return item.findingWordIndex >= 0 ? item.findingWordIndex : item.first;
}

/**
 * Returns whether the severity of `item` follows its first structure, as in "the foramina are
 * moderately narrowed", rather than standing before it ("severe foraminal stenosis").
 */
function predicateSeverity(item: Item): boolean {
  const first = item.structures[0];
  return item.severity !== null && first !== undefined && item.severity.start > first.start;
}

/** Links items of one clause (`from` to `to`) that lack a finding word to the item they share it with. */
class ClauseSharing {
  private previousHead = -1;
  private previousShareable = -1;
  private chainTarget = -1;
  private chainSeverity: Unit | null = null;
  private chainSides = 0;
  private readonly rightHead: Int32Array;
  private readonly rightShareable: Int32Array;

  constructor(
    private readonly units: readonly Unit[],
    private readonly items: readonly Item[],
    private readonly from: number,
    private readonly to: number,
    private readonly levels: LevelLookup,
    private readonly heading: FindingHeading,
    /** The finding that this statement continues, when it holds only levels and a grade; else null. */
    private readonly continued: Item | null,
    /**
     * The index of the head item of the clause before, when this clause is a relative clause
     * ("which is probably moderate") that may grade it; else -1.
     */
    relativeTarget: number,
  ) {
    this.previousHead = relativeTarget;
    this.rightHead = rightHeadScratch.take(to - from);
    this.rightShareable = rightShareableScratch.take(to - from);
    let nextHead = -1;
    let nextShareable = -1;
    for (let index = to - 1; index >= from; index--) {
      this.rightHead[index - from] = nextHead;
      this.rightShareable[index - from] = nextShareable;
      const item = items[index]!;
      if (item.type === ItemType.Head) {
        nextHead = index;
        nextShareable = index;
      } else if (item.type === ItemType.Predicate) {
        nextHead = -1;
        nextShareable = index;
      } else if (!(item.type === ItemType.Elliptical || (item.type === ItemType.StructureOnly && item.content === 0))) {
        nextHead = -1;
        nextShareable = -1;
      }
    }
  }

  run(): void {
    for (let index = this.from; index < this.to; index++) {
      const item = this.items[index]!;
      item.effectiveSeverity ??= item.severity;
      if (item.effectiveSides === 0) item.effectiveSides = item.sides;
      switch (item.type) {
        case ItemType.Head:
          if (this.chainTarget === index) {
            item.effectiveSeverity ??= this.chainSeverity;
            if (item.effectiveSides === 0 && hasSidedFinding(item)) item.effectiveSides = this.chainSides;
          }
          // "Severe canal stenosis at L3-4 and less severe stenosis at L4-5"
          item.effectiveSeverity = gradeAfter(item.effectiveSeverity, this.previousHead >= 0 ? severityOf(this.items[this.previousHead]!) : null);
          this.chainTarget = -1;
          this.previousHead = index;
          this.previousShareable = index;
          break;
        case ItemType.Predicate:
          this.previousShareable = index;
          break;
        case ItemType.StructureOnly:
          this.shareStructures(item, index);
          break;
        case ItemType.Elliptical:
          this.shareElliptical(item, index);
          break;
        case ItemType.Standalone:
          this.previousHead = -1;
          this.previousShareable = -1;
          this.chainTarget = -1;
          break;
        case ItemType.Nothing:
          if (item.content > 0) {
            this.previousHead = -1;
            this.previousShareable = -1;
            this.chainTarget = -1;
          } else if (isNegationOnly(item)) {
            this.shareHeadingZero(item);
          }
          break;
        case ItemType.NormalBare:
        case ItemType.PatentBare:
          if (item.content === 0 && !item.study) this.shareHeadingZero(item);
          break;
        default:
          break;
      }
      this.trackHeading(item);
    }
  }

  /**
   * Returns whether a level notation between `target` and the later `item` places them at
   * different levels. In "stenosis grade at L4-5: moderate" the level belongs to both, so the
   * grade after it still describes the finding before it.
   */
  private placedApart(target: Item, item: Item): boolean {
    if (this.levels.countBefore(target.last) === this.levels.countBefore(item.first)) return false;
    return this.levels.groupFor(placeOf(target)) !== this.levels.groupFor(item.first);
  }

  /** "canal" in "canal or foraminal stenosis", "foramina" in "the canal and foramina are patent". */
  private shareStructures(item: Item, index: number): void {
    if (item.content > 0) {
      item.implicit = canGradeWithoutFindingWord(item);
      return;
    }
    let target = this.rightShareable[index - this.from]!;
    if (target >= 0 && item.severity !== null && this.items[target]!.type !== ItemType.Head) target = -1;
    if (target >= 0) {
      const targetItem = this.items[target]!;
      item.borrowed = targetItem;
      if (target === index + 1 && this.onlyLevelsBetween(item, targetItem)) this.takePredicate(item, targetItem);
      if (targetItem.type === ItemType.Head) {
        // "The canal and foramina are moderately narrowed": a grade after the head's structure is a predicate of the whole list.
        if (predicateSeverity(targetItem)) item.effectiveSeverity ??= targetItem.severity;
        if (this.chainTarget === target) {
          item.effectiveSeverity ??= this.chainSeverity;
          if (item.effectiveSides === 0 && item.structures.some((unit) => isSided(structureKind(unit)))) item.effectiveSides = this.chainSides;
        }
        this.chainTarget = target;
        this.chainSeverity = item.effectiveSeverity;
        if (item.effectiveSides !== 0) this.chainSides = item.effectiveSides;
      }
      return;
    }
    if (canGradeWithoutFindingWord(item)) {
      item.implicit = true;
      return;
    }
    if (this.previousShareable >= 0) {
      const targetItem = this.items[this.previousShareable]!;
      item.borrowed = targetItem;
      item.effectiveSeverity ??= targetItem.effectiveSeverity;
      // "Severe stenosis of the right lateral recess and foramen": the side carries along the list too.
      if (item.effectiveSides === 0 && hasSidedFinding(targetItem) && item.structures.some((unit) => isSided(structureKind(unit)))) {
        item.effectiveSides = targetItem.effectiveSides;
      }
    }
  }

  /** Makes `item` the finding heading when it is one, and closes the heading after any other finding. */
  private trackHeading(item: Item): void {
    if (item.findingHeading) {
      this.heading.item = item;
      this.heading.inherited = false;
      this.heading.open = true;
      return;
    }
    const refersToHeading = item.type === ItemType.Elliptical || item.borrowed === this.heading.item;
    if (!refersToHeading && (item.type !== ItemType.Nothing || item.content > 0)) this.heading.open = false;
  }

  /** Returns the finding heading that a grade or side without a finding of its own grades, or null. */
  private openHeading(): Item | null {
    return this.heading.open ? this.heading.item : null;
  }

  /**
   * Makes `item`, a grade or side with no finding in its statement, describe the finding heading
   * in force, or else the finding that the statement continues. A continued finding also lends its
   * side, so "Severe right foraminal stenosis. L4-5: mild." grades the right foramen only.
   */
  private borrowHeadingOrContinued(item: Item, needsSidedStructure: boolean): void {
    const heading = this.openHeading();
    const source = heading ?? this.continued;
    if (source === null) return;
    if (needsSidedStructure && !source.structures.some((unit) => isSided(structureKind(unit)))) return;
    item.borrowed = source;
    item.effectiveSeverity = gradeAfter(item.effectiveSeverity, severityOf(source));
    if (source === heading || item.effectiveSides !== 0) return;
    item.effectiveSides = source.effectiveSides !== 0 ? source.effectiveSides : source.sides;
  }

  /**
   * "L2-3: none" or "L5-S1: normal" under a finding heading gives that finding 0. In the heading's
   * own statement this needs a level between the two, because "Canal stenosis: none" is
   * already a negated finding.
   */
  private shareHeadingZero(item: Item): void {
    const heading = this.openHeading();
    if (heading === null) return;
    if (!this.heading.inherited && heading.type === ItemType.Head && !this.placedApart(heading, item)) return;
    item.borrowed = heading;
  }

  /** Returns whether only level notations stand between `item` and the next item `target`. */
  private onlyLevelsBetween(item: Item, target: Item): boolean {
    if (target.first <= item.last + 1) return false;
    for (let unit = item.last + 1; unit < target.first; unit++) {
      if (this.units[unit]!.kind !== UnitKind.Level) return false;
    }
    return true;
  }

  /**
   * Makes a finding word without a structure the predicate of the structure before it, as in "the
   * right foramen at L4-5 is severely narrowed": the structure takes its grade, side, negation and
   * hedge, and the word names no bare stenosis of the canal.
   */
  private takePredicate(item: Item, target: Item): void {
    if (target.type !== ItemType.Head || target.structures.length > 0) return;
    target.predicateOfStructure = true;
    item.effectiveSeverity ??= target.severity;
    if (item.effectiveSides === 0) item.effectiveSides = target.sides;
    item.negatedBy ??= target.negatedBy;
    if (target.hedged) item.hedged = true;
    if (target.valueStart < item.extraStart) item.extraStart = target.valueStart;
    if (target.valueEnd > item.extraEnd) item.extraEnd = target.valueEnd;
  }

  /**
   * Gives a lone side to the narrowing word after its level, as in "the left foramen at L5-S1 is
   * severely narrowed, and the right at L4-5 is mildly narrowed". The word then reads as "the right
   * is mildly narrowed" at L4-5, which refers to the sided structure named before it.
   */
  private givesSideToPredicate(item: Item, index: number): boolean {
    if (item.severity !== null || item.greater !== 0 || (item.sides !== LEFT && item.sides !== RIGHT)) return false;
    if (index + 1 >= this.to) return false;
    const next = this.items[index + 1]!;
    if (next.type !== ItemType.Head || next.structures.length > 0 || next.sides !== 0 || !namesBareNarrowing(next.findingWord!)) return false;
    if (!this.onlyLevelsBetween(item, next)) return false;
    next.sides = item.sides;
    next.sideIndex = item.first;
    absorb(item, next);
    return true;
  }

  /** "moderate on the right", "left greater than right" or "moderate" standing without a structure. */
  private shareElliptical(item: Item, index: number): void {
    const items = this.items;
    const rightHead = this.rightHead[index - this.from]!;
    if (item.severity === null && item.greater !== 0) {
      const target = this.previousHead >= 0 && hasSidedFinding(items[this.previousHead]!) ? this.previousHead : rightHead >= 0 && hasSidedFinding(items[rightHead]!) ? rightHead : -1;
      if (target < 0) return;
      const targetItem = items[target]!;
      targetItem.effectiveSides = BOTH_SIDES;
      absorb(item, targetItem);
      return;
    }
    if (item.sides !== 0) {
      if (this.givesSideToPredicate(item, index)) return;
      const target = rightHead >= 0 && hasSidedFinding(items[rightHead]!) ? rightHead : this.previousHead >= 0 && hasSidedFinding(items[this.previousHead]!) ? this.previousHead : -1;
      if (target < 0) {
        this.borrowHeadingOrContinued(item, true);
        return;
      }
      const targetItem = items[target]!;
      item.borrowed = targetItem;
      item.effectiveSeverity = gradeAfter(item.severity, severityOf(targetItem)) ?? severityOf(targetItem);
      const describesEarlierFinding = target < index && targetItem.severity === null && (targetItem.sides === 0 || targetItem.sides === BOTH_SIDES);
      if (describesEarlierFinding && !this.placedApart(targetItem, item)) targetItem.sidedElaborated = true;
      return;
    }
    const target = this.previousHead >= 0 ? this.previousHead : rightHead;
    if (target < 0) {
      this.borrowHeadingOrContinued(item, false);
      return;
    }
    const targetItem = items[target]!;
    const apart = target < index && this.placedApart(targetItem, item);
    if (!apart && targetItem.severity === null && (targetItem.effectiveSeverity === null || target > index)) {
      if (item.negatedBy !== null && item.negationTriggers > 0) {
        negateGrade(item, targetItem);
        return;
      }
      targetItem.effectiveSeverity = gradeAfter(item.severity, targetItem.effectiveSeverity);
      absorb(item, targetItem);
      return;
    }
    item.borrowed = targetItem;
    item.effectiveSeverity = gradeAfter(item.effectiveSeverity, severityOf(targetItem));
    item.effectiveSides = targetItem.effectiveSides !== 0 ? targetItem.effectiveSides : targetItem.sides;
  }
}

/**
 * The last finding with its own structures in the statements read so far, carried from statement
 * to statement by the caller, so that in "The right foramen is severely narrowed. The left is
 * patent." the left side refers to the foramina. The caller drops it at a blank line and a new
 * section, and a level notation after it drops it too, unless that level places the finding.
 */
export class SideSource {
  item: Item | null = null;
}

/**
 * Links each lone side in a statement to the last finding before it with its own structures, also
 * across a semicolon ("narrowing of the left foramen; the right is patent") and across sentences.
 * That finding must name one side and a sided structure, with no level notation in between. An
 * unlinked lone side gives nothing, so it never grades the canal.
 */
class SideReferences {
  private lastStructured: Item | null;
  /** `lastStructured` comes from an earlier statement. */
  private inherited: boolean;

  constructor(
    private readonly levels: LevelLookup,
    private readonly source: SideSource,
  ) {
    this.lastStructured = source.item;
    this.inherited = source.item !== null;
  }

  /** Links the lone sides among items `from` to `to`, one clause, which follows the clauses already linked. */
  link(items: readonly Item[], from: number, to: number): void {
    for (let index = from; index < to; index++) {
      const item = items[index]!;
      const source = this.lastStructured;
      if (source !== null && isLoneSide(item) && isOneSidedFinding(source) && this.noLevelBetween(source, item)) {
        item.borrowed = source;
      }
      if (hasOwnStructures(item)) {
        this.lastStructured = item;
        this.inherited = false;
      }
    }
  }

  /** Returns whether no level notation lies between `source` and the lone side of `item`. The side's own level does not count. */
  private noLevelBetween(source: Item, item: Item): boolean {
    const side = item.sideIndex >= 0 ? item.sideIndex : item.first;
    if (this.inherited) return this.levels.countBefore(side) === 0;
    return this.levelsAfter(source, side) === 0;
  }

  /**
   * Returns the number of level notations between the finding of `source` and unit `index`,
   * without the level group that places the finding itself, as L5-S1 in "the left foramen is
   * narrowed at L5-S1".
   */
  private levelsAfter(source: Item, index: number): number {
    const end = findingEnd(source);
    let count = this.levels.countBefore(index) - this.levels.countBefore(end);
    const own = this.levels.groupFor(end);
    if (count > 0 && own !== null && own.first > end && own.last < index) {
      count -= this.levels.countBefore(own.last + 1) - this.levels.countBefore(own.first);
    }
    return count;
  }

  /** Stores the finding that lone sides of the next statement may refer to; `to` ends this statement. */
  finish(to: number): void {
    const last = this.lastStructured;
    const levelCount = this.levels.countBefore(to);
    // A level notation after the finding, other than the one that places it, moves to another
    // level, where a lone side cannot refer to it.
    let levelAfter = false;
    if (last !== null) levelAfter = this.inherited ? levelCount > 0 : this.levelsAfter(last, to) > 0;
    this.source.item = levelAfter ? null : last;
  }
}

/**
 * Returns whether `item` is one side standing for a structure named before it: a side with a
 * narrowing word ("the right is mildly narrowed") or an elliptical item that clause sharing left
 * unlinked ("the right is patent" after a semicolon).
 */
function isLoneSide(item: Item): boolean {
  if (item.sides !== LEFT && item.sides !== RIGHT) return false;
  if (item.borrowed !== null) return false;
  if (item.type === ItemType.Elliptical) return !item.absorbed;
  if (item.type !== ItemType.Head || item.structures.length > 0) return false;
  const word = item.findingWord!;
  return word.lexeme!.findingWord === 'narrowing' && !word.afterOtherStructure;
}

function isOneSidedFinding(item: Item): boolean {
  const sides = item.effectiveSides !== 0 ? item.effectiveSides : item.sides;
  if (sides !== LEFT && sides !== RIGHT) return false;
  if (item.type === ItemType.Head) return hasSidedFinding(item);
  // "The right foramen at L4-5 is narrowed": the structure and its predicate form the finding.
  const word = item.borrowed?.findingWord?.lexeme!.findingWord ?? null;
  return word !== null && item.structures.some((unit) => isSided(structureKind(unit)) && combines(structureKind(unit), word));
}

/** Returns whether `item` is a finding with its own structures that a later lone side may refer to. */
function hasOwnStructures(item: Item): boolean {
  if (item.structures.length === 0) return false;
  return item.type === ItemType.Head || (item.type === ItemType.StructureOnly && item.borrowed?.predicateOfStructure === true);
}

/** Returns the last unit of the finding of `item`, including a predicate after a level ("is narrowed"). */
function findingEnd(item: Item): number {
  return item.borrowed?.predicateOfStructure === true ? item.borrowed.last : item.last;
}

/** Returns whether `item` holds only negation triggers, as "none" in "L2-3: none". */
function isNegationOnly(item: Item): boolean {
  if (item.type !== ItemType.Nothing || item.content > 0 || item.firstValue >= 0 || item.triggers.length === 0) return false;
  return item.negationTriggers === item.triggers.length;
}

/**
 * Gives the value words of `item` to `target`, which now carries them in its evidence. A hedge on
 * them hedges the target when they give its only grade ("canal stenosis, possibly severe").
 */
function absorb(item: Item, target: Item): void {
  item.absorbed = true;
  if (item.hedged && target.severity === null) target.hedged = true;
  if (item.valueStart < target.extraStart) target.extraStart = item.valueStart;
  if (item.valueEnd > target.extraEnd) target.extraEnd = item.valueEnd;
}

/**
 * Gives a negated grade standing alone (`item`) to the ungraded finding `target` before it, as
 * "not severe" in "canal stenosis, which is not severe". A negated severe grade leaves the grade
 * unstated, as it does in "the canal stenosis is not severe". A lower one negates the finding,
 * as "not significant" does.
 */
function negateGrade(item: Item, target: Item): void {
  if (item.severity!.grade < 3) target.negatedBy ??= item.negatedBy;
  absorb(item, target);
}

function newFinding(family: Family, item: Item, position: number): Finding {
  const finding = new Finding(family, item, position);
  finding.severity = item.effectiveSeverity;
  finding.sides = item.effectiveSides;
  if (item.extraEnd >= 0) finding.extend(item.extraStart, item.extraEnd);
  return finding;
}

/**
 * Returns whether a finding word without a structure names a bare stenosis. "contributes to the
 * narrowing" refers back to a stenosis already described, and "nerve root compromise" or "IVF
 * narrowing" names a structure that is not the canal.
 */
function namesBareNarrowing(word: Unit): boolean {
  return word.lexeme!.findingWord === 'narrowing' && !word.referring && !word.afterOtherStructure;
}

/**
 * Returns whether a normal or patent word right after a colon gives the value of the finding word
 * of `item`, as in the templated line "Canal stenosis: normal".
 */
function hasTemplatedNormalValue(units: readonly Unit[], item: Item): boolean {
  const predicate = item.normal ?? item.patent;
  if (predicate === null || item.predicateIndex <= item.findingWordIndex || item.severity !== null) return false;
  return units[item.predicateIndex - 1]!.colonAfter;
}

function emitHead(units: readonly Unit[], item: Item, out: Finding[]): void {
  const word = item.findingWord!;
  const wordKind = word.lexeme!.findingWord!;
  const zero = hasTemplatedNormalValue(units, item);
  const push = (family: Family): void => {
    const finding = newFinding(family, item, item.findingWordIndex);
    if (zero) {
      finding.zero = true;
      const predicate = (item.normal ?? item.patent)!;
      finding.extend(predicate.start, predicate.end);
    }
    out.push(finding);
  };
  if (item.structures.length === 0) {
    if (namesBareNarrowing(word)) push(Family.BareNarrowing);
    return;
  }
  for (const unit of item.structures) {
    const kind = structureKind(unit);
    if (!combines(kind, wordKind) || (item.sidedElaborated && isSided(kind))) continue;
    push(structureFamily(kind)!);
  }
}

function emitPredicate(item: Item, source: Item, positionOf: (structureIndex: number) => number, out: Finding[]): void {
  const patent = source.normal === null || (source.patent !== null && source.patent.start < source.normal.start);
  item.structures.forEach((unit, index) => {
    const family = predicateFamily(structureKind(unit), patent);
    if (family === null) return;
    const finding = newFinding(family, item, positionOf(index));
    finding.zero = true;
    const predicate = patent ? source.patent! : source.normal!;
    finding.extend(predicate.start, predicate.end);
    out.push(finding);
  });
}

function emitBorrowed(item: Item, out: Finding[]): void {
  const source = item.borrowed!;
  if (item.type === ItemType.StructureOnly) {
    if (source.type !== ItemType.Head) {
      emitPredicate(item, source, (index) => item.structureIndices[index]!, out);
      return;
    }
    const word = source.findingWord!;
    item.structures.forEach((unit, index) => {
      const kind = structureKind(unit);
      if (!combines(kind, word.lexeme!.findingWord!)) return;
      const finding = newFinding(structureFamily(kind)!, item, item.structureIndices[index]!);
      finding.extend(word.start, word.end);
      out.push(finding);
    });
    return;
  }
  // An elliptical item takes the structures and finding word of its source, and "the right is patent"
  // gives 0. A lone side with its own finding word ("the right is narrowed") takes only the structures.
  // A finding heading without a finding word ("Central canal:") is graded as a narrowing, and "none"
  // under a heading gives 0.
  const wordKind = (item.findingWord ?? source.findingWord)?.lexeme!.findingWord ?? 'narrowing';
  const zero = item.patent !== null || item.normal !== null || item.type === ItemType.Nothing;
  const push = (family: Family): void => {
    const finding = newFinding(family, item, item.first);
    finding.zero = zero;
    finding.extend(source.valueStart, source.valueEnd);
    if (item.type === ItemType.Nothing) finding.extend(item.start, item.end);
    out.push(finding);
  };
  for (const unit of source.structures) {
    const kind = structureKind(unit);
    if (!combines(kind, wordKind) || (item.sides !== 0 && !isSided(kind))) continue;
    push(structureFamily(kind)!);
  }
  // "Mild stenosis at L3-4, moderate at L4-5": the grade goes to a stenosis named without a structure.
  if (source.structures.length === 0 && item.findingWord === null && item.sides === 0 && namesBareNarrowing(source.findingWord!)) push(Family.BareNarrowing);
}

function emitImplicit(item: Item, out: Finding[]): void {
  item.structures.forEach((unit, index) => {
    const kind = structureKind(unit);
    if (gradesWithoutFindingWord(item, kind)) out.push(newFinding(structureFamily(kind)!, item, item.structureIndices[index]!));
  });
}

/** Emits the findings of the items of one clause; measure-only items go to `measureItems`. */
function emitClause(units: readonly Unit[], items: readonly Item[], from: number, to: number, out: Finding[], measureItems: Item[]): void {
  let hasUnexplainedWords = false;
  for (let index = from; index < to; index++) {
    if (items[index]!.type === ItemType.Nothing && items[index]!.content > 0) hasUnexplainedWords = true;
  }
  const clauseStart = out.length;
  for (let index = from; index < to; index++) {
    const item = items[index]!;
    switch (item.type) {
      case ItemType.Standalone:
        out.push(newFinding(STANDALONE_FAMILY[item.standalone!.lexeme!.condition!], item, item.standaloneIndex));
        break;
      case ItemType.Head:
        if (item.borrowed !== null) emitBorrowed(item, out);
        else if (!item.headingOnly && !item.predicateOfStructure) emitHead(units, item, out);
        break;
      case ItemType.Predicate:
        if (item.content === 0) emitPredicate(item, item, () => item.predicateIndex, out);
        break;
      case ItemType.StructureOnly:
        if (item.implicit) emitImplicit(item, out);
        else if (item.borrowed !== null) emitBorrowed(item, out);
        break;
      case ItemType.Elliptical:
        if (item.borrowed !== null && !item.absorbed) emitBorrowed(item, out);
        break;
      case ItemType.Nothing:
        if (item.borrowed !== null) emitBorrowed(item, out);
        break;
      case ItemType.PatentBare:
      case ItemType.NormalBare: {
        if (item.borrowed !== null) {
          emitBorrowed(item, out);
          break;
        }
        // "The sacroiliac joints, as far as they are included, are unremarkable": words the
        // labeler does not know elsewhere in the clause may be what is normal.
        if (item.content > 0 || hasUnexplainedWords) break;
        let family: Family = Family.LevelNormal;
        if (item.type === ItemType.PatentBare) family = Family.PatentDefault;
        else if (item.study) family = Family.StudyNormal;
        const finding = newFinding(family, item, item.predicateIndex);
        finding.zero = true;
        // "Normal MRI of the lumbar spine": the study words belong to the statement.
        if (family === Family.StudyNormal) finding.extend(item.start, item.end);
        out.push(finding);
        break;
      }
      case ItemType.MeasureOnly:
        measureItems.push(item);
        break;
      default:
        break;
    }
  }
  for (let index = clauseStart; index < out.length; index++) {
    const finding = out[index]!;
    if (finding.family === Family.Canal || finding.family === Family.BareNarrowing) {
      const measure = finding.item.measures[0];
      if (measure !== undefined) finding.measure = measure;
    }
  }
}

function isCanalFinding(finding: Finding): boolean {
  return (finding.family === Family.Canal || finding.family === Family.BareNarrowing) && finding.measure === null;
}

/**
 * Gives the measurement of each measure-only item ("with an AP diameter of 9 mm") to the nearest
 * canal finding of the statement without one: the nearest before it or the nearest after it,
 * preferring one in the same clause. Both lists are in text order, so one merge pass does it.
 */
function attachMeasures(measureItems: readonly Item[], findings: readonly Finding[]): void {
  if (measureItems.length === 0) return;
  const canal = findings.filter(isCanalFinding).sort((a, b) => a.position - b.position);
  const before: Finding[] = [];
  let next = 0;
  for (const item of measureItems) {
    while (next < canal.length && canal[next]!.position < item.first) {
      if (canal[next]!.measure === null) before.push(canal[next]!);
      next++;
    }
    const previous = before.length > 0 ? before[before.length - 1]! : null;
    const following = next < canal.length ? canal[next]! : null;
    let chosen = previous ?? following;
    if (previous !== null && following !== null) {
      const previousSameClause = previous.item.clause === item.clause;
      const followingSameClause = following.item.clause === item.clause;
      if (previousSameClause !== followingSameClause) chosen = previousSameClause ? previous : following;
      else chosen = item.first - previous.position <= following.position - item.first ? previous : following;
    }
    if (chosen === null) continue;
    chosen.measure = item.measures[0]!;
    if (chosen === previous) before.pop();
    else next++;
  }
}

/** Returns whether `item` can head a list of graded levels: an ungraded finding with no side, negation or measurement. */
function canHeadList(item: Item): boolean {
  if (item.severity !== null || item.sides !== 0 || item.triggers.length > 0 || item.measures.length > 0) return false;
  if (item.type === ItemType.Head) {
    const word = item.findingWord!;
    if (item.structures.length === 0) return namesBareNarrowing(word);
    return item.structures.some((unit) => combines(structureKind(unit), word.lexeme!.findingWord!));
  }
  if (item.type !== ItemType.StructureOnly || item.content > 0) return false;
  return item.structures.every((unit) => {
    const kind = structureKind(unit);
    return kind === 'canal' || kind === 'canalQualifier' || kind === 'foramen' || kind === 'subarticular';
  });
}

/**
 * Marks the finding headings among the items of one statement ending before unit `to`: a colon,
 * then a level or nothing. A comma after the colon, where a line break was flattened, is skipped.
 */
function markFindingHeadings(units: readonly Unit[], items: readonly Item[], to: number): void {
  for (const item of items) {
    if (!units[item.last]!.colonAfter || !canHeadList(item)) continue;
    let next = item.last + 1;
    while (next < to && units[next]!.comma) next++;
    if (next < to && units[next]!.kind !== UnitKind.Level) continue;
    // "Facet arthropathy: present." states the finding, where "Facet arthropathy:" alone heads lines.
    if (next >= to && units[item.last]!.fillerAfterColon) continue;
    item.findingHeading = true;
    item.headingOnly = next >= to;
  }
}

/**
 * Returns the index of the head item that a relative clause starting at item `clauseStart` may
 * grade: the last item of the clause before (items `previousStart` to `clauseStart`), when that item
 * is a finding word and a relative break word ("which") opens the clause. A semicolon does too when
 * the clause after it names no finding of its own, as in "canal stenosis; probably moderate".
 * Returns -1 otherwise.
 */
function relativeClauseTarget(units: readonly Unit[], items: readonly Item[], previousStart: number, clauseStart: number): number {
  const previous = items[clauseStart - 1]!;
  if (previous.type !== ItemType.Head || clauseStart - 1 < previousStart) return -1;
  for (let index = items[clauseStart]!.first - 1; index > previous.last; index--) {
    const unit = units[index]!;
    if (unit.kind !== UnitKind.Break) continue;
    if (unit.lexeme?.relative === true) return clauseStart - 1;
    return unit.semicolon && !clauseNamesFinding(items, clauseStart) ? clauseStart - 1 : -1;
  }
  return -1;
}

/** Returns whether the clause that starts at item `clauseStart` has an item with a finding word, a condition or a structure. */
function clauseNamesFinding(items: readonly Item[], clauseStart: number): boolean {
  const clause = items[clauseStart]!.clause;
  for (let index = clauseStart; index < items.length && items[index]!.clause === clause; index++) {
    const item = items[index]!;
    if (item.hasAnchor() || item.structures.length > 0) return true;
  }
  return false;
}

/** Returns whether the statement of `items` names a level and states one grade and nothing else, as "L3-4: moderate." does. */
function isGradeOnly(items: readonly Item[], levels: LevelLookup, to: number): boolean {
  if (items.length !== 1 || levels.countBefore(to) === 0) return false;
  const item = items[0]!;
  return item.type === ItemType.Elliptical && item.severity !== null && item.patent === null && item.normal === null && item.triggers.length === 0;
}

function isGradedFamily(family: Family): boolean {
  return family === Family.Canal || family === Family.Foramen || family === Family.Subarticular || family === Family.BareNarrowing;
}

/**
 * Returns the item of the one graded finding among `findings`, which grades given after it may
 * also grade: a finding word with its own structures, a bare stenosis, or a structure graded
 * without a finding word ("Canal: mild."). Returns null when the findings name no graded finding
 * or several.
 */
function onlyGradedSource(findings: readonly Finding[]): Item | null {
  let source: Item | null = null;
  for (const finding of findings) {
    if (!isGradedFamily(finding.family)) continue;
    const item = finding.item.type === ItemType.Elliptical ? finding.item.borrowed : finding.item;
    if (item === null || (source !== null && source !== item)) return null;
    if (item.type !== ItemType.Head && !(item.type === ItemType.StructureOnly && item.implicit)) return null;
    source = item;
  }
  return source;
}

/**
 * Reads the findings of units `from` to `to`, one statement, whose level notations `levels` gives.
 * `heading` is the finding heading in force, which this statement may use, replace or end, and
 * `sideSource` the finding that a lone side ("the left is patent") may refer to. `previous` is the
 * graded finding of the statement before, which a statement of levels and a grade alone continues.
 */
export function readFindings(
  units: readonly Unit[],
  from: number,
  to: number,
  levels: LevelLookup,
  heading: FindingHeading,
  sideSource: SideSource,
  previous: PreviousFinding,
): Finding[] {
  const items = buildItems(units, from, to);
  markFindingHeadings(units, items, to);
  const continued = isGradeOnly(items, levels, to) ? previous.item : null;
  const inheritedHeading = heading.item;
  heading.inherited = inheritedHeading !== null;
  heading.open = true;
  const findings: Finding[] = [];
  const measureItems: Item[] = [];
  const sideReferences = new SideReferences(levels, sideSource);
  // Every clause is linked before any is emitted, because a relative clause may grade the finding
  // of the clause before it.
  const clauseStarts: number[] = [];
  let clauseStart = 0;
  for (let index = 1; index <= items.length; index++) {
    if (index < items.length && items[index]!.clause === items[clauseStart]!.clause) continue;
    applyScopes(units, items, clauseStart, index);
    const relativeTarget = clauseStarts.length > 0 ? relativeClauseTarget(units, items, clauseStarts[clauseStarts.length - 1]!, clauseStart) : -1;
    new ClauseSharing(units, items, clauseStart, index, levels, heading, continued, relativeTarget).run();
    sideReferences.link(items, clauseStart, index);
    clauseStarts.push(clauseStart);
    clauseStart = index;
  }
  clauseStarts.push(items.length);
  for (let clause = 0; clause + 1 < clauseStarts.length; clause++) {
    emitClause(units, items, clauseStarts[clause]!, clauseStarts[clause + 1]!, findings, measureItems);
  }
  sideReferences.finish(to);
  attachMeasures(measureItems, findings);
  const stated: Finding[] = [];
  for (const finding of findings) {
    const item = finding.item;
    finding.hedged = item.hedged;
    // A lesser-degree word that found no graded finding before it gives no grade.
    if (finding.severity?.lesser === true) finding.severity = null;
    const negation = item.negatedBy;
    // "The left foramen is not clear" does not state a patent foramen, so a negated "clear" gives nothing.
    if (finding.zero && item.negationTriggers > 0 && item.patent?.lexeme!.needsStructure === true) continue;
    if (negation !== null && !finding.zero) {
      if (!negatesTopGradeOnly(finding, negation)) {
        finding.negated = true;
      } else if (negation.start < item.valueStart) {
        // "No high-grade stenosis" leaves a mild or moderate stenosis open, so it states no value.
        continue;
      } else {
        // "The stenosis is not severe" states a stenosis whose grade it does not give.
        finding.severity = null;
      }
      finding.extend(negation.start, negation.end);
    }
    if (finding.measure !== null) finding.extend(finding.measure.start, finding.measure.end);
    if (finding.start > finding.end) {
      finding.start = item.valueStart;
      finding.end = item.valueEnd;
    }
    stated.push(finding);
  }
  // A statement with a finding of its own ends the heading in force, unless it names a new one.
  if (heading.item === inheritedHeading && stated.some((finding) => finding.item.borrowed !== inheritedHeading)) heading.clear();
  // "L3-4: moderate. L4-5: severe." continues the same finding, so a continuing statement keeps it.
  if (continued === null || items[0]!.borrowed !== continued) previous.item = onlyGradedSource(stated);
  return stated;
}

/**
 * Returns whether `negation` excludes only the top grade of the finding: a trigger before its
 * conditions ("no", "not") that reaches a severe grade, as in "no severe stenosis". A trigger
 * after the finding ("has resolved", "not seen") negates the finding whatever its grade.
 */
function negatesTopGradeOnly(finding: Finding, negation: Unit): boolean {
  return negation.kind === UnitKind.NegBefore && finding.severity !== null && finding.severity.grade >= 3;
}
