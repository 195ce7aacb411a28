import type { Vec3 } from '../geometry/affine.js';
import type { Warning } from '../errors.js';
import type { DiscMeasurements } from '../levels/types.js';
import type { ContrastCheck } from '../levels/contrast.js';

/** Version of the results.json layout; bumped on any incompatible change. */
export const resultsFormat = 'deepspine-results/1';

/** A series as reported in results.json: geometry and description, no patient identifiers. */
export interface SeriesReport {
  readonly id: string;
  readonly seriesInstanceUid: string | null;
  readonly seriesNumber: number | null;
  readonly description: string;
  /** sagittal-t2, axial-t2, sagittal-t1 or other. */
  readonly classification: string;
  readonly slices: number;
  /** PixelSpacing [row spacing, column spacing] in mm, null when unknown. */
  readonly pixelSpacingMm: readonly [number, number] | null;
  readonly sliceSpacingMm: number | null;
}

/** One disc level in results.json. */
export interface LevelReport {
  readonly level: string;
  /** Disc centre, DICOM patient coordinates (LPS), mm. */
  readonly center: Vec3;
  /** Unit normal of the disc mid-plane, LPS, pointing cranially. */
  readonly normal: Vec3;
  /** Confidence in [0, 1] that this disc is correctly named. */
  readonly confidence: number;
  readonly measurements: DiscMeasurements | null;
  /** Grades per condition, when the grading model ran; see docs/results.md. */
  readonly grades?: Record<string, unknown>;
}

/** The whole of results.json. */
export interface AnalysisResult {
  readonly format: typeof resultsFormat;
  readonly deepspineVersion: string;
  readonly input: {
    readonly kind: 'dicom' | 'volume-file' | 'demo';
    readonly skippedFiles: readonly { readonly file: string; readonly reason: string }[];
  };
  readonly series: { readonly sagittal: SeriesReport; readonly axial: SeriesReport | null; readonly all: SeriesReport[] };
  /** Each model used, by role; the segmentation model also states the plane spacing from its sidecar. */
  readonly models: Record<string, { readonly file: string; readonly sha256: string; readonly spacingMm?: number }>;
  readonly levels: LevelReport[];
  readonly vertebrae: { readonly name: string; readonly center: Vec3; readonly confidence: number }[];
  /** The sagittal series' body intensity compared with that of the segmentation model's training cases. */
  readonly imageContrast: ContrastCheck;
  readonly warnings: Warning[];
  /** Wall time per step in ms. */
  readonly timingsMs: Record<string, number>;
  /** Output files, relative to the output folder. */
  readonly outputs: { readonly results: string; readonly segmentation: string; readonly overlay: string };
}
