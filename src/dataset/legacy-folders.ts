import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { legacyFolderName, type StudyEntry } from './study-list.js';
import { readStudyResult, studiesFolder } from './study-result.js';

/**
 * Moves each study's result from the folder that older deepspine versions named it by
 * (`legacyFolderName`) to its current folder, so that a rerun into an older OUT neither processes
 * the study again nor joins it twice. A legacy folder counts only when its result.json records
 * the same study id. When the current folder already contains a result, the legacy folder is removed.
 * @throws DeepspineError OUTPUT_FAILED when a folder cannot be renamed or removed.
 */
export async function moveLegacyResults(studies: readonly StudyEntry[], out: string, logger: Logger): Promise<void> {
  for (const study of studies) {
    const legacy = legacyFolderName(study.studyId);
    if (legacy === study.folderName) continue;
    const stored = await readStudyResult(out, legacy);
    if (stored === 'missing' || stored === 'unreadable' || stored.studyId !== study.studyId) continue;
    const from = join(studiesFolder(out), legacy);
    const to = join(studiesFolder(out), study.folderName);
    if ((await readStudyResult(out, study.folderName)) === 'missing') {
      await moveFolder(from, to);
      logger.info(`${study.studyId}: moved the stored result from studies/${legacy} to studies/${study.folderName}, the result folder of this study id`);
    } else {
      await removeFolder(from);
      logger.warn(`${study.studyId}: removed studies/${legacy}, an older result of this study, because studies/${study.folderName} contains its current result`);
    }
  }
}

async function moveFolder(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    // Another run into the same OUT (a shard on another machine) moved it first.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new DeepspineError('OUTPUT_FAILED', `moving ${from} to ${to} failed: ${String(error)}; check that the folder is writable`, { file: to, cause: error });
  }
}

async function removeFolder(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (error) {
    throw new DeepspineError('OUTPUT_FAILED', `removing ${path} failed: ${String(error)}; check that the folder is writable`, { file: path, cause: error });
  }
}
