/**
 * The report labeler: reads one free-text lumbar spine MRI report and returns the value of each
 * condition at each disc level, with the text that gave it. docs/labeler.md states the rules.
 */
import { recordFinding, type Placement } from './finding-values.js';
import { Family, FindingHeading, PreviousFinding, SideSource, readFindings, type Finding } from './findings.js';
import { LabelTable, Tier, isLabeledSection, namesLevels } from './label-table.js';
import { LevelGroup, StatementLevels } from './level-groups.js';
import { UnitKind, type Lexicon } from './lexicon.js';
import { pairRespectively } from './respectively.js';
import { lexiconFor, loadRules, type Rules } from './rules.js';
import { scanReport, type Unit } from './scan.js';
import { cellValues, findTables, type TableLine, type TableRow } from './tables.js';
import { TokenStream, releaseTokenizerMemory, tokenize } from './tokenize.js';
import { LUMBAR_LEVELS, type Evidence, type ReportLabels, type ReportLevel, type ReportWarning } from './types.js';

let defaultRules: Rules | null = null;

/** Returns the shipped rules, loading them on first use. */
function shippedRules(): Rules {
  defaultRules ??= loadRules();
  return defaultRules;
}

const NOT_SPACE = /\S/;

// Reused between calls, which is safe because labeling is synchronous. After a
// very long text it is replaced, so that its buffers do not stay at that size.
let tokens = new TokenStream();
const MAX_KEPT_TOKENS = 1 << 16;

function emptyLabels(warning: ReportWarning): ReportLabels {
  return { levels: {}, evidence: {}, warnings: [warning] };
}

/**
 * Returns whether the units from `from` up to the next comma before a level, a break or `to` are
 * only severity and side words, as "severe" in "canal stenosis: L3-4 mild, L4-5 severe". Such
 * words grade a finding named before the level, so the level does not start a statement.
 */
function onlyGradesFollow(units: readonly Unit[], from: number, to: number): boolean {
  let sawGrade = false;
  for (let index = from; index < to; index++) {
    const unit = units[index]!;
    if (unit.kind === UnitKind.Break) break;
    if (unit.comma && index + 1 < to && units[index + 1]!.kind === UnitKind.Level) break;
    if (unit.kind === UnitKind.Severity || unit.kind === UnitKind.Side) sawGrade = true;
    else if (unit.kind !== UnitKind.Separator) return false;
  }
  return sawGrade;
}

/**
 * Splits the sentence of units `from` to `to` into statements at level headings that follow a
 * comma, as in text whose line breaks were flattened ("L3-4: bulge, L4-5: stenosis"). A level
 * after a comma is a heading when a colon or further text follows it, not when it only continues
 * a list of levels ("at L3-4, L4-5 and L5-S1", "L4-5, L5-S1: facet arthropathy") and not when
 * only a grade or side follows it. Calls `visit` for each statement.
 */
function forEachStatement(units: readonly Unit[], from: number, to: number, visit: (from: number, to: number) => void): void {
  let start = from;
  let index = from;
  // Units from `start` to `checked` are all level notations or separators when `onlyLevels` is true.
  let checked = from;
  let onlyLevels = true;
  while (index < to) {
    if (!units[index]!.comma || index + 1 >= to || units[index + 1]!.kind !== UnitKind.Level) {
      index++;
      continue;
    }
    let end = index + 1;
    let lastLevel = end;
    while (end < to && (units[end]!.kind === UnitKind.Level || (units[end]!.kind === UnitKind.Separator && end + 1 < to && units[end + 1]!.kind === UnitKind.Level))) {
      if (units[end]!.kind === UnitKind.Level) lastLevel = end;
      end++;
    }
    const textFollows = end < to && units[end]!.kind !== UnitKind.Separator && units[end]!.kind !== UnitKind.Break;
    for (; checked < index; checked++) {
      const kind = units[checked]!.kind;
      if (kind !== UnitKind.Level && kind !== UnitKind.Separator) onlyLevels = false;
    }
    if ((units[lastLevel]!.colonAfter || textFollows) && !onlyLevels && !onlyGradesFollow(units, end, to)) {
      visit(start, index);
      start = index + 1;
      checked = start;
      onlyLevels = true;
    }
    index = end;
  }
  if (to > start) visit(start, to);
}

