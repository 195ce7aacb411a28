import type { CropManifestRow } from '../crops/write.js';
import { DeepspineError } from '../errors.js';
import { describeProvenance, provenanceKey, type DatasetProvenance } from './provenance.js';
import { datasetConditions, levelLabels, reportValue, type DatasetCondition, type ReportExclusion, type ReportIndex, type ReportValues } from './report-labels.js';
import { compareText } from './study-list.js';
import type { StoredStudyResult, StudyFailure } from './study-result.js';

/**
 * Level-name confidence under which a row gets no report labels. Under 0.5 the name may be shifted
 * by a level (docs/results.md), so the report's finding may belong to the disc above or below.
 */
export const defaultMinLevelConfidence = 0.5;

/** A done study with levels named under the minimum confidence, and the warnings that explain why. */
export interface UncertainNames {
  readonly studyId: string;
  /** Rows of the study whose level confidence is under the minimum. */
  readonly rows: number;
  /** Codes of the study's warnings, such as SACRUM_NOT_IN_VIEW. */
  readonly warnings: string[];
}

/** Counts of one condition at one level: keys "0" to "3" for values, "uncertain" and "unknown". */
export type LabelCounts = Record<string, number>;

/** Output of the join of study results and reports; `summarize` adds the run's counts to it. */
export interface JoinResult {
  /** Manifest rows with crop paths relative to OUT. */
  readonly rows: CropManifestRow[];
  readonly studies: {
    /** Study ids with a result of either status. */
    readonly withResult: number;
    readonly done: number;
    /** Done studies in which no disc level was found, so they add no rows. */
    readonly doneWithoutLevels: string[];
    readonly failures: (StudyFailure & { readonly studyId: string })[];
    /** Listed studies without a result yet, for example those of shards that have not run. */
    readonly pending: string[];
    /** Done studies that no report line names. */
    readonly withoutReport: string[];
    /** Done studies with a report and rows whose level confidence is under the minimum. */
    readonly uncertainNames: UncertainNames[];
    /**
     * Ids of stored results left out of the manifest: of studies no longer in the studies folder,
     * and of ids that several entries of the folder share, where the result may be of either.
     */
    readonly leftOut: { readonly unlisted: string[]; readonly duplicated: string[] };
    /** Median processing time of the done studies in s, null when none is done. */
    readonly medianSeconds: number | null;
  };
  readonly reports: {
    readonly read: number;
    /** Report lines that could not be read as a report (the labeler's UNPARSEABLE_ROW), so no id is known. */
    readonly unparseable: number;
    /** Reports joined to a done study. */
    readonly joined: number;
    /** Reports whose id names no listed study and no stored result. */
    readonly withoutStudy: string[];
    /** Reports whose id is that of several entries of the studies folder, none of which has a result. */
    readonly studyDuplicated: string[];
    readonly studyFailed: string[];
    readonly studyPending: string[];
    readonly excluded: Record<ReportExclusion, string[]>;
  };
  /** Label counts per condition and level over the rows of joined studies. */
  readonly labels: Record<DatasetCondition, Record<string, LabelCounts>>;
  /** Rows of studies with a joinable report, labelled or not. */
  readonly rowsWithReport: number;
  /** Rows that got their report's labels. */
  readonly labelledRows: number;
  /** Rows of studies with a report that got no labels, because their level confidence is under the minimum. */
  readonly withheldRows: number;
  /** Level-name confidence under which rows got no report labels. */
  readonly minLevelConfidence: number;
  /** Segmentation model and crop settings of every row: those of the done results, or the current run's when none is done. */
  readonly provenance: DatasetProvenance;
}

/**
 * Joins the stored result of every study of the studies folder to its report by study id. Each
 * done study contributes its rows, with the report's labels at the levels the report names and
 * empty labels elsewhere. Studies without a joinable report keep their rows with every label empty,
 * which training masks. So do rows whose level confidence is under `minLevelConfidence`.
 * `listedIds` are the studies of the `--studies` folder: results of other ids are left out, and
 * listed ids without a result are pending. `current` is the provenance of the running build, and
 * `duplicatedIds` are the ids of several entries of the studies folder, which no run processes
 * and whose stored results are left out.
 * @throws DeepspineError DATASET_MIXED_PROVENANCE when the done results differ in segmentation
 *   model or crop settings, or record neither (see `joinProvenance`).
 */
