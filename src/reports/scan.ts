/**
 * The single pass over a report's tokens: finds section headers, sentence ends, level notations,
 * measurements and every phrase of the lexicon, and emits them as units. A run of words that match
 * nothing becomes one `Other` unit, while filler words and other numbers emit nothing.
 */
import { LevelMention, L6, isAboveLumbar, readLevel, touchesLumbar } from './level-notation.js';
import { UnitKind, matchLongest, type Lexeme, type Lexicon } from './lexicon.js';
import type { SectionName } from './rules-schema.js';
import { TokenKind, type TokenStream } from './tokenize.js';

/** One meaningful piece of a report: a phrase, a level notation, a measurement or punctuation. */
export class Unit {
  /** Severity: the grade, the upper one for a range. */
  grade = -1;
  /** Severity: the lower grade of an intermediate range, else -1. */
  rangeLow = -1;
  /** Level: what the notation names. `upper` and `lower` are vertebra ordinals as in level-notation.ts. */
  levelKind: 'disc' | 'span' | 'lumbosacral' | 'wholeStudy' | 'remaining' | 'upper' | 'lower' | null = null;
  upper = -1;
  lower = -1;
  /** A colon follows, as in the level heading "L4-5:" or the finding heading "Canal stenosis:". */
  colonAfter = false;
  /**
   * A filler word follows the colon before any other unit, as "present" in "Facet arthropathy:
   * present", so the colon ends no heading.
   */
  fillerAfterColon = false;
  /** Measure: the size in mm. */
  measureMm = Number.NaN;
  /** FindingWord: "the", "this" or a similar word comes right before, as in "contributes to the narrowing". */
  referring = false;
  /**
   * FindingWord: the unit right before names a structure outside the rules' structures: an ignored
   * phrase ("nerve root compromise"), an unknown abbreviation ("IVF narrowing") or an abbreviated
   * arthropathy word ("DJD narrowing").
   */
  afterOtherStructure = false;
  /** Other: the start offset of the last unknown word in the run. */
  lastWordStart = -1;
  /** Separator: a comma, where a flattened line break may stand. */
  comma = false;
  /** Break: a semicolon, after which a grade alone may still grade the finding before it. */
  semicolon = false;
  /** Severity: a grade lower than the finding before it ("to a lesser degree"), with `grade` -1 until that finding is known. */
  lesser = false;
  /**
   * Side: the two sides, in text order, of a bilateral phrase made of two sides and a list word
   * ("left and right"), which "respectively" pairs with two levels. Null for any other side.
   */
  sideParts: readonly ['left' | 'right', 'left' | 'right'] | null = null;

  constructor(
    readonly kind: UnitKind,
    readonly start: number,
    /** End offset. A run of unknown words is one `Other` unit, extended word by word. */
    public end: number,
    readonly lexeme: Lexeme | null,
  ) {}
}

/** Units `from` (inclusive) to `to` (exclusive) of one sentence, and the section it is in. */
export interface Sentence {
  readonly from: number;
  readonly to: number;
  readonly section: SectionName;
  /** The sentence has a level notation or a unit that can start a finding; others give no labels. */
  readonly informative: boolean;
  /** A blank line separates this sentence from the one before it. */
  readonly afterBlankLine: boolean;
  /** The sentence opens a numbered list item ("2. Mild foraminal narrowing ..."). */
  readonly startsListItem: boolean;
  /**
   * The index of the unit before which the sentence contains "respectively", or -1. The word itself
   * gets no unit. The index equals `to` when the word ends the sentence.
   */
  readonly respectivelyAt: number;
}

export interface ScanResult {
  units: Unit[];
  sentences: Sentence[];
  /** The report names a lumbar level or calls itself a lumbar study. */
  lumbar: boolean;
  /** The report names a cervical or thoracic level or calls itself a cervical or thoracic study. */
  nonLumbar: boolean;
  sixthLumbar: boolean;
  /** The report describes transitional lumbosacral anatomy in a statement that does not negate it. */
  transitional: boolean;
}

