/**
 * Groups the units of one statement into clauses and list items. A clause ends at a semicolon or
 * a break word ("but", "with"). An item ends at a comma, a list word ("and", "or") or a level
 * notation. It also ends where a new noun phrase starts after a complete one, as in "disc bulge
 * causing moderate canal stenosis". Each item is one thing the report states: "moderate canal
 * stenosis", "canal" in "canal or foraminal stenosis", or "moderate on the right".
 */
import { UnitKind } from './lexicon.js';
import type { FindingWordKind, StructureKind } from './rules-schema.js';
import type { Unit } from './scan.js';
import { ScratchInt32 } from './scratch.js';

export const LEFT = 1;
export const RIGHT = 2;
export const BOTH_SIDES = LEFT | RIGHT;

export const ItemType = {
  /** Nothing the labeler reads, or only words it does not know. */
  Nothing: 0,
  /** A condition named by one word ("protrusion", "disc bulge"). */
  Standalone: 1,
  /** A finding word with or without structures ("canal stenosis", "stenosis", "facet hypertrophy"). */
  Head: 2,
  /** Structures described as patent or normal ("the foramina are patent"). */
  Predicate: 3,
  /** Structures only, which take their finding word from a neighbouring item ("canal" in "canal or foraminal stenosis"). */
  StructureOnly: 4,
  /** "Patent" without a structure. */
  PatentBare: 5,
  /** "Normal", "unremarkable" without a structure. */
  NormalBare: 6,
  /** A severity or side without a structure ("moderate on the right"), or one side described as patent or normal ("the right is patent"). */
  Elliptical: 7,
  /** A measurement without a structure ("AP diameter 9 mm"). */
  MeasureOnly: 8,
} as const;
export type ItemType = (typeof ItemType)[keyof typeof ItemType];

/**
 * Returns whether `findingWord` makes a condition with `structure` ("foraminal" and "narrowing").
 * A compression word makes one with the canal only ("compression of the thecal sac"), because
 * compressed nerve roots in a foramen or recess are no stenosis of their own.
 */
export function combines(structure: StructureKind, findingWord: FindingWordKind): boolean {
  switch (structure) {
    case 'canal':
    case 'canalQualifier':
      return findingWord === 'narrowing' || findingWord === 'compression';
    case 'foramen':
    case 'subarticular':
      return findingWord === 'narrowing';
    case 'facet':
      return findingWord === 'arthropathy' || findingWord === 'hypertrophy';
    case 'ligamentumFlavum':
      return findingWord === 'hypertrophy' || findingWord === 'thickening';
    case 'epiduralFat':
      return findingWord === 'excess' || findingWord === 'hypertrophy';
    case 'disc':
      return false;
  }
}

export function isSided(structure: StructureKind): boolean {
  return structure === 'foramen' || structure === 'subarticular' || structure === 'facet';
}

// Most items hold no structure, measurement or trigger, so their lists start as this shared
// empty array and get their own array on the first addition.
const NONE: never[] = [];

export class Item {
  type: ItemType = ItemType.Nothing;
  /** Unit indices of the first and last unit in the item. */
  first = -1;
  last = -1;
  /** Offsets spanned by all the item's units. */
  start = -1;
  end = -1;
  clause = 0;
  /** The highest severity in the item. */
  severity: Unit | null = null;
  sides = 0;
  /** LEFT or RIGHT when one side is greater ("left greater than right"), else 0. */
  greater = 0;
  structures: Unit[] = NONE;
  structureIndices: number[] = NONE;
  findingWord: Unit | null = null;
  findingWordIndex = -1;
  standalone: Unit | null = null;
  standaloneIndex = -1;
  patent: Unit | null = null;
  normal: Unit | null = null;
  predicateIndex = -1;
  study = false;
  measures: Unit[] = NONE;
  /** Units of words the labeler does not know, and ignored phrases. */
  content = 0;
  /** Indices of negation and uncertainty triggers, in order. */
  triggers: number[] = NONE;
  /** How many of `triggers` are negation triggers. */
  negationTriggers = 0;
  /** Unit index of the first and last unit that carries a value (severity, side, structure, finding). */
  firstValue = -1;
  lastValue = -1;
  /** Offsets spanned by the units that carry a value. */
  valueStart = Number.MAX_SAFE_INTEGER;
  valueEnd = -1;
  /** The first value unit is a severity above none, before any trigger: the item asserts a finding. */
  leadsWithSeverity = false;
  /** The item contains a word such as "previously", which makes a grade or side without a finding of its own a past state. */
  past = false;

