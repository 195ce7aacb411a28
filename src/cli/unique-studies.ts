import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '../log.js';

/**
 * Returns the study paths with repeats removed: of a path given twice, or of two paths that lead
 * to the same file or folder through symbolic links or hard links, only the first is kept. Each
 * repeat logs a warning that the study is `done` once ("analyzed once"). Order is kept.
 */
export function uniqueStudies(studies: readonly string[], done: string, logger: Logger): string[] {
  const pathsByRealPath = new Map<string, string>();
  const pathsByFile = new Map<string, string>();
  for (const path of studies) {
    const real = identityOf(path, pathsByFile);
    const first = pathsByRealPath.get(real);
    if (first === undefined) pathsByRealPath.set(real, path);
    else if (resolve(first) === resolve(path)) logger.warn(`${path}: given more than once (first as ${first}); ${done} once`);
    else logger.warn(`${path}: the same study as ${first} (both resolve to ${real}); ${done} once, as ${first}`);
  }
  return [...pathsByRealPath.values()];
}

/**
 * Returns the real path of `path`, with symbolic links resolved, or its absolute path when it does
 * not exist. A missing study then fails when it is read, with the message of that step. A file
 * with several hard links gets the real path of the first link seen (kept in `pathsByFile` by
 * device and inode), so that its links count as one study.
 */
function identityOf(path: string, pathsByFile: Map<string, string>): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return resolve(path);
  }
  const stats = statSync(real);
  if (!stats.isFile()) return real;
  const file = `${stats.dev}:${stats.ino}`;
  const first = pathsByFile.get(file) ?? real;
  pathsByFile.set(file, first);
  return first;
}
