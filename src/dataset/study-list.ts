import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { safeFileName } from '../crops/write.js';
import { DeepspineError } from '../errors.js';
import { volumeFileSuffixes } from '../input/volume-file.js';
import { studyIdFromPath } from './study-crops.js';

/** One study of the `--studies` folder. */
export interface StudyEntry {
  /** Entry name without the volume file suffix; joined to report ids. */
  readonly studyId: string;
  /** Folder name of the study's result under OUT/studies/: the id made safe for file names. */
  readonly folderName: string;
  readonly path: string;
  /** Position in the list sorted by id, which `--shard` uses. */
  readonly position: number;
}

/** The studies of a folder, and the entries left out because two of them map to one result folder. */
export interface StudyList {
  readonly studies: readonly StudyEntry[];
  /** Paths of entries whose result folder name another entry already has; none of them is processed. */
  readonly duplicates: readonly string[];
}

/**
 * Lists the studies of `dir`: every subfolder (a DICOM study) and every volume file (`.nii`,
 * `.nii.gz`, `.mha`, `.mhd`, `.nrrd`), sorted by study id. Names starting with "." and other files
 * are ignored. When two entries give the same result folder name (`a/` and `a.nii.gz`), both are
 * left out and returned as duplicates, because neither can be joined to a report unambiguously.
 * @throws DeepspineError INPUT_NOT_FOUND when `dir` does not exist or is not a folder.
 */
export async function listStudies(dir: string): Promise<StudyList> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new DeepspineError('INPUT_NOT_FOUND', `studies folder ${dir} cannot be read (${String(error)}); pass a folder with one DICOM folder or volume file per study`, { file: dir, cause: error });
  }
  const candidates: { studyId: string; path: string }[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (await isStudyEntry(entry, path)) candidates.push({ studyId: studyIdFromPath(entry.name), path });
  }
  const byFolder = new Map<string, typeof candidates>();
  for (const candidate of candidates) {
    const folderName = safeFileName(candidate.studyId);
    byFolder.set(folderName, [...(byFolder.get(folderName) ?? []), candidate]);
  }
  const unique: { studyId: string; path: string; folderName: string }[] = [];
  const duplicates: string[] = [];
  for (const [folderName, group] of byFolder) {
    if (group.length === 1) unique.push({ ...group[0]!, folderName });
    else duplicates.push(...group.map((candidate) => candidate.path));
  }
  unique.sort((a, b) => compareText(a.studyId, b.studyId));
  return {
    studies: unique.map((study, position) => ({ ...study, position })),
    duplicates: duplicates.sort(compareText),
  };
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
