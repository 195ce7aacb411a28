/**
 * Negation and uncertainty scopes over the items of one clause. A trigger before its conditions
 * ("no", "possible") reaches every item after it in the clause until an item opens with another
 * trigger or with a severity ("no canal stenosis, mild foraminal narrowing"). A severity item that
 * continues a list of alternatives stays in the scope ("no herniation or significant stenosis",
 * "no herniation, significant stenosis or facet arthropathy"). A trigger after its conditions
 * ("not seen", "cannot be excluded") reaches back over the items before it. It stops before an
 * item that opens with a severity, unless "or" joins that item to the next one. An uncertainty
 * trigger with no condition after it in the clause also acts backwards. The exception is a hedge
 * that opens a list item after a comma or list word and is followed by unknown words ("protrusion,
 * possible annular fissure"), which hedges only those words and so gives no value. A word that
 * sets two findings against each other ("versus") hedges the findings on both sides.
 */
import { type Item } from './items.js';
import { UnitKind } from './lexicon.js';
import type { Unit } from './scan.js';
import { ScratchInt32 } from './scratch.js';

/** The link between an item and the item before it in its clause. */
const Join = {
  /** The first item of the clause, or one that follows the item before without a separator ("stenosis at L4-5 has resolved"). */
  None: 0,
  Comma: 1,
  /** A list word for alternatives, such as "or". */
  Or: 2,
  /** Any other list word ("and") or a slash. */
  Other: 3,
} as const;
type Join = (typeof Join)[keyof typeof Join];

/** Bit set in the scratch buffer when an item continues a list of alternatives. */
const IN_OR_LIST = 4;
const JOIN_MASK = 3;
const joinScratch = new ScratchInt32();

function joinBefore(units: readonly Unit[], item: Item): Join {
  const unit = units[item.first - 1];
  if (unit === undefined || unit.kind !== UnitKind.Separator) return Join.None;
  if (unit.comma) return Join.Comma;
  return unit.lexeme !== null && unit.lexeme.alternative ? Join.Or : Join.Other;
}

/**
 * Fills the scratch buffer with the join of each item of the clause to the item before, plus the
 * IN_OR_LIST bit. The bit is set when "or" joins the item to the one before, directly or through a
 * series of commas that ends in "or", so "A, B or C" puts B and C in the list.
 */
function computeJoins(units: readonly Unit[], items: readonly Item[], from: number, to: number): Int32Array {
  const joins = joinScratch.take(to - from);
  let followingInList = false;
  for (let index = to - 1; index >= from; index--) {
    const join = index === from ? Join.None : joinBefore(units, items[index]!);
    const inList: boolean = join === Join.Or || (join === Join.Comma && followingInList);
    joins[index - from] = join | (inList ? IN_OR_LIST : 0);
    followingInList = inList;
  }
  return joins;
}

/**
 * Returns whether a trigger after its conditions stops before item `index`, because the item opens
 * with a severity and "or" does not join it to the next item. `subject` marks the item that a
 * trigger without conditions of its own describes ("severe stenosis at L4-5 has resolved"), which
 * never stops it.
 */
function stopsBackwardScope(items: readonly Item[], joins: Int32Array, from: number, to: number, index: number, subject: boolean): boolean {
  if (subject || !items[index]!.leadsWithSeverity) return false;
  return index + 1 >= to || (joins[index + 1 - from]! & JOIN_MASK) !== Join.Or;
}

/** Applies the trigger of the items `first` down to `from`; with `subject`, item `first` is what the trigger describes. */
function negateBackwards(items: readonly Item[], joins: Int32Array, from: number, to: number, first: number, trigger: Unit, subject: boolean): void {
  for (let index = first; index >= from; index--) {
    const item = items[index]!;
    if (item.negatedBy !== null) return;
    if (stopsBackwardScope(items, joins, from, to, index, subject && index === first)) return;
    item.negatedBy = trigger;
  }
}

function hedgeBackwards(items: readonly Item[], joins: Int32Array, from: number, to: number, first: number, subject: boolean): void {
  for (let index = first; index >= from; index--) {
    const item = items[index]!;
    if (item.hedged) return;
    if (stopsBackwardScope(items, joins, from, to, index, subject && index === first)) return;
    item.hedged = true;
  }
}

/**
 * Returns whether the words on both sides of the alternative word at unit `triggerIndex`, in item
 * `index`, name the same condition on their own ("protrusion versus extrusion").
 */
function sameConditionAround(items: readonly Item[], index: number, triggerIndex: number): boolean {
  const item = items[index]!;
  const before = item.firstValue >= 0 && item.firstValue < triggerIndex ? item : items[index - 1];
  if (before === undefined || before === item) return false;
  const condition = item.standalone?.lexeme?.condition;
  return condition !== undefined && condition !== null && before.standalone?.lexeme?.condition === condition;
}

