import { constants } from 'node:fs';
import { access, mkdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { DeepspineError } from '../errors.js';
import type { Volume } from '../geometry/volume.js';
import type { AnalysisResult } from '../pipeline/result.js';
import { renderOverlayPng, type OverlayDisc, type OverlayOptions } from './overlay.js';

/** Default file names of the outputs inside the output folder. */
export const outputFileNames = { results: 'results.json', segmentation: 'segmentation.nii.gz', overlay: 'overlay.png' } as const;

/** Keys written first in every JSON object, in this order. All other keys follow in alphabetical order. */
const leadingKeys = ['format', 'deepspineVersion', 'level', 'name', 'code'];

/**
 * Writes `result` into `dir` under the name in `result.outputs.results` (normally results.json),
 * with 2-space indent, keys in a fixed order and short number arrays on one line. Returns the
 * file's path. The folder is created when missing, and the file is replaced atomically through a
 * temporary file.
 * @throws DeepspineError OUTPUT_FAILED naming the file when the folder or file cannot be written.
 */
export async function writeResults(dir: string, result: AnalysisResult): Promise<string> {
  const path = join(dir, result.outputs.results);
  await writeOutput(path, formatResultsJson(result));
  return path;
}

/**
 * Renders the overlay (see `renderOverlayPng`) and writes it to the PNG file `path`, creating the
 * folder when missing.
 * @throws RangeError from `renderOverlayPng`, or DeepspineError OUTPUT_FAILED when the file cannot be written.
 */
export async function writeOverlayPng(
  path: string,
  image: Volume,
  labels: Volume<Uint8Array>,
  discs: readonly OverlayDisc[],
  options: OverlayOptions = {},
): Promise<void> {
  await writeOutput(path, renderOverlayPng(image, labels, discs, options));
}

/** Formats results.json text. The same input always gives the same bytes, whatever order its keys were set in. */
export function formatResultsJson(result: AnalysisResult): string {
  return `${formatJsonValue(result, '')}\n`;
}

function formatJsonValue(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => typeof item === 'number') && value.length <= 16) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    const inner = `${indent}  `;
    return `[\n${value.map((item) => inner + formatJsonValue(item ?? null, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = orderedKeys(value)
      .map((key) => [key, (value as Record<string, unknown>)[key]] as const)
      .filter(([, item]) => item !== undefined && typeof item !== 'function');
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${formatJsonValue(item, inner)}`).join(',\n')}\n${indent}}`;
  }
  // JSON.stringify writes null for NaN and infinities, as JSON has no such numbers.
  return JSON.stringify(value) ?? 'null';
}

function orderedKeys(value: object): string[] {
  const keys = Object.keys(value);
  const leading = leadingKeys.filter((key) => keys.includes(key));
  const rest = keys.filter((key) => !leadingKeys.includes(key)).sort();
  return [...leading, ...rest];
}

/**
 * Creates an output folder and its parents, and checks that it is writable.
 * @throws DeepspineError OUTPUT_FAILED naming the folder when it cannot be created (a file in the way, no permission) or written.
 */
export async function createOutputFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // mkdir reports EEXIST when `dir` is a file, and ENOTDIR when one of its parents is.
    const fileInTheWay = code === 'EEXIST' || code === 'ENOTDIR';
    const reason = fileInTheWay ? `a file is in the way, ${code}` : (code ?? String(error));
    throw new DeepspineError('OUTPUT_FAILED', `${dir}: cannot create the output folder (${reason}); pass another --out`, { file: dir, cause: error });
  }
  // An existing folder may be read-only, which would otherwise show only when the first file is written, after the analysis.
  await access(dir, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw new DeepspineError('OUTPUT_FAILED', `${dir}: the output folder is not writable (${error.code ?? String(error)}); pass another --out`, { file: dir, cause: error });
  });
}

/**
 * Removes the output files (outputFileNames) that an earlier run left in `dir`, so that a run that
 * fails leaves no results of another run behind that would pass for its own. Other files stay, and
 * so does a file that lies inside the study `input`: a study folder given as its own output folder
 * keeps its files.
 * @throws DeepspineError OUTPUT_FAILED when the study is itself one of the output files, or naming
 *   the files that could not be removed, after trying all.
 */
export async function removeEarlierOutputs(dir: string, input: string): Promise<void> {
  const study = await realpath(input).catch(() => resolve(input));
  const existing: string[] = [];
  // Every name is checked before any file goes, so that a study named like an output loses nothing.
  for (const name of Object.values(outputFileNames)) {
    const path = join(dir, name);
    const real = await realpath(path).catch(() => null);
    if (real === null) continue;
    if (real === study) {
      throw new DeepspineError('OUTPUT_FAILED', `${path}: the study itself has the name of an output file, which the analysis would overwrite; pass another --out`, { file: path });
    }
    if (!real.startsWith(study + sep)) existing.push(path);
  }
  const failures: { path: string; reason: string }[] = [];
  for (const path of existing) {
    await rm(path, { force: true }).catch((error: NodeJS.ErrnoException) => {
      failures.push({ path, reason: error.code === 'ERR_FS_EISDIR' ? 'a folder' : (error.code ?? String(error)) });
    });
  }
  if (failures.length > 0) {
    const listed = failures.map((failure) => `${failure.path} (${failure.reason})`).join(', ');
    throw new DeepspineError('OUTPUT_FAILED', `cannot remove the output of an earlier run: ${listed}; remove it or pass another --out`, { file: failures[0]!.path });
  }
}

/**
 * Checks that `path` can be written as an output file: it is not a folder, its folder exists, and
 * both are writable. It creates nothing, so a command can call it before a long run and still leave
 * no file behind when the run fails. `option` names the command-line option in the message.
 * @throws DeepspineError OUTPUT_FAILED naming the path and the reason.
 */
export async function checkOutputFile(path: string, option: string): Promise<void> {
  const fail = (reason: string, next: string, cause?: unknown): never => {
    throw new DeepspineError('OUTPUT_FAILED', `${path}: cannot write the ${option} file (${reason}); ${next}`, { file: path, cause });
  };
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    // ENOTDIR: a parent of `path` is a file.
    return fail(error.code === 'ENOTDIR' ? 'a parent of it is a file' : (error.code ?? String(error)), `pass another ${option}`, error);
  });
  if (existing?.isDirectory() === true) fail('it is a folder', `pass a file path to ${option}`);
  const folder = dirname(path);
  const folderStats = await stat(folder).catch((error: NodeJS.ErrnoException) =>
    fail(error.code === 'ENOENT' ? `folder ${folder} does not exist` : `folder ${folder}: ${error.code ?? String(error)}`, `create the folder or pass another ${option}`, error),
  );
  if (!folderStats.isDirectory()) fail(`${folder} is not a folder`, `pass another ${option}`);
  // The folder must be writable even when the file is, because the file is replaced through a temporary file beside it.
  await access(folder, constants.W_OK).catch((error: NodeJS.ErrnoException) => fail(`folder ${folder} is not writable, ${error.code ?? String(error)}`, `pass another ${option}`, error));
  if (existing !== null) {
    await access(path, constants.W_OK).catch((error: NodeJS.ErrnoException) => fail(`the file is not writable, ${error.code ?? String(error)}`, `pass another ${option}`, error));
  }
}

/**
 * Writes `contents` to the file `path`, creating its folder when missing. The file is replaced
 * atomically through a temporary file beside it, so a failed write leaves any earlier file intact.
 * @throws DeepspineError OUTPUT_FAILED naming the file when the folder or file cannot be written.
 */
export async function writeOutput(path: string, contents: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, contents);
    await rename(temporary, path);
  } catch (error) {
    // A failed clean-up is ignored so that the write error below is the one reported.
    await rm(temporary, { force: true }).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new DeepspineError('OUTPUT_FAILED', `failed to write ${path}: ${reason}. Check that the output folder is writable and has free space`, {
      file: path,
      cause: error,
    });
  }
}
