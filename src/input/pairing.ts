import type { Warning } from '../errors.js';
import type { Logger } from '../log.js';
import type { DicomSeries } from './dicom/series.js';
import { describeSeries } from './select.js';
import type { SelectableSeries } from './types.js';

/**
 * Rules for using series of one study together. Positions are comparable only within one
 * FrameOfReferenceUID, and a folder may hold studies of several patients, so the axial series is
 * paired with the sagittal series only when neither UID differs.
 */

/** A series with the UIDs that pairing compares. */
export type PairableSeries = SelectableSeries & { readonly dicom: Pick<DicomSeries, 'studyInstanceUid' | 'frameOfReferenceUid'> };

/**
 * Returns a MULTIPLE_STUDIES warning when the series belong to more than one StudyInstanceUID,
 * naming the series of each study by number and description (never by patient attributes).
 */
export function multipleStudiesWarning(series: readonly PairableSeries[]): Warning | undefined {
  const byStudy = new Map<string, PairableSeries[]>();
  for (const entry of series) {
    const uid = entry.dicom.studyInstanceUid;
    if (uid === undefined) continue;
    const members = byStudy.get(uid);
    if (members === undefined) byStudy.set(uid, [entry]);
    else members.push(entry);
  }
  if (byStudy.size < 2) return undefined;
  const listing = [...byStudy.values()].map((members, index) => {
    const sorted = [...members].sort((a, b) => (a.summary.number ?? Infinity) - (b.summary.number ?? Infinity));
    return `study ${index + 1} has series ${sorted.map((entry) => describeSeries(entry.summary)).join(', ')}`;
  });
  return {
    code: 'MULTIPLE_STUDIES',
    message:
      `the input holds ${byStudy.size} studies (different StudyInstanceUIDs): ${listing.join('; ')}; ` +
      'the axial series is taken only from the study of the sagittal series; give one study per input folder',
  };
}

/**
 * Returns why `candidate` cannot be paired with the chosen sagittal series: another study, or
 * another frame of reference, whose patient coordinates do not match. Undefined when it can,
 * including when either series lacks the UID.
 */
export function pairingMismatch(sagittal: PairableSeries, candidate: PairableSeries): string | undefined {
  const a = sagittal.dicom;
  const b = candidate.dicom;
  if (a.studyInstanceUid !== undefined && b.studyInstanceUid !== undefined && a.studyInstanceUid !== b.studyInstanceUid) {
    return 'it belongs to another study (StudyInstanceUID differs)';
  }
  if (a.frameOfReferenceUid !== undefined && b.frameOfReferenceUid !== undefined && a.frameOfReferenceUid !== b.frameOfReferenceUid) {
    return 'its FrameOfReferenceUID differs, so its patient coordinates do not match';
  }
  return undefined;
}

export function axialNotPairedWarning(axial: PairableSeries, sagittal: PairableSeries, reason: string, logger: Logger): Warning {
  const message =
    `the axial series ${describeSeries(axial.summary)} is not used with the sagittal series ${describeSeries(sagittal.summary)}: ` +
    `${reason}; the study is analyzed without an axial series`;
  logger.warn(message);
  return { code: 'AXIAL_NOT_PAIRED', message };
}

/**
 * Returns AXIAL_NOT_PAIRED warnings for the axial T2 series that automatic choice would have used
 * but that belong to another study or frame of reference than the sagittal series.
 */
export function unpairedAxialWarnings(
  series: readonly PairableSeries[],
  mismatches: ReadonlyMap<string, string>,
  sagittal: PairableSeries,
  logger: Logger,
): Warning[] {
  return series
    .filter((entry) => mismatches.has(entry.summary.id) && entry.classification.label === 'axial-t2' && entry.summary.problems.length === 0)
    .map((entry) => axialNotPairedWarning(entry, sagittal, mismatches.get(entry.summary.id)!, logger));
}
