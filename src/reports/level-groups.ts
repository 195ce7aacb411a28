/**
 * Level groups of one statement and the choice of group for each finding. Level notations joined
 * only by commas, "and" or "or" form one group ("L3-4, L4-5 and L5-S1"). So do notations joined by
 * semicolons when nothing but levels precedes them ("L4-5; L5-S1: disc bulges"). A group that
 * opens the statement or a list item, or ends in a colon, heads the text after it ("At L4-5, ...").
 * Any other group qualifies the text before it ("... stenosis at L4-5").
 */
import { levelsBetween } from './level-notation.js';
import { UnitKind } from './lexicon.js';
import type { Unit } from './scan.js';
import { ScratchInt32 } from './scratch.js';
import { LUMBAR_LEVELS, type ReportLevel } from './types.js';

export class LevelGroup {
  levels: ReportLevel[] = [];
  /** Names every lumbar level at once ("at any level"); its values are global. */
  global = false;
  /** Names the levels the report does not describe one by one ("the remaining levels"). */
  remaining = false;
  /** With `remaining`: names only those of them above the uppermost level the report describes ("upper levels"). */
  upper = false;
  /** With `remaining`: names only those of them below the lowermost level the report describes ("lower levels"). */
  lower = false;
  /** Holds a level notation or the lumbosacral junction, not only a whole-study phrase. */
  named = false;
  headsText = false;
  /** Unit indices of the first and the last notation. */
  first = -1;
  last = -1;
  /** The list item the group sits in, counted in separators and breaks from the statement start. */
  segment = 0;
}

/**
 * Adds the levels that `unit` names to `group`. `several` is the last group of the statement so far
 * that names several levels, which a whole-study phrase after it refers to ("disc disease L3
 * through L5 with mild canal stenosis at each level"). A whole-study phrase in one group with
 * levels refers to those levels, in either order ("at all levels from L2-3 to L5-S1").
 */
function addLevels(group: LevelGroup, unit: Unit, sixthLumbar: boolean, several: LevelGroup | null): void {
  let levels: readonly ReportLevel[];
  switch (unit.levelKind) {
    case 'wholeStudy':
      if (group.named) return;
      if (several !== null && several !== group) {
        levels = several.levels;
        break;
      }
      group.global = true;
      levels = LUMBAR_LEVELS;
      break;
    case 'remaining':
    case 'upper':
    case 'lower':
      group.global = true;
      group.remaining = true;
      group.upper = unit.levelKind === 'upper';
      group.lower = unit.levelKind === 'lower';
      levels = LUMBAR_LEVELS;
      break;
    case 'lumbosacral':
      levels = [sixthLumbar ? 'L6-S1' : 'L5-S1'];
      break;
    case 'disc':
    case 'span':
      levels = levelsBetween(unit.levelKind, unit.upper, unit.lower, sixthLumbar);
      break;
    default:
      levels = [];
  }
  if (unit.levelKind === 'lumbosacral' || unit.levelKind === 'disc' || unit.levelKind === 'span') {
    if (!group.named && group.global && !group.remaining) {
      group.global = false;
      group.levels = [];
    }
    group.named = true;
  }
  for (const level of levels) if (!group.levels.includes(level)) group.levels.push(level);
}

/** Returns whether `unit` starts an exception ("except"), whose levels the text before it does not take. */
function isException(unit: Unit): boolean {
  return unit.kind === UnitKind.Break && unit.lexeme !== null && unit.lexeme.exception;
}

const levelsBeforeScratch = new ScratchInt32();
const segmentsScratch = new ScratchInt32();
const headingScratch = new ScratchInt32();
const qualifierScratch = new ScratchInt32();

/**
 * The level groups of one statement (units `from` to `to`), with per-unit counts for lookups.
 * Its lookup tables live in shared scratch buffers, so only one instance is in use at a time.
 */
export class StatementLevels {
  readonly groups: LevelGroup[] = [];
  /** Per unit of the statement: the number of level notations before it, and its list item. */
  private readonly levelsBefore: Int32Array;
  private readonly segments: Int32Array;
  /** Per group: the nearest heading group at or before it, and the first qualifying group at or after it. */
  private readonly headingAtOrBefore: Int32Array;
  private readonly qualifierAtOrAfter: Int32Array;
  /** Unit indices of the exception words of the statement ("except"), in order. */
  private readonly exceptions: number[] = [];
  /**
   * Per exception word: the levels it names without a finding of its own ("at all levels except
   * L5-S1"), which the findings before it leave out. Empty when the exception states a finding.
   */
  private readonly excludedLevels: ReportLevel[][] = [];

