import { availableParallelism } from 'node:os';
import { mkdir, readdir, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { defaultCropSpec, type CropSpec } from '../crops/extract.js';
import { cropFormat, writeCropManifest } from '../crops/write.js';
import { DeepspineError } from '../errors.js';
import { listFirst, type Logger } from '../log.js';
import { labelReportsFile, readLabeledReports } from '../reports/label-file.js';
import { loadRules } from '../reports/rules.js';
import { defaultSegmentationModelPath } from '../segmentation/model.js';
import { defaultMinLevelConfidence, joinResults, type JoinResult } from './join.js';
import { moveLegacyResults } from './legacy-folders.js';
import { runStudyPool } from './pool.js';
import { datasetProvenance, describeProvenance, provenanceDifference, type DatasetProvenance, type ProvenanceDifference } from './provenance.js';
import { datasetConditions, indexReports } from './report-labels.js';
import { listStudies, selectShard, type DuplicateStudy, type StudyEntry } from './study-list.js';
import { partialPrefix, readStudyResult, readStudyResults, studiesFolder, uniqueSuffix, writeFileAtomic, type StoredStudyResult } from './study-result.js';
import { summarize, type DatasetSummary, type RunCounts } from './summary.js';
import type { StudyOutcome, StudyTask } from './worker-messages.js';

/** Options of `buildDataset`, the library side of `deepspine dataset build`. */
export interface DatasetBuildOptions {
  /** Folder with one DICOM folder or volume file per study. */
  readonly studies: string;
  /** Report file (CSV or JSONL with `id` and `text`) for the labeler. */
  readonly reports: string;
  readonly out: string;
  /** Worker processes; default: the available CPU cores. */
  readonly jobs?: number;
  /** Only studies whose sorted position modulo count equals index. */
  readonly shard?: { readonly index: number; readonly count: number } | null;
  /** Segmentation ONNX model; the shipped one when absent. */
  readonly model?: string;
  /** Crop settings; `defaultCropSpec` when absent. The CLI has no option for them. */
  readonly cropSpec?: CropSpec;
  /** Folders of extra labeler rules, merged over the shipped rules in order. */
  readonly rules?: readonly string[];
  /** Process again the studies that an earlier run stored as failed. */
  readonly retryFailed?: boolean;
  /** Level-name confidence under which rows get no report labels; `defaultMinLevelConfidence` when absent. */
  readonly minLevelConfidence?: number;
  /**
   * Stops the build when aborted: the worker processes are stopped with SIGTERM, the studies they
   * were processing keep no result, and `buildDataset` rejects with the signal's reason. A running
   * report labeling step or join finishes first.
   */
  readonly signal?: AbortSignal;
}

/** Result of `buildDataset`: the summary, the manifest path and the exit status. */
export interface DatasetBuildResult {
  readonly summary: DatasetSummary;
  readonly manifestPath: string;
  /** 0 when every study of the run's shard is done, else the exit status of the first failed one (in id order). */
  readonly exitCode: number;
}

/** Files that `buildDataset` writes directly in OUT. */
export const datasetFiles = { labels: 'labels.jsonl', manifest: 'manifest.csv', summary: 'summary.json' } as const;

/**
 * Builds a grading training set in three steps. It labels the reports into OUT/labels.jsonl, and
 * extracts in worker processes the crops of every study of the shard without a stored result made
 * with the same segmentation model (by SHA-256) and crop settings. Then it joins every result
 * present under OUT/studies/ to its report into OUT/manifest.csv and OUT/summary.json.
 * Studies whose id another entry of the studies folder also has are skipped with a warning.
 * @throws DeepspineError INPUT_NOT_FOUND for a missing studies folder or report file, and the
 *   labeler's errors for an invalid report file or rules. MODEL_FAILED when the model cannot be
 *   read or loaded, OUTPUT_FAILED when OUT cannot be written. DATASET_MIXED_PROVENANCE when the
 *   done results in OUT differ in model or crop settings, and then no manifest is written.
 * @throws the reason of `options.signal` when it is aborted before the join.
 */
export async function buildDataset(options: DatasetBuildOptions, logger: Logger): Promise<DatasetBuildResult> {
  const shard = options.shard ?? null;
  const jobs = options.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new DeepspineError('INVALID_ARGUMENT', `jobs must be a whole number of at least 1, got ${jobs}`);
  const minLevelConfidence = options.minLevelConfidence ?? defaultMinLevelConfidence;
  if (!(minLevelConfidence >= 0 && minLevelConfidence <= 1)) {
    throw new DeepspineError('INVALID_ARGUMENT', `the minimum level confidence must be a number from 0 to 1, got ${minLevelConfidence}`);
  }
  await checkOutsideStudies(options.studies, options.out);
  const list = await listStudies(options.studies, options.out);
  const modelPath = options.model ?? defaultSegmentationModelPath;
  const provenance = await datasetProvenance(modelPath, options.cropSpec ?? defaultCropSpec);
  logger.debug(`crops made with ${describeProvenance(provenance)}`);
  for (const duplicate of list.duplicates) logDuplicate(duplicate, logger);
  await mkdirOrRaise(studiesFolder(options.out));

  const labelsPath = join(options.out, datasetFiles.labels);
  await logger.step('label reports', () => labelReports(options.reports, labelsPath, options.rules ?? [], logger));
  options.signal?.throwIfAborted();

  const selected = selectShard(list.studies, shard);
  await moveLegacyResults(selected, options.out, logger);
  const plan = await planTasks(selected, options.out, provenance, options.retryFailed ?? false, logger);
  logRedone(plan.redone, logger);
  const workers = Math.min(jobs, plan.tasks.length);
  const threads = Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
  logger.info(
    `${plan.tasks.length} of ${selected.length} studies to process` +
      (shard === null ? '' : ` in shard ${shard.index}/${shard.count}`) +
      ` (${plan.skippedDone} done, ${plan.skippedFailed} failed earlier` +
      (plan.retried > 0 ? `, ${plan.retried} failed earlier and retried` : '') +
      ')' +
      (workers === 0 ? '' : `, using ${describeWorkers(workers, threads)}`),
  );
  let finished = 0;
  const outcomes = await runStudyPool(
    plan.tasks,
    { jobs, worker: { out: options.out, threads, logLevel: workerLogLevel(logger), modelPath, provenance }, signal: options.signal },
    logger,
    (outcome) => logOutcome(outcome, ++finished, plan.tasks.length, logger),
  );

  const run: RunCounts = {
    shard: shard === null ? null : `${shard.index}/${shard.count}`,
    selected: selected.length,
    processed: outcomes.length,
    redone: plan.redone.length,
    skippedDone: plan.skippedDone,
    skippedFailed: plan.skippedFailed,
    notStored: outcomes.filter((outcome) => outcome.status === 'not-stored').length,
  };
  const { summary, manifestPath, results } = await writeJoin(options.out, labelsPath, run, list.studies, list.duplicates, provenance, minLevelConfidence, logger);
  return { summary, manifestPath, exitCode: shardExitCode(selected, results) };
}

/** Runs the report labeler into `labelsPath` through a temporary file, so concurrent shards never see half a file. */
async function labelReports(reports: string, labelsPath: string, rules: readonly string[], logger: Logger): Promise<void> {
  const temp = `${labelsPath}${partialPrefix}${uniqueSuffix()}`;
  try {
    const labelRules = loadRules([...rules]);
    await labelReportsFile(reports, temp, { rules: labelRules, logger });
    await rename(temp, labelsPath);
  } finally {
    await rm(temp, { force: true });
  }
}

interface TaskPlan {
  readonly tasks: StudyTask[];
  readonly skippedDone: number;
  readonly skippedFailed: number;
  /** Studies stored as failed that are processed again because of `retryFailed`. */
  readonly retried: number;
  /** Difference of each stored result of another provenance that is processed again, in id order. */
  readonly redone: readonly ProvenanceDifference[];
}

/**
 * Returns the studies to process: those without a stored result, those whose stored result, done
 * or failed, was made with another segmentation model or crop settings than `provenance`, and the
 * failed ones when `retryFailed` is set.
 */
async function planTasks(studies: readonly StudyEntry[], out: string, provenance: DatasetProvenance, retryFailed: boolean, logger: Logger): Promise<TaskPlan> {
  const tasks: StudyTask[] = [];
  const redone: ProvenanceDifference[] = [];
  let skippedDone = 0;
  let skippedFailed = 0;
  let retried = 0;
  for (const study of studies) {
    const stored = await readStudyResult(out, study.folderName);
    const task = { studyId: study.studyId, folderName: study.folderName, path: study.path };
    if (stored === 'missing') {
      tasks.push({ ...task, attempt: 1 });
      continue;
    }
    if (stored === 'unreadable') {
      logger.warn(`${study.studyId}: stored result is not valid JSON of the expected format; processing the study again`);
      tasks.push({ ...task, attempt: 1 });
      continue;
    }
    if (stored.studyId !== study.studyId) {
      // Left by an older deepspine that named folders by safeFileName(id) alone; it is replaced.
      logger.warn(`${study.studyId}: studies/${study.folderName} contains the result of study "${stored.studyId}"; processing "${study.studyId}" again`);
      tasks.push({ ...task, attempt: 1 });
      continue;
    }
    const difference = provenanceDifference(stored.provenance, provenance);
    if (difference !== null) {
      logger.debug(`${study.studyId}: stored result was made with ${describeProvenance(stored.provenance)}; processing the study again`);
      redone.push(difference);
      tasks.push({ ...task, attempt: stored.attempts + 1 });
    } else if (stored.status === 'done') {
      skippedDone++;
    } else if (retryFailed) {
      retried++;
      tasks.push({ ...task, attempt: stored.attempts + 1 });
    } else {
      skippedFailed++;
    }
  }
  return { tasks, skippedDone, skippedFailed, retried, redone };
}

const redoneReasons: Record<ProvenanceDifference, string> = {
  'not recorded': 'no recorded model or crop settings',
  'segmentation model': 'another segmentation model',
  'crop settings': 'other crop settings',
  'segmentation model and crop settings': 'another segmentation model and other crop settings',
};

/** Logs how many stored results are processed again because of another provenance, counted by what differs. */
function logRedone(redone: readonly ProvenanceDifference[], logger: Logger): void {
  if (redone.length === 0) return;
  const counts = new Map<ProvenanceDifference, number>();
  for (const difference of redone) counts.set(difference, (counts.get(difference) ?? 0) + 1);
  const reasons = [...counts].map(([difference, count]) => `${count} with ${redoneReasons[difference]}`);
  logger.info(`${redone.length} studies are processed again, because their stored result was made with another segmentation model or crop settings: ${reasons.join(', ')}`);
}

/** Describes the worker processes and onnxruntime threads, as "3 worker processes with 1 inference thread each". */
export function describeWorkers(workers: number, threads: number): string {
  const processes = workers === 1 ? '1 worker process' : `${workers} worker processes`;
  const threadText = threads === 1 ? '1 inference thread' : `${threads} inference threads`;
  return `${processes} with ${threadText}${workers === 1 ? '' : ' each'}`;
}

function logDuplicate(duplicate: DuplicateStudy, logger: Logger): void {
  logger.warn(`${duplicate.paths.join(' and ')}: skipped, because these entries have the same study id "${duplicate.studyId}"; rename or remove all but one`);
}

function logOutcome(outcome: StudyOutcome, finished: number, total: number, logger: Logger): void {
  const prefix = `[${finished}/${total}] ${outcome.studyId}`;
  const seconds = (outcome.durationMs / 1000).toFixed(1);
  const warned = outcome.warnings.length > 0 ? ` (warnings: ${outcome.warnings.join(', ')})` : '';
  if (outcome.status === 'done') logger.info(`${prefix}: ${outcome.levels} levels in ${seconds} s${warned}`);
  else if (outcome.status === 'failed') logger.error(`${prefix}: failed with exit code ${outcome.error?.exitCode}: ${outcome.error?.message}`);
  else logger.error(`${prefix}: result not stored (${outcome.error?.message}); the next run processes the study again`);
}

/**
 * Joins every stored result to the labels and writes manifest.csv, crop-spec.json and summary.json.
 * When the join rejects results of different provenance, it removes an earlier manifest.csv, whose
 * rows may point at crops that this run replaced, and writes nothing.
 */
async function writeJoin(
  out: string,
  labelsPath: string,
  run: RunCounts,
  listed: readonly StudyEntry[],
  duplicates: readonly DuplicateStudy[],
  provenance: DatasetProvenance,
  minLevelConfidence: number,
  logger: Logger,
): Promise<{ summary: DatasetSummary; manifestPath: string; results: readonly StoredStudyResult[] }> {
  const stored = await readStudyResults(out);
  for (const folder of stored.unreadable) logger.warn(`${join(studiesFolder(out), folder)}: result.json is not a valid study result; left out of the manifest`);
  const reports = await indexReports(readLabeledReports(labelsPath));
  let joined: JoinResult;
  try {
    joined = joinResults(
      stored.results,
      reports,
      listed.map((study) => study.studyId),
      provenance,
      duplicates.map((duplicate) => duplicate.studyId),
      minLevelConfidence,
    );
  } catch (error) {
    await rm(join(out, datasetFiles.manifest), { force: true });
    throw error;
  }
  // writeCropManifest writes two files; they are written into a temporary folder and renamed into OUT.
  const tempDir = join(out, `${partialPrefix}manifest-${uniqueSuffix()}`);
  try {
    await writeCropManifest(tempDir, joined.rows, datasetConditions, joined.provenance.cropSpec);
    // crop-spec.json also names the segmentation model, so that training can record which model made the crops.
    const cropSpecFile = {
      format: cropFormat,
      ...joined.provenance.cropSpec,
      segmentationModelSha256: joined.provenance.segmentationModelSha256,
      segmentationSpacingMm: joined.provenance.segmentationSpacingMm,
    };
    await writeFileAtomic(join(tempDir, 'crop-spec.json'), JSON.stringify(cropSpecFile, null, 2) + '\n');
    await renameOrRaise(join(tempDir, 'crop-spec.json'), join(out, 'crop-spec.json'));
    await renameOrRaise(join(tempDir, datasetFiles.manifest), join(out, datasetFiles.manifest));
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
  logCaseMismatches(joined.reports.withoutStudy, listed, logger);
  logLeftOut(joined.studies.leftOut, stored.results, logger);
  const summary = summarize(run, listed.length, duplicates.flatMap((duplicate) => duplicate.paths), joined);
  await writeFileAtomic(join(out, datasetFiles.summary), JSON.stringify(summary, null, 2) + '\n');
  return { summary, manifestPath: join(out, datasetFiles.manifest), results: stored.results };
}

/** Warns about the stored results that the join left out, naming their folders in OUT. */
function logLeftOut(leftOut: JoinResult['studies']['leftOut'], results: readonly StoredStudyResult[], logger: Logger): void {
  const folders = (ids: readonly string[]): string => {
    const selected = new Set(ids);
    const names = results.filter((stored) => selected.has(stored.result.studyId)).map((stored) => `studies/${stored.folderName}`);
    return listFirst(names, 5);
  };
  if (leftOut.unlisted.length > 0) {
    logger.warn(`${leftOut.unlisted.length} stored results of studies that are not in the studies folder are left out of the manifest: ${folders(leftOut.unlisted)}; delete these folders if the studies were removed on purpose`);
  }
  if (leftOut.duplicated.length > 0) {
    logger.warn(`${leftOut.duplicated.length} stored results of study ids that several entries of the studies folder share are left out of the manifest, because they may belong to either entry: ${folders(leftOut.duplicated)}`);
  }
}

/** Warns about reports without a study whose id equals a study id when letter case is ignored. */
function logCaseMismatches(withoutStudy: readonly string[], listed: readonly StudyEntry[], logger: Logger): void {
  const byLowerCase = new Map(listed.map((study) => [study.studyId.toLowerCase(), study.studyId]));
  for (const reportId of withoutStudy) {
    const studyId = byLowerCase.get(reportId.toLowerCase());
    if (studyId === undefined) continue;
    logger.warn(`report "${reportId}": no study has this id, but study "${studyId}" differs from it only in letter case; ids are compared exactly, so rename the study or the report id`);
  }
}

/** Returns the exit status of the first study of the shard (in id order) stored as failed, or 0. */
function shardExitCode(studies: readonly StudyEntry[], results: readonly StoredStudyResult[]): number {
  const byFolder = new Map(results.map((stored) => [stored.folderName, stored.result]));
  for (const study of studies) {
    const result = byFolder.get(study.folderName);
    if (result?.status === 'failed') return result.error?.exitCode ?? 1;
  }
  return 0;
}

/** Worker processes log warnings and errors only, unless the run logs debug messages. */
function workerLogLevel(logger: Logger): Logger['level'] {
  if (logger.level === 'debug' || logger.level === 'silent' || logger.level === 'error') return logger.level;
  return 'warn';
}

async function mkdirOrRaise(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new DeepspineError('OUTPUT_FAILED', `creating ${path} failed: ${String(error)}; check that the folder is writable`, { file: path, cause: error });
  }
}

async function renameOrRaise(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    throw new DeepspineError('OUTPUT_FAILED', `writing ${to} failed: ${String(error)}; check that the folder is writable`, { file: to, cause: error });
  }
}

