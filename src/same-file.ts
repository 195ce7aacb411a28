import { stat } from 'node:fs/promises';

/**
 * Returns whether `a` and `b` are one file: the same device and inode, so that a symbolic or hard
 * link counts too. A path that does not exist is no file.
 */
export async function isSameFile(a: string, b: string): Promise<boolean> {
  const [first, second] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  return first !== null && second !== null && first.dev === second.dev && first.ino === second.ino;
}
