/**
 * Collects the values of one report by section, tier, level and condition, and resolves them.
 * Within a section the higher value wins, a statement about one level replaces one about several
 * levels, and either of them replaces a global one. Findings win over impression, and impression
 * over comment.
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
 * The origin of a value: a statement naming its level alone, a statement naming several levels
 * ("L3-S1", "L4-5 and L5-S1"), a whole-study statement, or a statement about the remaining levels,
 * which applies only to levels the report never describes one by one. A statement about the upper
 * levels applies only to levels above the uppermost lumbar level that the report describes, and one
 * about the lower levels only to levels below the lowermost described one.
 */
export const Tier = { Level: 0, Span: 1, Global: 2, Remaining: 3, Upper: 4, Lower: 5 } as const;
export type Tier = (typeof Tier)[keyof typeof Tier];
const TIER_COUNT = 6;
/** The tier whose values apply at a level above (Upper) or below (Lower) every described level, or null for a level between them. */
type OutsideTier = typeof Tier.Upper | typeof Tier.Lower | null;
/** The index of L1-L2 in REPORT_LEVELS, the uppermost level below which "upper levels" may lie; T12-L1 is above it. */
const FIRST_LUMBAR_INDEX = LEVEL_INDEX.get('L1-L2')!;

/** Returns whether values of `tier` come from a statement that names its levels (one or several) rather than the whole study. */
export function namesLevels(tier: Tier): boolean {
  return tier === Tier.Level || tier === Tier.Span;
}

export function isLabeledSection(section: Section): section is LabeledSection {
  return section === 'findings' || section === 'impression' || section === 'comment';
}

/**
 * Orders the values of one condition within a section. A certain grade above none comes before a
 * hedged grade, so "mild canal stenosis, cannot exclude moderate" keeps 1. Otherwise a graded
 * value compares by grade, then a certain statement over a hedged one, then a stated grade over
 * the default one. A presence compares present over uncertain over absent.
 */
function valueRank(value: ConditionValue, graded: boolean, evidence: Evidence): number {
  if (!graded) {
    if (value === 1) return 2;
    return value === 'uncertain' ? 1 : 0;
  }
  const grade = value as number;
  const certainFinding = grade > 0 && evidence.uncertain !== true ? 16 : 0;
  return certainFinding + grade * 4 + (evidence.uncertain ? 0 : 2) + (evidence.unspecifiedGrade ? 0 : 1);
}

