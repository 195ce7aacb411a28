import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { DeepspineError } from '../errors.js';
import { makeVolume, type Volume } from '../geometry/volume.js';
import { parseCsvRecords } from './csv.js';

/**
 * One row of `slices.csv` in a folder laid out like the SPIDER slices set. The table has one row per
 * PNG with the columns file, patient and series, and optionally source_pixel_spacing_mm ("row\col"
 * in mm), original_size_wh ("WxH"), source_slice_thickness_mm, sequence and num_discs. The PNGs show
 * the head up and anterior on the left. `radiological_gradings.csv` with per-disc grades is optional.
 */
export interface SliceEntry {
  /** PNG path relative to the folder. */
  readonly file: string;
  readonly patient: string;
  readonly series: string;
  readonly sequence: string;
  /** DICOM PixelSpacing of the source series: [row spacing, column spacing] in mm, or null when absent or invalid. */
  readonly sourcePixelSpacingMm: readonly [number, number] | null;
  /** The source_pixel_spacing_mm cell as written, for messages; empty when absent. */
  readonly sourcePixelSpacingText?: string;
  /** Size [width, height] of the image that the source spacing refers to, or null when absent. */
  readonly originalSize: readonly [number, number] | null;
  readonly sliceThicknessMm: number | null;
  /** Number of graded discs of the series, when the table lists it. */
  readonly numDiscs: number | null;
}

