/**
 * Collects the values of one report by section, tier, level and condition, and resolves them:
 * within a section the higher value wins, a statement about one level replaces a global one, and
 * findings win over impression, impression over comment.
 */
import { CONDITIONS, REPORT_LEVELS, type Condition, type ConditionValue, type Evidence, type ReportLabels, type ReportLevel, type ReportWarning, type Section } from './types.js';

const LABELED_SECTIONS = ['findings', 'impression', 'comment'] as const;
type LabeledSection = (typeof LABELED_SECTIONS)[number];

const SECTION_INDEX: Record<LabeledSection, number> = { findings: 0, impression: 1, comment: 2 };
const LEVEL_INDEX = new Map<ReportLevel, number>(REPORT_LEVELS.map((level, index) => [level, index]));
const CONDITION_INDEX = new Map<Condition, number>(CONDITIONS.map((condition, index) => [condition, index]));
const LEVEL_COUNT = REPORT_LEVELS.length;
const CONDITION_COUNT = CONDITIONS.length;
const TIER_SIZE = LEVEL_COUNT * CONDITION_COUNT;

/**
 * The origin of a value: a statement about its level, a whole-study statement, or a statement
 * about the remaining levels, which applies only to levels the report never describes one by one.
 */
export const Tier = { Level: 0, Global: 1, Remaining: 2 } as const;
export type Tier = (typeof Tier)[keyof typeof Tier];
const TIER_COUNT = 3;

export function isLabeledSection(section: Section): section is LabeledSection {
  return section === 'findings' || section === 'impression' || section === 'comment';
}

/**
 * Orders the values of one condition within a section. A graded value compares by grade, then a
 * certain statement over a hedged one, then a stated grade over the default one. A presence
 * compares present over uncertain over absent.
 */
function valueRank(value: ConditionValue, graded: boolean, evidence: Evidence): number {
  if (!graded) {
    if (value === 1) return 2;
    return value === 'uncertain' ? 1 : 0;
  }
  return (value as number) * 4 + (evidence.uncertain ? 0 : 2) + (evidence.unspecifiedGrade ? 0 : 1);
}

export class LabelTable {
  // Slots per section (3) and tier (3), each LEVEL_COUNT x CONDITION_COUNT.
  private readonly ranks = new Int16Array(3 * TIER_COUNT * TIER_SIZE).fill(-1);
  private readonly values: (ConditionValue | undefined)[] = new Array(3 * TIER_COUNT * TIER_SIZE);
  private readonly evidence: (Evidence | undefined)[] = new Array(3 * TIER_COUNT * TIER_SIZE);
  /** Bit masks by level index: levels with any value, and levels with a value from a statement naming them. */
  private levelsWithValues = 0;
  private levelsDescribed = 0;

  /** Empties the table for the next report. */
  reset(): void {
    this.ranks.fill(-1);
    this.levelsWithValues = 0;
    this.levelsDescribed = 0;
  }

  /** Records one value; within a section and tier it replaces a lower-ranked value only. */
  record(section: LabeledSection, tier: Tier, level: ReportLevel, condition: Condition, value: ConditionValue, graded: boolean, evidence: Evidence): void {
    const levelIndex = LEVEL_INDEX.get(level)!;
    const slot = (SECTION_INDEX[section] * TIER_COUNT + tier) * TIER_SIZE + levelIndex * CONDITION_COUNT + CONDITION_INDEX.get(condition)!;
    const rank = valueRank(value, graded, evidence);
    if (rank <= this.ranks[slot]!) return;
    this.levelsWithValues |= 1 << levelIndex;
    if (tier === Tier.Level) this.levelsDescribed |= 1 << levelIndex;
    this.ranks[slot] = rank;
    this.values[slot] = value;
    this.evidence[slot] = evidence;
  }

  /** Returns the labels, adding a SECTION_DISAGREEMENT warning to `warnings` for each conflict between findings and impression. */
  resolve(warnings: ReportWarning[]): ReportLabels {
    const levels: ReportLabels['levels'] = {};
    const evidence: ReportLabels['evidence'] = {};
    for (let levelIndex = 0; levelIndex < LEVEL_COUNT; levelIndex++) {
      if ((this.levelsWithValues & (1 << levelIndex)) === 0) continue;
      const level = REPORT_LEVELS[levelIndex]!;
      const described = (this.levelsDescribed & (1 << levelIndex)) !== 0;
      for (let conditionIndex = 0; conditionIndex < CONDITION_COUNT; conditionIndex++) {
        const offset = levelIndex * CONDITION_COUNT + conditionIndex;
        const slot = this.pick(offset, Tier.Level) ?? this.pick(offset, Tier.Global) ?? (described ? null : this.pick(offset, Tier.Remaining));
        if (slot === null) continue;
        const condition = CONDITIONS[conditionIndex]!;
        this.checkDisagreement(offset, slot, level, condition, warnings);
        (levels[level] ??= {})[condition] = this.values[slot]!;
        (evidence[level] ??= {})[condition] = this.evidence[slot]!;
      }
    }
    return { levels, evidence, warnings };
  }

  /** Returns the slot of the first section, in precedence order, with a value in `tier`, or null. */
  private pick(offset: number, tier: Tier): number | null {
    for (let section = 0; section < 3; section++) {
      const slot = (section * TIER_COUNT + tier) * TIER_SIZE + offset;
      if (this.ranks[slot]! >= 0) return slot;
    }
    return null;
  }

  private checkDisagreement(offset: number, slot: number, level: ReportLevel, condition: Condition, warnings: ReportWarning[]): void {
    const tier = Math.floor(slot / TIER_SIZE) % TIER_COUNT;
    const findingsSlot = tier * TIER_SIZE + offset;
    const impressionSlot = (TIER_COUNT + tier) * TIER_SIZE + offset;
    if (this.ranks[findingsSlot]! < 0 || this.ranks[impressionSlot]! < 0) return;
    const findingsValue = this.values[findingsSlot]!;
    const impressionValue = this.values[impressionSlot]!;
    if (findingsValue === impressionValue) return;
    const impressionEvidence = this.evidence[impressionSlot]!;
    warnings.push({
      code: 'SECTION_DISAGREEMENT',
      message: `${level} ${condition} is ${JSON.stringify(findingsValue)} in findings and ${JSON.stringify(impressionValue)} in impression; the findings value is kept.`,
      start: impressionEvidence.start,
      end: impressionEvidence.end,
    });
  }
}