/**
 * Kinds that make a sentence worth reading: a level, a word that can start a finding, or a severity
 * or side, which may grade a finding of an earlier sentence ("Severe right foraminal stenosis. Mild
 * left."). A negation alone has nothing to negate.
 */
const INFORMATIVE_KINDS: ReadonlySet<UnitKind> = new Set([
  UnitKind.Level,
  UnitKind.Structure,
  UnitKind.FindingWord,
  UnitKind.Standalone,
  UnitKind.Patent,
  UnitKind.Normal,
  UnitKind.Severity,
  UnitKind.Side,
]);

/** Kinds of the phrases before which the period of an abbreviation in capitals does not end the sentence. */
const CAPITALS_CONTINUE_KINDS: ReadonlySet<UnitKind> = new Set([
  UnitKind.Structure,
  UnitKind.FindingWord,
  UnitKind.Standalone,
  UnitKind.Severity,
  UnitKind.Side,
  UnitKind.Separator,
]);

const match: { lexeme: Lexeme | null } = { lexeme: null };
const mention = new LevelMention();
const headingMention = new LevelMention();

/** Returns whether the original text from `start` to `end` has no lowercase letter. */
function isUpperCase(text: string, start: number, end: number): boolean {
  const part = text.slice(start, end);
  return part === part.toUpperCase();
}

const ABBREVIATION = /^[A-Z]{2,5}$/;

/** A list item number: one or two digits. */
const ITEM_NUMBER = /^\d{1,2}$/;
/** List item letters: capitals other than the vertebra letters C, L, S and T and the side letter R. */
const ITEM_LETTER = /^[A-HJKMNPQ]$/;
/** Bullets that open a list item at the start of a line. */
const BULLETS: ReadonlySet<string> = new Set(['-', '*', '\u2022']);
const LOWERCASE_LETTER = /[a-z]/;

/** Returns whether the original text from `start` to `end` is one word of two to five capital letters, such as "NF". */
function isAbbreviation(text: string, start: number, end: number): boolean {
  return ABBREVIATION.test(text.slice(start, end));
}

class Scanner {
  readonly units: Unit[] = [];
  readonly sentences: Sentence[] = [];
  lumbar = false;
  nonLumbar = false;
  sixthLumbar = false;
  transitional = false;
  private section: SectionName = 'findings';
  /** Unit indices of the transitional-anatomy phrases of the current sentence. */
  private transitionalUnits: number[] = [];
  private sentenceStart = 0;
  private informative = false;
  private blankLine = false;
  private listItem = false;
  /**
   * The token index after the last upper-bound phrase ("no more than"), where a severity gets the
   * lower grade 0, and the offset where the phrase starts, which the severity's evidence includes.
   */
  private upperBoundEnd = -1;
  private upperBoundStart = -1;
  /**
   * The token index of the last period of an abbreviation ("mod.") that ends a line. The line
   * break after it then decides, as it does after a word, whether the sentence goes on.
   */
  private abbreviationPeriodAtLineEnd = -1;
  /** The first "respectively" of the current sentence, as `Sentence.respectivelyAt` gives it. */
  private respectivelyAt = -1;

  constructor(
    private readonly text: string,
    private readonly tokens: TokenStream,
    private readonly lexicon: Lexicon,
  ) {}

  run(): void {
    const tokens = this.tokens;
    let lineStart = true;
    let index = 0;
    while (index < tokens.count) {
      const kind = tokens.kind[index];
      if (kind === TokenKind.Newline) {
        if (index > 0 && tokens.kind[index - 1] === TokenKind.Newline) this.blankLine = true;
        if (!this.continuesSentence(index)) this.endSentence();
        lineStart = true;
        index++;
        continue;
      }
      if (kind === TokenKind.Word) {
        const headerEnd = this.readHeader(index, lineStart);
        if (headerEnd >= 0) {
          index = headerEnd;
          lineStart = false;
          continue;
        }
      }
      const marker = this.itemMarkerLength(index, lineStart);
      if (marker > 0) {
        this.endSentence();
        this.listItem = true;
        lineStart = false;
        index += marker;
        continue;
      }
      lineStart = false;
      if (kind === TokenKind.Punct) index = this.readPunctuation(index);
      else if (kind === TokenKind.Number) index = this.readNumber(index);
      else index = this.readWord(index);
    }
    this.endSentence();
  }

