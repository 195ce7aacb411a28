/**
 * Compiles rules data into the matchers the labeler runs: a token trie of every phrase with what
 * it means, a trie of section headers and a few word sets. Built once per Rules object, so
 * labeling compiles nothing per report.
 */
import {
  FINDING_WORD_KINDS,
  RulesValidationError,
  SECTION_NAMES,
  SIDE_KINDS,
  STANDALONE_CONDITIONS,
  STRUCTURE_KINDS,
  type FindingWordKind,
  type RulesData,
  type SectionName,
  type SideKind,
  type StandaloneCondition,
  type StructureKind,
} from './rules-schema.js';
import { TokenKind, splitPhrase, type TokenStream } from './tokenize.js';
import { NUMBER_ID, Vocabulary } from './vocabulary.js';

/** Kinds of report units: matched phrases, level notations, measurements and punctuation. */
export const UnitKind = {
  Severity: 1,
  Side: 2,
  Structure: 3,
  FindingWord: 4,
  Standalone: 5,
  NegBefore: 6,
  NegAfter: 7,
  Uncertain: 8,
  Patent: 9,
  Normal: 10,
  Study: 11,
  Measure: 12,
  Separator: 13,
  Break: 14,
  Level: 15,
  Other: 16,
  Ignore: 17,
  Filler: 18,
  /** A phrase that singles out one level of several ("worst at"): it keeps that level out of a list of levels and grades nothing. */
  Emphasis: 19,
  /** "Otherwise": a normal statement in the same statement covers what the report has not described. */
  Otherwise: 20,
  /** A word that marks a grade or side without a finding of its own as a past state ("previously mild"). */
  Past: 21,
  /** A phrase that states the grade after it as the highest grade ("no more than mild"); the scanner emits no unit for it. */
  UpperBound: 22,
  /**
   * A phrase that pairs a list of grades or sides with a list of levels in order ("respectively").
   * The scanner records its position in the sentence and emits no unit for it.
   */
  Respectively: 23,
  /** An abbreviation with its periods ("mod."), in the abbreviation trie only; the scanner emits no unit for it. */
  Abbreviation: 24,
  /** A phrase that describes transitional lumbosacral anatomy ("sacralized L5"); it names no finding. */
  Transitional: 25,
  /** A phrase of surgery at a level ("status post", "laminectomy"); it names no finding. */
  Surgery: 26,
} as const;
export type UnitKind = (typeof UnitKind)[keyof typeof UnitKind];

/** The meaning of one phrase. Fields that do not apply to its kind are null or -1. */
export interface Lexeme {
  readonly kind: UnitKind;
  /** The rules key that listed the phrase, for error messages. */
  readonly source: string;
  readonly grade: number;
  /** The lower grade of a phrase that is an intermediate grade on its own, else -1. */
  readonly rangeLow: number;
  readonly side: SideKind | null;
  readonly structure: StructureKind | null;
  readonly findingWord: FindingWordKind | null;
  readonly condition: StandaloneCondition | null;
  readonly levelKind: 'lumbosacral' | 'wholeStudy' | 'remaining' | 'upper' | 'lower' | null;
  readonly region: 'lumbar' | 'nonLumbar' | null;
  readonly section: SectionName | null;
  /** Separator: the word joins alternatives ("or"). Uncertain: the word sets two findings against each other ("versus"). */
  readonly alternative: boolean;
  /** Break: the phrase starts an exception ("except"). */
  readonly exception: boolean;
  /** Break: the phrase opens a relative clause ("which"), whose lone grade grades the finding before it. */
  readonly relative: boolean;
  /** Severity: the phrase grades lower than the finding before it ("to a lesser degree") and carries no grade itself. */
  readonly lesser: boolean;
  /** Normal or NegBefore: the phrase also means "otherwise" ("no other abnormality", "no other"). */
  readonly otherwise: boolean;
  /** Patent: the phrase means patent only for a structure named in its own item ("the canal is clear"). */
  readonly needsStructure: boolean;
}

/** A trie node, with children keyed by token id. */
export class TrieNode {
  next: Map<number, TrieNode> | null = null;
  /** The children again as an array indexed by token id, built for the root, where every match starts. */
  dense: (TrieNode | undefined)[] | null = null;
  lexeme: Lexeme | null = null;
}

