import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CropManifestRow } from '../crops/write.js';
import { DeepspineError, exitCodeOf, type Warning } from '../errors.js';
import { parseProvenance, type DatasetProvenance } from './provenance.js';

/** Version tag of `OUT/studies/<id>/result.json`. */
export const studyResultFormat = 'deepspine-dataset-study/1';

/** The file in each study folder whose presence marks the study as processed. */
export const studyResultFile = 'result.json';

/** Why a study failed: the catalog code and exit status of the error, and its message. */
export interface StudyFailure {
  readonly code: string;
  readonly exitCode: number;
  readonly message: string;
}

/** Returns the failure record of a thrown value: its catalog code, or INTERNAL for any other error. */
export function failureOf(error: unknown): StudyFailure {
  const code = error instanceof DeepspineError ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  return { code, exitCode: exitCodeOf(error), message };
}

/** Contents of `OUT/studies/<folder>/result.json`. */
export interface StudyResult {
  readonly format: typeof studyResultFormat;
  readonly studyId: string;
  /** The study path as given to the run that processed it. */
  readonly source: string;
  readonly status: 'done' | 'failed';
  /** How many runs have processed this study, counting this one. */
  readonly attempts: number;
  /** ISO 8601 time at which processing ended. */
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Duration of each step in ms; empty when the study failed. */
  readonly timingsMs: Record<string, number>;
  /** One row per disc level, crop paths relative to the study folder; empty when the study failed. */
  readonly rows: readonly CropManifestRow[];
  readonly warnings: readonly Warning[];
  /** Null when the study is done. */
  readonly error: StudyFailure | null;
  /**
   * Segmentation model and crop settings that made the result. Null when result.json has none,
   * as in results written by deepspine versions before this field existed.
   */
  readonly provenance: DatasetProvenance | null;
}

/** A result read back from OUT/studies/, with the folder it was found in. */
export interface StoredStudyResult {
  readonly folderName: string;
  readonly result: StudyResult;
}

/** Prefix of the temporary folders in which a study result is assembled before it is renamed into place. */
export const partialPrefix = '.partial-';

/** Returns OUT/studies. */
export function studiesFolder(out: string): string {
  return join(out, 'studies');
}

/**
 * Writes one study's result folder atomically: `fill` writes crops into a temporary folder beside
 * the final one, then `result.json` is added and the folder is renamed to `studies/<folderName>`.
 * Readers therefore see either no folder or a complete one, also when several machines share OUT
 * on a network file system. An earlier result (a failure being retried) is replaced.
 * When `signal` is aborted before the rename, nothing is stored and the temporary folder is removed.
 * @throws DeepspineError OUTPUT_FAILED when a file or folder cannot be written.
 * @throws the reason of `signal` when it is aborted before the rename.
 */