  private endSentence(): void {
    for (const index of this.transitionalUnits) if (!this.negatedInClause(index)) this.transitional = true;
    this.transitionalUnits.length = 0;
    if (this.units.length > this.sentenceStart) {
      this.sentences.push({
        from: this.sentenceStart,
        to: this.units.length,
        section: this.section,
        informative: this.informative,
        afterBlankLine: this.blankLine,
        startsListItem: this.listItem,
        respectivelyAt: this.respectivelyAt,
      });
      this.blankLine = false;
      this.listItem = false;
    }
    this.sentenceStart = this.units.length;
    this.informative = false;
    this.respectivelyAt = -1;
  }

  /**
   * Returns whether unit `index` of the current sentence is in a clause with a negation before
   * it ("no transitional vertebra") or after it ("a transitional vertebra is not seen").
   */
  private negatedInClause(index: number): boolean {
    for (let before = index - 1; before >= this.sentenceStart && this.units[before]!.kind !== UnitKind.Break; before--) {
      if (this.units[before]!.kind === UnitKind.NegBefore) return true;
    }
    for (let after = index + 1; after < this.units.length && this.units[after]!.kind !== UnitKind.Break; after++) {
      if (this.units[after]!.kind === UnitKind.NegAfter) return true;
    }
    return false;
  }

  /**
   * Returns the number of tokens of the list item marker at token `index`, or 0 when none starts
   * there. A number with a period or a closing parenthesis ("1.", "2)") counts at the start of a
   * line or, in text whose line breaks were flattened, after a sentence end. "(3)", a bullet ("-",
   * "*", "•") and a capital letter other than a vertebra letter ("A.", "B)") count at the start of
   * a line only. A word must follow the marker.
   */
  private itemMarkerLength(index: number, lineStart: boolean): number {
    const tokens = this.tokens;
    const text = (at: number): string => (at < tokens.count ? this.text.slice(tokens.start[at]!, tokens.end[at]!) : '');
    const wordAt = (at: number): boolean => at < tokens.count && tokens.kind[at] === TokenKind.Word;
    const closes = (at: number): boolean => at < tokens.count && (tokens.id[at] === this.lexicon.ids.period || tokens.id[at] === this.lexicon.ids.closingParenthesis);
    const kind = tokens.kind[index];
    const afterSentenceEnd = index > 0 && this.isSentenceEnd(tokens.id[index - 1]!);
    if (kind === TokenKind.Number && (lineStart || afterSentenceEnd)) {
      return ITEM_NUMBER.test(text(index)) && closes(index + 1) && wordAt(index + 2) ? 2 : 0;
    }
    if (!lineStart) return 0;
    if (kind === TokenKind.Punct && text(index) === '(') {
      return tokens.kind[index + 1] === TokenKind.Number && ITEM_NUMBER.test(text(index + 1)) && text(index + 2) === ')' && wordAt(index + 3) ? 3 : 0;
    }
    if (kind === TokenKind.Punct && BULLETS.has(text(index))) return wordAt(index + 1) ? 1 : 0;
    if (kind === TokenKind.Word && ITEM_LETTER.test(text(index))) return closes(index + 1) && wordAt(index + 2) ? 2 : 0;
    return 0;
  }

  /**
   * Returns whether the line break at `index` continues the sentence, as in text wrapped
   * mid-sentence. It does when the line ends in a word that cannot end a sentence ("at", "of")
   * and the next line starts with a word or number, so "stenosis at" over "L4-5" is one sentence.
   * A level heading ("L4-5:") on the next line still starts a new sentence. The line break also
   * continues the sentence when the line ends in a word, number or comma and the next line starts
   * with a lowercase word that is not a level. Any other line break ends the sentence, so a level
   * that opens a line after "L3-4: disc bulge" starts a new statement.
   */
  private continuesSentence(index: number): boolean {
    const tokens = this.tokens;
    if (index === 0 || index + 1 >= tokens.count) return false;
    const next = tokens.kind[index + 1];
    if (this.lexicon.continuingWords.has(tokens.id[index - 1]!) && (next === TokenKind.Word || next === TokenKind.Number)) {
      return !this.startsLevelHeading(index + 1);
    }
    const before = tokens.kind[index - 1];
    const afterWord = before === TokenKind.Word || before === TokenKind.Number || index - 1 === this.abbreviationPeriodAtLineEnd;
    if (!(afterWord || tokens.id[index - 1] === this.lexicon.ids.comma)) return false;
    return this.isLowercaseWord(index + 1);
  }