// Reused between calls like `tokens`, and reset by `labelReport` first.
const table = new LabelTable();

/** Returns the group of `groups` that names the one level they all name together, or null when they name several or the whole study. */
function singleLevelGroup(groups: readonly LevelGroup[]): LevelGroup | null {
  let single: LevelGroup | null = null;
  for (const group of groups) {
    if (group.global || group.levels.length !== 1) return null;
    if (single !== null && single.levels[0] !== group.levels[0]) return null;
    single ??= group;
  }
  return single;
}

/**
 * Returns whether `finding` is negated by a trigger that names the findings not yet described, as
 * "no other" in "No other significant stenosis.", which covers more than the current level.
 */
function negatesOtherFindings(finding: Finding): boolean {
  return finding.negated && finding.item.negatedBy?.lexeme?.otherwise === true;
}

/** The labeling state carried from statement to statement. */
class ReportReader {
  readonly table = table;
  /**
   * The level in force for statements that name none: the last heading group, or the one level
   * of the last statement that named exactly one, until another level is named or the section
   * changes.
   */
  private current: LevelGroup | null = null;
  /** `current` was named mid-sentence rather than as a heading, so a blank line also ends it. */
  private currentCarried = false;
  /** A numbered list item is open, and `current` was named inside it, so the next item ends it. */
  private inListItem = false;
  private currentFromItem = false;
  /** The finding heading in force ("Canal stenosis:"), until a statement states a finding of its own. */
  private readonly heading = new FindingHeading();
  /** The last finding with its own structures, which a lone side in a later sentence may refer to. */
  private readonly sideSource = new SideSource();
  /** The graded finding of the last statement, which a statement of a level and a grade alone continues. */
  private readonly previous = new PreviousFinding();
  anyLevel = false;
  anyWholeStudy = false;

  constructor(
    private readonly units: readonly Unit[],
    private readonly lexicon: Lexicon,
    private readonly sixthLumbar: boolean,
  ) {}

  startSection(): void {
    this.current = null;
    this.currentCarried = false;
    this.inListItem = false;
    this.currentFromItem = false;
    this.heading.clear();
    this.sideSource.item = null;
    this.previous.item = null;
  }

  /**
   * Ends a level carried over from a sentence that named it mid-sentence, a finding heading, a side
   * source and the finding that a grade alone continues. A level heading stays in force.
   */
  blankLine(): void {
    if (this.currentCarried) this.current = null;
    this.heading.clear();
    this.sideSource.item = null;
    this.previous.item = null;
  }

  /**
   * Starts a numbered list item ("2. Mild foraminal narrowing at multiple levels."), which ends
   * what a blank line ends and also a level heading named inside the item before it. A heading
   * above the list ("L4-5:" over numbered lines) stays in force.
   */
  listItem(): void {
    if (this.currentFromItem) this.current = null;
    this.blankLine();
    this.inListItem = true;
    this.currentFromItem = false;
  }