function buildDenseChildren(node: TrieNode, idCount: number): void {
  const dense = new Array<TrieNode | undefined>(idCount).fill(undefined);
  for (const [id, child] of node.next ?? []) dense[id] = child;
  node.dense = dense;
}

/** Vocabulary ids of the punctuation and letters that the scanner and level reader test for. */
export interface TokenIds {
  readonly comma: number;
  readonly semicolon: number;
  readonly colon: number;
  readonly period: number;
  readonly exclamation: number;
  readonly question: number;
  readonly slash: number;
  /** The list word "and", which joins a level to a span word ("L3-4 and above"). */
  readonly and: number;
  readonly closingParenthesis: number;
  /** The vertical bar that separates the cells of a table row flattened into text. */
  readonly pipe: number;
  readonly dash: number;
  readonly percent: number;
  readonly times: number;
  readonly x: number;
  readonly by: number;
  /** The region letters of vertebra names. */
  readonly c: number;
  readonly t: number;
  readonly l: number;
  readonly s: number;
  /** The letter "r", a side word before a structure abbreviation as "l" is. */
  readonly r: number;
}

export interface Lexicon {
  readonly vocabulary: Vocabulary;
  readonly ids: TokenIds;
  readonly phrases: TrieNode;
  readonly headers: TrieNode;
  /** Abbreviations written with their periods ("mod.", "e.g."), keyed by token id with "." as a token. */
  readonly abbreviations: TrieNode;
  /** The maximum number of tokens in one abbreviation, counting its periods. */
  readonly maxAbbreviationTokens: number;
  /** Word id to vertebra name ("si" to "s1"). */
  readonly vertebraAliases: ReadonlyMap<number, string>;
  readonly spanWords: ReadonlySet<number>;
  /** Word ids that extend a level after "and" to the levels above it ("L3-4 and above") or below it. */
  readonly spanAboveWords: ReadonlySet<number>;
  readonly spanBelowWords: ReadonlySet<number>;
  readonly rangeConnectors: ReadonlySet<number>;
  readonly referringWords: ReadonlySet<number>;
  /** Word ids after which a line break never ends the sentence ("stenosis at" over "L4-5"). */
  readonly continuingWords: ReadonlySet<number>;
  /** The side of the letters "L" and "R", which the scanner reads as a side only before a structure abbreviation ("L NF"). */
  readonly sideLetters: ReadonlyMap<number, Lexeme>;
  /** Unit word id to its size in mm. */
  readonly units: ReadonlyMap<number, number>;
  readonly canalDiameterMm: { readonly severeBelow: number; readonly moderateBelow: number; readonly mildBelow: number };
  readonly defaultGrade: number;
}

function lexeme(kind: UnitKind, source: string, fields: Partial<Omit<Lexeme, 'kind' | 'source'>> = {}): Lexeme {
  return {
    kind,
    source,
    grade: fields.grade ?? -1,
    rangeLow: fields.rangeLow ?? -1,
    side: fields.side ?? null,
    structure: fields.structure ?? null,
    findingWord: fields.findingWord ?? null,
    condition: fields.condition ?? null,
    levelKind: fields.levelKind ?? null,
    region: fields.region ?? null,
    section: fields.section ?? null,
    alternative: fields.alternative ?? false,
    exception: fields.exception ?? false,
    relative: fields.relative ?? false,
    lesser: fields.lesser ?? false,
    otherwise: fields.otherwise ?? false,
    needsStructure: fields.needsStructure ?? false,
  };
}

class TrieBuilder {
  readonly root = new TrieNode();

  constructor(
    private readonly vocabulary: Vocabulary,
    /**
     * Words that `clauses.abbreviations` lists with a period ("lat" for "lat."). Inside a phrase,
     * such a word may be followed by its period, so "lat recess" also matches "lat. recess".
     */
    private readonly abbreviatedWords: ReadonlySet<string> = new Set(),
  ) {}

  /** Adds a phrase. Throws a RulesValidationError when another rules key already lists it. */
  add(phrase: string, meaning: Lexeme): void {
    for (const parts of this.withAbbreviationPeriods(splitPhrase(phrase))) this.addParts(phrase, parts, meaning);
  }

