import type { Condition, ConditionValue, LabeledReport } from '../reports/types.js';

/**
 * The report conditions that become manifest label columns, each named after the grading head it
 * trains: the nine DeepSPINE conditions and disc herniation. Subarticular stenosis has no head yet,
 * so it is left out.
 */
export const datasetConditions = [
  'spinal_canal_stenosis',
  'left_foraminal_stenosis',
  'right_foraminal_stenosis',
  'disc_bulge',
  'disc_osteophyte_complex',
  'left_facet_arthropathy',
  'right_facet_arthropathy',
  'ligamentum_flavum_thickening',
  'epidural_lipomatosis',
  'disc_herniation',
] as const satisfies readonly Condition[];

export type DatasetCondition = (typeof datasetConditions)[number];

/** Reason for leaving a report out of the join, named after the labeler's warning code. */
export type ReportExclusion = 'MISSING_ID' | 'DUPLICATE_ID' | 'SIXTH_LUMBAR_VERTEBRA';

/** The part of a labeled report that the join uses: its id and values, without evidence. */
export interface ReportValues {
  readonly id: string;
  readonly levels: LabeledReport['levels'];
}

/** The reports of a labels file, split into those that can be joined and those that cannot. */
export interface ReportIndex {
  /** Report lines read, without the unparseable ones. */
  readonly total: number;
  /**
   * Lines that the labeler could not parse (UNPARSEABLE_ROW). They hold no report, so they are
   * neither joined nor excluded under a report's reason, such as MISSING_ID for their empty id.
   */
  readonly unparseable: number;
  /** Joinable reports by id. */
  readonly byId: ReadonlyMap<string, ReportValues>;
  /** Report lines left out, with the reason; a duplicated id has one entry per line. */
  readonly excluded: readonly { readonly id: string; readonly reason: ReportExclusion }[];
}

/**
 * Splits labeled reports into joinable ones and excluded ones, and counts the unparseable lines
 * apart, since they hold no report. Reports without an id are excluded. So is every report whose id occurs more than once, because which one belongs to the
 * study is unknown. Reports with a SIXTH_LUMBAR_VERTEBRA warning are excluded because their level
 * names cannot be matched to the image levels, which are named for five lumbar vertebrae. Only
 * ids and values are kept, so the evidence of a large file is not held in memory.
 */
export async function indexReports(reports: AsyncIterable<LabeledReport> | Iterable<LabeledReport>): Promise<ReportIndex> {
  const read: { values: ReportValues; missingId: boolean; sixthLumbar: boolean }[] = [];
  const occurrences = new Map<string, number>();
  let unparseable = 0;
  for await (const report of reports) {
    const codes = new Set(report.warnings.map((warning) => warning.code));
    if (codes.has('UNPARSEABLE_ROW')) {
      unparseable++;
      continue;
    }
    read.push({
      values: { id: report.id, levels: report.levels },
      missingId: report.id.trim() === '' || codes.has('MISSING_ID'),
      sixthLumbar: codes.has('SIXTH_LUMBAR_VERTEBRA'),
    });
    occurrences.set(report.id, (occurrences.get(report.id) ?? 0) + 1);
  }
  const byId = new Map<string, ReportValues>();
  const excluded: { id: string; reason: ReportExclusion }[] = [];
  for (const { values, missingId, sixthLumbar } of read) {
    let reason: ReportExclusion | null = null;
    if (missingId) reason = 'MISSING_ID';
    else if ((occurrences.get(values.id) ?? 0) > 1) reason = 'DUPLICATE_ID';
    else if (sixthLumbar) reason = 'SIXTH_LUMBAR_VERTEBRA';
    if (reason === null) byId.set(values.id, values);
    else excluded.push({ id: values.id, reason });
  }
  return { total: read.length, unparseable, byId, excluded };
}

/** Returns the report's value of `condition` at `level`, or null when the report does not state it. */
export function reportValue(report: ReportValues, level: string, condition: DatasetCondition): ConditionValue | null {
  const values = report.levels[level as keyof ReportValues['levels']];
  return values?.[condition] ?? null;
}

/**
 * Maps a report value to the head's label value: grades 0-3 and presence 0/1 unchanged, and
 * "uncertain" or null to null, which the manifest writes as an empty cell that training masks.
 */
export function headLabel(value: ConditionValue | null): number | null {
  return typeof value === 'number' ? value : null;
}

/** Returns the label cells of one image level: every dataset condition, null where unknown. */
export function levelLabels(report: ReportValues, level: string): Record<DatasetCondition, number | null> {
  const labels = {} as Record<DatasetCondition, number | null>;
  for (const condition of datasetConditions) labels[condition] = headLabel(reportValue(report, level, condition));
  return labels;
}
