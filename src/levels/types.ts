import type { Vec3 } from '../geometry/affine.js';

/** Disc level names from cranial to caudal; T12-L1 is reported only when it is visible. */
export const discLevelNames = ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'] as const;
export type DiscLevelName = (typeof discLevelNames)[number] | string;

/** Disc height measurements on the mid-sagittal plane, in mm. */
export interface DiscMeasurements {
  readonly anteriorHeightMm: number;
  readonly middleHeightMm: number;
  readonly posteriorHeightMm: number;
  /** Mean disc height divided by the mean antero-posterior depth of the disc (dimensionless). */
  readonly discHeightIndex: number;
}

/** One intervertebral disc found and named in a study. */
export interface DiscLevel {
  readonly level: DiscLevelName;
  /** Disc centre in DICOM patient coordinates (LPS), mm. */
  readonly center: Vec3;
  /** Unit normal of the disc mid-plane in LPS, pointing cranially. */
  readonly normal: Vec3;
  /** Unit vector in the disc plane pointing posteriorly (towards the canal), LPS. */
  readonly posterior: Vec3;
  /** Probability-like confidence in [0, 1] that the name is right. */
  readonly confidence: number;
  readonly measurements: DiscMeasurements | null;
}