  /**
   * Returns `parts` and every variant with a period after one or more of its abbreviated words.
   * The last word gets none, because a period after it belongs to the text around the phrase.
   */
  private withAbbreviationPeriods(parts: readonly string[]): string[][] {
    let variants: string[][] = [[]];
    parts.forEach((part, index) => {
      const withPart = variants.map((variant) => [...variant, part]);
      const periodAllowed = index < parts.length - 1 && this.abbreviatedWords.has(part);
      variants = periodAllowed ? [...withPart, ...withPart.map((variant) => [...variant, '.'])] : withPart;
    });
    return variants;
  }

  private addParts(phrase: string, parts: readonly string[], meaning: Lexeme): void {
    let node = this.root;
    for (const part of parts) {
      const id = isNumberText(part) ? NUMBER_ID : this.vocabulary.get(part);
      node.next ??= new Map();
      let child = node.next.get(id);
      if (child === undefined) {
        child = new TrieNode();
        node.next.set(id, child);
      }
      node = child;
    }
    const existing = node.lexeme;
    if (existing !== null && existing.source !== meaning.source) {
      const [first, second] = [existing.source, meaning.source].sort();
      throw new RulesValidationError(meaning.source, `"${first}" and "${second}" both list ${JSON.stringify(phrase)}, but a phrase can have only one meaning`);
    }
    node.lexeme = meaning;
  }
}

/** Returns the words that `abbreviations` lists as one word and a period ("mod." gives "mod"). */
function abbreviatedWords(abbreviations: readonly string[]): Set<string> {
  const words = new Set<string>();
  for (const abbreviation of abbreviations) {
    const parts = splitPhrase(abbreviation);
    if (parts.length === 2 && parts[1] === '.') words.add(parts[0]!);
  }
  return words;
}

function isNumberText(part: string): boolean {
  const code = part.charCodeAt(0);
  return code >= 48 && code <= 57;
}

type PhraseList = [phrases: readonly string[], meaning: Lexeme];