  /**
   * Reads the statement of units `from` to `to`. `respectivelyAt` is the unit index before which
   * its sentence contains "respectively", or -1.
   */
  readStatement(from: number, to: number, section: 'findings' | 'impression' | 'comment', respectivelyAt: number): void {
    const levels = new StatementLevels(this.units, from, to, this.sixthLumbar);
    if (levels.groups.some((group) => !group.upper && !group.lower)) this.anyLevel = true;
    const findings = readFindings(this.units, from, to, levels, this.heading, this.sideSource, this.previous);
    const pairs = respectivelyAt >= from && respectivelyAt <= to ? pairRespectively(this.units, from, respectivelyAt, levels, findings) : null;
    const otherRegion = this.namesOtherRegion(from, to);
    const otherwise = levels.groups.length === 0 && this.containsOtherwise(from, to);
    let placedAtGroup = false;
    for (const finding of findings) {
      const group = levels.groupFor(finding.position);
      if (this.current !== null && ((otherwise && finding.family === Family.LevelNormal) || (group === null && negatesOtherFindings(finding)))) {
        this.recordOtherwise(finding, section);
        continue;
      }
      const excluded = levels.excludedFor(finding.position);
      const paired = pairs?.get(finding);
      if (paired !== undefined) {
        // "Mild and moderate canal stenosis at L3-4 and L4-5 respectively" names each level for one finding.
        for (const pair of paired) {
          const placement = this.withoutExcludedLevels({ levels: [pair.level], tier: Tier.Level, section }, excluded);
          if (placement !== null) recordFinding(this.table, pair.finding, placement, this.lexicon);
        }
        placedAtGroup = true;
        continue;
      }
      const placement = this.withoutExcludedLevels(this.place(finding, group, section, otherRegion), excluded);
      if (placement === null) continue;
      if (group !== null && finding.family !== Family.StudyNormal) placedAtGroup = true;
      // "Upper levels: normal." without a described level below states nothing, so it still gets
      // NO_LEVELS_FOUND, and so does "Lower levels: normal." without one above.
      if (!namesLevels(placement.tier) && placement.tier !== Tier.Upper && placement.tier !== Tier.Lower) this.anyWholeStudy = true;
      recordFinding(this.table, finding, placement, this.lexicon);
    }
    if (levels.groups.length > 0) this.updateCurrent(levels.groups, placedAtGroup, this.namesSurgery(from, to));
  }

  /**
   * Updates the current level after a statement that names levels. Its last group stays current
   * when it is a heading. A statement that names exactly one level and states a finding makes that
   * level current, also when the level is named mid-sentence ("There is a disc bulge at L4-5. Mild
   * canal stenosis."). A statement that places no finding at the levels it names keeps the heading
   * that opens it, or else the heading in force, so "L4-5: Status post L4-5 laminectomy. Mild left
   * foraminal narrowing." grades L4-L5.
   * Any other statement ends the current level.
   */
  private updateCurrent(groups: readonly LevelGroup[], placedAtGroup: boolean, surgery: boolean): void {
    const before = this.current;
    this.setCurrent(groups, placedAtGroup, surgery);
    if (this.current !== before) this.currentFromItem = this.inListItem && this.current !== null;
  }

  private setCurrent(groups: readonly LevelGroup[], placedAtGroup: boolean, surgery: boolean): void {
    // "Post-operative changes at L5-S1. No recurrent disc herniation.": surgery at one level makes it current.
    const operated = surgery && !placedAtGroup ? singleLevelGroup(groups) : null;
    if (operated !== null && (this.current === null || this.currentCarried)) {
      this.current = operated;
      this.currentCarried = !operated.headsText;
      return;
    }
    if (!placedAtGroup) {
      // "L5-S1: Comparison with the L4-5 level shows ...": the heading that opens the statement, not a level after "with".
      const opening = groups[0]!;
      if (opening.headsText && !opening.global && opening.segment === 0) {
        this.current = opening;
        this.currentCarried = false;
        return;
      }
      if (this.current !== null && !this.currentCarried) return;
    }
    const last = groups[groups.length - 1]!;
    if (last.headsText && !last.global) {
      this.current = last;
      this.currentCarried = false;
      return;
    }
    const single = placedAtGroup ? singleLevelGroup(groups) : null;
    this.current = single;
    this.currentCarried = single !== null && !single.headsText;
  }

