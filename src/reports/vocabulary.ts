/**
 * The words the rules know, each with an integer id, and a hash table that finds a word's id
 * straight from the report text without creating a string. A misspelling gets the id of its
 * correct spelling, so everything after tokenization reads the correct word.
 */

/** Id of every word the rules do not know. */
export const UNKNOWN_WORD = 0;
/** Id of every number token. */
export const NUMBER_ID = 1;
/** Id of every line-break token. */
export const NEWLINE_ID = 2;

/** FNV-1a offset basis and prime (32 bit). */
export const HASH_START = 0x811c9dc5 | 0;
const HASH_PRIME = 16777619;

export function hashStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, HASH_PRIME);
}

/** Lowercases one UTF-16 code unit as the labeler compares words, and makes "’" an apostrophe. */
export function normalizeCode(code: number): number {
  if (code >= 65 && code <= 90) return code + 32;
  if (code < 128) return code;
  if (code === 0x2019) return 39;
  const lower = String.fromCharCode(code).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : code;
}

function hashString(word: string): number {
  let hash = HASH_START;
  for (let index = 0; index < word.length; index++) hash = hashStep(hash, word.charCodeAt(index));
  return hash;
}

function normalizeString(word: string): string {
  let normalized = '';
  for (let index = 0; index < word.length; index++) normalized += String.fromCharCode(normalizeCode(word.charCodeAt(index)));
  return normalized;
}

export class Vocabulary {
  /** The canonical spelling of each id. */
  readonly words: string[] = ['', '<number>', '\n'];
  private readonly entries = new Map<string, number>();
  // Open-addressing hash table: per slot the word's hash, id, and the offset and length of its
  // code units in `codes`. Comparing against a typed array is faster than against a string.
  private slotHash = new Int32Array(0);
  private slotId = new Int32Array(0);
  private slotOffset = new Int32Array(0);
  private slotLength = new Int32Array(0);
  private codes = new Uint16Array(0);
  private mask = 0;

  /** Returns the id of `word`, adding it when new. */
  intern(word: string): number {
    const normalized = normalizeString(word);
    let id = this.entries.get(normalized);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(normalized);
      this.entries.set(normalized, id);
      this.slotId = new Int32Array(0);
    }
    return id;
  }

  /** Makes `misspelled` read as the word with id `id`. */
  alias(misspelled: string, id: number): void {
    this.entries.set(normalizeString(misspelled), id);
    this.slotId = new Int32Array(0);
  }

  /** Returns the id of `word`, or UNKNOWN_WORD. */
  get(word: string): number {
    return this.entries.get(normalizeString(word)) ?? UNKNOWN_WORD;
  }

  /** Builds the hash table. Call it once, after the last `intern` or `alias`. */
  seal(): void {
    let capacity = 64;
    while (capacity < this.entries.size * 4) capacity *= 2;
    this.mask = capacity - 1;
    this.slotHash = new Int32Array(capacity);
    this.slotId = new Int32Array(capacity);
    this.slotOffset = new Int32Array(capacity);
    this.slotLength = new Int32Array(capacity);
    let totalLength = 0;
    for (const word of this.entries.keys()) totalLength += word.length;
    this.codes = new Uint16Array(totalLength);
    let offset = 0;
    for (const [word, id] of this.entries) {
      const hash = hashString(word);
      let slot = hash & this.mask;
      while (this.slotId[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slotHash[slot] = hash;
      this.slotId[slot] = id;
      this.slotOffset[slot] = offset;
      this.slotLength[slot] = word.length;
      for (let index = 0; index < word.length; index++) this.codes[offset + index] = word.charCodeAt(index);
      offset += word.length;
    }
  }

  /**
   * Returns the id of the code units `text[start..end)`, whose normalized values hash to `hash`, or
   * UNKNOWN_WORD. Compares code units in place, so no string is created. Call `seal` first.
   */
  find(text: Uint16Array, start: number, end: number, hash: number): number {
    const length = end - start;
    const mask = this.mask;
    let slot = hash & mask;
    for (;;) {
      const id = this.slotId[slot];
      // An empty slot, or an unsealed (empty) table, ends the search.
      if (id === 0 || id === undefined) return UNKNOWN_WORD;
      if (this.slotHash[slot] === hash && this.slotLength[slot] === length && this.matches(text, start, length, this.slotOffset[slot]!)) return id;
      slot = (slot + 1) & mask;
    }
  }

  private matches(text: Uint16Array, start: number, length: number, offset: number): boolean {
    const codes = this.codes;
    for (let index = 0; index < length; index++) {
      let code = text[start + index]!;
      if (code >= 65 && code <= 90) code += 32;
      else if (code >= 128) code = normalizeCode(code);
      if (code !== codes[offset + index]) return false;
    }
    return true;
  }
}