/** Every phrase list of the main trie, each with the meaning its phrases get. */
function phraseLists(data: RulesData): PhraseList[] {
  const lists: PhraseList[] = [];
  for (const kind of STRUCTURE_KINDS) {
    lists.push([data.conditions.structures[kind], lexeme(UnitKind.Structure, `conditions.structures.${kind}`, { structure: kind })]);
  }
  for (const kind of FINDING_WORD_KINDS) {
    lists.push([data.conditions.findingWords[kind], lexeme(UnitKind.FindingWord, `conditions.findingWords.${kind}`, { findingWord: kind })]);
  }
  for (const condition of STANDALONE_CONDITIONS) {
    lists.push([data.conditions.standalone[condition], lexeme(UnitKind.Standalone, `conditions.standalone.${condition}`, { condition })]);
  }
  lists.push([data.conditions.ignore, lexeme(UnitKind.Ignore, 'conditions.ignore')]);

  for (const [phrase, grade] of Object.entries(data.severity.grades)) {
    lists.push([[phrase], lexeme(UnitKind.Severity, 'severity.grades', { grade })]);
  }
  for (const [phrase, [low, high]] of Object.entries(data.severity.ranges)) {
    lists.push([[phrase], lexeme(UnitKind.Severity, 'severity.ranges', { grade: high, rangeLow: low })]);
  }
  lists.push([data.severity.upperBounds, lexeme(UnitKind.UpperBound, 'severity.upperBounds')]);
  lists.push([data.severity.lesser, lexeme(UnitKind.Severity, 'severity.lesser', { lesser: true })]);
  lists.push([data.severity.past, lexeme(UnitKind.Past, 'severity.past')]);

  for (const side of SIDE_KINDS) {
    lists.push([data.laterality[side], lexeme(UnitKind.Side, `laterality.${side}`, { side })]);
  }

  lists.push([data.negation.before, lexeme(UnitKind.NegBefore, 'negation.before')]);
  lists.push([data.negation.after, lexeme(UnitKind.NegAfter, 'negation.after')]);
  lists.push([data.negation.otherwise, lexeme(UnitKind.NegBefore, 'negation.otherwise', { otherwise: true })]);
  lists.push([data.uncertainty.triggers, lexeme(UnitKind.Uncertain, 'uncertainty.triggers')]);
  lists.push([data.uncertainty.alternatives, lexeme(UnitKind.Uncertain, 'uncertainty.alternatives', { alternative: true })]);
  lists.push([data.clauses.breaks, lexeme(UnitKind.Break, 'clauses.breaks')]);
  lists.push([data.clauses.exceptions, lexeme(UnitKind.Break, 'clauses.exceptions', { exception: true })]);
  lists.push([data.clauses.relativeBreaks, lexeme(UnitKind.Break, 'clauses.relativeBreaks', { relative: true })]);
  lists.push([data.clauses.listSeparators, lexeme(UnitKind.Separator, 'clauses.listSeparators')]);
  lists.push([data.clauses.orSeparators, lexeme(UnitKind.Separator, 'clauses.orSeparators', { alternative: true })]);

  lists.push([data.normal.normal, lexeme(UnitKind.Normal, 'normal.normal')]);
  lists.push([data.normal.patent, lexeme(UnitKind.Patent, 'normal.patent')]);
  lists.push([data.normal.patentStructure, lexeme(UnitKind.Patent, 'normal.patentStructure', { needsStructure: true })]);
  lists.push([data.normal.study, lexeme(UnitKind.Study, 'normal.study')]);
  lists.push([data.normal.otherwise, lexeme(UnitKind.Otherwise, 'normal.otherwise')]);
  lists.push([data.normal.otherwiseNormal, lexeme(UnitKind.Normal, 'normal.otherwiseNormal', { otherwise: true })]);
  lists.push([data.normal.fillers, lexeme(UnitKind.Filler, 'normal.fillers')]);

  lists.push([data.levels.lumbosacral, lexeme(UnitKind.Level, 'levels.lumbosacral', { levelKind: 'lumbosacral', region: 'lumbar' })]);
  lists.push([data.levels.wholeStudy, lexeme(UnitKind.Level, 'levels.wholeStudy', { levelKind: 'wholeStudy' })]);
  lists.push([data.levels.remainingLevels, lexeme(UnitKind.Level, 'levels.remainingLevels', { levelKind: 'remaining' })]);
  lists.push([data.levels.upperLevels, lexeme(UnitKind.Level, 'levels.upperLevels', { levelKind: 'upper' })]);
  lists.push([data.levels.lowerLevels, lexeme(UnitKind.Level, 'levels.lowerLevels', { levelKind: 'lower' })]);
  lists.push([data.levels.emphasis, lexeme(UnitKind.Emphasis, 'levels.emphasis')]);
  lists.push([data.levels.respectively, lexeme(UnitKind.Respectively, 'levels.respectively')]);
  lists.push([data.levels.transitional, lexeme(UnitKind.Transitional, 'levels.transitional')]);
  lists.push([data.levels.surgery, lexeme(UnitKind.Surgery, 'levels.surgery')]);
  // A phrase naming the region also names the study, as in "unremarkable lumbar spine".
  lists.push([data.levels.lumbarStudy, lexeme(UnitKind.Study, 'levels.lumbarStudy', { region: 'lumbar' })]);
  lists.push([data.levels.nonLumbarStudy, lexeme(UnitKind.Study, 'levels.nonLumbarStudy', { region: 'nonLumbar' })]);
  return lists;
}

function headerLists(data: RulesData): PhraseList[] {
  return SECTION_NAMES.map((section) => [data.sections[section], lexeme(UnitKind.Filler, `sections.${section}`, { section })]);
}

const RESERVED_WORDS = [',', ';', ':', '.', '!', '?', '/', '-', "'", '%', '\u00d7', ')', '|', 'x', 'by', 'c', 't', 'l', 's', 'r', 'and'];

/** Builds the vocabulary of every word in the rules, with misspellings reading as their correction. */
function buildVocabulary(data: RulesData, lists: readonly PhraseList[]): Vocabulary {
  const vocabulary = new Vocabulary();
  for (const word of RESERVED_WORDS) vocabulary.intern(word);
  for (const [phrases] of lists) {
    for (const phrase of phrases) {
      for (const part of splitPhrase(phrase)) if (!isNumberText(part)) vocabulary.intern(part);
    }
  }
  const singleWords = [
    ...data.levels.spanWords,
    ...data.levels.spanAboveWords,
    ...data.levels.spanBelowWords,
    ...data.severity.rangeConnectors,
    ...data.clauses.referringWords,
    ...data.clauses.continuingWords,
    ...Object.keys(data.measurements.units),
    ...Object.keys(data.levels.vertebraMisspellings),
  ];
  for (const word of singleWords) vocabulary.intern(word.trim());
  for (const abbreviation of data.clauses.abbreviations) {
    for (const part of splitPhrase(abbreviation)) vocabulary.intern(part);
  }
  for (const [misspelled, correct] of Object.entries(data.misspellings)) {
    vocabulary.alias(misspelled.trim(), vocabulary.intern(correct.trim()));
  }
  vocabulary.seal();
  return vocabulary;
}