  /**
   * Reads one row of a table with column headers. A cell under a header that names conditions
   * gives them its value at the row's level, with the cell as evidence. A cell under any other
   * header is read as text about the row's level. The row's level stays current after it, as a
   * level heading does.
   */
  readTableRow(row: TableRow, section: Placement['section']): void {
    const levelCell = row.cells[row.levelColumn]!;
    const group = new StatementLevels(this.units, levelCell.from, levelCell.to, this.sixthLumbar).groups[0];
    if (group === undefined) return;
    this.anyLevel = true;
    this.blankLine();
    const tier = group.levels.length > 1 ? Tier.Span : Tier.Level;
    row.cells.forEach((cell, columnIndex) => {
      if (columnIndex === row.levelColumn || cell.to <= cell.from) return;
      const column = row.columns[columnIndex]!;
      if (column.conditions.length === 0) {
        this.current = group;
        this.currentCarried = false;
        forEachStatement(this.units, cell.from, cell.to, (from, to) => this.readStatement(from, to, section, -1));
        return;
      }
      for (const value of cellValues(this.units, cell, column, this.lexicon)) {
        const evidence: Evidence = { start: cell.start, end: cell.end, section };
        if (value.range !== undefined) evidence.range = value.range;
        if (value.measurementMm !== undefined) evidence.measurementMm = value.measurementMm;
        if (value.uncertain === true) evidence.uncertain = true;
        for (const level of group.levels) this.table.record(section, tier, level, value.condition, value.value, value.graded, evidence);
      }
    });
    this.current = group;
    this.currentCarried = false;
  }

  /** Returns whether units `from` to `to` contain a phrase of surgery ("status post", "laminectomy"). */
  private namesSurgery(from: number, to: number): boolean {
    for (let index = from; index < to; index++) if (this.units[index]!.kind === UnitKind.Surgery) return true;
    return false;
  }

  /**
   * Returns whether units `from` to `to` contain "otherwise", as in "Otherwise unremarkable.", or a
   * phrase that also means "otherwise" ("No other significant abnormality.").
   */
  private containsOtherwise(from: number, to: number): boolean {
    for (let index = from; index < to; index++) {
      const unit = this.units[index]!;
      if (unit.kind === UnitKind.Otherwise || unit.lexeme?.otherwise === true) return true;
    }
    return false;
  }

  /**
   * Records "Otherwise unremarkable." or "No other significant stenosis." stated while a level is
   * current: every condition of the finding that the report does not state is 0 at the current
   * levels, and so are the levels that no statement names. Both are whole-study values, so a
   * statement about a level replaces them.
   */
  private recordOtherwise(finding: Finding, section: Placement['section']): void {
    recordFinding(this.table, finding, { levels: this.current!.levels, tier: Tier.Global, section }, this.lexicon);
    recordFinding(this.table, finding, { levels: LUMBAR_LEVELS, tier: Tier.Remaining, section }, this.lexicon);
    this.anyWholeStudy = true;
  }

  /** Returns `placement` without the levels that an exception names ("disc bulges at all levels except L5-S1"), or null when none is left. */
  private withoutExcludedLevels(placement: Placement | null, excluded: readonly ReportLevel[]): Placement | null {
    if (placement === null || excluded.length === 0) return placement;
    const levels = placement.levels.filter((level) => !excluded.includes(level));
    return levels.length === 0 ? null : { ...placement, levels };
  }

  /** Returns whether units `from` to `to` name a cervical or thoracic study ("the visualized thoracic spine"). */
  private namesOtherRegion(from: number, to: number): boolean {
    for (let index = from; index < to; index++) {
      if (this.units[index]!.lexeme?.region === 'nonLumbar') return true;
    }
    return false;
  }

  private place(finding: Finding, group: LevelGroup | null, section: Placement['section'], otherRegion: boolean): Placement | null {
    const family = finding.family;
    // "The remainder of the study is unremarkable" names the study but describes the remaining levels only.
    if (family === Family.StudyNormal && group?.remaining !== true) return { levels: LUMBAR_LEVELS, tier: Tier.Global, section };
    if (group !== null) {
      let tier: Tier = group.levels.length > 1 ? Tier.Span : Tier.Level;
      if (group.upper) tier = Tier.Upper;
      else if (group.lower) tier = Tier.Lower;
      else if (group.remaining) tier = Tier.Remaining;
      else if (group.global) tier = Tier.Global;
      return { levels: group.levels, tier, section };
    }
    // "Mild disc bulge at L4-5. Otherwise unremarkable." describes the rest of the study, so a level
    // carried over from mid-sentence does not take a normal statement, while a heading does.
    const carriedNormal = family === Family.LevelNormal && this.currentCarried;
    if (this.current !== null && !carriedNormal) {
      return { levels: this.current.levels, tier: this.current.levels.length > 1 ? Tier.Span : Tier.Level, section };
    }
    // "Normal." or "Otherwise unremarkable." with no level in force describes the whole study, and so
    // does an absence ("IMPRESSION: No significant stenosis."). A finding that is present but
    // placed nowhere gives nothing, since it is at some level the report does not name.
    if (family === Family.LevelNormal) return { levels: LUMBAR_LEVELS, tier: Tier.Global, section };
    if ((finding.negated || finding.zero) && !otherRegion) return { levels: LUMBAR_LEVELS, tier: Tier.Global, section };
    return null;
  }
}

