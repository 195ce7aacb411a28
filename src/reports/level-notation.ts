/**
 * Reads disc level notations ("L4-5", "L45", "L5-SI", "L-4 to L-5", "L3-S1", "L2-L3 through
 * L4-L5") from the token stream, and turns them into report levels.
 *
 * Vertebrae are numbered by ordinal along the spine: C1-C7 are 1-7, T1-T12 are 8-19, L1-L6 are
 * 20-25 and S1-S5 are 26-30. A disc lies between two adjacent vertebrae, where L5 is adjacent to
 * S1 as well as to a sixth lumbar vertebra.
 */
import type { Lexicon } from './lexicon.js';
import { TokenKind, type TokenStream } from './tokenize.js';
import type { ReportLevel } from './types.js';

export const T12 = 19;
export const L1 = 20;
export const L5 = 24;
export const L6 = 25;
export const S1 = 26;
const T1 = 8;
const T2 = 9;

const REGION_FIRST_ORDINAL: Record<string, [first: number, count: number]> = {
  c: [1, 7],
  t: [8, 12],
  l: [20, 6],
  s: [26, 5],
};

/** Returns the ordinal of vertebra `number` of `region` ("c", "t", "l" or "s"), or -1. */
function vertebraOrdinal(region: string, number: number): number {
  const entry = REGION_FIRST_ORDINAL[region];
  if (entry === undefined || !Number.isInteger(number) || number < 1 || number > entry[1]) return -1;
  return entry[0] + number - 1;
}

function isAdjacent(upper: number, lower: number): boolean {
  return lower === upper + 1 || (upper === L5 && lower === S1);
}

/** One level notation: a disc between adjacent vertebrae, a span over several discs or a lone vertebra. */
export class LevelMention {
  kind: 'disc' | 'span' | 'vertebra' = 'vertebra';
  upper = -1;
  lower = -1;
  /** The token index after the notation. */
  end = -1;
}

/** Position and ordinal of one vertebra in the tokens. */
class VertebraMatch {
  ordinal = -1;
  /** Token index after the vertebra. */
  next = -1;
  /** Set for "L45": the second vertebra of a disc written as one number. */
  compoundLower = -1;
}

/** Returns the region letter ("c", "t", "l" or "s") of a word token, or null. */
function regionOf(tokens: TokenStream, index: number, lexicon: Lexicon): string | null {
  if (index >= tokens.count || tokens.kind[index] !== TokenKind.Word) return null;
  const id = tokens.id[index]!;
  const ids = lexicon.ids;
  if (id === ids.l) return 'l';
  if (id === ids.s) return 's';
  if (id === ids.t) return 't';
  if (id === ids.c) return 'c';
  return null;
}

/** Returns whether token `index` is a whole number such as "4" or "45" (no decimal point). */
function isWholeNumber(tokens: TokenStream, index: number): boolean {
  return tokens.kind[index] === TokenKind.Number && Number.isInteger(tokens.value[index]!);
}

/** Reads "L4", "L-4", "L 4" or the disc "L45" at `index`. */
function readVertebra(tokens: TokenStream, index: number, lexicon: Lexicon, match: VertebraMatch): boolean {
  const region = regionOf(tokens, index, lexicon);
  if (region === null) return false;
  let next = index + 1;
  if (next < tokens.count && tokens.kind[next] === TokenKind.Punct && tokens.id[next] === lexicon.ids.dash) next++;
  if (next >= tokens.count || !isWholeNumber(tokens, next)) return false;
  const number = tokens.value[next]!;
  const ordinal = vertebraOrdinal(region, number);
  match.compoundLower = -1;
  match.next = next + 1;
  if (ordinal >= 0) {
    match.ordinal = ordinal;
    return true;
  }
  // "L45" and "L12" name a disc with one number, since no such vertebra exists.
  if (number >= 10 && number <= 99 && tokens.end[next]! - tokens.start[next]! === 2) {
    const upper = vertebraOrdinal(region, Math.floor(number / 10));
    const lower = vertebraOrdinal(region, number % 10);
    if (upper >= 0 && lower >= 0 && isAdjacent(upper, lower)) {
      match.ordinal = upper;
      match.compoundLower = lower;
      return true;
    }
  }
  return false;
}

