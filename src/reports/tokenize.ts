/**
 * Splits report text into word, number, punctuation and line-break tokens in one pass over the
 * characters. Letters and digits always end up in separate tokens ("L4" is "l" and "4", "8mm" is
 * "8" and "mm"), so level notations and measurements need no second split. Each word becomes the
 * integer id the vocabulary gives it, found without creating a string. Offsets are UTF-16 indices
 * into the text as given.
 */
import { HASH_START, NEWLINE_ID, NUMBER_ID, UNKNOWN_WORD, hashStep, normalizeCode, type Vocabulary } from './vocabulary.js';

export const TokenKind = { Word: 1, Number: 2, Punct: 3, Newline: 4 } as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/**
 * Tokens as parallel arrays, reused between calls to avoid allocating per token. `id` is the
 * vocabulary id of a word or punctuation character (every dash reads as "-"), NUMBER_ID or
 * NEWLINE_ID, and `value` is the value of a number.
 */
export class TokenStream {
  count = 0;
  kind = new Uint8Array(512);
  start = new Int32Array(512);
  end = new Int32Array(512);
  id = new Int32Array(512);
  value = new Float64Array(512);

  push(kind: TokenKind, start: number, end: number, id: number, value: number): void {
    const index = this.count;
    if (index === this.kind.length) this.grow();
    this.kind[index] = kind;
    this.start[index] = start;
    this.end[index] = end;
    this.id[index] = id;
    this.value[index] = value;
    this.count = index + 1;
  }

  private grow(): void {
    const size = this.kind.length * 2;
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    this.kind = kind;
    const start = new Int32Array(size);
    start.set(this.start);
    this.start = start;
    const end = new Int32Array(size);
    end.set(this.end);
    this.end = end;
    const id = new Int32Array(size);
    id.set(this.id);
    this.id = id;
    const value = new Float64Array(size);
    value.set(this.value);
    this.value = value;
  }
}

const NON_ASCII_LETTER = /\p{L}/u;

function isLetter(text: string, index: number, code: number): boolean {
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  return NON_ASCII_LETTER.test(text[index]!);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isApostrophe(code: number): boolean {
  return code === 39 || code === 0x2019;
}

export function isDash(code: number): boolean {
  return code === 45 || (code >= 0x2010 && code <= 0x2015) || code === 0x2212;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 12 || code === 11 || code === 0xa0 || code === 0xfeff || (code >= 0x2000 && code <= 0x200b) || code === 0x3000;
}

function isLineBreak(code: number): boolean {
  return code === 10 || code === 13 || code === 0x2028 || code === 0x2029 || code === 0x85;
}

/** Returns the end of the word starting at `start`: letters, with single apostrophes between letters. */
function wordEnd(text: string, start: number): number {
  const length = text.length;
  let end = start + 1;
  while (end < length) {
    const code = text.charCodeAt(end);
    if (isLetter(text, end, code)) end++;
    else if (isApostrophe(code) && end + 1 < length && isLetter(text, end + 1, text.charCodeAt(end + 1))) end += 2;
    else break;
  }
  return end;
}

/** Returns the end of the number starting at `start`. A decimal point needs a digit on both sides. */
function numberEnd(text: string, start: number): number {
  const length = text.length;
  let end = start + 1;
  while (end < length && isDigit(text.charCodeAt(end))) end++;
  if (end + 1 < length && text.charCodeAt(end) === 46 && isDigit(text.charCodeAt(end + 1))) {
    end += 2;
    while (end < length && isDigit(text.charCodeAt(end))) end++;
  }
  return end;
}

/**
 * Splits a rules phrase into the texts of its tokens, as `tokenize` would split it: lowercase
 * words, numbers, and punctuation characters with every dash written "-".
 */
export function splitPhrase(phrase: string): string[] {
  const parts: string[] = [];
  let index = 0;
  while (index < phrase.length) {
    const code = phrase.charCodeAt(index);
    if (isSpace(code) || isLineBreak(code)) {
      index++;
    } else if (isDigit(code)) {
      const end = numberEnd(phrase, index);
      parts.push(phrase.slice(index, end));
      index = end;
    } else if (isLetter(phrase, index, code)) {
      const end = wordEnd(phrase, index);
      parts.push(phrase.slice(index, end).toLowerCase().replaceAll('\u2019', "'"));
      index = end;
    } else {
      parts.push(isDash(code) ? '-' : isApostrophe(code) ? "'" : phrase[index]!);
      index++;
    }
  }
  return parts;
}

// Character classes of ASCII code units, looked up once per character.
const OTHER = 0;
const LETTER = 1;
const DIGIT = 2;
const SPACE = 3;
const LINE_BREAK = 4;
const ASCII_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90)) ASCII_CLASS[code] = LETTER;
  else if (isDigit(code)) ASCII_CLASS[code] = DIGIT;
  else if (isLineBreak(code)) ASCII_CLASS[code] = LINE_BREAK;
  else if (isSpace(code)) ASCII_CLASS[code] = SPACE;
}