export function joinResults(
  results: readonly StoredStudyResult[],
  reports: ReportIndex,
  listedIds: readonly string[],
  current: DatasetProvenance,
  duplicatedIds: readonly string[] = [],
  minLevelConfidence = defaultMinLevelConfidence,
): JoinResult {
  const listed = new Set(listedIds);
  const duplicated = new Set(duplicatedIds);
  const leftOut = { unlisted: [] as string[], duplicated: [] as string[] };
  const joinable: StoredStudyResult[] = [];
  for (const stored of [...results].sort((a, b) => compareText(a.result.studyId, b.result.studyId))) {
    const id = stored.result.studyId;
    if (duplicated.has(id)) leftOut.duplicated.push(id);
    else if (!listed.has(id)) leftOut.unlisted.push(id);
    else joinable.push(stored);
  }
  const provenance = joinProvenance(joinable, current);
  const sorted = joinable;
  const excludedIds = new Set(reports.excluded.map((entry) => entry.id));
  const rows: CropManifestRow[] = [];
  const labels = emptyLabelCounts();
  const failures: JoinResult['studies']['failures'] = [];
  const doneWithoutLevels: string[] = [];
  const withoutReport: string[] = [];
  const uncertainNames: UncertainNames[] = [];
  const doneIds = new Set<string>();
  const durations: number[] = [];
  let rowsWithReport = 0;
  let labelledRows = 0;
  let withheldRows = 0;
  for (const { folderName, result } of sorted) {
    if (result.status === 'failed') {
      failures.push({ studyId: result.studyId, ...(result.error ?? { code: 'INTERNAL', exitCode: 1, message: 'failed without an error record' }) });
      continue;
    }
    doneIds.add(result.studyId);
    durations.push(result.durationMs / 1000);
    if (result.rows.length === 0) doneWithoutLevels.push(result.studyId);
    const report = reports.byId.get(result.studyId);
    if (report === undefined && !excludedIds.has(result.studyId)) withoutReport.push(result.studyId);
    const confident = (row: CropManifestRow) => row.levelConfidence === null || row.levelConfidence >= minLevelConfidence;
    rows.push(...labelRows(folderName, result.rows, report, confident));
    if (report !== undefined) {
      const labelled = result.rows.filter(confident);
      const uncertainRows = result.rows.length - labelled.length;
      if (uncertainRows > 0) uncertainNames.push({ studyId: result.studyId, rows: uncertainRows, warnings: result.warnings.map((warning) => warning.code) });
      countLabels(labels, report, labelled);
      rowsWithReport += result.rows.length;
      labelledRows += labelled.length;
      withheldRows += uncertainRows;
    }
  }

  const resultIds = new Set(sorted.map((stored) => stored.result.studyId));
  const pending = listedIds.filter((id) => !resultIds.has(id));
  return {
    rows,
    studies: { withResult: resultIds.size, done: doneIds.size, doneWithoutLevels, failures, pending, withoutReport, uncertainNames, leftOut, medianSeconds: median(durations) },
    reports: categorizeReports(reports, {
      done: doneIds,
      withResult: resultIds,
      failed: new Set(failures.map((failure) => failure.studyId)),
      pending: new Set(pending),
      duplicated,
    }),
    labels,
    rowsWithReport,
    labelledRows,
    withheldRows,
    minLevelConfidence,
    provenance,
  };
}

interface ProvenanceGroup {
  readonly provenance: DatasetProvenance | null;
  readonly results: StoredStudyResult[];
}

/**
 * Returns the provenance that every done result records, or `current` when no study is done.
 * Failed results add no rows, so their provenance is not checked.
 * @throws DeepspineError DATASET_MIXED_PROVENANCE naming one study of each provenance, when the
 *   done results were made with different segmentation models or crop settings, or record neither.
 */
export function joinProvenance(results: readonly StoredStudyResult[], current: DatasetProvenance): DatasetProvenance {
  const groups = new Map<string, ProvenanceGroup>();
  for (const stored of [...results].sort((a, b) => compareText(a.result.studyId, b.result.studyId))) {
    if (stored.result.status !== 'done') continue;
    const key = provenanceKey(stored.result.provenance);
    let group = groups.get(key);
    if (group === undefined) {
      group = { provenance: stored.result.provenance, results: [] };
      groups.set(key, group);
    }
    group.results.push(stored);
  }
  const [first] = groups.values();
  if (first === undefined) return current;
  if (groups.size === 1 && first.provenance !== null) return first.provenance;
  throw mixedProvenanceError([...groups.values()], current);
}

