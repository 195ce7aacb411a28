import { open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { DeepspineError, type Warning } from '../errors.js';
import type { Volume } from '../geometry/volume.js';
import { listFirst, silentLogger, type Logger } from '../log.js';
import { classifySeries } from './classify.js';
import { hasPart10Prefix, part10PrefixOffset } from './dicom/dcmjs.js';
import { listFiles, scanDicomFiles, type DicomFrameHeader, type SkippedFile } from './dicom/scan.js';
import { SeriesDecodeError, describeFailure, readSeriesVolume } from './dicom/series-volume.js';
import { buildSeries, dropFramesWithoutGeometry, groupSeries, removeDuplicateInstances, removeRepeatedImages, type DicomSeries } from './dicom/series.js';
import { transferSyntaxInfo, transferSyntaxName } from './dicom/transfer-syntax.js';
import { axialNotPairedWarning, multipleStudiesWarning, pairingMismatch, unpairedAxialWarnings } from './pairing.js';
import { describeSeries, selectAxial, selectSagittal } from './select.js';
import type { LoadStudyOptions, SelectableSeries, SeriesSummary, Study } from './types.js';
import { checkSagittalGeometry, replaceNonFiniteVoxels } from './volume-checks.js';
import { isVolumeFile } from './volume-file.js';
import { loadVolumeFileStudy } from './volume-study.js';

export type { LoadStudyOptions, SeriesSummary, Study } from './types.js';
export type { SkippedFile, SkipKind } from './dicom/scan.js';
export type { PlaneOrientation, SeriesLabel, Weighting } from './classify.js';

/** Skipped files named one by one in the log; the rest are counted, but all are in `Study.skippedFiles`. */
const maxLoggedSkips = 20;

/** The series of a study as found by `scanStudy`, before any pixel data is decoded. */
export interface StudyScan {
  readonly source: 'dicom' | 'volume-file';
  readonly series: readonly SeriesSummary[];
  readonly warnings: readonly Warning[];
  readonly skippedFiles: readonly SkippedFile[];
}

type ResolvedInput = { readonly kind: 'volume-file'; readonly path: string } | { readonly kind: 'dicom'; readonly root: string };

/**
 * Loads a study for analysis. `path` is a folder of DICOM files (any nesting, any file names), one
 * DICOM file (its folder is read), or a NIfTI, MHA, MHD or NRRD volume file. Headers of every file
 * are read first, and only the chosen sagittal and axial series are decoded.
 *
 * @throws DeepspineError INPUT_NOT_FOUND when `path` does not exist; UNREADABLE_INPUT when no file
 * can be read (the message names them); NO_MR_SERIES when no readable image is MR; NO_SAGITTAL_SERIES
 * when no sagittal series qualifies; INVALID_ARGUMENT when an override names no series.
 */
export async function loadStudy(path: string, options: LoadStudyOptions = {}, logger: Logger = silentLogger): Promise<Study> {
  const input = await resolveInput(path, logger);
  if (input.kind === 'volume-file') {
    // A volume file contains one series, so a series option has nothing to choose from.
    for (const [option, value] of [['--sagittal-series', options.sagittalSeries], ['--axial-series', options.axialSeries]] as const) {
      if (value !== undefined) logger.warn(`${option} is ignored: ${basename(input.path)} is a volume file, which contains a single series`);
    }
    return loadVolumeFileStudy(input.path, logger);
  }
  const scan = await scanDicomStudy(input.root, logger);
  if (scan.series.length === 0) throw noImagesError(input.root, scan.fileCount, scan.skippedFiles);
  const mrSeries = scan.series.filter((entry) => entry.summary.modality === 'MR');
  if (mrSeries.length === 0) {
    const modalities = [...new Set(scan.series.map((entry) => entry.summary.modality || 'unknown'))].join(', ');
    throw new DeepspineError(
      'NO_MR_SERIES',
      `no MR image series in ${input.root} (found modality ${modalities}); deepspine needs a lumbar spine MRI study`,
      { file: input.root },
    );
  }
  const warnings = [...scan.warnings];
  for (const entry of mrSeries) {
    if (entry.summary.problems.length > 0) warnings.push(unusableSeriesWarning(entry, logger));
  }

  // Both lists grow when a file of the chosen series fails to decode and the series is read without it.
  const series = [...scan.series];
  const skippedFiles = [...scan.skippedFiles];
  const found = { series, skippedFiles, warnings, undecodable: new Map<string, number>() };
  const sagittal = await readChosen('sagittal', found, options, logger).catch((error: unknown) => {
    throw withSkippedFiles(error, skippedFiles);
  });
  if (sagittal === null) throw new DeepspineError('INTERNAL', 'sagittal selection returned no series');
  const axial = await readChosen('axial', found, options, logger, sagittal.series);
  return {
    source: 'dicom',
    series: series.map((entry) => entry.summary),
    sagittal: sagittal.volume,
    sagittalSeries: sagittal.series.summary,
    axial: axial?.volume ?? null,
    axialSeries: axial?.series.summary ?? null,
    warnings,
    skippedFiles,
  };
}

/**
 * Lists the series of a study without decoding DICOM pixel data. It accepts the same inputs as
 * `loadStudy`, and a volume file is read whole and listed as one series. Unlike `loadStudy`, it
 * does not raise when the study has no images, no MR or no sagittal series.
 * @throws DeepspineError INPUT_NOT_FOUND when `path` does not exist, UNREADABLE_INPUT when it cannot be read.
 */
export async function scanStudy(path: string, logger: Logger = silentLogger): Promise<StudyScan> {
  const input = await resolveInput(path, logger);
  if (input.kind === 'volume-file') {
    const study = await loadVolumeFileStudy(input.path, logger);
    return { source: 'volume-file', series: study.series, warnings: study.warnings, skippedFiles: [] };
  }
  const scan = await scanDicomStudy(input.root, logger);
  return { source: 'dicom', series: scan.series.map((entry) => entry.summary), warnings: scan.warnings, skippedFiles: scan.skippedFiles };
}

async function resolveInput(path: string, logger: Logger): Promise<ResolvedInput> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DeepspineError('INPUT_NOT_FOUND', `input not found: ${path}; give a folder of DICOM files or a NIfTI, MHA, MHD or NRRD volume file`, {
        file: path,
        cause: error,
      });
    }
    if (code === 'ELOOP') {
      throw new DeepspineError('UNREADABLE_INPUT', `${path}: the path is a loop of symbolic links (ELOOP); give the study folder or volume file itself`, { file: path, cause: error });
    }
    throw new DeepspineError('UNREADABLE_INPUT', `${path}: cannot read the input (${code ?? String(error)}); check its permissions`, { file: path, cause: error });
  }
  if (!info.isFile() && !info.isDirectory()) {
    throw new DeepspineError('UNREADABLE_INPUT', `${path}: not a file or folder (a FIFO, socket or device); give a study folder or a volume file`, { file: path });
  }
  if (info.isFile() && isVolumeFile(path)) return { kind: 'volume-file', path };
  if (info.isFile()) {
    // Only a DICOM file is read as its series' folder, because any other file would start a scan
    // of whatever folder it happens to be in.
    if (!(await startsWithPart10Prefix(path))) {
      throw new DeepspineError(
        'UNREADABLE_INPUT',
        `${path}: neither a DICOM Part 10 file nor a NIfTI (.nii, .nii.gz), MHA/MHD or NRRD volume; give a study folder, a DICOM file of the study, or a volume file`,
        { file: path },
      );
    }
    logger.info(`reading the folder that contains ${basename(path)}`);
    return { kind: 'dicom', root: dirname(path) };
  }
  return { kind: 'dicom', root: path };
}