  /** Returns whether a level notation followed by a colon starts at token `index`, as "L4-5:" does. */
  private startsLevelHeading(index: number): boolean {
    if (!readLevel(this.tokens, index, this.lexicon, headingMention)) return false;
    return headingMention.end < this.tokens.count && this.tokens.id[headingMention.end] === this.lexicon.ids.colon;
  }

  /**
   * Returns whether token `index` is a word that starts with a lowercase letter and does not start
   * a level notation ("l4-5"), so that it may continue the sentence before it.
   */
  private isLowercaseWord(index: number): boolean {
    const tokens = this.tokens;
    if (tokens.kind[index] !== TokenKind.Word) return false;
    const first = this.text.charCodeAt(tokens.start[index]!);
    if (first < 97 || first > 122) return false;
    const oneLetter = tokens.end[index]! - tokens.start[index]! === 1;
    return !(oneLetter && index + 1 < tokens.count && tokens.kind[index + 1] === TokenKind.Number);
  }

  /**
   * Returns whether the period at token `index` belongs to an abbreviation of the rules ("mod.",
   * "e.g.") and does not end the sentence. A period inside the abbreviation never does. Its last
   * period does not when a lowercase word, a number or punctuation follows ("mod. canal stenosis",
   * "approx. 9 mm"), nor before a word in capitals that continues it ("sev. L NF stenosis"). It does
   * before a capitalised word or a level notation, which starts a new sentence ("... is mod. The
   * next level ..."), and at the end of the text. At a line end the line break decides, as after a
   * word.
   */
  private continuesAfterAbbreviation(index: number): boolean {
    const tokens = this.tokens;
    const abbreviationEnd = this.abbreviationEndAround(index);
    if (abbreviationEnd < 0) return false;
    if (abbreviationEnd > index + 1) return true;
    const next = index + 1;
    if (next >= tokens.count) return false;
    const kind = tokens.kind[next];
    if (kind === TokenKind.Newline) {
      this.abbreviationPeriodAtLineEnd = index;
      return true;
    }
    if (kind === TokenKind.Word) return this.isLowercaseWord(next) || this.continuesInCapitals(next, index - 1);
    return true;
  }

  /**
   * Returns whether token `index`, a word after the period of an abbreviation whose last word is
   * token `abbreviationWord`, is written wholly in capitals and continues the sentence. The side
   * letters "L" and "R" do ("sev. L NF stenosis"), other single letters ("A") and level notations
   * ("L5-S1") do not. After an abbreviation with a lowercase letter ("mod.", "Sev.") any other word
   * in capitals is an acronym inside the sentence ("mod. NF narrowing", "min. AP diameter"). After
   * an abbreviation in capitals ("MOD."), as in text written all in capitals, only a range word
   * ("MOD. TO SEV."), a list word ("AND") or a word that starts a phrase naming a finding, a grade
   * or a side does, since "THE" or "NO" may open a sentence there.
   */
  private continuesInCapitals(index: number, abbreviationWord: number): boolean {
    const tokens = this.tokens;
    const start = tokens.start[index]!;
    const end = tokens.end[index]!;
    if (LOWERCASE_LETTER.test(this.text.slice(start, end))) return false;
    if (end - start === 1) {
      const startsLevel = index + 1 < tokens.count && tokens.kind[index + 1] === TokenKind.Number;
      return !startsLevel && this.lexicon.sideLetters.has(tokens.id[index]!);
    }
    if (LOWERCASE_LETTER.test(this.text.slice(tokens.start[abbreviationWord]!, tokens.end[abbreviationWord]!))) return true;
    if (this.lexicon.rangeConnectors.has(tokens.id[index]!)) return true;
    if (matchLongest(this.lexicon.phrases, tokens, index, match) < 0) return false;
    return CAPITALS_CONTINUE_KINDS.has(match.lexeme!.kind);
  }

