import { basename } from 'node:path';
import { extractDiscCrops, type CropSpec } from '../crops/extract.js';
import { writeDiscCrops, type CropManifestRow } from '../crops/write.js';
import type { Warning } from '../errors.js';
import { loadStudy } from '../input/study.js';
import { volumeFileSuffixes } from '../input/volume-file.js';
import { findStudyLevels } from '../levels/study-levels.js';
import type { Logger } from '../log.js';
import type { SegmentationModel } from '../segmentation/model.js';
import { segmentSagittalVolume } from '../segmentation/segment.js';

/**
 * Returns the id of a study given as a DICOM folder or a volume file: the folder or file name
 * without a volume file suffix (`.nii`, `.nii.gz`, `.mha`, `.mhd`, `.nrrd`, any case). The id comes
 * from the path only, never from a DICOM patient attribute. It is not made safe for file names.
 */
export function studyIdFromPath(path: string): string {
  const name = basename(path.replace(/[\\/]+$/, ''));
  const lower = name.toLowerCase();
  // Longest suffix first, so "a.nii.gz" loses ".nii.gz" rather than nothing.
  const suffix = [...volumeFileSuffixes].sort((a, b) => b.length - a.length).find((candidate) => lower.endsWith(candidate));
  return suffix === undefined ? name : name.slice(0, name.length - suffix.length);
}

/** Output of `extractStudyCrops` for one study. */
export interface StudyCrops {
  /** One row per disc level; crop paths are relative to the `outDir` given. */
  readonly rows: CropManifestRow[];
  /** Study loading and level finding warnings. */
  readonly warnings: Warning[];
  /** Duration of each step in ms: decode, segmentation, levels, crops. */
  readonly timingsMs: Record<string, number>;
}

/**
 * Loads one study, segments its sagittal series, finds and names the disc levels and writes the
 * sagittal and axial crops of every level under `outDir/crops/<study>/`. This is the per-study
 * work of `deepspine extract` and `deepspine dataset build`.
 * @throws DeepspineError from `loadStudy`, segmentation, `findStudyLevels` or `writeDiscCrops`.
 */
export async function extractStudyCrops(
  path: string,
  studyId: string,
  outDir: string,
  model: SegmentationModel,
  spec: CropSpec,
  logger: Logger,
): Promise<StudyCrops> {
  const timingsMs: Record<string, number> = {};
  const timed = async <T>(name: string, task: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await task();
    } finally {
      timingsMs[name] = Math.round(performance.now() - start);
    }
  };
  const study = await timed('decode', () => loadStudy(path, {}, logger));
  const segmentation = await timed('segmentation', () => segmentSagittalVolume(study.sagittal, model));
  const { levels } = await timed('levels', () => findStudyLevels(segmentation, study.sagittal, path, model.bodyIntensity));
  const rows = await timed('crops', async () => {
    const crops = extractDiscCrops({ studyId, sagittal: study.sagittal, axial: study.axial, sagittalImaged: levels.imagedPlanes }, levels.levels, spec);
    return writeDiscCrops(outDir, studyId, crops, spec);
  });
  return { rows, warnings: [...study.warnings, ...levels.warnings], timingsMs };
}