function mixedProvenanceError(groups: readonly ProvenanceGroup[], current: DatasetProvenance): DeepspineError {
  const currentKey = provenanceKey(current);
  // The group made like this run comes first, so the message starts with the expected provenance.
  const ordered = [...groups].sort((a, b) => Number(provenanceKey(b.provenance) === currentKey) - Number(provenanceKey(a.provenance) === currentKey));
  const described = ordered.map((group) => {
    const example = `"${group.results[0]!.result.studyId}"`;
    const others = group.results.length - 1;
    const studies = others === 0 ? example : `${example} and ${others} other ${others === 1 ? 'study' : 'studies'}`;
    const mark = provenanceKey(group.provenance) === currentKey ? ', as in this run' : '';
    return `${studies} with ${describeProvenance(group.provenance)}${mark}`;
  });
  const head =
    groups.length === 1
      ? 'cannot join the done study results into a manifest, because they record no segmentation model or crop settings'
      : 'cannot join the done study results into one manifest, because they were made with different segmentation models or crop settings';
  const advice = 'Run deepspine dataset build again without --shard and with the --model to use: it processes again every listed study whose result was made otherwise.';
  return new DeepspineError('DATASET_MIXED_PROVENANCE', `${head}: ${described.join('; ')}. No manifest was written. ${advice}`);
}

/**
 * Returns a study's rows with crop paths relative to OUT, labelled from the report when there is
 * one and the row's level name is `confident`.
 */
function labelRows(folderName: string, rows: readonly CropManifestRow[], report: ReportValues | undefined, confident: (row: CropManifestRow) => boolean): CropManifestRow[] {
  const prefix = `studies/${folderName}/`;
  return rows.map((row) => ({
    ...row,
    sagittalPath: prefix + toPosix(row.sagittalPath),
    axialPath: row.axialPath === null ? null : prefix + toPosix(row.axialPath),
    labels: report === undefined || !confident(row) ? {} : levelLabels(report, row.level),
  }));
}

/** Adds one count per row and condition: the report's value, or "unknown" when it states none. */
function countLabels(labels: JoinResult['labels'], report: ReportValues, rows: readonly CropManifestRow[]): void {
  for (const row of rows) {
    for (const condition of datasetConditions) {
      const value = reportValue(report, row.level, condition);
      const key = value === null ? 'unknown' : String(value);
      const counts = (labels[condition][row.level] ??= {});
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
}

/** Study ids by the state of the study. */
interface StudyIdSets {
  readonly done: ReadonlySet<string>;
  /** Ids with a stored result, done or failed. */
  readonly withResult: ReadonlySet<string>;
  readonly failed: ReadonlySet<string>;
  readonly pending: ReadonlySet<string>;
  readonly duplicated: ReadonlySet<string>;
}

/** Sorts the joinable reports by the state of their study, and lists the excluded ones by reason. */
function categorizeReports(reports: ReportIndex, ids: StudyIdSets): JoinResult['reports'] {
  const reportIds = [...reports.byId.keys()].sort(compareText);
  const excluded: Record<ReportExclusion, string[]> = { MISSING_ID: [], DUPLICATE_ID: [], SIXTH_LUMBAR_VERTEBRA: [] };
  for (const entry of reports.excluded) excluded[entry.reason].push(entry.id);
  return {
    read: reports.total,
    unparseable: reports.unparseable,
    joined: reportIds.filter((id) => ids.done.has(id)).length,
    withoutStudy: reportIds.filter((id) => !ids.withResult.has(id) && !ids.pending.has(id) && !ids.duplicated.has(id)),
    studyDuplicated: reportIds.filter((id) => !ids.withResult.has(id) && ids.duplicated.has(id)),
    studyFailed: reportIds.filter((id) => ids.failed.has(id)),
    studyPending: reportIds.filter((id) => ids.pending.has(id)),
    excluded,
  };
}

function emptyLabelCounts(): Record<DatasetCondition, Record<string, LabelCounts>> {
  const counts = {} as Record<DatasetCondition, Record<string, LabelCounts>>;
  for (const condition of datasetConditions) counts[condition] = {};
  return counts;
}

function toPosix(path: string): string {
  return path.split('\\').join('/');
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
