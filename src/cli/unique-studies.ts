import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '../log.js';

/**
 * Returns the study paths with repeats removed: a path given twice, or two paths that resolve to
 * the same file or folder through symbolic links, keep only the first, with a warning that says
 * the study is `done` once ("analyzed once"). Order is kept.
 */
export function uniqueStudies(studies: readonly string[], done: string, logger: Logger): string[] {
  const pathsByRealPath = new Map<string, string>();
  for (const path of studies) {
    const real = realPathOf(path);
    const first = pathsByRealPath.get(real);
    if (first === undefined) pathsByRealPath.set(real, path);
    else if (resolve(first) === resolve(path)) logger.warn(`${path}: given more than once (first as ${first}); ${done} once`);
    else logger.warn(`${path}: the same study as ${first} (both resolve to ${real}); ${done} once, as ${first}`);
  }
  return [...pathsByRealPath.values()];
}

/**
 * Returns the real path of `path`, with symbolic links resolved, or its absolute path when it does
 * not exist. A missing study then fails when it is read, with the message of that step.
 */
function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
