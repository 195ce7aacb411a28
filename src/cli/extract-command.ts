import { join, resolve } from 'node:path';
import { defaultCropSpec, type CropSpec } from '../crops/extract.js';
import { safeFileName, writeCropManifest, type CropManifestRow } from '../crops/write.js';
import { extractStudyCrops, studyIdFromPath } from '../dataset/study-crops.js';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { createOutputFolder } from '../outputs/write-results.js';
import { loadSegmentationModel } from '../segmentation/model.js';
import { parseShard } from './analyze-command.js';
import { uniqueStudies } from './unique-studies.js';

export interface ExtractOptions {
  out: string;
  model?: string;
  shard?: string;
}

/**
 * Finds the levels of each study and writes the per-disc sagittal and axial crops that grading
 * trains on, with one manifest row per study and level. With `--shard I/N` the run takes every
 * N-th study and writes into `OUT/shard-I-of-N`, so several processes or machines can share a list.
 * A study given more than once, also through a symbolic link, is processed once. A study that
 * fails is logged and skipped, and the exit status is that of the first failure.
 * @throws DeepspineError INVALID_ARGUMENT when a study id is empty or two studies get the same crops
 *   folder (see `planExtractStudies`), and OUTPUT_FAILED when the output folder cannot be created.
 *   Both are raised before any study is read.
 */
export async function runExtract(studies: string[], options: ExtractOptions, logger: Logger): Promise<number> {
  if (studies.length === 0) throw new DeepspineError('INVALID_ARGUMENT', 'no study given; pass DICOM folders or NIfTI, MHA, MHD or NRRD files');
  const shard = options.shard ? parseShard(options.shard) : null;
  // Planned over the whole list before sharding, so every shard detects the same clashes.
  const planned = planExtractStudies(studies, logger);
  const mine = shard === null ? planned : planned.filter((_, index) => index % shard.count === shard.index);
  const outDir = shard === null ? options.out : join(options.out, `shard-${shard.index}-of-${shard.count}`);
  // Created before the model is loaded, so an unusable --out fails once, before any study is read.
  await createOutputFolder(outDir);
  const spec: CropSpec = defaultCropSpec;
  const model = await loadSegmentationModel(options.model);
  const rows: CropManifestRow[] = [];
  let firstFailure = 0;
  let failed = 0;
  try {
    for (const [position, { path, studyId }] of mine.entries()) {
      try {
        const { rows: studyRows, warnings } = await extractStudyCrops(path, studyId, outDir, model, spec, logger);
        rows.push(...studyRows);
        // The warning codes explain a low level_confidence in the manifest, as dataset build logs them.
        const codes = [...new Set(warnings.map((warning) => warning.code))];
        const warned = codes.length > 0 ? ` (warnings: ${codes.join(', ')})` : '';
        logger.info(`[${position + 1}/${mine.length}] ${studyId}: ${studyRows.length} levels${warned}`);
      } catch (error) {
        const code = error instanceof DeepspineError ? error.exitCode : 1;
        if (firstFailure === 0) firstFailure = code;
        failed++;
        logger.error(`[${position + 1}/${mine.length}] ${path}: skipped (${error instanceof Error ? error.message : String(error)})`);
      }
    }
  } finally {
    await model.release();
  }
  const manifest = await writeCropManifest(outDir, rows, [], spec);
  const extracted = mine.length - failed;
  const failures = failed > 0 ? ` (${failed} of ${mine.length} failed)` : '';
  logger.info(`${rows.length} ${rows.length === 1 ? 'crop' : 'crops'} of ${extracted} ${extracted === 1 ? 'study' : 'studies'}${failures}; manifest ${manifest}`);
  return firstFailure;
}

/** A study of an extract run: its path as given and its study id. */
export interface PlannedStudy {
  readonly path: string;
  /** Study id, written unchanged to the manifest's `study_id` and the crop sidecars. The crops go to `crops/<safeFileName(id)>/`. */
  readonly studyId: string;
}

/**
 * Returns the studies of an extract run sorted by path, each study once. Paths with the same real
 * path count as one study: `a/ivd-11` and `a/ivd-11/`, and also two symbolic links to one folder.
 * Each repeat is logged, and the study keeps the path given first. The study id is
 * `studyIdFromPath` of the path's last component, as in `dataset build`, so `a b.nii.gz` gets the
 * id `a b` and its crops go to `crops/a_b/`. The component is taken from the absolute path, so the
 * study `.` gets the name of the working folder.
 * @throws DeepspineError INVALID_ARGUMENT, naming the paths, when a study id is empty, or when
 *   different studies get the same crops folder ignoring case (`a b` and `a_b`, or `A` and `a`),
 *   because their crops would overwrite each other. Ids equal as they are would also leave the
 *   manifest unable to tell their rows apart.
 */
export function planExtractStudies(studies: readonly string[], logger: Logger): PlannedStudy[] {
  const planned = uniqueStudies(studies, 'extracted', logger).sort().map((path) => ({ path, studyId: studyIdFromPath(resolve(path)) }));

  const unnamed = planned.filter((study) => study.studyId === '');
  if (unnamed.length > 0) {
    throw new DeepspineError(
      'INVALID_ARGUMENT',
      `${unnamed.map((study) => study.path).join(' and ')}: the study id, the name without its volume file suffix, is empty; pass a folder or file with a name`,
    );
  }

  const studiesByFolder = new Map<string, PlannedStudy[]>();
  for (const study of planned) {
    // Compared ignoring case, because crops/Case and crops/case are one folder on some file systems.
    const key = cropsFolderName(study).toLowerCase();
    studiesByFolder.set(key, [...(studiesByFolder.get(key) ?? []), study]);
  }
  const clashes = [...studiesByFolder.values()].filter((group) => group.length > 1);
  if (clashes.length > 0) {
    const described = clashes.map((group) => `${group.map((study) => study.path).join(' and ')} (${describeIds(group)})`);
    throw new DeepspineError(
      'INVALID_ARGUMENT',
      `different studies get the same study id or crops folder, so their crops would overwrite each other: ${described.join('; ')}. Rename all but one of each, or extract them into separate --out folders`,
    );
  }
  return planned;
}

/** Returns the folder under `crops/` that `writeDiscCrops` gives the study. */
function cropsFolderName(study: PlannedStudy): string {
  return safeFileName(study.studyId);
}

function describeIds(group: readonly PlannedStudy[]): string {
  const ids = [...new Set(group.map((study) => study.studyId))];
  if (ids.length === 1) return `study id "${ids[0]}"`;
  const quoted = ids.map((id) => `"${id}"`).join(' and ');
  const folders = [...new Set(group.map((study) => `crops/${cropsFolderName(study)}/`))];
  if (folders.length === 1) return `study ids ${quoted}, which both get the crops folder ${folders[0]}`;
  return `study ids ${quoted}, whose crops folders ${folders.join(' and ')} are equal ignoring case`;
}
