import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './segmentation/model.js';

let cachedVersion: string | null = null;

/**
 * Reads the `version` field of deepspine's own package.json at the package root, once per process.
 * @throws Error when package.json is missing or has no string `version`, which means a broken install.
 */
export function packageVersion(): string {
  if (cachedVersion === null) {
    const path = join(packageRoot, 'package.json');
    const version = (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version;
    if (typeof version !== 'string') throw new Error(`${path}: no version field; reinstall deepspine`);
    cachedVersion = version;
  }
  return cachedVersion;
}