/** Reads the lower end of a level after its connector: a vertebra, an alias such as "SI" or a bare number. */
function readLowerVertebra(tokens: TokenStream, index: number, upper: number, upperRegion: string, spaceOnly: boolean, lexicon: Lexicon, match: VertebraMatch): boolean {
  if (readVertebra(tokens, index, lexicon, match)) return match.compoundLower < 0;
  if (index >= tokens.count) return false;
  const kind = tokens.kind[index];
  if (kind === TokenKind.Word) {
    const alias = lexicon.vertebraAliases.get(tokens.id[index]!);
    if (alias === undefined) return false;
    match.ordinal = vertebraOrdinal(alias[0]!, Number(alias.slice(1)));
    match.next = index + 1;
    match.compoundLower = -1;
    return match.ordinal >= 0;
  }
  if (!isWholeNumber(tokens, index)) return false;
  // "L4 5 mm" and "L4 5 x 6 mm" are a vertebra and a measurement, not "L4 5".
  if (spaceOnly && index + 1 < tokens.count) {
    const after = tokens.id[index + 1]!;
    const ids = lexicon.ids;
    if (lexicon.units.has(after) || after === ids.x || after === ids.times || after === ids.percent) return false;
  }
  const ordinal = vertebraOrdinal(upperRegion, tokens.value[index]!);
  if (ordinal < 0 || ordinal <= upper) return false;
  match.ordinal = ordinal;
  match.next = index + 1;
  match.compoundLower = -1;
  return true;
}

const upperMatch = new VertebraMatch();
const lowerMatch = new VertebraMatch();
const nextMention = new LevelMention();

/**
 * Reads a level notation starting at token `index` into `mention`. Returns false when the tokens
 * there do not start with a vertebra. A vertebra without a second one is returned as kind
 * "vertebra", which is not a disc level.
 */
export function readLevel(tokens: TokenStream, index: number, lexicon: Lexicon, mention: LevelMention, allowSpanContinuation = true): boolean {
  if (!readVertebra(tokens, index, lexicon, upperMatch)) return false;
  const upper = upperMatch.ordinal;
  const region = regionOf(tokens, index, lexicon)!;
  mention.upper = upper;
  if (upperMatch.compoundLower >= 0) {
    mention.kind = 'disc';
    mention.lower = upperMatch.compoundLower;
    mention.end = upperMatch.next;
  } else {
    mention.kind = 'vertebra';
    mention.lower = -1;
    mention.end = upperMatch.next;
    let next = upperMatch.next;
    let connector: 'dash' | 'span' | 'space' = 'space';
    if (next < tokens.count) {
      const kind = tokens.kind[next];
      const id = tokens.id[next]!;
      if (kind === TokenKind.Punct && (id === lexicon.ids.dash || id === lexicon.ids.slash)) {
        connector = 'dash';
        next++;
      } else if (kind === TokenKind.Word && lexicon.spanWords.has(id)) {
        connector = 'span';
        next++;
      }
    }
    if (next < tokens.count && tokens.kind[next] !== TokenKind.Newline && readLowerVertebra(tokens, next, upper, region, connector === 'space', lexicon, lowerMatch)) {
      const lower = lowerMatch.ordinal;
      // "T1/T2" nearly always names MRI sequences, not the T1-T2 disc.
      if (upper === T1 && lower === T2) return false;
      if (lower > upper && isAdjacent(upper, lower)) {
        mention.kind = 'disc';
        mention.lower = lower;
        mention.end = lowerMatch.next;
      } else if (lower > upper && connector !== 'space') {
        mention.kind = 'span';
        mention.lower = lower;
        mention.end = lowerMatch.next;
      }
    }
  }
  if (mention.kind === 'disc' && allowSpanContinuation) readSpanContinuation(tokens, lexicon, mention);
  if (mention.kind === 'disc' && allowSpanContinuation) readOpenSpan(tokens, lexicon, mention);
  return true;
}