/**
 * Returns whether the negation at unit `negationIndex` negates the hedge at `hedgeIndex` rather than
 * a finding, as in "not clear whether" and "not certain whether". Only words the labeler does not
 * know, or "clear", may stand between them.
 */
function negatesCertainty(units: readonly Unit[], negationIndex: number, hedgeIndex: number): boolean {
  if (units[negationIndex]!.kind !== UnitKind.NegBefore || units[hedgeIndex]!.lexeme?.alternative === true) return false;
  for (let index = negationIndex + 1; index < hedgeIndex; index++) {
    const unit = units[index]!;
    if (unit.kind !== UnitKind.Other && !(unit.kind === UnitKind.Patent && unit.lexeme!.needsStructure)) return false;
  }
  return true;
}

/** Sets `negatedBy` and `hedged` on items `from` to `to` (exclusive), which form one clause. */
export function applyScopes(units: readonly Unit[], items: readonly Item[], from: number, to: number): void {
  const joins = computeJoins(units, items, from, to);
  const joinOf = (index: number): Join => (joins[index - from]! & JOIN_MASK) as Join;
  let negation: Unit | null = null;
  let hedgeItem = -1;
  let hedgeUsed = false;

  const endHedge = (): void => {
    if (hedgeItem >= 0 && !hedgeUsed) {
      const item = items[hedgeItem]!;
      const trigger = item.triggers.find((index) => units[index]!.kind === UnitKind.Uncertain) ?? -1;
      if (item.firstValue >= 0 && item.firstValue < trigger) {
        // The trigger's own item counts when a value comes before the trigger ("herniation cannot be excluded").
        item.hedged = true;
        hedgeBackwards(items, joins, from, to, hedgeItem - 1, false);
      } else if (joinOf(hedgeItem) === Join.None || item.content === 0) {
        // "Severe stenosis at L4-5 is suspected", "small protrusion, cannot be excluded": the hedge describes the item before it.
        hedgeBackwards(items, joins, from, to, hedgeItem - 1, true);
      }
    }
    hedgeItem = -1;
    hedgeUsed = false;
  };

  for (let index = from; index < to; index++) {
    const item = items[index]!;
    const firstTrigger = item.triggers.length > 0 ? item.triggers[0]! : -1;
    const opensWithTrigger = firstTrigger >= 0 && (item.firstValue < 0 || firstTrigger < item.firstValue);
    const inOrList = (joins[index - from]! & IN_OR_LIST) !== 0;
    if ((item.leadsWithSeverity && !inOrList) || opensWithTrigger) {
      negation = null;
      endHedge();
    }
    if (negation !== null && item.negatedBy === null) item.negatedBy = negation;
    if (hedgeItem >= 0) {
      item.hedged = true;
      if (item.firstValue >= 0) hedgeUsed = true;
    }
    let previousTriggerIndex = -1;
    for (const triggerIndex of item.triggers) {
      const trigger = units[triggerIndex]!;
      const valueAfter = item.lastValue > triggerIndex;
      // "It is not clear whether there is a herniation": a negation right before a hedge negates
      // the certainty, not the finding, so only the hedge stays.
      if (trigger.kind === UnitKind.Uncertain && previousTriggerIndex >= 0 && negatesCertainty(units, previousTriggerIndex, triggerIndex)) {
        const negationBefore = units[previousTriggerIndex]!;
        if (item.negatedBy === negationBefore) item.negatedBy = null;
        if (negation === negationBefore) negation = null;
      }
      previousTriggerIndex = triggerIndex;
      if (trigger.kind === UnitKind.NegBefore) {
        if (valueAfter) item.negatedBy = trigger;
        negation = trigger;
      } else if (trigger.kind === UnitKind.NegAfter) {
        const valueBefore = item.firstValue >= 0 && item.firstValue < triggerIndex;
        if (valueBefore && item.negatedBy === null) item.negatedBy = trigger;
        if (!valueBefore && joinOf(index) === Join.None) negateBackwards(items, joins, from, to, index - 1, trigger, true);
        else if (!item.leadsWithSeverity || joinOf(index) === Join.Or) negateBackwards(items, joins, from, to, index - 1, trigger, false);
      } else {
        // "Protrusion versus extrusion" names a herniation either way, so it hedges nothing.
        if (trigger.lexeme?.alternative === true && sameConditionAround(items, index, triggerIndex)) continue;
        endHedge();
        hedgeItem = index;
        if (valueAfter) {
          item.hedged = true;
          hedgeUsed = true;
        }
        // "Disc bulge versus small protrusion" hedges the finding before the word as well.
        if (trigger.lexeme?.alternative === true) {
          if (item.firstValue >= 0 && item.firstValue < triggerIndex) item.hedged = true;
          else hedgeBackwards(items, joins, from, to, index - 1, true);
        }
      }
    }
  }
  endHedge();
}
