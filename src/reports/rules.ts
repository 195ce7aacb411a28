/**
 * Loads the labeler's rules: the JSON files shipped under rules/reports/ at the package root,
 * then the JSON files of each extra directory on top, so users add synonyms, triggers and
 * misspellings without code changes.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeepspineError } from '../errors.js';
import { compileLexicon, type Lexicon } from './lexicon.js';
import { RULES_SCHEMA, RULES_VERSION, RulesValidationError, findMissingKey, mergeValue, validateValue, type RulesData } from './rules-schema.js';

export { RULES_VERSION, type RulesData } from './rules-schema.js';

/** Loaded, validated rules. Build them with `loadRules`, which compiles their matchers once. */
export interface Rules {
  /** The rules format, "deepspine-rules/1", written into every labeled report. */
  readonly version: string;
  readonly data: Readonly<RulesData>;
  /** The files merged, in order. */
  readonly files: readonly string[];
}

const lexicons = new WeakMap<Rules, Lexicon>();

/**
 * Returns the directory of the shipped rules. The compiled module is in dist/src/reports/, three
 * levels below the package root, both in this repository and in an installed package.
 */
export function shippedRulesDirectory(): string {
  return fileURLToPath(new URL('../../../rules/reports/', import.meta.url));
}

function listJsonFiles(directory: string): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch (error) {
    throw new DeepspineError('INPUT_NOT_FOUND', `Rules directory ${directory} not found; pass an existing directory of rules JSON files.`, {
      file: directory,
      cause: error,
    });
  }
  if (!isDirectory) {
    throw new DeepspineError('INVALID_ARGUMENT', `Rules path ${directory} is not a directory; pass a directory of rules JSON files.`, { file: directory });
  }
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(directory, name));
}

function invalidFile(file: string, reason: string, cause?: unknown): DeepspineError {
  return new DeepspineError('INVALID_ARGUMENT', `invalid rules file ${file}: ${reason}`, { file, cause });
}

/** Validates one rules file and merges it into `data`. */
function mergeFile(data: Record<string, unknown>, file: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalidFile(file, `not readable JSON (${(error as Error).message})`, error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidFile(file, 'the file must contain one JSON object');
  }
  const { version, ...content } = parsed as Record<string, unknown>;
  if (version !== RULES_VERSION) {
    throw invalidFile(file, `"version" must be "${RULES_VERSION}", got ${JSON.stringify(version) ?? 'nothing'}`);
  }
  try {
    validateValue('', content, RULES_SCHEMA);
  } catch (error) {
    if (error instanceof RulesValidationError) throw invalidFile(file, error.message, error);
    throw error;
  }
  mergeValue(data, content, RULES_SCHEMA);
}

function compileFor(data: RulesData, file: string): Lexicon {
  try {
    return compileLexicon(data);
  } catch (error) {
    if (error instanceof RulesValidationError) throw invalidFile(file, error.message, error);
    throw error;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads the shipped rules and merges the JSON files of each directory in `extraDirs` on top, in
 * order and by file name within a directory. Lists are appended to, maps gain or replace entries
 * and numbers are replaced. Throws a DeepspineError naming the file and key when a file is
 * invalid or lists a phrase that another key already lists.
 */
export function loadRules(extraDirs: string[] = []): Rules {
  const shipped = shippedRulesDirectory();
  const data: Record<string, unknown> = {};
  const files = listJsonFiles(shipped);
  for (const file of files) mergeFile(data, file);
  const missing = findMissingKey(data, RULES_SCHEMA);
  if (missing !== null) {
    throw new DeepspineError('INTERNAL', `The shipped rules in ${shipped} lack "${missing}"; reinstall deepspine.`, { file: shipped });
  }
  let lexicon = compileFor(data as unknown as RulesData, shipped);
  for (const directory of extraDirs) {
    for (const file of listJsonFiles(directory)) {
      mergeFile(data, file);
      lexicon = compileFor(data as unknown as RulesData, file);
      files.push(file);
    }
  }
  const rules: Rules = Object.freeze({ version: RULES_VERSION, data: deepFreeze(data as unknown as RulesData), files: Object.freeze(files) });
  lexicons.set(rules, lexicon);
  return rules;
}

/** Returns the compiled matchers of `rules`, building them on first use for rules not made by `loadRules`. */
export function lexiconFor(rules: Rules): Lexicon {
  let lexicon = lexicons.get(rules);
  if (lexicon === undefined) {
    lexicon = compileLexicon(rules.data as RulesData);
    lexicons.set(rules, lexicon);
  }
  return lexicon;
}
