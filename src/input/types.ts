import type { Warning } from '../errors.js';
import type { Volume } from '../geometry/volume.js';
import type { PlaneOrientation, SeriesClassification, SeriesLabel, Weighting } from './classify.js';
import type { SkippedFile } from './dicom/scan.js';

export type { SkippedFile, SkipKind } from './dicom/scan.js';

/** Options of `loadStudy`. */
export interface LoadStudyOptions {
  /**
   * Series to use as the sagittal volume instead of the automatic choice: a SeriesInstanceUID (or a
   * series id with its `#n` suffix), a SeriesNumber, or a SeriesDescription (case-insensitive).
   */
  sagittalSeries?: string;
  /** Series to use as the axial volume, matched like `sagittalSeries`. */
  axialSeries?: string;
}

/**
 * One series of the study as listed to the user. Holds no patient identifiers (names, IDs, dates).
 */
export interface SeriesSummary {
  /** SeriesInstanceUID, with `#n` when one UID held several stacks; the file name for a volume file. */
  readonly id: string;
  /** Null for a volume file. */
  readonly seriesInstanceUid: string | null;
  readonly number: number | null;
  readonly description: string;
  readonly modality: string;
  readonly classification: SeriesLabel;
  readonly orientation: PlaneOrientation | null;
  readonly weighting: Weighting;
  readonly localizer: boolean;
  /** Phrases that justify the classification. */
  readonly reasons: readonly string[];
  readonly sliceCount: number;
  readonly rows: number;
  readonly columns: number;
  /** `[row spacing, column spacing]` in mm, null when unknown. */
  readonly pixelSpacing: readonly [number, number] | null;
  /** Distance between slices in mm, null when the geometry is unknown. */
  readonly sliceSpacing: number | null;
  readonly transferSyntaxes: readonly { readonly uid: string; readonly name: string }[];
  /** InstanceNumber of each slice in volume k order (null where absent); empty for a volume file. */
  readonly instanceNumbers: readonly (number | null)[];
  /** Reasons the series cannot be read as a volume; empty when it can. */
  readonly problems: readonly string[];
}

/** A loaded study: the series found, the volumes chosen for analysis and what went wrong on the way. */
export interface Study {
  /** Whether the input was a DICOM folder or a single volume file (NIfTI, MHA, MHD, NRRD). */
  readonly source: 'dicom' | 'volume-file';
  readonly series: readonly SeriesSummary[];
  /** The sagittal volume for level finding; its affine maps voxel indices to LPS mm. */
  readonly sagittal: Volume;
  readonly sagittalSeries: SeriesSummary;
  /** The axial T2 volume, or null when the study has none. */
  readonly axial: Volume | null;
  readonly axialSeries: SeriesSummary | null;
  readonly warnings: readonly Warning[];
  /** Files that were not used, with the reason; paths are relative to the input folder. */
  readonly skippedFiles: readonly SkippedFile[];
}

/** A series with what selection needs: its summary, classification and geometry warnings. */
export interface SelectableSeries {
  readonly summary: SeriesSummary;
  readonly classification: SeriesClassification;
  readonly warnings: readonly Warning[];
}