/** Builds the matchers for `data`. Throws a RulesValidationError when two keys list one phrase. */
export function compileLexicon(data: RulesData): Lexicon {
  const lists = phraseLists(data);
  const sections = headerLists(data);
  const vocabulary = buildVocabulary(data, [...lists, ...sections]);
  const phrases = new TrieBuilder(vocabulary, abbreviatedWords(data.clauses.abbreviations));
  for (const [list, meaning] of lists) for (const phrase of list) phrases.add(phrase, meaning);
  const headers = new TrieBuilder(vocabulary);
  for (const [list, meaning] of sections) for (const phrase of list) headers.add(phrase, meaning);
  const abbreviations = new TrieBuilder(vocabulary);
  const abbreviationMeaning = lexeme(UnitKind.Abbreviation, 'clauses.abbreviations');
  let maxAbbreviationTokens = 0;
  for (const abbreviation of data.clauses.abbreviations) {
    abbreviations.add(abbreviation, abbreviationMeaning);
    maxAbbreviationTokens = Math.max(maxAbbreviationTokens, splitPhrase(abbreviation).length);
  }
  buildDenseChildren(phrases.root, vocabulary.words.length);
  buildDenseChildren(headers.root, vocabulary.words.length);

  const id = (word: string): number => vocabulary.get(word.trim());
  const idSet = (words: readonly string[]): Set<number> => new Set(words.map(id));
  return {
    vocabulary,
    ids: {
      comma: id(','),
      semicolon: id(';'),
      colon: id(':'),
      period: id('.'),
      exclamation: id('!'),
      question: id('?'),
      slash: id('/'),
      and: id('and'),
      closingParenthesis: id(')'),
      pipe: id('|'),
      dash: id('-'),
      percent: id('%'),
      times: id('\u00d7'),
      x: id('x'),
      by: id('by'),
      c: id('c'),
      t: id('t'),
      l: id('l'),
      s: id('s'),
      r: id('r'),
    },
    phrases: phrases.root,
    headers: headers.root,
    abbreviations: abbreviations.root,
    maxAbbreviationTokens,
    vertebraAliases: new Map(Object.entries(data.levels.vertebraMisspellings).map(([word, vertebra]) => [id(word), vertebra.toLowerCase()])),
    spanWords: idSet(data.levels.spanWords),
    spanAboveWords: idSet(data.levels.spanAboveWords),
    spanBelowWords: idSet(data.levels.spanBelowWords),
    rangeConnectors: idSet(data.severity.rangeConnectors),
    referringWords: idSet(data.clauses.referringWords),
    continuingWords: idSet(data.clauses.continuingWords),
    sideLetters: new Map([
      [id('l'), lexeme(UnitKind.Side, 'side letter', { side: 'left' })],
      [id('r'), lexeme(UnitKind.Side, 'side letter', { side: 'right' })],
    ]),
    units: new Map(Object.entries(data.measurements.units).map(([word, millimetres]) => [id(word), millimetres])),
    canalDiameterMm: { ...data.measurements.canalDiameterMm },
    defaultGrade: data.severity.defaultGrade,
  };
}

/**
 * Finds the longest phrase of `root` that starts at token `index`, without crossing a line break.
 * Returns the index after its last token and sets `match.lexeme`, or returns -1.
 */
export function matchLongest(root: TrieNode, tokens: TokenStream, index: number, match: { lexeme: Lexeme | null }): number {
  const first = tokens.id[index]!;
  if (first === 0) return -1;
  let node = root.dense === null ? root.next?.get(first) : root.dense[first];
  let position = index;
  let bestEnd = -1;
  while (node !== undefined) {
    position++;
    if (node.lexeme !== null) {
      bestEnd = position;
      match.lexeme = node.lexeme;
    }
    if (node.next === null || position >= tokens.count || tokens.kind[position] === TokenKind.Newline) break;
    node = node.next.get(tokens.id[position]!);
  }
  return bestEnd;
}