  /**
   * Returns the token index after the abbreviation that contains the period at token `index`, or
   * -1 when none does. An abbreviation is written without spaces and starts a word, so "mild-mod."
   * contains "mod." and "L4mod." contains none.
   */
  private abbreviationEndAround(index: number): number {
    const tokens = this.tokens;
    const root = this.lexicon.abbreviations;
    let bestEnd = -1;
    for (let start = Math.max(0, index - this.lexicon.maxAbbreviationTokens + 1); start < index; start++) {
      if (tokens.kind[start] !== TokenKind.Word) continue;
      const touchesPrevious = start > 0 && tokens.start[start] === tokens.end[start - 1];
      if (touchesPrevious && (tokens.kind[start - 1] === TokenKind.Word || tokens.kind[start - 1] === TokenKind.Number)) continue;
      let node = root.next?.get(tokens.id[start]!);
      let position = start;
      while (node !== undefined) {
        position++;
        if (node.lexeme !== null && position > index) bestEnd = Math.max(bestEnd, position);
        if (node.next === null || position >= tokens.count || tokens.start[position] !== tokens.end[position - 1]) break;
        node = node.next.get(tokens.id[position]!);
      }
    }
    return bestEnd;
  }

  /**
   * Reads a section header at `index` and returns the index after it, or -1. A header opens a
   * line and is followed by a colon, by the line end, or is written in capitals. After a sentence
   * end or comma on the same line (text whose line breaks were flattened) it needs the colon.
   */
  private readHeader(index: number, lineStart: boolean): number {
    const tokens = this.tokens;
    if (!lineStart) {
      const previous = index > 0 ? tokens.id[index - 1]! : -1;
      const ids = this.lexicon.ids;
      if (!(this.isSentenceEnd(previous) || previous === ids.comma || previous === ids.semicolon)) return -1;
    }
    const end = matchLongest(this.lexicon.headers, tokens, index, match);
    if (end < 0) return -1;
    let after = end;
    const colon = after < tokens.count && tokens.id[after] === this.lexicon.ids.colon;
    if (colon) after++;
    else if (!lineStart) return -1;
    else if (after < tokens.count && tokens.kind[after] !== TokenKind.Newline && !isUpperCase(this.text, tokens.start[index]!, tokens.end[end - 1]!)) return -1;
    this.endSentence();
    this.section = match.lexeme!.section!;
    return after;
  }

  private isSentenceEnd(id: number): boolean {
    const ids = this.lexicon.ids;
    return id === ids.period || id === ids.exclamation || id === ids.question;
  }

  private readPunctuation(index: number): number {
    const id = this.tokens.id[index]!;
    const ids = this.lexicon.ids;
    const start = this.tokens.start[index]!;
    const end = this.tokens.end[index]!;
    if (this.isSentenceEnd(id)) {
      if (id !== ids.period || !this.continuesAfterAbbreviation(index)) this.endSentence();
      return index + 1;
    }
    if (id === ids.comma) {
      const unit = new Unit(UnitKind.Separator, start, end, null);
      unit.comma = true;
      this.units.push(unit);
      return index + 1;
    }
    // A table cell ends like a clause: "L4-5 | canal stenosis: moderate | foraminal stenosis: mild".
    if (id === ids.semicolon || id === ids.pipe) {
      const unit = new Unit(UnitKind.Break, start, end, null);
      unit.semicolon = id === ids.semicolon;
      this.units.push(unit);
      return index + 1;
    }
    if (id === ids.colon) {
      const last = this.units[this.units.length - 1];
      if (last !== undefined && this.units.length > this.sentenceStart) last.colonAfter = true;
      return index + 1;
    }
    const phraseEnd = this.readPhrase(index);
    if (phraseEnd >= 0) return phraseEnd;
    if (id === ids.slash) this.units.push(new Unit(UnitKind.Separator, start, end, null));
    return index + 1;
  }