  // Set by the scope pass.
  negatedBy: Unit | null = null;
  hedged = false;

  // Set by the sharing pass: the severity and sides after inheritance within a list, and the item
  // whose finding word or structures this one borrows.
  effectiveSeverity: Unit | null = null;
  effectiveSides = 0;
  borrowed: Item | null = null;
  /** A severity-only item whose severity went to the finding it follows, so it adds nothing itself. */
  absorbed = false;
  /** Side-specific items elaborate this finding ("foraminal stenosis, moderate on the right"), so its sided values are dropped. */
  sidedElaborated = false;
  /** A finding word without a structure that is the predicate of the structure before it ("the foramen at L4-5 is narrowed"), so it names no bare stenosis. */
  predicateOfStructure = false;
  /** Grading from a structure and a severity or measurement without a finding word ("Canal: moderate."). */
  implicit = false;
  /**
   * Unit index of a lone side that this finding word without a structure takes from before its
   * level, as "right" in "the right at L4-5 is mildly narrowed". It is -1 when there is none.
   */
  sideIndex = -1;
  /**
   * Set by readFindings: the item names an ungraded finding followed by a colon and then by a level
   * or nothing ("Canal stenosis:"), so grades given after levels further on grade it.
   */
  findingHeading = false;
  /** A finding heading with nothing after it in its statement; it gives no value of its own. */
  headingOnly = false;
  /** Offsets of extra units that carry part of the value, such as a severity given after a comma. */
  extraStart = Number.MAX_SAFE_INTEGER;
  extraEnd = -1;

  addStructure(unit: Unit, index: number): void {
    if (this.structures === NONE) {
      this.structures = [];
      this.structureIndices = [];
    }
    this.structures.push(unit);
    this.structureIndices.push(index);
  }

  addMeasure(unit: Unit): void {
    if (this.measures === NONE) this.measures = [];
    this.measures.push(unit);
  }

  addTrigger(index: number): void {
    if (this.triggers === NONE) this.triggers = [];
    this.triggers.push(index);
  }

  hasAnchor(): boolean {
    return this.findingWord !== null || this.standalone !== null;
  }

  addValue(unit: Unit, index: number): void {
    if (this.firstValue < 0) {
      this.firstValue = index;
      this.leadsWithSeverity = unit.kind === UnitKind.Severity && unit.grade >= 1 && this.triggers.length === 0;
    }
    this.lastValue = index;
    if (unit.start < this.valueStart) this.valueStart = unit.start;
    if (unit.end > this.valueEnd) this.valueEnd = unit.end;
  }
}

function sideBits(unit: Unit): { sides: number; greater: number } {
  switch (unit.lexeme!.side) {
    case 'left':
      return { sides: LEFT, greater: 0 };
    case 'right':
      return { sides: RIGHT, greater: 0 };
    case 'leftGreater':
      return { sides: BOTH_SIDES, greater: LEFT };
    case 'rightGreater':
      return { sides: BOTH_SIDES, greater: RIGHT };
    default:
      return { sides: BOTH_SIDES, greater: 0 };
  }
}

