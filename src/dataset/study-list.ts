import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { safeFileName } from '../crops/write.js';
import { DeepspineError } from '../errors.js';
import { volumeFileSuffixes } from '../input/volume-file.js';
import { studyIdFromPath } from './study-crops.js';

/** One study of the `--studies` folder. */
export interface StudyEntry {
  /** Entry name without the volume file suffix; joined to report ids. */
  readonly studyId: string;
  /** Folder name of the study's result under OUT/studies/, unique per id (see `studyFolderNames`). */
  readonly folderName: string;
  readonly path: string;
  /** Position in the list sorted by id, which `--shard` uses. */
  readonly position: number;
}

/** Entries of the studies folder that have the same study id, such as `0042/` and `0042.mha`. */
export interface DuplicateStudy {
  readonly studyId: string;
  /** Paths of the entries, sorted. */
  readonly paths: readonly string[];
}

/** The studies of a folder, and the entries left out because another entry has the same study id. */
export interface StudyList {
  readonly studies: readonly StudyEntry[];
  /** Ids of more than one entry, sorted by id; none of these entries is processed. */
  readonly duplicates: readonly DuplicateStudy[];
}

/**
 * Lists the studies of `dir`: every subfolder (a DICOM study) and every volume file (`.nii`,
 * `.nii.gz`, `.mha`, `.mhd`, `.nrrd`), sorted by study id. Names starting with "." and other files
 * are ignored. When two entries have the same study id (`a/` and `a.nii.gz`), both are left out
 * and returned as duplicates, because neither can be joined to a report unambiguously. An entry
 * that is `outDir`, the build's output folder placed inside `dir`, is left out too, and so is the
 * output folder of any other build there: their results are no study.
 * @throws DeepspineError INPUT_NOT_FOUND when `dir` does not exist or is not a folder.
 */
export async function listStudies(dir: string, outDir?: string): Promise<StudyList> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new DeepspineError('INPUT_NOT_FOUND', `studies folder ${dir} cannot be read (${String(error)}); pass a folder with one DICOM folder or volume file per study`, { file: dir, cause: error });
  }
  const pathsById = new Map<string, string[]>();
  const out = outDir === undefined ? null : await realPathOrNull(outDir);
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (out !== null && (await realPathOrNull(path)) === out) continue;
    if (entry.isDirectory() && (await isDatasetOutput(path))) continue;
    if (!(await isStudyEntry(entry, path))) continue;
    const studyId = studyIdFromPath(entry.name);
    pathsById.set(studyId, [...(pathsById.get(studyId) ?? []), path]);
  }
  const unique: { studyId: string; path: string }[] = [];
  const duplicates: DuplicateStudy[] = [];
  for (const [studyId, paths] of pathsById) {
    if (paths.length === 1) unique.push({ studyId, path: paths[0]! });
    else duplicates.push({ studyId, paths: paths.sort(compareText) });
  }
  unique.sort((a, b) => compareText(a.studyId, b.studyId));
  const folderNames = studyFolderNames(unique.map((study) => study.studyId));
  return {
    studies: unique.map((study, position) => ({ ...study, folderName: folderNames.get(study.studyId)!, position })),
    duplicates: duplicates.sort((a, b) => compareText(a.studyId, b.studyId)),
  };
}

/**
 * Returns whether `dir` is the output folder of a dataset build, which contains `studies/` and
 * `labels.jsonl`. No study contains both, so another build's output in the studies folder is found.
 */
async function isDatasetOutput(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.includes('studies') && names.includes('labels.jsonl');
}

/** Returns the path with symbolic links resolved, or null when it does not exist. */
async function realPathOrNull(path: string): Promise<string | null> {
  return realpath(path).catch(() => null);
}

/** Characters that a folder name under OUT/studies/ may contain. */
const folderNameCharacters = /^[A-Za-z0-9._-]+$/;

/**
 * Returns the result folder name of each of the distinct study `ids`. An id made only of ASCII
 * letters, digits, ".", "_" and "-" is its own folder name. Any other id gets `safeFileName(id)`
 * (every other character replaced by "_"), "-" and the first 8 hex digits of the SHA-256 of the
 * id's UTF-8 bytes. So `a b` becomes `a_b-c8687a08` and never shares the folder of the id `a_b`.
 * Ids whose names would still be equal ignoring case (`Case` and `case`, which share one folder on
 * case-insensitive file systems) get the hashed form with 16 hex digits instead.
 * @throws DeepspineError INVALID_ARGUMENT when two ids still get the same name, which takes ids
 *   chosen to equal another id's hashed name.
 */
export function studyFolderNames(ids: readonly string[]): Map<string, string> {
  const names = new Map(ids.map((id) => [id, folderNameCharacters.test(id) ? id : hashedFolderName(id, 8)]));
  const idsByName = groupByFolderName(names);
  for (const group of idsByName.values()) {
    if (group.length > 1) for (const id of group) names.set(id, hashedFolderName(id, 16));
  }
  for (const group of groupByFolderName(names).values()) {
    if (group.length > 1) {
      const quoted = group.map((id) => `"${id}"`).join(' and ');
      throw new DeepspineError('INVALID_ARGUMENT', `studies ${quoted} get the same result folder name ${names.get(group[0]!)}; rename one of them`);
    }
  }
  return names;
}

/**
 * Returns the folder name that deepspine versions before unique folder names gave the study `id`:
 * `safeFileName(id)`. `moveLegacyResults` moves the results found there to the current name.
 */
export function legacyFolderName(id: string): string {
  return safeFileName(id);
}

function hashedFolderName(id: string, hexDigits: number): string {
  const digest = createHash('sha256').update(id, 'utf8').digest('hex');
  return `${safeFileName(id)}-${digest.slice(0, hexDigits)}`;
}

/** Groups ids by their folder name ignoring case. */
function groupByFolderName(names: ReadonlyMap<string, string>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [id, name] of names) {
    const key = name.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), id]);
  }
  return groups;
}

/** Returns the studies of shard `index` of `count`: those whose sorted position modulo count is index. */
export function selectShard(studies: readonly StudyEntry[], shard: { index: number; count: number } | null): StudyEntry[] {
  if (shard === null) return [...studies];
  return studies.filter((study) => study.position % shard.count === shard.index);
}

/**
 * True for a folder or a volume file, following a symbolic link to its target. A broken link counts
 * as a study, so that it is recorded as failed (input not found) instead of silently dropped.
 */
async function isStudyEntry(entry: Dirent, path: string): Promise<boolean> {
  let kind: { isDirectory(): boolean; isFile(): boolean } = entry;
  if (entry.isSymbolicLink()) {
    try {
      kind = await stat(path);
    } catch {
      return true;
    }
  }
  return kind.isDirectory() || (kind.isFile() && isVolumeFile(entry.name));
}

function isVolumeFile(name: string): boolean {
  const lower = name.toLowerCase();
  return volumeFileSuffixes.some((suffix) => lower.endsWith(suffix));
}

/** Orders by UTF-16 code units, so every machine sorts a list the same way whatever its locale. */
export function compareText(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
