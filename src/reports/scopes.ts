/**
 * Negation and uncertainty scopes over the items of one clause. A trigger before its conditions
 * ("no", "possible") reaches every item after it in the clause until an item opens with a severity
 * ("no canal stenosis, mild foraminal narrowing") or with another trigger. A trigger after its
 * conditions ("not seen", "cannot be excluded") reaches back over the items before it, stopping
 * before an item that opens with a severity. An uncertainty trigger with no condition after it in
 * the clause acts backwards.
 */
import { type Item } from './items.js';
import { UnitKind } from './lexicon.js';
import type { Unit } from './scan.js';

function negateBackwards(items: readonly Item[], from: number, to: number, trigger: Unit): void {
  for (let index = to; index >= from; index--) {
    const item = items[index]!;
    if (item.negatedBy !== null) return;
    if (item.leadsWithSeverity) return;
    item.negatedBy = trigger;
  }
}

function hedgeBackwards(items: readonly Item[], from: number, to: number): void {
  for (let index = to; index >= from; index--) {
    const item = items[index]!;
    if (item.hedged || item.leadsWithSeverity) return;
    item.hedged = true;
  }
}

/** Sets `negatedBy` and `hedged` on items `from` to `to` (exclusive), which form one clause. */
export function applyScopes(units: readonly Unit[], items: readonly Item[], from: number, to: number): void {
  let negation: Unit | null = null;
  let hedgeItem = -1;
  let hedgeUsed = false;

  const endHedge = (): void => {
    if (hedgeItem >= 0 && !hedgeUsed) {
      const item = items[hedgeItem]!;
      const trigger = item.triggers.find((index) => units[index]!.kind === UnitKind.Uncertain) ?? -1;
      // The trigger's own item counts when a value comes before the trigger ("herniation cannot be excluded").
      if (item.firstValue >= 0 && item.firstValue < trigger) item.hedged = true;
      hedgeBackwards(items, from, hedgeItem - 1);
    }
    hedgeItem = -1;
    hedgeUsed = false;
  };

  for (let index = from; index < to; index++) {
    const item = items[index]!;
    const firstTrigger = item.triggers.length > 0 ? item.triggers[0]! : -1;
    const opensWithTrigger = firstTrigger >= 0 && (item.firstValue < 0 || firstTrigger < item.firstValue);
    if (item.leadsWithSeverity || opensWithTrigger) {
      negation = null;
      endHedge();
    }
    if (negation !== null && item.negatedBy === null) item.negatedBy = negation;
    if (hedgeItem >= 0) {
      item.hedged = true;
      if (item.firstValue >= 0) hedgeUsed = true;
    }
    for (const triggerIndex of item.triggers) {
      const trigger = units[triggerIndex]!;
      const valueAfter = item.lastValue > triggerIndex;
      if (trigger.kind === UnitKind.NegBefore) {
        if (valueAfter) item.negatedBy = trigger;
        negation = trigger;
      } else if (trigger.kind === UnitKind.NegAfter) {
        if (item.firstValue >= 0 && item.firstValue < triggerIndex && item.negatedBy === null) item.negatedBy = trigger;
        if (!item.leadsWithSeverity) negateBackwards(items, from, index - 1, trigger);
      } else {
        endHedge();
        hedgeItem = index;
        if (valueAfter) {
          item.hedged = true;
          hedgeUsed = true;
        }
      }
    }
  }
  endHedge();
}
