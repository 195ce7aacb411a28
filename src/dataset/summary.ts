import { GRADED_CONDITIONS } from '../reports/types.js';
import { datasetConditions, type DatasetCondition } from './report-labels.js';
import { compareText } from './study-list.js';
import type { JoinResult, LabelCounts } from './join.js';
import { describeProvenance, type DatasetProvenance } from './provenance.js';
import type { ReportExclusion } from './report-labels.js';

/** Version tag of OUT/summary.json. */
export const datasetSummaryFormat = 'deepspine-dataset-summary/1';

/** Counts of the studies of this run's shard, by what the run did with them. */
export interface RunCounts {
  /** `--shard` as given, or null for a run over every study. */
  readonly shard: string | null;
  /** Studies of the shard. */
  readonly selected: number;
  /** Studies processed by this run, whatever their outcome. */
  readonly processed: number;
  /**
   * Studies of `processed` that had a stored result made with another segmentation model or other
   * crop settings, or recording neither.
   */
  readonly redone: number;
  /** Studies skipped because an earlier run stored them as done. */
  readonly skippedDone: number;
  /** Studies skipped because an earlier run stored them as failed and `--retry-failed` was not given. */
  readonly skippedFailed: number;
  /** Studies whose result could not be written; they are processed again by the next run. */
  readonly notStored: number;
}

/** Contents of OUT/summary.json. Counts cover every study result present in OUT, not only this run's. */
export interface DatasetSummary {
  readonly format: typeof datasetSummaryFormat;
  readonly finishedAt: string;
  readonly run: RunCounts;
  /** Segmentation model and crop settings that made every row of the manifest. */
  readonly provenance: DatasetProvenance;
  readonly studies: {
    readonly listed: number;
    /** Entries of the studies folder left out because another entry has the same id. */
    readonly duplicateEntries: readonly string[];
    readonly withResult: number;
    readonly done: number;
    readonly doneWithoutLevels: readonly string[];
    readonly failed: number;
    /** Failed studies per exit status of their error. */
    readonly failedByExitCode: Record<string, number>;
    readonly failures: JoinResult['studies']['failures'];
    readonly pending: readonly string[];
    readonly withoutReport: readonly string[];
    /** Done studies with a report and levels named under `minLevelConfidence`, whose rows got no report labels. */
    readonly uncertainNames: JoinResult['studies']['uncertainNames'];
    /** Ids of stored results left out of the manifest: not in the studies folder, or of a duplicated id. */
    readonly leftOut: JoinResult['studies']['leftOut'];
    readonly medianSecondsPerStudy: number | null;
  };
  readonly reports: JoinResult['reports'];
  /** Level-name confidence under which rows get no report labels. */
  readonly minLevelConfidence: number;
  readonly rows: {
    readonly total: number;
    /** Rows of studies with a joinable report, labelled or not. */
    readonly withReport: number;
    /** Rows labelled from a report. */
    readonly labelled: number;
    /** Rows of studies with a report whose labels were withheld for a level confidence under the minimum. */
    readonly withheldUncertainName: number;
    readonly withoutAxial: number;
  };
  /** Per condition and level: how many rows of joined studies have each value, "uncertain" or "unknown". */
  readonly labels: Record<DatasetCondition, Record<string, LabelCounts>>;
}

/** Builds the summary of a run from its counts and the join over every stored result. */
export function summarize(run: RunCounts, listed: number, duplicateEntries: readonly string[], join: JoinResult): DatasetSummary {
  const failedByExitCode: Record<string, number> = {};
  for (const failure of join.studies.failures) failedByExitCode[String(failure.exitCode)] = (failedByExitCode[String(failure.exitCode)] ?? 0) + 1;
  return {
    format: datasetSummaryFormat,
    finishedAt: new Date().toISOString(),
    run,
    provenance: join.provenance,
    studies: {
      listed,
      duplicateEntries,
      withResult: join.studies.withResult,
      done: join.studies.done,
      doneWithoutLevels: join.studies.doneWithoutLevels,
      failed: join.studies.failures.length,
      failedByExitCode,
      failures: join.studies.failures,
      pending: join.studies.pending,
      withoutReport: join.studies.withoutReport,
      uncertainNames: join.studies.uncertainNames,
      leftOut: join.studies.leftOut,
      medianSecondsPerStudy: join.studies.medianSeconds === null ? null : Math.round(join.studies.medianSeconds * 100) / 100,
    },
    reports: join.reports,
    minLevelConfidence: join.minLevelConfidence,
    rows: {
      total: join.rows.length,
      withReport: join.rowsWithReport,
      labelled: join.labelledRows,
      withheldUncertainName: join.withheldRows,
      withoutAxial: join.rows.filter((row) => row.axialPath === null).length,
    },
    labels: join.labels,
  };
}

