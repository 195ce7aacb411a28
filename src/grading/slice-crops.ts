import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCropSpec, extractDiscCrops, type CropSpec, type DiscCrops } from '../crops/extract.js';
import { csvField, writeCropManifest, writeDiscCrops, type CropManifestRow } from '../crops/write.js';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { numberDiscsFromCaudal, type NumberedDisc } from './plane-discs.js';
import type { SliceDiscFinder } from './slice-discs.js';
import { loadSliceImage, readGradings, readSliceTable, spiderGradingColumns, type SliceEntry, type SliceImage } from './slices-folder.js';

/** The discs found on one slice, numbered from caudal, with their crops. */
export interface SliceDiscs {
  readonly entry: SliceEntry;
  readonly image: SliceImage;
  readonly discs: NumberedDisc[];
  readonly crops: DiscCrops[];
}

/** Returns the study identifier of a slices-folder patient. SPIDER patient numbers are data set indices, not hospital IDs. */
export function sliceStudyId(entry: SliceEntry): string {
  return `slices-${entry.patient}`;
}

/** Loads one slice, finds and numbers its discs and extracts their crops. */
export async function processSlice(dir: string, entry: SliceEntry, finder: SliceDiscFinder, spec: CropSpec = defaultCropSpec): Promise<SliceDiscs> {
  const image = await loadSliceImage(dir, entry);
  const discs = numberDiscsFromCaudal(await finder.find(image));
  const crops = extractDiscCrops({ studyId: sliceStudyId(entry), sagittal: image.volume, axial: null }, discs.map((d) => d.level), spec);
  return { entry, image, discs, crops };
}

/** Per-series outcome of disc finding against the gradings. */
export interface SliceFindingResult {
  readonly series: string;
  /** Name of the finder whose discs were used: the first that matched, else the first tried. */
  readonly finder: string;
  readonly patient: string;
  readonly sequence: string;
  readonly found: number;
  /** Graded discs of the patient, or null without gradings. */
  readonly graded: number | null;
  /** True when the number found equals the number graded, so discs can be matched by position. */
  readonly matched: boolean;
  /** Reason the slice was skipped, or null. */
  readonly error: string | null;
  /** Median distance between neighbouring disc centres in mm under the estimated pixel spacing. */
  readonly medianDiscSpacingMm: number | null;
}

/** Options of `extractSliceCrops`. */
export interface ExtractSliceCropsOptions {
  /**
   * Disc finders tried in order on each series. The first whose disc count equals the graded count
   * is used, so a second finder only adds series that the first could not match.
   */
  readonly finders: readonly SliceDiscFinder[];
  readonly logger: Logger;
  readonly spec?: CropSpec;
  /**
   * Keep series whose disc count differs from the graded count, with their labels left empty
   * (default false: such series are left out, since matching by position would shift labels).
   */
  readonly keepUnmatched?: boolean;
}

/** Summary of an `extractSliceCrops` run. */
export interface ExtractSliceCropsSummary {
  readonly manifestPath: string;
  readonly rows: number;
  readonly results: SliceFindingResult[];
}

function medianSpacing(discs: readonly NumberedDisc[]): number | null {
  if (discs.length < 2) return null;
  const gaps: number[] = [];
  for (let i = 1; i < discs.length; i++) {
    const a = discs[i - 1]!.disc.center;
    const b = discs[i]!.disc.center;
    gaps.push(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
  }
  gaps.sort((x, y) => x - y);
  const middle = Math.floor(gaps.length / 2);
  return gaps.length % 2 === 1 ? gaps[middle]! : (gaps[middle - 1]! + gaps[middle]!) / 2;
}

/**
 * Extracts training crops from a slices folder: for every series, finds the discs, numbers them
 * from caudal (IVD label 1) upwards and, when their number equals the patient's graded discs,
 * attaches the SPIDER gradings by IVD label. Several finders can be tried in order. Writes the crops, `manifest.csv`, `crop-spec.json`
 * and `disc-finding.csv` (one row per series: discs found, graded, matched) into `outDir`.
 */
export async function extractSliceCrops(dir: string, outDir: string, options: ExtractSliceCropsOptions): Promise<ExtractSliceCropsSummary> {
  const spec = options.spec ?? defaultCropSpec;
  const entries = await readSliceTable(dir);
  const gradings = await readGradings(dir);
  if (gradings === null) options.logger.warn(`${dir}: no radiological_gradings.csv; crops are written without labels`);
  const rows: CropManifestRow[] = [];
  const results: SliceFindingResult[] = [];

  for (const [position, entry] of entries.entries()) {
    const graded = gradings?.get(entry.patient)?.size ?? null;
    let slice: SliceDiscs | null = null;
    let finderName = options.finders[0]!.name;
    try {
      for (const finder of options.finders) {
        const attempt = await processSlice(dir, entry, finder, spec);
        if (slice === null) slice = attempt;
        if (graded !== null && attempt.discs.length === graded) {
          slice = attempt;
          finderName = finder.name;
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof DeepspineError)) throw error;
      options.logger.warn(`series ${entry.series} skipped: ${error.message}`);
      results.push({ series: entry.series, finder: finderName, patient: entry.patient, sequence: entry.sequence, found: 0, graded, matched: false, error: error.message, medianDiscSpacingMm: null });
      continue;
    }
    if (slice === null) throw new RangeError('extractSliceCrops needs at least one disc finder');

    const matched = graded !== null && slice.discs.length === graded;
    results.push({
      series: entry.series,
      finder: finderName,
      patient: entry.patient,
      sequence: entry.sequence,
      found: slice.discs.length,
      graded,
      matched,
      error: null,
      medianDiscSpacingMm: medianSpacing(slice.discs),
    });
    if ((position + 1) % 20 === 0) options.logger.info(`  ${position + 1}/${entries.length} series`);

    if (!matched && graded !== null && !options.keepUnmatched) continue;
    const patientGrades = gradings?.get(entry.patient);
    const labels = new Map<string, Record<string, number | null>>();
    const ivdLabels = new Map<string, number>();
    for (const disc of slice.discs) {
      ivdLabels.set(disc.level.level, disc.ivdLabel);
      if (matched && patientGrades?.has(disc.ivdLabel)) labels.set(disc.level.level, patientGrades.get(disc.ivdLabel)!);
    }
    rows.push(...(await writeDiscCrops(outDir, sliceStudyId(entry), slice.crops, spec, { seriesId: entry.series, labels, ivdLabels, namedLevels: false })));
  }

  const manifestPath = await writeCropManifest(outDir, rows, Object.values(spiderGradingColumns), spec);
  await writeFindingReport(join(outDir, 'disc-finding.csv'), results);
  const matchedCount = results.filter((r) => r.matched).length;
  const names = options.finders.map((f) => f.name).join(', ');
  options.logger.info(`disc finders ${names}: found as many discs as graded on ${matchedCount} of ${results.length} series, ${rows.length} crops written`);
  return { manifestPath, rows: rows.length, results };
}

async function writeFindingReport(path: string, results: readonly SliceFindingResult[]): Promise<void> {
  const lines = ['series,patient,sequence,finder,found,graded,matched,median_disc_spacing_mm,error'];
  for (const r of results) {
    lines.push(
      [r.series, r.patient, r.sequence, r.finder, String(r.found), r.graded === null ? '' : String(r.graded), r.matched ? '1' : '0', r.medianDiscSpacingMm === null ? '' : r.medianDiscSpacingMm.toFixed(1), r.error ?? '']
        .map(csvField)
        .join(','),
    );
  }
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, lines.join('\n') + '\n');
}