export class LabelTable {
  // Slots per section (3) and tier (TIER_COUNT), each LEVEL_COUNT x CONDITION_COUNT.
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
    if (namesLevels(tier)) this.levelsDescribed |= 1 << levelIndex;
    this.ranks[slot] = rank;
    this.values[slot] = value;
    this.evidence[slot] = evidence;
  }

  /** Returns the labels, adding a SECTION_DISAGREEMENT warning to `warnings` for each conflict between findings and impression. */
  resolve(warnings: ReportWarning[]): ReportLabels {
    const levels: ReportLabels['levels'] = {};
    const evidence: ReportLabels['evidence'] = {};
    const firstDescribed = this.firstDescribedLumbarIndex();
    const lastDescribed = this.lastDescribedLumbarIndex();
    for (let levelIndex = 0; levelIndex < LEVEL_COUNT; levelIndex++) {
      if ((this.levelsWithValues & (1 << levelIndex)) === 0) continue;
      const level = REPORT_LEVELS[levelIndex]!;
      const described = (this.levelsDescribed & (1 << levelIndex)) !== 0;
      let outside: OutsideTier = null;
      if (levelIndex < firstDescribed) outside = Tier.Upper;
      else if (lastDescribed >= 0 && levelIndex > lastDescribed) outside = Tier.Lower;
      for (let conditionIndex = 0; conditionIndex < CONDITION_COUNT; conditionIndex++) {
        const offset = levelIndex * CONDITION_COUNT + conditionIndex;
        const slot = this.pickNamed(offset) ?? this.pick(offset, Tier.Global) ?? this.pickUndescribed(offset, described, outside);
        if (slot === null) continue;
        const condition = CONDITIONS[conditionIndex]!;
        this.checkDisagreement(offset, described, outside, level, condition, warnings);
        (levels[level] ??= {})[condition] = this.values[slot]!;
        (evidence[level] ??= {})[condition] = this.evidence[slot]!;
      }
    }
    return { levels, evidence, warnings };
  }

  /**
   * Returns the index in REPORT_LEVELS of the uppermost level from L1-L2 down that a statement
   * names, or -1 when none does, so that no level counts as an upper level.
   */
  private firstDescribedLumbarIndex(): number {
    for (let levelIndex = FIRST_LUMBAR_INDEX; levelIndex < LEVEL_COUNT; levelIndex++) {
      if ((this.levelsDescribed & (1 << levelIndex)) !== 0) return levelIndex;
    }
    return -1;
  }

  /**
   * Returns the index in REPORT_LEVELS of the lowermost level from L1-L2 down that a statement
   * names, or -1 when none does, so that no level counts as a lower level.
   */
  private lastDescribedLumbarIndex(): number {
    for (let levelIndex = LEVEL_COUNT - 1; levelIndex >= FIRST_LUMBAR_INDEX; levelIndex--) {
      if ((this.levelsDescribed & (1 << levelIndex)) !== 0) return levelIndex;
    }
    return -1;
  }

  /**
   * Returns the slot of a remaining-levels value at a level that no statement names
   * (`described` false), else of an upper-levels or lower-levels value at a level outside the
   * described ones (`outside`), or null.
   */
  private pickUndescribed(offset: number, described: boolean, outside: OutsideTier): number | null {
    if (described) return null;
    return this.pick(offset, Tier.Remaining) ?? (outside !== null ? this.pick(offset, outside) : null);
  }

  /** Returns the slot of the first section, in precedence order, with a value in `tier`, or null. */
  private pick(offset: number, tier: Tier): number | null {
    for (let section = 0; section < 3; section++) {
      const slot = this.slotOf(section, tier, offset);
      if (this.ranks[slot]! >= 0) return slot;
    }
    return null;
  }

  /**
   * Returns the slot of the first section, in precedence order, with a value from a statement
   * naming levels: within that section a statement naming the level alone wins over one naming
   * several levels.
   */
  private pickNamed(offset: number): number | null {
    for (let section = 0; section < 3; section++) {
      const slot = this.namedSlotOf(section, offset);
      if (slot !== null) return slot;
    }
    return null;
  }

  private namedSlotOf(section: number, offset: number): number | null {
    const levelSlot = this.slotOf(section, Tier.Level, offset);
    if (this.ranks[levelSlot]! >= 0) return levelSlot;
    const spanSlot = this.slotOf(section, Tier.Span, offset);
    return this.ranks[spanSlot]! >= 0 ? spanSlot : null;
  }

  private slotOf(section: number, tier: Tier, offset: number): number {
    return (section * TIER_COUNT + tier) * TIER_SIZE + offset;
  }

  /**
   * Returns the slot of the value that `section` alone gives at a level and condition: a statement
   * naming the level, else a whole-study statement, else a remaining-levels statement when no
   * statement names the level (`described` false), else an upper-levels or lower-levels statement
   * when the level lies above or below the described ones (`outside`). Returns null when the
   * section states nothing.
   */
  private sectionSlotOf(section: number, offset: number, described: boolean, outside: OutsideTier): number | null {
    const named = this.namedSlotOf(section, offset);
    if (named !== null) return named;
    const globalSlot = this.slotOf(section, Tier.Global, offset);
    if (this.ranks[globalSlot]! >= 0) return globalSlot;
    if (described) return null;
    const remainingSlot = this.slotOf(section, Tier.Remaining, offset);
    if (this.ranks[remainingSlot]! >= 0) return remainingSlot;
    if (outside === null) return null;
    const outsideSlot = this.slotOf(section, outside, offset);
    return this.ranks[outsideSlot]! >= 0 ? outsideSlot : null;
  }

  /**
   * Warns when findings and impression, each read alone, give different values. So "L4-5: Severe
   * canal stenosis." in findings and "No significant stenosis." in the impression disagree at L4-5.
   */
  private checkDisagreement(offset: number, described: boolean, outside: OutsideTier, level: ReportLevel, condition: Condition, warnings: ReportWarning[]): void {
    const findingsSlot = this.sectionSlotOf(SECTION_INDEX.findings, offset, described, outside);
    const impressionSlot = this.sectionSlotOf(SECTION_INDEX.impression, offset, described, outside);
    if (findingsSlot === null || impressionSlot === null) return;
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