function positiveNumber(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/**
 * Reads `slices.csv` of a slices folder.
 * @throws DeepspineError INPUT_NOT_FOUND when the folder or table is missing, UNREADABLE_INPUT when
 * a required column is missing.
 */
export async function readSliceTable(dir: string): Promise<SliceEntry[]> {
  const path = join(dir, 'slices.csv');
  if (!existsSync(path)) throw new DeepspineError('INPUT_NOT_FOUND', `${path} not found; a slices folder needs slices.csv and its images`, { file: path });
  const { columns, records } = parseCsvRecords(await readFile(path, 'utf8'));
  for (const required of ['file', 'patient', 'series']) {
    if (!columns.includes(required)) {
      throw new DeepspineError('UNREADABLE_INPUT', `${path}: column "${required}" is missing; expected at least file, patient and series`, { file: path });
    }
  }
  return records.map((record) => {
    const spacingParts = (record['source_pixel_spacing_mm'] ?? '').split('\\').map(positiveNumber);
    const sizeParts = (record['original_size_wh'] ?? '').toLowerCase().split('x').map(positiveNumber);
    return {
      file: record['file']!,
      patient: record['patient']!,
      series: record['series']!,
      sequence: record['sequence'] ?? '',
      sourcePixelSpacingMm: spacingParts.length === 2 && spacingParts[0] && spacingParts[1] ? [spacingParts[0], spacingParts[1]] : null,
      sourcePixelSpacingText: (record['source_pixel_spacing_mm'] ?? '').trim(),
      originalSize: sizeParts.length === 2 && sizeParts[0] && sizeParts[1] ? [sizeParts[0], sizeParts[1]] : null,
      sliceThicknessMm: positiveNumber(record['source_slice_thickness_mm']),
      numDiscs: positiveNumber(record['num_discs']),
    };
  });
}

/** Estimated pixel size of a PNG in mm, with how it was derived. */
export interface PngSpacing {
  readonly columnMm: number;
  readonly rowMm: number;
  readonly method: 'source spacing scaled by original size' | 'source spacing';
}

/**
 * Estimates the PNG pixel size from the source series' PixelSpacing, scaled by the ratio of the
 * original image size to the PNG size when the table gives the original size.
 *
 * NOTE: how the PNGs were rendered from the source series is undocumented, so this is an estimate.
 * In the SPIDER slices every PNG has its listed original size. Disc-to-disc distances under this
 * estimate are checked in docs/grading.md.
 * Returns null when the table gives no source spacing.
 */
export function estimatePngSpacing(entry: SliceEntry, pngWidth: number, pngHeight: number): PngSpacing | null {
  if (entry.sourcePixelSpacingMm === null) return null;
  const [rowSpacing, columnSpacing] = entry.sourcePixelSpacingMm;
  if (entry.originalSize === null) return { columnMm: columnSpacing, rowMm: rowSpacing, method: 'source spacing' };
  const [originalWidth, originalHeight] = entry.originalSize;
  return {
    columnMm: (columnSpacing * originalWidth) / pngWidth,
    rowMm: (rowSpacing * originalHeight) / pngHeight,
    method: 'source spacing scaled by original size',
  };
}

/** A PNG slice as a one-plane volume. */
export interface SliceImage {
  /**
   * One-plane volume in the canonical sagittal layout: i = PNG column (anterior to posterior),
   * j = PNG row (superior to inferior), k = the single plane (towards the patient's left). The
   * origin is the first pixel at LPS (0, 0, 0), so absolute positions carry no anatomical meaning.
   */
  readonly volume: Volume<Float32Array>;
  readonly width: number;
  readonly height: number;
  readonly spacing: PngSpacing;
}

/**
 * Reads one PNG of a slices folder as a gray-level volume (the first channel of RGB or gray-alpha images).
 * @throws DeepspineError UNREADABLE_INPUT naming the file when it is missing, not a PNG, or has no
 * usable pixel spacing.
 */
export async function loadSliceImage(dir: string, entry: SliceEntry): Promise<SliceImage> {
  const path = join(dir, entry.file);
  let png: ReturnType<typeof decode>;
  try {
    png = decode(await readFile(path));
  } catch (error) {
    throw new DeepspineError('UNREADABLE_INPUT', `${path}: cannot read the PNG (${String(error)})`, { file: path, cause: error });
  }
  const { width, height, channels } = png;
  const spacing = estimatePngSpacing(entry, width, height);
  if (spacing === null) {
    const written = entry.sourcePixelSpacingText ?? '';
    const problem = written === '' ? 'gives no source_pixel_spacing_mm' : `gives source_pixel_spacing_mm ${JSON.stringify(written)}, not two positive numbers,`;
    throw new DeepspineError('UNREADABLE_INPUT', `${path}: slices.csv ${problem} for series ${entry.series}; write it as "row\\col" in mm`, { file: path });
  }
  const data = new Float32Array(width * height);
  for (let index = 0; index < data.length; index++) data[index] = png.data[index * channels]!;
  const thickness = entry.sliceThicknessMm ?? 1;
  const affine = [0, 0, thickness, 0, spacing.columnMm, 0, 0, 0, 0, -spacing.rowMm, 0, 0, 0, 0, 0, 1];
  return { volume: makeVolume([width, height, 1], affine, data), width, height, spacing };
}

/** SPIDER grading columns and the grading heads they label. */
export const spiderGradingColumns: Readonly<Record<string, string>> = {
  'Disc bulging': 'disc_bulge',
  'Pfirrman grade': 'pfirrmann_grade',
  'Disc herniation': 'disc_herniation',
  'Disc narrowing': 'disc_narrowing',
  Modic: 'modic_type',
  Spondylolisthesis: 'spondylolisthesis',
  'UP endplate': 'upper_endplate_defect',
  'LOW endplate': 'lower_endplate_defect',
};

/** Per-disc labels by patient, then by IVD label (1 = most caudal disc). */
export type GradingTable = Map<string, Map<number, Record<string, number | null>>>;

/**
 * Reads `radiological_gradings.csv` of a slices folder into head labels, or returns null when the
 * folder has none. Rows with IVD label below 1 are skipped because their meaning is undocumented.
 */
export async function readGradings(dir: string): Promise<GradingTable | null> {
  const path = join(dir, 'radiological_gradings.csv');
  if (!existsSync(path)) return null;
  const { columns, records } = parseCsvRecords(await readFile(path, 'utf8'));
  for (const required of ['Patient', 'IVD label']) {
    if (!columns.includes(required)) throw new DeepspineError('UNREADABLE_INPUT', `${path}: column "${required}" is missing`, { file: path });
  }
  const table: GradingTable = new Map();
  for (const record of records) {
    const ivd = Number(record['IVD label']);
    if (!Number.isInteger(ivd) || ivd < 1) continue;
    const labels: Record<string, number | null> = {};
    for (const [column, head] of Object.entries(spiderGradingColumns)) {
      const cell = (record[column] ?? '').trim();
      labels[head] = cell === '' || !Number.isFinite(Number(cell)) ? null : Number(cell);
    }
    const patient = record['Patient']!;
    if (!table.has(patient)) table.set(patient, new Map());
    table.get(patient)!.set(ivd, labels);
  }
  return table;
}