export async function commitStudyResult(
  out: string,
  folderName: string,
  fill: (tempDir: string) => Promise<Omit<StudyResult, 'format'>>,
  signal?: AbortSignal,
): Promise<StudyResult> {
  const parent = studiesFolder(out);
  const tempDir = join(parent, `${partialPrefix}${folderName}-${uniqueSuffix()}`);
  await writeOrRaise(tempDir, () => mkdir(tempDir, { recursive: true }));
  try {
    const result: StudyResult = { format: studyResultFormat, ...(await fill(tempDir)) };
    signal?.throwIfAborted();
    const resultPath = join(tempDir, studyResultFile);
    await writeOrRaise(resultPath, () => writeFile(resultPath, JSON.stringify(result, null, 2) + '\n'));
    signal?.throwIfAborted();
    await replaceFolder(tempDir, parent, folderName);
    return result;
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/**
 * Renames `source` to `parent/folderName`. An existing folder there is first renamed aside and
 * removed after, so that a study folder never exists without its result.json.
 */
async function replaceFolder(source: string, parent: string, folderName: string): Promise<void> {
  const target = join(parent, folderName);
  try {
    await rename(source, target);
    return;
  } catch (error) {
    if (!isFolderExistsError(error)) throw outputFailed(target, error);
  }
  const aside = join(parent, `${partialPrefix}replaced-${folderName}-${uniqueSuffix()}`);
  try {
    await rename(target, aside);
    await rename(source, target);
  } catch (error) {
    throw outputFailed(target, error);
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * Reads every `studies/<folder>/result.json` under OUT. Temporary folders (".partial-…") and
 * folders without a result are skipped. A result that cannot be parsed is returned in `unreadable`
 * so that the caller can report it and process the study again.
 */
export async function readStudyResults(out: string): Promise<{ results: StoredStudyResult[]; unreadable: string[] }> {
  const parent = studiesFolder(out);
  let entries: Dirent[];
  try {
    entries = await readdir(parent, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { results: [], unreadable: [] };
    throw new DeepspineError('OUTPUT_FAILED', `reading ${parent} failed: ${String(error)}`, { file: parent, cause: error });
  }
  const results: StoredStudyResult[] = [];
  const unreadable: string[] = [];
  const folders = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name);
  for (const folderName of folders.sort()) {
    const read = await readStudyResult(out, folderName);
    if (read === 'missing') continue;
    if (read === 'unreadable') unreadable.push(folderName);
    else results.push({ folderName, result: read });
  }
  return { results, unreadable };
}

/** Reads one study's result; 'missing' when the folder has none, 'unreadable' when it is not a valid result. */
export async function readStudyResult(out: string, folderName: string): Promise<StudyResult | 'missing' | 'unreadable'> {
  const path = join(studiesFolder(out), folderName, studyResultFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new DeepspineError('OUTPUT_FAILED', `reading ${path} failed: ${String(error)}`, { file: path, cause: error });
  }
  try {
    const parsed = JSON.parse(text) as StudyResult;
    if (parsed.format !== studyResultFormat || (parsed.status !== 'done' && parsed.status !== 'failed') || !Array.isArray(parsed.rows)) return 'unreadable';
    // Rows written before the level confidence was recorded lack it.
    const rows = parsed.rows.map((row) => ({ ...row, levelConfidence: typeof row.levelConfidence === 'number' ? row.levelConfidence : null }));
    return { ...parsed, rows, provenance: parseProvenance(parsed.provenance) };
  } catch {
    return 'unreadable';
  }
}

/**
 * Writes `text` to `path` through a temporary file in the same folder and a rename, so that
 * readers, concurrent runs on other machines included, never read a half-written file.
 * @throws DeepspineError OUTPUT_FAILED when the file cannot be written.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}${partialPrefix}${uniqueSuffix()}`;
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw outputFailed(path, error);
  }
}

/** Returns a file name suffix that no other process, on this or another machine, uses at the same time. */
export function uniqueSuffix(pid: number = process.pid): string {
  return `${processTag(pid)}-${randomBytes(4).toString('hex')}`;
}

function processTag(pid: number): string {
  return `${hostname().replace(/[^A-Za-z0-9]/g, '_')}-${pid}`;
}

/**
 * Removes the temporary folders that process `pid` of this machine left under OUT/studies/ for
 * `folderName`, after that process died while writing them.
 */
export async function removePartialFolders(out: string, folderName: string, pid: number): Promise<void> {
  const parent = studiesFolder(out);
  const prefix = `${partialPrefix}${folderName}-${processTag(pid)}-`;
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names.filter((entry) => entry.startsWith(prefix))) await rm(join(parent, name), { recursive: true, force: true });
}

function isFolderExistsError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM' || code === 'EISDIR';
}

function outputFailed(path: string, error: unknown): DeepspineError {
  return new DeepspineError('OUTPUT_FAILED', `writing ${path} failed: ${String(error)}; check that the folder is writable`, { file: path, cause: error });
}

async function writeOrRaise(path: string, task: () => Promise<unknown>): Promise<void> {
  try {
    await task();
  } catch (error) {
    throw outputFailed(path, error);
  }
}
