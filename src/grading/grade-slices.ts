import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { csvField } from '../crops/write.js';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { isSameFile } from '../same-file.js';
import { DiscDetector, detectorDiscFinder } from './disc-detector.js';
import { GradingModel, defaultGradingModelPath, type GradingHead } from './model.js';
import { processSlice } from './slice-crops.js';
import type { SliceDiscFinder } from './slice-discs.js';
import { readSliceTable } from './slices-folder.js';

/** Suffix of every output column of a head that had no real training labels. */
export const notTrainedSuffix = '_not_trained';

/**
 * Output column names of one head: `<head>_p` (probability of "present") for a binary head,
 * `<head>_p_<class>` per class otherwise, each with `_not_trained` appended for an untrained head.
 */
export function headColumns(head: GradingHead): string[] {
  const suffix = head.trained ? '' : notTrainedSuffix;
  if (head.kind === 'binary') return [`${head.name}_p${suffix}`];
  return head.classes.map((name) => `${head.name}_p_${name}${suffix}`);
}

/** Options of `gradeSlices`. */
export interface GradeSlicesOptions {
  /** ONNX grading model, with its `.json` sidecar beside it. */
  readonly modelPath?: string;
  /** Disc finder. The default is the shipped disc detector (`models/grading/disc-detector.onnx`). */
  readonly finder?: SliceDiscFinder;
}

/** Summary of a `gradeSlices` run. */
export interface GradeSlicesSummary {
  readonly series: number;
  readonly seriesWithoutDiscs: number;
  /** Series with discs found whose `num_discs` in slices.csv is another number, so their IVD labels may be shifted. */
  readonly seriesWithOtherDiscCount: number;
  readonly rows: number;
  readonly untrainedHeads: string[];
}

/**
 * Grades every disc on the slices of a folder laid out like the SPIDER slices set (slices.csv and
 * its PNGs, without gradings) and writes one CSV row per disc: patient, series, IVD label
 * (1 = most caudal disc found), the number of discs found and the `num_discs` of slices.csv, the
 * disc centre in PNG pixels, then the probabilities of every head.
 * Columns of heads without real training labels end in `_not_trained`: they are model outputs, not findings.
 * @throws DeepspineError INPUT_NOT_FOUND, MODEL_FAILED or OUTPUT_FAILED, and UNREADABLE_INPUT when
 *   the table lists series but no disc of any of them could be graded.
 */
export async function gradeSlices(dir: string, outFile: string, logger: Logger, options: GradeSlicesOptions = {}): Promise<GradeSlicesSummary> {
  const model = await GradingModel.load(options.modelPath ?? defaultGradingModelPath);
  const finder = options.finder ?? detectorDiscFinder(await DiscDetector.load());
  const entries = await readSliceTable(dir);
  await checkGradesFile(outFile, join(dir, 'slices.csv'));
  if (entries.length === 0) {
    throw new DeepspineError('UNREADABLE_INPUT', `${join(dir, 'slices.csv')}: lists no series, so there is nothing to grade`, { file: join(dir, 'slices.csv') });
  }
  const heads = model.info.heads;

  const untrainedHeads = heads.filter((h) => !h.trained).map((h) => h.name);
  if (untrainedHeads.length > 0) {
    logger.warn(`${untrainedHeads.length} grading heads had no training labels (${untrainedHeads.join(', ')}); their columns end in "${notTrainedSuffix}" and are not findings`);
  }

  const lines = [['patient', 'series', 'ivd_label', 'discs_found', 'discs_expected', 'disc_column_px', 'disc_row_px', ...heads.flatMap(headColumns)].join(',')];
  let seriesWithoutDiscs = 0;
  let seriesWithOtherDiscCount = 0;
  for (const [position, entry] of entries.entries()) {
    let slice;
    try {
      slice = await processSlice(dir, entry, finder, model.info.cropSpec);
    } catch (error) {
      if (!(error instanceof DeepspineError) || error.code !== 'UNREADABLE_INPUT') throw error;
      logger.warn(`series ${entry.series} skipped: ${error.message}`);
      seriesWithoutDiscs++;
      continue;
    }
    if (slice.discs.length === 0) {
      logger.warn(`series ${entry.series}: no disc found on ${entry.file}`);
      seriesWithoutDiscs++;
      continue;
    }
    const grades = await model.grade(slice.crops);
    if (entry.numDiscs !== null && entry.numDiscs !== slice.discs.length) seriesWithOtherDiscCount++;
    slice.discs.forEach((disc, index) => {
      const expected = entry.numDiscs === null ? '' : String(entry.numDiscs);
      const cells = [entry.patient, entry.series, String(disc.ivdLabel), String(slice.discs.length), expected, disc.disc.pixel[0].toFixed(1), disc.disc.pixel[1].toFixed(1)];
      for (const head of heads) cells.push(...grades[index]!.probabilities[head.name]!.map((p) => p.toFixed(6)));
      lines.push(cells.map(csvField).join(','));
    });
    if ((position + 1) % 20 === 0) logger.info(`  graded ${position + 1}/${entries.length} series`);
  }

  if (entries.length > 0 && lines.length === 1) {
    throw new DeepspineError('UNREADABLE_INPUT', `${dir}: no disc was graded on any of the ${entries.length} series (each is named in a warning above), so ${outFile} is not written`, { file: dir });
  }
  try {
    await mkdir(dirname(outFile), { recursive: true });
    await writeFile(outFile, lines.join('\n') + '\n');
  } catch (error) {
    throw new DeepspineError('OUTPUT_FAILED', `writing ${outFile} failed: ${String(error)}; check that the folder is writable`, { file: outFile, cause: error });
  }
  logger.info(`graded ${lines.length - 1} ${lines.length === 2 ? 'disc' : 'discs'} on ${entries.length - seriesWithoutDiscs} of ${entries.length} series into ${outFile}`);
  if (seriesWithOtherDiscCount > 0) {
    logger.warn(
      `${seriesWithOtherDiscCount} series have another number of discs found than num_discs in slices.csv, so their IVD labels may be shifted; ` +
        'their rows have discs_found different from discs_expected',
    );
  }
  return { series: entries.length, seriesWithoutDiscs, seriesWithOtherDiscCount, rows: lines.length - 1, untrainedHeads };
}

/**
 * Checks, before any grading, that `outFile` is not a folder and not the slice table it reads.
 * @throws DeepspineError OUTPUT_FAILED for a folder, INVALID_ARGUMENT for the slice table.
 */
async function checkGradesFile(outFile: string, table: string): Promise<void> {
  const existing = await stat(outFile).catch(() => null);
  if (existing === null) return;
  if (existing.isDirectory()) throw new DeepspineError('OUTPUT_FAILED', `${outFile}: --out is a folder; pass the path of the CSV file to write`, { file: outFile });
  if (await isSameFile(table, outFile)) {
    throw new DeepspineError('INVALID_ARGUMENT', `${outFile} is the slice table ${table} that grade-slices reads; pass another --out so that it is not overwritten`, { file: outFile });
  }
}