function classify(item: Item): ItemType {
  // "previously mild" in "canal stenosis, previously mild, now severe" describes an earlier study,
  // so it grades nothing. A past word beside a finding word ("the prior severe stenosis") does not
  // make the finding past.
  if (item.past && !item.hasAnchor() && item.structures.length === 0 && item.patent === null && item.normal === null) return ItemType.Nothing;
  if (item.standalone !== null) return ItemType.Standalone;
  if (item.findingWord !== null) return ItemType.Head;
  if (item.structures.length > 0) return item.patent !== null || item.normal !== null ? ItemType.Predicate : ItemType.StructureOnly;
  // "The left foramen is narrowed, the right is patent": one side without a structure refers to a sided finding nearby.
  const oneSide = item.sides === LEFT || item.sides === RIGHT;
  // "It is not clear whether ...": without a structure or one side, "clear" is a word the labeler does not know.
  if (item.patent !== null && item.patent.lexeme!.needsStructure && !oneSide) {
    item.patent = null;
    item.content++;
  }
  if ((item.patent !== null || item.normal !== null) && oneSide && item.content === 0 && item.measures.length === 0) return ItemType.Elliptical;
  if (item.patent !== null) return ItemType.PatentBare;
  if (item.normal !== null) return ItemType.NormalBare;
  if ((item.severity !== null || item.sides !== 0) && item.content === 0 && item.measures.length === 0) return ItemType.Elliptical;
  if (item.measures.length > 0) return ItemType.MeasureOnly;
  return ItemType.Nothing;
}

/**
 * Returns whether the level notation at `index` sits inside the noun phrase of `item`, as in
 * "severe left L5-S1 foraminal stenosis": the item holds only a severity or side so far, and a
 * structure or condition word follows the level notations directly. So does a level between a
 * finding word and the structure it describes, as in "narrowing of the left L4-5 neural foramen".
 */
function levelInsidePhrase(units: readonly Unit[], item: Item, index: number, to: number): boolean {
  if (item.findingWord !== null && item.structures.length === 0 && item.standalone === null && item.content === 0 && item.measures.length === 0) {
    let next = index + 1;
    while (next < to && units[next]!.kind === UnitKind.Level) next++;
    const unit = units[next];
    return unit !== undefined && next < to && unit.kind === UnitKind.Structure && combines(unit.lexeme!.structure!, item.findingWord.lexeme!.findingWord!);
  }
  if (item.severity === null && item.sides === 0) return false;
  if (item.hasAnchor() || item.structures.length > 0 || item.content > 0 || item.measures.length > 0 || item.triggers.length > 0) return false;
  if (item.patent !== null || item.normal !== null) return false;
  let next = index + 1;
  while (next < to && units[next]!.kind === UnitKind.Level) next++;
  if (next >= to) return false;
  const kind = units[next]!.kind;
  return kind === UnitKind.Structure || kind === UnitKind.FindingWord || kind === UnitKind.Standalone;
}

const ANCHOR_AHEAD = 1;
const STRUCTURE_AHEAD = 2;
const aheadScratch = new ScratchInt32();

/**
 * For each unit from `from` to `to`, whether a structure (STRUCTURE_AHEAD) or any of structure,
 * finding word or standalone condition (ANCHOR_AHEAD) follows before the item ends at a
 * separator, break or level. Computed backwards in one pass into a shared scratch buffer.
 */
function anchorsAhead(units: readonly Unit[], from: number, to: number): Int32Array {
  const ahead = aheadScratch.take(to - from);
  let anchorFlag = 0;
  let structureFlag = 0;
  for (let index = to - 1; index >= from; index--) {
    ahead[index - from] = anchorFlag | structureFlag;
    const kind = units[index]!.kind;
    if (kind === UnitKind.Separator || kind === UnitKind.Break || kind === UnitKind.Level) {
      anchorFlag = 0;
      structureFlag = 0;
    } else if (kind === UnitKind.Structure) {
      anchorFlag = ANCHOR_AHEAD;
      structureFlag = STRUCTURE_AHEAD;
    } else if (kind === UnitKind.FindingWord || kind === UnitKind.Standalone) {
      anchorFlag = ANCHOR_AHEAD;
    }
  }
  return ahead;
}

