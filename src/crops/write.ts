import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeepspineError } from '../errors.js';
import type { DiscLevel } from '../levels/types.js';
import { defaultCropSpec, extractDiscCrops, type Crop, type CropSpec, type DiscCrops, type StudyImages } from './extract.js';
import { writeNpyFloat32 } from './npy.js';

/** Version tag of the crop files and manifest, which Python training checks. */
export const cropFormat = 'deepspine-crops/1';

/** One manifest row: one disc level of one series. */
export interface CropManifestRow {
  readonly studyId: string;
  readonly seriesId: string;
  readonly level: string;
  /**
   * Confidence of the level's name from level finding (see docs/results.md), null when unknown, as
   * in result files written before it was recorded. Under 0.5 the name may be shifted by a level.
   */
  readonly levelConfidence: number | null;
  /** Disc index counted from the most caudal disc (1), when the source numbers discs that way. */
  readonly ivdLabel: number | null;
  /** Sagittal crop `.npy`, relative to the manifest's folder. */
  readonly sagittalPath: string;
  readonly sagittalPlanes: number;
  /** Axial crop `.npy` relative to the manifest's folder, or null when missing. */
  readonly axialPath: string | null;
  /** Label value per head name, null where the label is unknown. */
  readonly labels: Readonly<Record<string, number | null>>;
}

/** Options of `writeDiscCrops`: series identifier and known labels. */
export interface WriteCropsOptions {
  /** Series identifier, unique within the study (default "sag"). */
  readonly seriesId?: string;
  /** Label values per level name. Levels absent here get empty label cells. */
  readonly labels?: ReadonlyMap<string, Readonly<Record<string, number | null>>>;
  /** IVD label (1 = most caudal) per level name, when known. */
  readonly ivdLabels?: ReadonlyMap<string, number>;
  /**
   * Whether the levels carry anatomical names with a naming confidence (default true). Discs only
   * numbered by position, as on 2-D slices, get an empty `level_confidence`.
   */
  readonly namedLevels?: boolean;
}

/** Replaces characters that are unsafe in file names with "_". */
export function safeFileName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned.length > 0 ? cleaned : '_';
}

/**
 * Writes each disc's crops under `outDir/crops/<study>/` as float32 `.npy` arrays of shape
 * (slices, rows, columns) with a `.json` sidecar holding the crop geometry, and returns the
 * manifest rows. The manifest itself is written by `writeCropManifest`.
 * @throws DeepspineError OUTPUT_FAILED when a file cannot be written.
 */
export async function writeDiscCrops(outDir: string, studyId: string, crops: readonly DiscCrops[], spec: CropSpec, options: WriteCropsOptions = {}): Promise<CropManifestRow[]> {
  const seriesId = options.seriesId ?? 'sag';
  const relativeFolder = join('crops', safeFileName(studyId));
  const folder = join(outDir, relativeFolder);
  const rows: CropManifestRow[] = [];
  try {
    await mkdir(folder, { recursive: true });
    for (const disc of crops) {
      const stem = `${safeFileName(seriesId)}_${safeFileName(disc.level.level)}`;
      const sagittalPath = join(relativeFolder, `${stem}_sag.npy`);
      await writeCrop(outDir, sagittalPath, disc.sagittal, 'sagittal', spec.sagittal.pixelSpacingMm, spec.sagittal.sliceSpacingMm, studyId, disc.level);
      let axialPath: string | null = null;
      if (disc.axial !== null) {
        axialPath = join(relativeFolder, `${stem}_ax.npy`);
        await writeCrop(outDir, axialPath, disc.axial, 'axial', spec.axial.pixelSpacingMm, spec.axial.sliceSpacingMm, studyId, disc.level);
      }
      rows.push({
        studyId,
        seriesId,
        level: disc.level.level,
        levelConfidence: options.namedLevels === false ? null : disc.level.confidence,
        ivdLabel: options.ivdLabels?.get(disc.level.level) ?? null,
        sagittalPath,
        sagittalPlanes: disc.sagittal.sourcePlanes,
        axialPath,
        labels: options.labels?.get(disc.level.level) ?? {},
      });
    }
  } catch (error) {
    if (error instanceof DeepspineError) throw error;
    throw new DeepspineError('OUTPUT_FAILED', `writing crops under ${folder} failed: ${String(error)}; check that the folder is writable`, { file: folder, cause: error });
  }
  return rows;
}