  /** Emits a Measure unit for "9 mm", "0.9 cm" and "9,5 mm"; other numbers emit nothing. */
  private readNumber(index: number): number {
    const tokens = this.tokens;
    let value = tokens.value[index]!;
    let next = index + 1;
    const decimalCommaValue = this.readDecimalComma(index);
    if (!Number.isNaN(decimalCommaValue)) {
      value = decimalCommaValue;
      next = index + 3;
    }
    if (next < tokens.count && tokens.kind[next] === TokenKind.Word) {
      const unitMm = this.lexicon.units.get(tokens.id[next]!);
      const previous = index > 0 ? tokens.id[index - 1]! : -1;
      const following = next + 1 < tokens.count ? tokens.id[next + 1]! : -1;
      // "5 x 8 mm" is the size of a disc protrusion, never a canal diameter.
      if (unitMm !== undefined && !this.isDimensionWord(previous) && !this.isDimensionWord(following)) {
        const unit = new Unit(UnitKind.Measure, tokens.start[index]!, tokens.end[next]!, null);
        unit.measureMm = Math.round(value * unitMm * 1000) / 1000;
        this.units.push(unit);
        return next + 1;
      }
    }
    return index + 1;
  }

  /**
   * Returns the value of a number written with a decimal comma, as in "9,5 mm", that starts at
   * token `index`, or NaN. The comma must touch both digit runs and a unit word must follow, so
   * "L3-4, 5 mm" and a list such as "3,4" keep the comma as a separator.
   */
  private readDecimalComma(index: number): number {
    const tokens = this.tokens;
    const comma = index + 1;
    const fraction = index + 2;
    const unit = index + 3;
    if (unit >= tokens.count || tokens.id[comma] !== this.lexicon.ids.comma || tokens.kind[fraction] !== TokenKind.Number) return Number.NaN;
    if (tokens.start[comma] !== tokens.end[index] || tokens.start[fraction] !== tokens.end[comma]) return Number.NaN;
    if (tokens.kind[unit] !== TokenKind.Word || !this.lexicon.units.has(tokens.id[unit]!)) return Number.NaN;
    const whole = this.text.slice(tokens.start[index]!, tokens.end[index]!);
    const digits = this.text.slice(tokens.start[fraction]!, tokens.end[fraction]!);
    if (whole.includes('.') || digits.includes('.')) return Number.NaN;
    return Number(`${whole}.${digits}`);
  }

  private isDimensionWord(id: number): boolean {
    const ids = this.lexicon.ids;
    return id === ids.x || id === ids.times || id === ids.by;
  }

  private readWord(index: number): number {
    const tokens = this.tokens;
    if (readLevel(tokens, index, this.lexicon, mention)) return this.emitLevel(index);
    const end = this.readPhrase(index);
    if (end >= 0) return end;
    if (this.readSideLetter(index)) return index + 1;
    this.pushOther(tokens.start[index]!, tokens.end[index]!);
    return index + 1;
  }

  /**
   * Emits a Side unit for a capital "L" or "R" directly before a structure abbreviation ("sev L NF
   * stenosis"). Anywhere else a lone letter is no side, since "L" also starts level notations.
   */
  private readSideLetter(index: number): boolean {
    const tokens = this.tokens;
    const lexeme = this.lexicon.sideLetters.get(tokens.id[index]!);
    const next = index + 1;
    if (lexeme === undefined || next >= tokens.count || tokens.kind[next] !== TokenKind.Word) return false;
    if (!isUpperCase(this.text, tokens.start[index]!, tokens.end[index]!)) return false;
    const structureEnd = matchLongest(this.lexicon.phrases, tokens, next, match);
    if (structureEnd !== next + 1 || match.lexeme!.kind !== UnitKind.Structure) return false;
    if (!isAbbreviation(this.text, tokens.start[next]!, tokens.end[next]!)) return false;
    this.units.push(new Unit(UnitKind.Side, tokens.start[index]!, tokens.end[index]!, lexeme));
    this.informative = true;
    return true;
  }