  constructor(
    units: readonly Unit[],
    private readonly from: number,
    to: number,
    sixthLumbar: boolean,
  ) {
    this.levelsBefore = levelsBeforeScratch.take(to - from + 1);
    this.segments = segmentsScratch.take(to - from);
    let levelCount = 0;
    let segment = 0;
    let current: LevelGroup | null = null;
    let lastLevel = -1;
    let lastSeveral: LevelGroup | null = null;
    // Whether every unit so far is a level notation, a list separator or a semicolon.
    let onlyLevels = true;
    for (let index = from; index < to; index++) {
      const unit = units[index]!;
      this.levelsBefore[index - from] = levelCount;
      this.segments[index - from] = segment;
      if (unit.kind === UnitKind.Separator || unit.kind === UnitKind.Break) {
        if (unit.kind === UnitKind.Break && unit.lexeme !== null) onlyLevels = false;
        if (isException(unit)) this.exceptions.push(index);
        segment++;
        continue;
      }
      if (unit.kind !== UnitKind.Level) {
        onlyLevels = false;
        continue;
      }
      levelCount++;
      // Joined to the previous notation when only list separators stand between them, or also
      // semicolons in a list of levels that opens the statement.
      let joined = current !== null && lastLevel >= 0 && !units[lastLevel]!.colonAfter;
      for (let between = lastLevel + 1; joined && between < index; between++) {
        const kind = units[between]!.kind;
        if (kind !== UnitKind.Separator && !(onlyLevels && kind === UnitKind.Break)) joined = false;
      }
      if (!joined || current === null) {
        current = new LevelGroup();
        current.first = index;
        current.segment = segment;
        const before = index === from ? null : units[index - 1]!;
        current.headsText = before === null || before.kind === UnitKind.Separator || before.kind === UnitKind.Break;
        this.groups.push(current);
      }
      if (unit.colonAfter) current.headsText = true;
      current.last = index;
      addLevels(current, unit, sixthLumbar, lastSeveral);
      if (!current.global && current.levels.length > 1) lastSeveral = current;
      lastLevel = index;
    }
    this.levelsBefore[to - from] = levelCount;
    // "Mild stenosis at L3-4 and, to a lesser degree, at L4-5": a level that ends the statement
    // after a comma has no text to head, so it qualifies the text before it.
    const lastGroup = this.groups[this.groups.length - 1];
    if (lastGroup !== undefined && lastGroup.headsText && lastGroup.first > from && lastGroup.last === to - 1 && !units[lastGroup.last]!.colonAfter) {
      lastGroup.headsText = false;
    }
    for (const exception of this.exceptions) this.excludedLevels.push(this.levelsOnlyAfter(units, exception, to));

    const count = this.groups.length;
    this.headingAtOrBefore = headingScratch.take(count);
    this.qualifierAtOrAfter = qualifierScratch.take(count);
    let heading = -1;
    for (let index = 0; index < count; index++) {
      if (this.groups[index]!.headsText) heading = index;
      this.headingAtOrBefore[index] = heading;
    }
    let qualifier = -1;
    for (let index = count - 1; index >= 0; index--) {
      if (!this.groups[index]!.headsText) qualifier = index;
      this.qualifierAtOrAfter[index] = qualifier;
    }
  }

  /** Returns the number of level notations before unit `index` of the statement. */
  countBefore(index: number): number {
    return this.levelsBefore[index - this.from]!;
  }

  /**
   * Returns the group of a finding at unit `position`, or null when the statement names no level
   * that the finding may take. In order: a qualifying group later in the same list item ("moderate
   * stenosis at L4-5"), the nearest heading group before it ("At L4-5, ..."), the next qualifying
   * group ("mild bulge and moderate stenosis at L4-5"), then the nearest group before or after.
   * Before the heading comes a qualifying group earlier in the same list item, as in "mild left
   * L4-5 foraminal narrowing", where the level is inside the finding's noun phrase.
   * A group after an exception word that follows the finding belongs to the exception, so in "No
   * significant stenosis, except mild canal stenosis at L4-5" the absence takes no level.
   */
  groupFor(position: number): LevelGroup | null {
    const groups = this.groups;
    if (groups.length === 0) return null;
    // The index of the first group after `position`, by binary search.
    let low = 0;
    let high = groups.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (groups[middle]!.first > position) high = middle;
      else low = middle + 1;
    }
    const limit = this.exceptionAfter(position);
    const next = low < groups.length && groups[low]!.first < limit ? groups[low]! : null;
    const segment = this.segments[position - this.from];
    if (next !== null && !next.headsText && next.segment === segment) return next;
    // "Mild left L4-5 foraminal narrowing and moderate right L5-S1 ...": a level inside the finding's own noun phrase.
    if (low > 0 && !groups[low - 1]!.headsText && groups[low - 1]!.segment === segment) return groups[low - 1]!;
    if (low > 0) {
      const heading = this.headingAtOrBefore[low - 1]!;
      if (heading >= 0) return groups[heading]!;
    }
    if (low < groups.length) {
      const qualifier = this.qualifierAtOrAfter[low]!;
      if (qualifier >= 0 && groups[qualifier]!.first < limit) return groups[qualifier]!;
    }
    return low > 0 ? groups[low - 1]! : next;
  }

  /**
   * Returns the levels of the clause after the exception word at unit `exception` when it holds
   * only level notations and list separators ("except at L4-5 and L5-S1"), else an empty list.
   */
  private levelsOnlyAfter(units: readonly Unit[], exception: number, to: number): ReportLevel[] {
    let end = exception + 1;
    while (end < to && units[end]!.kind !== UnitKind.Break) end++;
    const levels: ReportLevel[] = [];
    for (let index = exception + 1; index < end; index++) {
      const kind = units[index]!.kind;
      if (kind !== UnitKind.Level && kind !== UnitKind.Separator) return [];
    }
    for (const group of this.groups) {
      if (group.first > exception && group.first < end) levels.push(...group.levels);
    }
    return levels;
  }

  /** Returns the levels that a finding at unit `position` leaves out because an exception after it names them alone. */
  excludedFor(position: number): readonly ReportLevel[] {
    const excluded: ReportLevel[] = [];
    for (let exception = 0; exception < this.exceptions.length; exception++) {
      if (this.exceptions[exception]! > position) excluded.push(...this.excludedLevels[exception]!);
    }
    return excluded;
  }

  /** Returns the unit index of the first exception word after unit `position`, or Infinity. */
  private exceptionAfter(position: number): number {
    for (const index of this.exceptions) if (index > position) return index;
    return Number.POSITIVE_INFINITY;
  }
}