/**
 * Extends a lumbar disc to a span up to L1 when "and above" follows ("L3-4 and above"), or down to
 * S1 when "and below" follows. The rules list the words under `levels.spanAboveWords` and
 * `levels.spanBelowWords`.
 */
function readOpenSpan(tokens: TokenStream, lexicon: Lexicon, mention: LevelMention): void {
  const next = mention.end;
  if (next + 1 >= tokens.count || mention.upper < L1) return;
  if (tokens.kind[next] !== TokenKind.Word || tokens.id[next] !== lexicon.ids.and || tokens.kind[next + 1] !== TokenKind.Word) return;
  const word = tokens.id[next + 1]!;
  const [upper, lower] = [mention.upper, mention.lower];
  if (lexicon.spanAboveWords.has(word)) mention.upper = L1;
  else if (lexicon.spanBelowWords.has(word)) mention.lower = S1;
  else return;
  // "L1-2 and above" names L1-L2 alone, so it stays a disc.
  if (mention.upper !== upper || mention.lower !== lower) mention.kind = 'span';
  mention.end = next + 2;
}

/** Extends "L2-L3" to a span when "through L4-L5" or "to L4-L5" follows. */
function readSpanContinuation(tokens: TokenStream, lexicon: Lexicon, mention: LevelMention): void {
  const next = mention.end;
  if (next + 1 >= tokens.count) return;
  const kind = tokens.kind[next];
  const id = tokens.id[next]!;
  const isConnector = (kind === TokenKind.Punct && id === lexicon.ids.dash) || (kind === TokenKind.Word && lexicon.spanWords.has(id));
  if (!isConnector) return;
  if (!readLevel(tokens, next + 1, lexicon, nextMention, false) || nextMention.kind !== 'disc') return;
  if (nextMention.lower <= mention.lower) return;
  mention.kind = 'span';
  mention.lower = nextMention.lower;
  mention.end = nextMention.end;
}

const DISC_NAMES = new Map<number, ReportLevel>([
  [T12 * 64 + L1, 'T12-L1'],
  [20 * 64 + 21, 'L1-L2'],
  [21 * 64 + 22, 'L2-L3'],
  [22 * 64 + 23, 'L3-L4'],
  [23 * 64 + L5, 'L4-L5'],
  [L5 * 64 + S1, 'L5-S1'],
  [L5 * 64 + L6, 'L5-L6'],
  [L6 * 64 + S1, 'L6-S1'],
]);

/** The vertebrae from T12 to S1, with or without a sixth lumbar vertebra. */
const CHAIN_FIVE = [T12, 20, 21, 22, 23, L5, S1];
const CHAIN_SIX = [T12, 20, 21, 22, 23, L5, L6, S1];

/** Returns the report levels of a disc or span between `upper` and `lower`. A non-lumbar disc gives none. */
export function levelsBetween(kind: 'disc' | 'span', upper: number, lower: number, sixthLumbar: boolean): ReportLevel[] {
  if (kind === 'disc') {
    const name = DISC_NAMES.get(upper * 64 + lower);
    return name === undefined ? [] : [name];
  }
  const chain = sixthLumbar ? CHAIN_SIX : CHAIN_FIVE;
  const levels: ReportLevel[] = [];
  for (let index = 0; index + 1 < chain.length; index++) {
    const top = chain[index]!;
    const bottom = chain[index + 1]!;
    if (top >= upper && bottom <= lower) levels.push(DISC_NAMES.get(top * 64 + bottom)!);
  }
  return levels;
}

/** Returns whether a disc or span reaches above T12, into the cervical or thoracic spine. */
export function isAboveLumbar(upper: number): boolean {
  return upper < T12;
}

/** Returns whether a disc or span includes a lumbar level other than T12-L1. */
export function touchesLumbar(lower: number): boolean {
  return lower > L1;
}