/** Adds a TABLE_COLUMN_UNREAD warning for each column header of `header` that names no condition. */
function warnUnreadColumns(header: TableLine & { kind: 'header' }, warnings: ReportWarning[]): void {
  header.columns.forEach((column, index) => {
    if (index === header.levelColumn || column.conditions.length > 0 || column.header.end <= column.header.start) return;
    warnings.push({
      code: 'TABLE_COLUMN_UNREAD',
      message: 'A table column header names no condition that the rules know, so the cells under it are read as text about the level of their row.',
      start: column.header.start,
      end: column.header.end,
    });
  });
}

/**
 * Labels one report. `rules` defaults to the shipped rules, loaded once. Runs in time linear in
 * the text length.
 */
export function labelReport(text: string, rules: Rules = shippedRules()): ReportLabels {
  if (!NOT_SPACE.test(text)) return emptyLabels({ code: 'EMPTY_TEXT', message: 'The report text is empty.' });
  const lexicon = lexiconFor(rules);
  tokenize(text, lexicon.vocabulary, tokens);
  const scan = scanReport(text, tokens, lexicon);
  if (tokens.kind.length > MAX_KEPT_TOKENS) {
    tokens = new TokenStream();
    releaseTokenizerMemory();
  }
  if (scan.nonLumbar && !scan.lumbar) {
    return emptyLabels({
      code: 'NOT_LUMBAR',
      message: 'The report names only cervical or thoracic levels or describes a cervical or thoracic study, so it gets no lumbar labels.',
    });
  }

  table.reset();
  const reader = new ReportReader(scan.units, lexicon, scan.sixthLumbar);
  const tables = findTables(text, scan.units, scan.sentences);
  const warnings: ReportWarning[] = [];
  let section: string | null = null;
  scan.sentences.forEach((sentence, sentenceIndex) => {
    if (sentence.section !== section) {
      section = sentence.section;
      reader.startSection();
    } else if (sentence.afterBlankLine && !sentence.startsListItem) {
      reader.blankLine();
    }
    // The first item of a list that opens a section starts an item too, so a level it names ends at the next item.
    if (sentence.startsListItem) reader.listItem();
    const labeled = sentence.section;
    if (!isLabeledSection(labeled) || !sentence.informative) return;
    const tableLine = tables.get(sentenceIndex);
    if (tableLine?.kind === 'header') warnUnreadColumns(tableLine, warnings);
    else if (tableLine?.kind === 'row') reader.readTableRow(tableLine.row, labeled);
    else forEachStatement(scan.units, sentence.from, sentence.to, (from, to) => reader.readStatement(from, to, labeled, sentence.respectivelyAt));
  });

  if (scan.sixthLumbar) {
    warnings.push({
      code: 'SIXTH_LUMBAR_VERTEBRA',
      message: 'The report numbers a sixth lumbar vertebra, so L5-L6 and L6-S1 are kept as written and the lumbosacral junction is L6-S1.',
    });
  }
  if (scan.transitional) {
    warnings.push({
      code: 'TRANSITIONAL_ANATOMY',
      message: 'The report describes transitional lumbosacral anatomy, so its level names may count the vertebrae otherwise than the image levels do.',
    });
  }
  const labels = reader.table.resolve(warnings);
  if (!reader.anyLevel && !reader.anyWholeStudy) {
    warnings.push({ code: 'NO_LEVELS_FOUND', message: 'The report names no disc level and makes no statement about the whole study.' });
  }
  return labels;
}