/** Disc levels in cranio-caudal order, for the label table; other names follow in text order. */
const levelOrder = ['T8-T9', 'T9-T10', 'T10-T11', 'T11-T12', 'T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'];

/** Columns of the label table; binary conditions show "-" for the values 2 and 3, which they cannot take. */
const countColumns = ['0', '1', '2', '3', 'uncertain', 'unknown'] as const;

/** Formats the summary as the plain-text table that `deepspine dataset build` prints on stdout. */
export function formatSummary(summary: DatasetSummary): string {
  const { studies, reports, run } = summary;
  const failedByCode = Object.entries(studies.failedByExitCode)
    .map(([code, count]) => `exit ${code}: ${count}`)
    .join(', ');
  const excluded = (Object.entries(reports.excluded) as [ReportExclusion, string[]][])
    .filter(([, ids]) => ids.length > 0)
    .map(([reason, ids]) => `${reason} ${ids.length}`)
    .join(', ');
  const excludedTotal = Object.values(reports.excluded).reduce((sum, ids) => sum + ids.length, 0);
  const lines = [
    `this run:  ${run.shard === null ? 'all studies' : `shard ${run.shard}`}, ${run.selected} selected, ${run.processed} processed` +
      (run.redone > 0 ? ` (${run.redone} made before with another model or crop settings)` : '') +
      ', ' +
      `${run.skippedDone} skipped as done, ${run.skippedFailed} skipped as failed` +
      (run.notStored > 0 ? `, ${run.notStored} not stored` : ''),
    `studies:   ${studies.listed} listed, ${studies.done} done, ${studies.failed} failed${failedByCode === '' ? '' : ` (${failedByCode})`}, ` +
      `${studies.pending.length} pending, ${studies.withoutReport.length} without report` +
      (studies.duplicateEntries.length > 0 ? `, ${studies.duplicateEntries.length} entries with a duplicated id` : '') +
      (studies.leftOut.unlisted.length > 0 ? `, ${studies.leftOut.unlisted.length} stored results of unlisted studies left out` : ''),
    `reports:   ${reports.read} read, ${reports.joined} joined, ${reports.withoutStudy.length} without study, ` +
      `${reports.studyFailed.length} with a failed study, ${reports.studyPending.length} with a pending study, ` +
      (reports.studyDuplicated.length > 0 ? `${reports.studyDuplicated.length} with a duplicated study id, ` : '') +
      `${excludedTotal} excluded${excluded === '' ? '' : ` (${excluded})`}` +
      (reports.unparseable > 0 ? `, ${reports.unparseable} unparseable rows` : ''),
    `rows:      ${summary.rows.total} levels, ${summary.rows.withReport} of studies with a report, of them ${summary.rows.labelled} labelled and ` +
      `${summary.rows.withheldUncertainName} unlabelled for a level name under confidence ${summary.minLevelConfidence}, ${summary.rows.withoutAxial} without axial crop`,
    `crops:     ${describeProvenance(summary.provenance)}`,
    '',
  ];
  const conditionWidth = Math.max(...datasetConditions.map((condition) => condition.length));
  const header = ['condition'.padEnd(conditionWidth), 'level'.padEnd(7), ...countColumns.map((column) => column.padStart(column.length > 1 ? column.length : 6))];
  lines.push(header.join('  '));
  for (const condition of datasetConditions) {
    const levels = Object.keys(summary.labels[condition]).sort(compareLevels);
    for (const level of levels) {
      const counts = summary.labels[condition][level]!;
      const graded = (GRADED_CONDITIONS as readonly string[]).includes(condition);
      const cells = countColumns.map((column) => {
        const text = !graded && (column === '2' || column === '3') ? '-' : String(counts[column] ?? 0);
        return text.padStart(column.length > 1 ? column.length : 6);
      });
      lines.push([condition.padEnd(conditionWidth), level.padEnd(7), ...cells].join('  '));
    }
  }
  if (summary.rows.withReport === 0) lines.push('(no level of a study with a report)');
  return lines.join('\n') + '\n';
}

function compareLevels(a: string, b: string): number {
  const rankA = levelOrder.indexOf(a);
  const rankB = levelOrder.indexOf(b);
  if (rankA !== -1 && rankB !== -1) return rankA - rankB;
  if (rankA !== -1) return -1;
  if (rankB !== -1) return 1;
  return compareText(a, b);
}