  /** Emits an `Other` unit, or extends the previous one when it is also `Other` in this sentence. */
  private pushOther(start: number, end: number): void {
    const last = this.lastUnitOfSentence();
    if (last !== null && last.kind === UnitKind.Other) {
      last.end = end;
      last.lastWordStart = start;
      return;
    }
    const unit = new Unit(UnitKind.Other, start, end, null);
    unit.lastWordStart = start;
    this.units.push(unit);
  }

  private lastUnitOfSentence(): Unit | null {
    return this.units.length > this.sentenceStart ? this.units[this.units.length - 1]! : null;
  }

  /**
   * Returns whether the unit before a finding word names a structure that the rules do not
   * grade: an ignored phrase, an unknown word written as an abbreviation ("IVF narrowing") or an
   * arthropathy word written as one ("DJD narrowing").
   * A finding word in capitals turns the abbreviation check off, because in text written all in
   * capitals every word looks like one.
   */
  private followsOtherStructure(findingStart: number, findingEnd: number): boolean {
    const last = this.lastUnitOfSentence();
    if (last === null) return false;
    if (last.kind === UnitKind.Ignore) return true;
    // "DJD narrowing": an abbreviated joint disease names no structure, so the narrowing is not the canal's.
    if (last.kind === UnitKind.FindingWord && last.lexeme!.findingWord === 'arthropathy' && isAbbreviation(this.text, last.start, last.end)) return true;
    if (last.kind !== UnitKind.Other || !isAbbreviation(this.text, last.lastWordStart, last.end)) return false;
    return LOWERCASE_LETTER.test(this.text.slice(findingStart, findingEnd));
  }

  private emitLevel(index: number): number {
    const tokens = this.tokens;
    const start = tokens.start[index]!;
    const end = tokens.end[mention.end - 1]!;
    if (mention.upper === L6 || mention.lower === L6) this.sixthLumbar = true;
    if (mention.kind === 'vertebra') {
      // A lone vertebra ("the L4 vertebral body") is not a disc level.
      this.pushOther(start, end);
      return mention.end;
    }
    if (touchesLumbar(mention.lower)) this.lumbar = true;
    if (isAboveLumbar(mention.upper)) this.nonLumbar = true;
    const unit = new Unit(UnitKind.Level, start, end, null);
    this.informative = true;
    unit.levelKind = mention.kind;
    unit.upper = mention.upper;
    unit.lower = mention.lower;
    this.units.push(unit);
    return mention.end;
  }

  /** Emits the unit of the longest lexicon phrase at `index` and returns the index after it, or -1. */
  private readPhrase(index: number): number {
    const tokens = this.tokens;
    const end = matchLongest(this.lexicon.phrases, tokens, index, match);
    if (end < 0) return -1;
    const lexeme = match.lexeme!;
    if (lexeme.kind === UnitKind.Filler) {
      const last = this.lastUnitOfSentence();
      if (last !== null && last.colonAfter) last.fillerAfterColon = true;
      return end;
    }
    if (lexeme.kind === UnitKind.UpperBound) {
      this.upperBoundEnd = end;
      this.upperBoundStart = tokens.start[index]!;
      return end;
    }
    // The sentence reads as it would without "respectively", which only pairs its findings with levels afterwards.
    if (lexeme.kind === UnitKind.Respectively) {
      if (this.respectivelyAt < 0) this.respectivelyAt = this.units.length;
      return end;
    }
    if (lexeme.region === 'lumbar') this.lumbar = true;
    else if (lexeme.region === 'nonLumbar') this.nonLumbar = true;
    if (lexeme.kind === UnitKind.Transitional) this.transitionalUnits.push(this.units.length);
    if (lexeme.kind === UnitKind.Severity && !lexeme.lesser) return this.readSeverity(index, end, lexeme);
    const unit = new Unit(lexeme.kind, tokens.start[index]!, tokens.end[end - 1]!, lexeme);
    unit.lesser = lexeme.lesser;
    if (INFORMATIVE_KINDS.has(lexeme.kind)) this.informative = true;
    if (lexeme.kind === UnitKind.Level) unit.levelKind = lexeme.levelKind;
    if (lexeme.kind === UnitKind.Side && lexeme.side === 'bilateral') unit.sideParts = this.splitSides(index, end);
    if (lexeme.kind === UnitKind.FindingWord) {
      if (index > 0 && tokens.kind[index - 1] === TokenKind.Word) unit.referring = this.lexicon.referringWords.has(tokens.id[index - 1]!);
      unit.afterOtherStructure = this.followsOtherStructure(unit.start, unit.end);
    }
    this.units.push(unit);
    return end;
  }

