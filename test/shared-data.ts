import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, found from this file's place in dist/test/. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real lumbar MRI that sits beside a checkout; absent on a user's fresh machine. */
export const sharedData = resolve(repoRoot, '..', 'shared', 'data');

/**
 * Returns the `skip` option for node:test: false when the shared data is present, else a message
 * saying what is missing, so a fresh machine reports skips instead of failures.
 */
export function skipWithoutSharedData(...parts: string[]): false | string {
  const path = resolve(sharedData, ...parts);
  return existsSync(path) ? false : `real MRI data not found at ${path}; place the shared data beside the checkout to run this test`;
}

export function sharedPath(...parts: string[]): string {
  return resolve(sharedData, ...parts);
}