/**
 * Rejects an output folder that is the studies folder or lies inside one of its studies: the
 * build would write its files among the studies' images, and later runs would read them as studies.
 * An output folder directly inside the studies folder is allowed; listStudies leaves it out.
 * @throws DeepspineError INVALID_ARGUMENT naming both folders.
 */
async function checkOutsideStudies(studies: string, out: string): Promise<void> {
  const studiesReal = await realpath(studies).catch(() => resolve(studies));
  const outReal = await realPathOfNew(out);
  const inside = outReal.startsWith(studiesReal + sep) ? outReal.slice(studiesReal.length + 1) : null;
  let where: string | null = null;
  if (outReal === studiesReal) where = 'is the studies folder';
  else if (inside !== null && inside.includes(sep)) where = 'lies inside a study of the studies folder';
  else if (inside !== null && (await holdsFilesOtherThanADataset(outReal))) where = 'is a study of the studies folder';
  if (where !== null) {
    throw new DeepspineError('INVALID_ARGUMENT', `--out ${out} ${where} ${studies}; pass a folder outside it, or a new or earlier output folder directly inside it`, { file: out });
  }
}

/** Returns whether `dir` exists and contains files but not the `studies/` folder of an earlier build, as a study does. */
async function holdsFilesOtherThanADataset(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => null);
  if (names === null || names.length === 0) return false;
  return !names.includes(basename(studiesFolder(dir)));
}

/** Returns the real path of `path`, resolving the links of its nearest existing parent when it does not exist yet. */
async function realPathOfNew(path: string): Promise<string> {
  const absolute = resolve(path);
  const real = await realpath(absolute).catch(() => null);
  if (real !== null) return real;
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(await realPathOfNew(parent), basename(absolute));
}