async function writeCrop(outDir: string, relativePath: string, crop: Crop, kind: 'sagittal' | 'axial', pixelSpacingMm: number, sliceSpacingMm: number, studyId: string, level: DiscLevel): Promise<void> {
  const [width, height, slices] = crop.size;
  const shape = [slices, height, width];
  await writeNpyFloat32(join(outDir, relativePath), crop.data, shape);
  const sidecar = {
    format: cropFormat,
    kind,
    studyId,
    level: level.level,
    shape,
    axes: kind === 'sagittal' ? ['right_to_left', 'superior_to_inferior', 'anterior_to_posterior'] : ['caudal_to_cranial', 'anterior_to_posterior', 'right_to_left'],
    affine: crop.affine,
    affineNote: 'row-major 4x4 from crop index (column, row, slice) to DICOM patient coordinates (LPS) in mm',
    pixelSpacingMm,
    sliceSpacingMm,
    intensityWindow: crop.window,
    coverage: crop.coverage,
    sourcePlanes: crop.sourcePlanes,
    disc: { center: level.center, normal: level.normal, posterior: level.posterior, confidence: level.confidence },
  };
  await writeFile(join(outDir, relativePath.replace(/\.npy$/, '.json')), JSON.stringify(sidecar, null, 2) + '\n');
}

/** Fixed manifest columns. Label columns follow in the order given to `writeCropManifest`. */
export const manifestColumns = ['study_id', 'series_id', 'level', 'level_confidence', 'ivd_label', 'sagittal_path', 'sagittal_planes', 'axial_path', 'has_axial'] as const;

/** Quotes a CSV field when it contains a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Writes `manifest.csv` into `outDir`: the fixed columns, then one column per label name with an
 * empty cell where a label is unknown. Paths use "/" so the file reads the same on every system.
 * The crop settings go beside it as `crop-spec.json`, which training copies into the model sidecar.
 * @returns the manifest path.
 */
export async function writeCropManifest(outDir: string, rows: readonly CropManifestRow[], labelColumns: readonly string[], spec: CropSpec): Promise<string> {
  const lines = [[...manifestColumns, ...labelColumns].join(',')];
  for (const row of rows) {
    const cells = [
      row.studyId,
      row.seriesId,
      row.level,
      row.levelConfidence === null || row.levelConfidence === undefined ? '' : String(row.levelConfidence),
      row.ivdLabel === null ? '' : String(row.ivdLabel),
      row.sagittalPath.split('\\').join('/'),
      String(row.sagittalPlanes),
      row.axialPath === null ? '' : row.axialPath.split('\\').join('/'),
      row.axialPath === null ? '0' : '1',
      ...labelColumns.map((name) => {
        const value = row.labels[name];
        return value === null || value === undefined ? '' : String(value);
      }),
    ];
    lines.push(cells.map(csvField).join(','));
  }
  const path = join(outDir, 'manifest.csv');
  try {
    await mkdir(outDir, { recursive: true });
    await writeFile(path, lines.join('\n') + '\n');
    await writeFile(join(outDir, 'crop-spec.json'), JSON.stringify({ format: cropFormat, ...spec }, null, 2) + '\n');
  } catch (error) {
    throw new DeepspineError('OUTPUT_FAILED', `writing ${path} failed: ${String(error)}; check that the folder is writable`, { file: path, cause: error });
  }
  return path;
}

/**
 * Extracts the crops of every level of one study and writes them with a `manifest.csv` into
 * `outDir`, replacing any manifest there. This is the library side of `deepspine extract`.
 * @returns the manifest rows, one per level.
 */
export async function extractCrops(
  study: StudyImages,
  levels: readonly DiscLevel[],
  outDir: string,
  options: WriteCropsOptions & { spec?: CropSpec; labelColumns?: readonly string[] } = {},
): Promise<CropManifestRow[]> {
  const spec = options.spec ?? defaultCropSpec;
  const crops = extractDiscCrops(study, levels, spec);
  const rows = await writeDiscCrops(outDir, study.studyId, crops, spec, options);
  const labelColumns = options.labelColumns ?? [...new Set(rows.flatMap((row) => Object.keys(row.labels)))];
  await writeCropManifest(outDir, rows, labelColumns, spec);
  return rows;
}