function classOf(code: number): number {
  if (code < 128) return ASCII_CLASS[code]!;
  if (isLineBreak(code)) return LINE_BREAK;
  if (isSpace(code)) return SPACE;
  return NON_ASCII_LETTER.test(String.fromCharCode(code)) ? LETTER : OTHER;
}

// The text's UTF-16 code units, copied once per call by Node's native encoder: reading a typed
// array is faster than charCodeAt, above all on strings built by concatenation.
let codeBuffer = Buffer.alloc(1 << 16);
let codeUnits = new Uint16Array(codeBuffer.buffer, codeBuffer.byteOffset, codeBuffer.length >> 1);

function copyCodeUnits(text: string): Uint16Array {
  if (codeUnits.length < text.length) {
    codeBuffer = Buffer.alloc(text.length * 2);
    codeUnits = new Uint16Array(codeBuffer.buffer, codeBuffer.byteOffset, text.length);
  }
  codeBuffer.write(text, 0, 'utf16le');
  return codeUnits;
}

/** Releases the code unit copy of a very long text, so that its memory does not stay in use. */
export function releaseTokenizerMemory(): void {
  if (codeUnits.length > 1 << 16) {
    codeBuffer = Buffer.alloc(1 << 16);
    codeUnits = new Uint16Array(codeBuffer.buffer, codeBuffer.byteOffset, codeBuffer.length >> 1);
  }
}

/**
 * Tokenizes `text` into `out` (reset first), giving each word and punctuation character its id
 * in `vocabulary` (UNKNOWN_WORD when the rules do not know it). Runs in time linear in the text
 * length and creates no string per token.
 */
export function tokenize(text: string, vocabulary: Vocabulary, out: TokenStream): TokenStream {
  out.count = 0;
  const dashId = vocabulary.get('-');
  const length = text.length;
  const codes = copyCodeUnits(text);
  let index = 0;
  while (index < length) {
    const code = codes[index]!;
    const kind = code < 128 ? ASCII_CLASS[code]! : classOf(code);
    if (kind === SPACE) {
      index++;
    } else if (kind === LETTER) {
      let hash = HASH_START;
      let end = index;
      while (end < length) {
        const wordCode = codes[end]!;
        if (wordCode < 128) {
          if (ASCII_CLASS[wordCode] === LETTER) {
            hash = hashStep(hash, wordCode | 32);
            end++;
            continue;
          }
          // An apostrophe between letters is part of the word ("patient's"). The branch below handles "’".
          if (wordCode !== 39 || end + 1 >= length || classOf(codes[end + 1]!) !== LETTER) break;
          hash = hashStep(hash, 39);
          end++;
        } else if (wordCode === 0x2019) {
          if (end + 1 >= length || classOf(codes[end + 1]!) !== LETTER) break;
          hash = hashStep(hash, 39);
          end++;
        } else if (classOf(wordCode) === LETTER) {
          hash = hashStep(hash, normalizeCode(wordCode));
          end++;
        } else {
          break;
        }
      }
      out.push(TokenKind.Word, index, end, vocabulary.find(codes, index, end, hash), 0);
      index = end;
    } else if (kind === DIGIT) {
      let end = index + 1;
      while (end < length && isDigit(codes[end]!)) end++;
      let value = 0;
      for (let digit = index; digit < end; digit++) value = value * 10 + (codes[digit]! - 48);
      // A decimal point needs a digit on both sides, so "1. Mild" stays a list number and a period.
      if (end + 1 < length && codes[end] === 46 && isDigit(codes[end + 1]!)) {
        end += 2;
        while (end < length && isDigit(codes[end]!)) end++;
        value = Number(text.slice(index, end));
      }
      out.push(TokenKind.Number, index, end, NUMBER_ID, value);
      index = end;
    } else if (kind === LINE_BREAK) {
      const next = code === 13 && index + 1 < length && codes[index + 1] === 10 ? index + 2 : index + 1;
      out.push(TokenKind.Newline, index, next, NEWLINE_ID, 0);
      index = next;
    } else if (isDash(code)) {
      out.push(TokenKind.Punct, index, index + 1, dashId, 0);
      index++;
    } else {
      // A surrogate pair is one token, and a lone surrogate is a token of one code unit.
      const pair = code >= 0xd800 && code <= 0xdbff && index + 1 < length && codes[index + 1]! >= 0xdc00 && codes[index + 1]! <= 0xdfff;
      const width = pair ? 2 : 1;
      const id = width === 1 ? vocabulary.find(codes, index, index + 1, hashStep(HASH_START, normalizeCode(code))) : UNKNOWN_WORD;
      out.push(TokenKind.Punct, index, index + width, id, 0);
      index += width;
    }
  }
  return out;
}