/** Splits units `from` to `to` of one statement into items, each tagged with its clause number. */
export function buildItems(units: readonly Unit[], from: number, to: number): Item[] {
  const items: Item[] = [];
  const ahead = anchorsAhead(units, from, to);
  let clause = 0;
  let current: Item | null = null;

  const close = (): void => {
    if (current !== null) {
      current.type = classify(current);
      items.push(current);
      current = null;
    }
  };
  const open = (index: number): Item => {
    const item = new Item();
    item.first = index;
    item.start = units[index]!.start;
    item.clause = clause;
    current = item;
    return item;
  };

  for (let index = from; index < to; index++) {
    const unit = units[index]!;
    const kind = unit.kind;
    if (kind === UnitKind.Break) {
      close();
      clause++;
      continue;
    }
    if (kind === UnitKind.Level && current !== null && levelInsidePhrase(units, current, index, to)) continue;
    if (kind === UnitKind.Separator || kind === UnitKind.Level) {
      close();
      continue;
    }
    // "worst at L4-5 where it is moderate": the emphasis names no value, so the grade after the level stays elliptical.
    if (kind === UnitKind.Emphasis) continue;
    let item: Item = current ?? open(index);
    const complete = item.hasAnchor();
    switch (kind) {
      case UnitKind.Severity:
        // After a complete finding, a severity starts the next one if a structure or finding
        // word follows ("disc bulge causing moderate canal stenosis"). Otherwise it grades the
        // finding before it ("canal stenosis is moderate").
        if (complete && (ahead[index - from]! & ANCHOR_AHEAD) !== 0) {
          close();
          item = open(index);
        }
        if (item.severity === null || unit.grade > item.severity.grade) item.severity = unit;
        item.addValue(unit, index);
        break;
      case UnitKind.Side: {
        const startsNext = complete && (ahead[index - from]! & ANCHOR_AHEAD) !== 0;
        const describesStructure = item.findingWord !== null && item.structures.length === 0 && (ahead[index - from]! & STRUCTURE_AHEAD) !== 0;
        if (startsNext && !describesStructure) {
          close();
          item = open(index);
        }
        const bits = sideBits(unit);
        item.sides |= bits.sides;
        if (bits.greater !== 0) item.greater = bits.greater;
        item.addValue(unit, index);
        break;
      }
      case UnitKind.Structure: {
        const structure = unit.lexeme!.structure!;
        if (complete) {
          // "narrowing of the left foramen": a structure after a finding word that has none yet.
          // "bulging disc": the disc after a disc condition.
          const describes =
            (item.findingWord !== null && item.structures.length === 0 && combines(structure, item.findingWord.lexeme!.findingWord!)) ||
            (item.standalone !== null && structure === 'disc');
          if (!describes) {
            close();
            item = open(index);
          }
        }
        item.addStructure(unit, index);
        item.addValue(unit, index);
        break;
      }
      case UnitKind.FindingWord:
        if (complete) {
          close();
          item = open(index);
        }
        item.findingWord = unit;
        item.findingWordIndex = index;
        item.addValue(unit, index);
        break;
      case UnitKind.Standalone:
        if (complete) {
          close();
          item = open(index);
        }
        item.standalone = unit;
        item.standaloneIndex = index;
        item.addValue(unit, index);
        break;
      case UnitKind.Patent:
        item.patent ??= unit;
        if (item.predicateIndex < 0) item.predicateIndex = index;
        item.addValue(unit, index);
        break;
      case UnitKind.Normal:
        item.normal ??= unit;
        if (item.predicateIndex < 0) item.predicateIndex = index;
        item.addValue(unit, index);
        break;
      case UnitKind.Study:
        // "The visualized thoracic spine is normal" describes no lumbar level.
        if (unit.lexeme!.region === 'nonLumbar') item.content++;
        else item.study = true;
        break;
      case UnitKind.Measure:
        item.addMeasure(unit);
        break;
      case UnitKind.Otherwise:
        // labelReport looks for it in the whole statement, so here it is neither content nor a value.
        break;
      case UnitKind.Past:
        item.past = true;
        break;
      case UnitKind.NegBefore:
      case UnitKind.Uncertain:
        // "Facet arthropathy without significant stenosis": a trigger after a complete finding
        // starts the next one when a structure or finding word follows. Otherwise it acts on the
        // finding before it ("the stenosis is not severe", "herniation is suspected").
        if (complete && (ahead[index - from]! & ANCHOR_AHEAD) !== 0) {
          close();
          item = open(index);
        }
        item.addTrigger(index);
        if (kind === UnitKind.NegBefore) item.negationTriggers++;
        break;
      case UnitKind.NegAfter:
        item.addTrigger(index);
        item.negationTriggers++;
        break;
      default:
        item.content++;
    }
    item.last = index;
    item.end = unit.end;
  }
  close();
  return items;
}
