import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Computes the SHA-256 of a file's bytes as 64 lowercase hex digits, reading the file as a stream
 * so that a large model file is never held in memory whole.
 * @throws the file system error when the file cannot be read.
 */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