  /**
   * Returns the two sides of the bilateral phrase at tokens `from` to `to` when it is one side, a
   * list word and the other side, as "left and right" and "right and left" are. Returns null for
   * any other phrase.
   */
  private splitSides(from: number, to: number): ['left' | 'right', 'left' | 'right'] | null {
    for (let firstEnd = from + 1; firstEnd < to - 1; firstEnd++) {
      const first = this.oneSideAt(from, firstEnd);
      if (first === null) continue;
      for (let secondStart = firstEnd + 1; secondStart < to; secondStart++) {
        if (this.exactPhrase(firstEnd, secondStart)?.kind !== UnitKind.Separator) continue;
        const second = this.oneSideAt(secondStart, to);
        if (second !== null && second !== first) return [first, second];
      }
    }
    return null;
  }

  /** Returns the side of the phrase that is exactly tokens `from` to `to`, when it names one side. */
  private oneSideAt(from: number, to: number): 'left' | 'right' | null {
    const side = this.exactPhrase(from, to)?.side;
    return side === 'left' || side === 'right' ? side : null;
  }

  /** Returns the meaning of the lexicon phrase that is exactly tokens `from` to `to`, or null. */
  private exactPhrase(from: number, to: number): Lexeme | null {
    let node = this.lexicon.phrases.next?.get(this.tokens.id[from]!);
    for (let position = from + 1; node !== undefined && position < to; position++) node = node.next?.get(this.tokens.id[position]!);
    return node?.lexeme ?? null;
  }

  /** Emits a severity, joining an intermediate range such as "mild to moderate" or "mild-moderate". */
  private readSeverity(index: number, end: number, lexeme: Lexeme): number {
    const tokens = this.tokens;
    let low = lexeme.rangeLow >= 0 ? lexeme.rangeLow : lexeme.grade;
    let high = lexeme.grade;
    let next = end;
    let connectors = 0;
    while (next < tokens.count && connectors < 3 && tokens.kind[next] !== TokenKind.Newline && this.lexicon.rangeConnectors.has(tokens.id[next]!)) {
      next++;
      connectors++;
    }
    let unitEnd = end;
    if (connectors > 0 && next < tokens.count) {
      const secondEnd = matchLongest(this.lexicon.phrases, tokens, next, match);
      const second = match.lexeme;
      if (secondEnd >= 0 && second !== null && second.kind === UnitKind.Severity) {
        low = Math.min(low, second.rangeLow >= 0 ? second.rangeLow : second.grade);
        high = Math.max(high, second.grade);
        unitEnd = secondEnd;
      }
    }
    // "No more than mild" states mild as the highest grade, so the grade ranges from none up to it.
    const bounded = index === this.upperBoundEnd;
    if (bounded) low = 0;
    const unit = new Unit(UnitKind.Severity, bounded ? this.upperBoundStart : tokens.start[index]!, tokens.end[unitEnd - 1]!, lexeme);
    this.informative = true;
    unit.grade = high;
    unit.rangeLow = low < high ? low : -1;
    this.units.push(unit);
    return unitEnd;
  }
}

/** Scans `tokens` of `text` into units and sentences. */
export function scanReport(text: string, tokens: TokenStream, lexicon: Lexicon): ScanResult {
  const scanner = new Scanner(text, tokens, lexicon);
  scanner.run();
  return {
    units: scanner.units,
    sentences: scanner.sentences,
    lumbar: scanner.lumbar,
    nonLumbar: scanner.nonLumbar,
    sixthLumbar: scanner.sixthLumbar,
    transitional: scanner.transitional,
  };
}