/** Returns whether a file begins with the 128-byte preamble and `DICM` of a DICOM Part 10 file. */
async function startsWithPart10Prefix(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const bytes = new Uint8Array(part10PrefixOffset + 4);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    return hasPart10Prefix(bytes.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

interface DicomStudyScan {
  readonly series: DicomSelectable[];
  readonly warnings: Warning[];
  readonly skippedFiles: SkippedFile[];
  readonly fileCount: number;
}

/** Reads the headers of every file under `root`, groups them into series and classifies each. */
async function scanDicomStudy(root: string, logger: Logger): Promise<DicomStudyScan> {
  let listing;
  try {
    listing = await logger.step('list files', () => listFiles(root));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DeepspineError('UNREADABLE_INPUT', `${root}: cannot read the folder (${code ?? String(error)}); check its permissions`, { file: root, cause: error });
  }
  const scan = await logger.step('read DICOM headers', () => scanDicomFiles(root, listing.files, logger));
  const skippedFiles: SkippedFile[] = [...listing.skipped, ...scan.skipped];

  const { unique, duplicates } = removeDuplicateInstances(scan.frames);
  for (const frame of duplicates) {
    if (frame.frameIndex === 0) skippedFiles.push({ file: frame.displayPath, kind: 'duplicate', reason: 'another copy of an image already read (same SOPInstanceUID)' });
  }
  const { unique: distinct, repeats } = removeRepeatedImages(unique);
  for (const { frame, original } of repeats) {
    skippedFiles.push({ file: frame.displayPath, kind: 'duplicate', reason: `the same image as ${original.displayPath} (same position and pixel data) under another SOPInstanceUID` });
  }
  const { kept, dropped } = dropFramesWithoutGeometry(distinct);
  for (const { frame, reason } of dropped) skippedFiles.push({ file: frame.displayPath, kind: 'unreadable', reason });
  const warnings = warnSkippedFiles(skippedFiles, logger);

  const series = groupSeries(kept).map(toSelectable);
  logger.info(`found ${series.length} series in ${files(scan.fileCount)}${skippedFiles.length > 0 ? ` (${skippedFiles.length} skipped)` : ''}`);
  for (const entry of series) {
    logger.debug(`series ${describeSeries(entry.summary)} [${entry.summary.id}]: ${entry.summary.classification}; ${entry.classification.reasons.join('; ')}`);
  }
  const studiesWarning = multipleStudiesWarning(series);
  if (studiesWarning !== undefined) {
    logger.warn(studiesWarning.message);
    warnings.push(studiesWarning);
  }
  return { series, warnings, skippedFiles, fileCount: scan.fileCount };
}

/** Builds the SERIES_UNUSABLE warning of a series with problems, naming its files when it has at most three. */
function unusableSeriesWarning(entry: DicomSelectable, logger: Logger): Warning {
  const files = [...new Set(entry.dicom.frames.map((frame) => frame.displayPath))];
  const count = entry.dicom.frames.length;
  const slices = `${count} slice${count === 1 ? '' : 's'}${files.length <= 3 ? ` in ${files.join(', ')}` : ''}`;
  const message = `series ${describeSeries(entry.summary)} (${slices}) cannot be used: ${entry.summary.problems.join('; ')}`;
  logger.warn(message);
  return { code: 'SERIES_UNUSABLE', message, ...(files.length === 1 ? { file: files[0]! } : {}) };
}

/** The series of a study, its skipped files and its warnings, which `readChosen` updates. */
interface FoundSeries {
  readonly series: DicomSelectable[];
  readonly skippedFiles: SkippedFile[];
  readonly warnings: Warning[];
  /** Files skipped so far because they failed to decode, by series id. */
  readonly undecodable: Map<string, number>;
}

/** The fraction of a series' slices that may be skipped for failing to decode before the series counts as unreadable. */
const maxUndecodableFraction = 0.1;

/**
 * Selects a series for `role` and decodes it. When one file of it fails to decode, the file is
 * skipped with a FILE_SKIPPED warning and the series is read without it, as a truncated file found
 * by the header scan is. When the series cannot be read at all and the user did not name it, the
 * failure becomes a warning and the next best series is tried. For the axial role,
 * `sagittal` is the chosen sagittal series: axial series of another study or frame of reference
 * are not used, and when that leaves none, an AXIAL_NOT_PAIRED warning is raised.
 */
async function readChosen(
  role: 'sagittal' | 'axial',
  found: FoundSeries,
  options: LoadStudyOptions,
  logger: Logger,
  sagittal?: DicomSelectable,
): Promise<{ series: DicomSelectable; volume: Volume } | null> {
  const { series, warnings } = found;
  const mismatches = new Map<string, string>();
  if (sagittal !== undefined) {
    for (const entry of series) {
      const mismatch = pairingMismatch(sagittal, entry);
      if (mismatch !== undefined) mismatches.set(entry.summary.id, mismatch);
    }
  }
  const excluded = new Set<string>(mismatches.keys());
  // Series of this role that failed to decode, which explain a selection that then finds none.
  const decodeFailures: DeepspineError[] = [];
  const overridden = (role === 'sagittal' ? options.sagittalSeries : options.axialSeries) !== undefined;
  for (;;) {
    const selection = selectOrExplain(role, found, options, logger, excluded, decodeFailures);
    const chosen = selection.series;
    if (chosen === null) {
      if (sagittal !== undefined) warnings.push(...unpairedAxialWarnings(series, mismatches, sagittal, logger));
      return null;
    }
    const mismatch = mismatches.get(chosen.summary.id);
    if (mismatch !== undefined && sagittal !== undefined) {
      // Only an override can choose a series of another study; automatic choice excludes them.
      warnings.push(axialNotPairedWarning(chosen, sagittal, mismatch, logger));
      return null;
    }
    let volume: Volume;
    let nonFinite: Warning | undefined;
    try {
      volume = await readCheckedVolume(role, chosen, logger);
      nonFinite = replaceNonFiniteVoxels(volume, `the ${role} series ${describeSeries(chosen.summary)}`);
    } catch (error) {
      if (!(error instanceof DeepspineError)) throw error;
      if (skipUndecodableFiles(chosen, error, found, logger)) continue;
      if (overridden) throw error;
      logger.warn(error.message);
      // Warnings name files relative to the input folder, like FILE_SKIPPED does, never by absolute path.
      const file = chosen.dicom.frames.find((frame) => frame.file === error.file)?.displayPath;
      warnings.push({ code: 'SERIES_UNREADABLE', message: error.message, ...(file === undefined ? {} : { file }) });
      excluded.add(chosen.summary.id);
      decodeFailures.push(error);
      continue;
    }
    // Selection warnings are kept only for the series that is used, not for one that failed to decode.
    for (const warning of [...selection.warnings, ...chosen.warnings, ...(nonFinite === undefined ? [] : [nonFinite])]) {
      logger.warn(warning.message);
      warnings.push(warning);
    }
    const lossy = chosen.summary.transferSyntaxes.filter((syntax) => transferSyntaxInfo(syntax.uid)?.lossy === true);
    if (lossy.length > 0) {
      const message = `the ${role} series ${describeSeries(chosen.summary)} is stored with lossy compression (${lossy.map((s) => s.name).join(', ')}); fine detail may be altered`;
      logger.warn(message);
      warnings.push({ code: 'LOSSY_COMPRESSION', message });
    }
    return { series: chosen, volume };
  }
}

type DicomSelectable = SelectableSeries & { readonly dicom: DicomSeries };

/**
 * Decodes a chosen series. A sagittal series is first checked for a plausible voxel spacing and field
 * of view, before its pixels are decoded.
 * @throws DeepspineError UNREADABLE_INPUT when the sagittal geometry is implausible, and what
 * `readSeriesVolume` raises.
 */
async function readCheckedVolume(role: 'sagittal' | 'axial', chosen: DicomSelectable, logger: Logger): Promise<Volume> {
  const geometry = chosen.dicom.geometry;
  if (role === 'sagittal' && geometry !== undefined) {
    const size = [geometry.columns, geometry.rows, chosen.dicom.frames.length] as const;
    const file = chosen.dicom.frames[0]?.file;
    checkSagittalGeometry({ size, affine: geometry.affine }, `the sagittal series ${describeSeries(chosen.summary)}`, file);
  }
  return logger.step(`decode ${role} series`, () => readSeriesVolume(chosen.dicom));
}

/**
 * Selects the series of `role`. When no sagittal series is left because the sagittal series failed
 * to decode (`decodeFailures`), raises UNREADABLE_INPUT with those failures instead of the
 * NO_SAGITTAL_SERIES of the selection, whose advice to add a sagittal series would be wrong.
 */
function selectOrExplain(
  role: 'sagittal' | 'axial',
  found: FoundSeries,
  options: LoadStudyOptions,
  logger: Logger,
  excluded: ReadonlySet<string>,
  decodeFailures: readonly DeepspineError[],
): { series: DicomSelectable | null; warnings: Warning[] } {
  try {
    return role === 'sagittal' ? selectSagittal(found.series, options, logger, excluded) : selectAxial(found.series, options, logger, excluded);
  } catch (error) {
    if (!(error instanceof DeepspineError) || error.code !== 'NO_SAGITTAL_SERIES' || decodeFailures.length === 0) throw error;
    const failures = decodeFailures.map((failure) => failure.message).join('; ');
    throw new DeepspineError('UNREADABLE_INPUT', `no sagittal series can be used: ${failures}`, { file: decodeFailures[0]!.file, cause: error });
  }
}

/**
 * Replaces `chosen` in `found.series` by the same series without the files that failed to decode
 * (`error`), and records them as skipped. Returns false, changing nothing, when the error is not a
 * SeriesDecodeError naming a file of the series, or when the series would lose more than a tenth
 * of its slices (at least one may go) or keep fewer than two.
 */
function skipUndecodableFiles(chosen: DicomSelectable, error: DeepspineError, found: FoundSeries, logger: Logger): boolean {
  if (!(error instanceof SeriesDecodeError)) return false;
  const failures = error.failures;
  const failedFiles = new Set(failures.map((failure) => failure.error.file));
  if (!chosen.dicom.frames.some((frame) => failedFiles.has(frame.file))) return false;
  const frames = chosen.dicom.frames.filter((frame) => !failedFiles.has(frame.file));
  const skipped = found.undecodable.get(chosen.dicom.id) ?? 0;
  const total = chosen.dicom.frames.length + skipped;
  const allowed = Math.max(1, Math.floor(total * maxUndecodableFraction));
  if (frames.length < 2 || skipped + failures.length > allowed) return false;
  const index = found.series.indexOf(chosen);
  if (index < 0) return false;
  found.undecodable.set(chosen.dicom.id, skipped + failures.length);
  found.series[index] = toSelectable(buildSeries(chosen.dicom.id, frames));
  for (const { displayPath: file, error: failure } of failures) {
    const reason = `its pixel data cannot be decoded (${describeFailure(failure.cause)}); the rest of the series is tried without it`;
    found.skippedFiles.push({ file, kind: 'unreadable', reason });
    const message = `skipped ${file}: ${reason}`;
    logger.warn(message);
    found.warnings.push({ code: 'FILE_SKIPPED', message, file });
  }
  return true;
}

function toSelectable(dicom: DicomSeries): DicomSelectable {
  const first: DicomFrameHeader = dicom.frames[0]!;
  const classification = classifySeries({
    modality: dicom.modality,
    description: dicom.description,
    protocolName: first.protocolName,
    imageType: first.imageType,
    repetitionTime: first.repetitionTime,
    echoTime: first.echoTime,
    inversionTime: first.inversionTime,
    sliceCount: dicom.frames.length,
    normal: dicom.geometry?.normal,
  });
  const syntaxUids = [...new Set(dicom.frames.map((frame) => frame.transferSyntaxUid))];
  const summary: SeriesSummary = {
    id: dicom.id,
    seriesInstanceUid: dicom.seriesInstanceUid,
    number: dicom.seriesNumber ?? null,
    description: dicom.description,
    modality: dicom.modality,
    classification: classification.label,
    orientation: classification.orientation ?? null,
    weighting: classification.weighting,
    localizer: classification.localizer,
    reasons: classification.reasons,
    sliceCount: dicom.frames.length,
    rows: first.format.rows,
    columns: first.format.columns,
    pixelSpacing: dicom.geometry?.pixelSpacing ?? first.pixelSpacing ?? null,
    sliceSpacing: dicom.geometry?.sliceSpacing ?? null,
    transferSyntaxes: syntaxUids.map((uid) => ({ uid, name: transferSyntaxName(uid) })),
    instanceNumbers: dicom.geometry === undefined ? [] : dicom.frames.map((frame) => frame.instanceNumber ?? null),
    problems: dicom.problems,
  };
  return { summary, classification, warnings: dicom.warnings, dicom };
}

/** Turns each unreadable or unsupported file into a warning; other skips are debug-level only. */
function warnSkippedFiles(skipped: readonly SkippedFile[], logger: Logger): Warning[] {
  const warnings: Warning[] = [];
  for (const entry of skipped) {
    if (entry.kind !== 'unreadable' && entry.kind !== 'unsupported') continue;
    const message = `skipped ${entry.file}: ${entry.reason}`;
    if (warnings.length < maxLoggedSkips) logger.warn(message);
    warnings.push({ code: 'FILE_SKIPPED', message, file: entry.file });
  }
  if (warnings.length > maxLoggedSkips) logger.warn(`skipped ${warnings.length - maxLoggedSkips} more files; the full list is in the results`);
  return warnings;
}

/**
 * Adds the unreadable files to a NO_SAGITTAL_SERIES error, since the sagittal series may be among
 * them: with every sagittal file truncated, the error would otherwise list only the other series.
 * Returns any other error unchanged.
 */
function withSkippedFiles(error: unknown, skipped: readonly SkippedFile[]): unknown {
  if (!(error instanceof DeepspineError) || error.code !== 'NO_SAGITTAL_SERIES') return error;
  const unreadable = skipped.filter((entry) => entry.kind === 'unreadable' || entry.kind === 'unsupported');
  if (unreadable.length === 0) return error;
  const examples = listFirst(unreadable.map((entry) => `${entry.file}: ${entry.reason}`), 2, '; ');
  return new DeepspineError(
    'NO_SAGITTAL_SERIES',
    `${error.message}; ${unreadable.length} file(s) could not be read and may hold the sagittal series (${examples})`,
    { file: error.file, cause: error },
  );
}

function noImagesError(root: string, fileCount: number, skipped: readonly SkippedFile[]): DeepspineError {
  const bad = skipped.filter((entry) => entry.kind === 'unreadable' || entry.kind === 'unsupported');
  if (bad.length > 0) {
    const named = listFirst(
      bad.map((entry) => `${entry.file} (${entry.reason})`),
      10,
      '; ',
    );
    return new DeepspineError(
      'UNREADABLE_INPUT',
      `no readable DICOM image in ${root}: ${named}; re-export the study from the scanner or PACS`,
      { file: root },
    );
  }
  if (fileCount === 0) {
    return new DeepspineError('UNREADABLE_INPUT', `input folder ${root} is empty; give the folder that holds the study's DICOM files`, { file: root });
  }
  if (skipped.every((entry) => entry.kind === 'not-dicom')) {
    return new DeepspineError(
      'UNREADABLE_INPUT',
      `no DICOM file in ${root} (${files(fileCount)}, none a DICOM Part 10 file); give the folder that holds the study's DICOM files, or a NIfTI, MHA or NRRD volume`,
      { file: root },
    );
  }
  return new DeepspineError(
    'NO_MR_SERIES',
    `no DICOM images in ${root} (${files(fileCount)}, none an image); give the folder that holds the study's MR series`,
    { file: root },
  );
}

/** "1 file" or "N files". */
function files(count: number): string {
  return `${count} ${count === 1 ? 'file' : 'files'}`;
}
