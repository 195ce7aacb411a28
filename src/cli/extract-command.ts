import { join } from 'node:path';
import { defaultCropSpec, type CropSpec } from '../crops/extract.js';
import { safeFileName, writeCropManifest, type CropManifestRow } from '../crops/write.js';
import { extractStudyCrops, studyIdFromPath } from '../dataset/study-crops.js';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { loadSegmentationModel } from '../segmentation/model.js';
import { parseShard } from './analyze-command.js';

export interface ExtractOptions {
  out: string;
  model?: string;
  shard?: string;
}

/**
 * Finds the levels of each study and writes the per-disc sagittal and axial crops that grading
 * trains on, with one manifest row per study and level. With `--shard I/N` the run takes every
 * N-th study and writes into `OUT/shard-I-of-N`, so several processes or machines can share a list.
 * A study that fails is logged and skipped; the exit status is that of the first failure.
 */
export async function runExtract(studies: string[], options: ExtractOptions, logger: Logger): Promise<number> {
  if (studies.length === 0) throw new DeepspineError('INVALID_ARGUMENT', 'no study given; pass DICOM folders or NIfTI/MHA files');
  const shard = options.shard ? parseShard(options.shard) : null;
  const sorted = [...studies].sort();
  const mine = shard === null ? sorted : sorted.filter((_, index) => index % shard.count === shard.index);
  const outDir = shard === null ? options.out : join(options.out, `shard-${shard.index}-of-${shard.count}`);
  const spec: CropSpec = defaultCropSpec;
  const model = await loadSegmentationModel(options.model);
  const rows: CropManifestRow[] = [];
  let firstFailure = 0;
  try {
    for (const [position, path] of mine.entries()) {
      const studyId = safeFileName(studyIdFromPath(path));
      try {
        const { rows: studyRows } = await extractStudyCrops(path, studyId, outDir, model, spec, logger);
        rows.push(...studyRows);
        logger.info(`[${position + 1}/${mine.length}] ${studyId}: ${studyRows.length} levels`);
      } catch (error) {
        const code = error instanceof DeepspineError ? error.exitCode : 1;
        if (firstFailure === 0) firstFailure = code;
        logger.error(`[${position + 1}/${mine.length}] ${path}: skipped (${error instanceof Error ? error.message : String(error)})`);
      }
    }
  } finally {
    await model.release();
  }
  const manifest = await writeCropManifest(outDir, rows, [], spec);
  logger.info(`${rows.length} crops of ${mine.length} studies; manifest ${manifest}`);
  return firstFailure;
}
