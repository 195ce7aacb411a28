/**
 * The shape of the labeler's rules files and the validation that every file, shipped or added by
 * a user, goes through before it is merged. docs/labeler.md ("Extending the rules") describes the
 * keys for users.
 */

/** The version every rules file must declare. */
export const RULES_VERSION = 'deepspine-rules/1';

export const STRUCTURE_KINDS = ['canal', 'canalQualifier', 'foramen', 'subarticular', 'facet', 'ligamentumFlavum', 'epiduralFat', 'disc'] as const;
export type StructureKind = (typeof STRUCTURE_KINDS)[number];

export const FINDING_WORD_KINDS = ['narrowing', 'compression', 'arthropathy', 'hypertrophy', 'thickening', 'excess'] as const;
export type FindingWordKind = (typeof FINDING_WORD_KINDS)[number];

export const STANDALONE_CONDITIONS = ['disc_bulge', 'disc_herniation', 'disc_osteophyte_complex', 'epidural_lipomatosis'] as const;
export type StandaloneCondition = (typeof STANDALONE_CONDITIONS)[number];

export const SECTION_NAMES = ['findings', 'impression', 'comment', 'other'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export const SIDE_KINDS = ['left', 'right', 'bilateral', 'leftGreater', 'rightGreater'] as const;
export type SideKind = (typeof SIDE_KINDS)[number];

/** The merged content of all rules files. Phrases are word sequences, matched ignoring case. */
export interface RulesData {
  levels: {
    /** Words that stand for a vertebra in a level notation, such as "si" for S1 in "L5-SI". */
    vertebraMisspellings: Record<string, string>;
    /** Words joining the two ends of a span ("L2 to L5", "L2-L3 through L4-L5"). */
    spanWords: string[];
    /**
     * Words that, after a level and "and", extend it to every level above it ("L3-4 and above") or
     * below it ("L4-5 and below").
     */
    spanAboveWords: string[];
    spanBelowWords: string[];
    /** Phrases naming the lumbosacral disc (L5-S1, or L6-S1 with a sixth lumbar vertebra). */
    lumbosacral: string[];
    /** Phrases naming every lumbar level at once ("any level", "all levels"). */
    wholeStudy: string[];
    /** Phrases naming the lumbar levels that the report does not describe one by one ("remaining levels"). */
    remainingLevels: string[];
    /** Phrases naming the lumbar levels above the uppermost one that the report describes one by one ("upper levels"). */
    upperLevels: string[];
    /** Phrases naming the lumbar levels below the lowermost one that the report describes one by one ("lower levels"). */
    lowerLevels: string[];
    /** Phrases that single out one level of a finding named at several ("worst at L4-5"); they carry no grade. */
    emphasis: string[];
    /** Phrases that pair a list of grades or sides with a list of levels in order ("respectively"). */
    respectively: string[];
    /** Phrases that mark a lumbar study, against the NOT_LUMBAR check. */
    lumbarStudy: string[];
    /** Phrases that mark a cervical or thoracic study. */
    nonLumbarStudy: string[];
    /** Phrases that describe transitional lumbosacral anatomy, for the TRANSITIONAL_ANATOMY warning. */
    transitional: string[];
    /** Phrases of surgery at a level ("status post", "laminectomy"), which make the one level their sentence names current. */
    surgery: string[];
  };
  sections: Record<SectionName, string[]>;
  conditions: {
    /** Anatomical words that a finding word turns into a condition ("foraminal" + "stenosis"). */
    structures: Record<StructureKind, string[]>;
    findingWords: Record<FindingWordKind, string[]>;
    /** Words that name a condition on their own ("protrusion"). */
    standalone: Record<StandaloneCondition, string[]>;
    /** Phrases that look like findings but are not ("disc space narrowing"). */
    ignore: string[];
  };
  severity: {
    grades: Record<string, number>;
    /** Words that are an intermediate grade on their own ("moderately severe": [2, 3]). */
    ranges: Record<string, [number, number]>;
    /** Tokens between two severity words that make an intermediate range ("mild to moderate"). */
    rangeConnectors: string[];
    /** Phrases before a grade that state it as the highest grade ("no more than mild"). */
    upperBounds: string[];
    /** Phrases that grade a finding lower than the finding named before it ("to a lesser degree"). */
    lesser: string[];
    /** Words that mark a grade or side without a finding of its own as a past state ("previously mild"). */
    past: string[];
    /** The grade of a stenosis stated without a severity word. */
    defaultGrade: number;
  };
  laterality: Record<SideKind, string[]>;
  negation: {
    /** Triggers that negate the conditions after them ("no", "without"). */
    before: string[];
    /** Triggers that negate the conditions before them ("not seen"). */
    after: string[];
    /** Triggers like `before` that also mean "otherwise" ("no other"), so the absence covers what the report has not described. */
    otherwise: string[];
  };
  uncertainty: {
    triggers: string[];
    /** Words that set two findings against each other ("versus"), which hedge the findings on both sides. */
    alternatives: string[];
  };
  clauses: {
    /** Words that end a clause, and with it the scope of a negation or hedge. */
    breaks: string[];
    /** Clause breaks that start an exception ("except"), whose levels the clause before does not take. */
    exceptions: string[];
    /**
     * Clause breaks that open a relative clause ("which"). A grade or side standing alone in that
     * clause grades the finding of the clause before ("canal stenosis which is probably moderate").
     */
    relativeBreaks: string[];
    /** Words that join the items of a list, as a comma does. */
    listSeparators: string[];
    /** List words that join alternatives ("or"), which keep a list inside the scope of a negation or hedge. */
    orSeparators: string[];
    /** Words before a finding word that refer back to a finding already stated ("the narrowing"). */
    referringWords: string[];
    /**
     * Words that cannot end a sentence ("at", "of", "involving"), so a line that ends in one runs
     * on into the next line, also when that line starts with a level or a capital letter.
     */
    continuingWords: string[];
    /** Abbreviations written with their periods ("mod.", "e.g."), whose last period does not end the sentence before a lowercase word. */
    abbreviations: string[];
  };
  normal: {
    normal: string[];
    patent: string[];
    /**
     * Words that mean patent only when they describe a structure of their own item ("the left
     * lateral recess is clear"), since alone they mean something else ("it is not clear whether").
     */
    patentStructure: string[];
    /** Words that name the study itself, for statements such as "normal MRI of the lumbar spine". */
    study: string[];
    /** Words that make a normal statement cover what the report has not described ("otherwise unremarkable"). */
    otherwise: string[];
    /** Normal phrases that also mean "otherwise" ("no other significant abnormality"). */
    otherwiseNormal: string[];
    /** Words the labeler skips wherever they stand, so they may also stand beside "normal" in a statement that a whole level is normal. */
    fillers: string[];
  };
  measurements: {
    /** Antero-posterior canal diameter thresholds in mm: below each one the canal gets that grade. */
    canalDiameterMm: { severeBelow: number; moderateBelow: number; mildBelow: number };
    /** Unit words and their size in mm. */
    units: Record<string, number>;
  };
  /** Misspelled words and their correct spelling, which the labeler reads in their place. */
  misspellings: Record<string, string>;
}

type Spec =
  | { kind: 'phrases' }
  | { kind: 'words' }
  | { kind: 'abbreviations' }
  | { kind: 'wordMap' }
  | { kind: 'vertebraMap' }
  | { kind: 'gradeMap' }
  | { kind: 'rangeMap' }
  | { kind: 'grade' }
  | { kind: 'positiveNumber' }
  | { kind: 'unitMap' }
  | { kind: 'object'; fields: Record<string, Spec> };

const phrases: Spec = { kind: 'phrases' };

function phraseLists(names: readonly string[]): Spec {
  return { kind: 'object', fields: Object.fromEntries(names.map((name) => [name, phrases])) };
}

/** The schema of `RulesData`. Every file is a partial `RulesData` plus `version`. */
export const RULES_SCHEMA: { kind: 'object'; fields: Record<string, Spec> } = {
  kind: 'object',
  fields: {
    levels: {
      kind: 'object',
      fields: {
        vertebraMisspellings: { kind: 'vertebraMap' },
        spanWords: { kind: 'words' },
        spanAboveWords: { kind: 'words' },
        spanBelowWords: { kind: 'words' },
        lumbosacral: phrases,
        wholeStudy: phrases,
        remainingLevels: phrases,
        upperLevels: phrases,
        lowerLevels: phrases,
        emphasis: phrases,
        respectively: phrases,
        lumbarStudy: phrases,
        nonLumbarStudy: phrases,
        transitional: phrases,
        surgery: phrases,
      },
    },
    sections: phraseLists(SECTION_NAMES),
    conditions: {
      kind: 'object',
      fields: {
        structures: phraseLists(STRUCTURE_KINDS),
        findingWords: phraseLists(FINDING_WORD_KINDS),
        standalone: phraseLists(STANDALONE_CONDITIONS),
        ignore: phrases,
      },
    },
    severity: {
      kind: 'object',
      fields: {
        grades: { kind: 'gradeMap' },
        ranges: { kind: 'rangeMap' },
        rangeConnectors: { kind: 'words' },
        upperBounds: phrases,
        lesser: phrases,
        past: phrases,
        defaultGrade: { kind: 'grade' },
      },
    },
    laterality: phraseLists(SIDE_KINDS),
    negation: phraseLists(['before', 'after', 'otherwise']),
    uncertainty: phraseLists(['triggers', 'alternatives']),
    clauses: {
      kind: 'object',
      fields: {
        breaks: phrases,
        exceptions: phrases,
        relativeBreaks: phrases,
        listSeparators: phrases,
        orSeparators: phrases,
        referringWords: { kind: 'words' },
        continuingWords: { kind: 'words' },
        abbreviations: { kind: 'abbreviations' },
      },
    },
    normal: phraseLists(['normal', 'patent', 'patentStructure', 'study', 'otherwise', 'otherwiseNormal', 'fillers']),
    measurements: {
      kind: 'object',
      fields: {
        canalDiameterMm: {
          kind: 'object',
          fields: { severeBelow: { kind: 'positiveNumber' }, moderateBelow: { kind: 'positiveNumber' }, mildBelow: { kind: 'positiveNumber' } },
        },
        units: { kind: 'unitMap' },
      },
    },
    misspellings: { kind: 'wordMap' },
  },
};

/** A rules file that breaks the schema, with the dotted path of the offending value in `key`. */
export class RulesValidationError extends Error {
  readonly key: string;

  constructor(key: string, message: string) {
    super(message);
    this.name = 'RulesValidationError';
    this.key = key;
  }
}

// Phrases are matched token by token inside one clause, so they cannot contain the punctuation
// that ends a sentence or a list item.
const CLAUSE_PUNCTUATION = /[.,;:!?\n\r]/;
const DIGIT = /[0-9]/;
const SINGLE_WORD = /^[\p{L}']+$/u;
const SINGLE_TOKEN = /^(?:[\p{L}']+|[^\p{L}\p{N}\s])$/u;
const VERTEBRA = /^[ctls]\d{1,2}$/;
// One or more runs of letters, each followed by a period: "mod.", "e.g.".
const ABBREVIATION = /^(?:\p{L}+\.)+$/u;

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isGrade(value: unknown): value is number {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

function checkPhrase(key: string, phrase: unknown, pattern: RegExp | null, requirement: string): void {
  if (typeof phrase !== 'string' || phrase.trim() === '') {
    throw new RulesValidationError(key, `"${key}" must contain non-empty strings, got ${describe(phrase)}`);
  }
  if (CLAUSE_PUNCTUATION.test(phrase)) {
    throw new RulesValidationError(key, `"${key}" contains ${describe(phrase)}, but a phrase cannot contain . , ; : ! ? or a line break`);
  }
  // Every number in a report is one token kind, so a phrase with digits would match any number.
  if (DIGIT.test(phrase)) {
    throw new RulesValidationError(key, `"${key}" contains ${describe(phrase)}, but a phrase cannot contain digits`);
  }
  if (pattern !== null && !pattern.test(phrase.trim().toLowerCase())) {
    throw new RulesValidationError(key, `"${key}" contains ${describe(phrase)}, but each entry must be ${requirement}`);
  }
}

function checkStringList(key: string, value: unknown, pattern: RegExp | null, requirement: string): void {
  if (!Array.isArray(value)) throw new RulesValidationError(key, `"${key}" must be a list of strings, got ${describe(value)}`);
  for (const phrase of value) checkPhrase(key, phrase, pattern, requirement);
}

/** Checks a list of abbreviations, each written as in a report with its periods and no spaces ("mod.", "e.g."). */
function checkAbbreviations(key: string, value: unknown): void {
  if (!Array.isArray(value)) throw new RulesValidationError(key, `"${key}" must be a list of strings, got ${describe(value)}`);
  for (const entry of value) {
    if (typeof entry !== 'string' || !ABBREVIATION.test(entry.trim())) {
      throw new RulesValidationError(key, `"${key}" contains ${describe(entry)}, but each entry must be letters ending in a period, such as "mod." or "e.g."`);
    }
  }
}

/** Checks an object's entries. With `singleWordKeys`, every key must be one word of letters. */
function checkMap(key: string, value: unknown, singleWordKeys: boolean, checkEntry: (entryKey: string, entry: unknown) => void): void {
  if (!isPlainObject(value)) throw new RulesValidationError(key, `"${key}" must be an object, got ${describe(value)}`);
  for (const [entryKey, entry] of Object.entries(value)) {
    checkPhrase(key, entryKey, singleWordKeys ? SINGLE_WORD : null, 'one word of letters');
    checkEntry(`${key}.${entryKey}`, entry);
  }
}

/** Throws a RulesValidationError unless `value` matches `spec`. Messages name the value by `key`. */
export function validateValue(key: string, value: unknown, spec: Spec): void {
  switch (spec.kind) {
    case 'phrases':
      checkStringList(key, value, null, 'a phrase');
      return;
    case 'words':
      checkStringList(key, value, SINGLE_TOKEN, 'one word or one punctuation character');
      return;
    case 'abbreviations':
      checkAbbreviations(key, value);
      return;
    case 'wordMap':
      checkMap(key, value, true, (entryKey, entry) => {
        if (typeof entry !== 'string' || !SINGLE_WORD.test(entry.toLowerCase())) {
          throw new RulesValidationError(entryKey, `"${entryKey}" must be one word of letters, got ${describe(entry)}`);
        }
      });
      return;
    case 'vertebraMap':
      checkMap(key, value, true, (entryKey, entry) => {
        if (typeof entry !== 'string' || !VERTEBRA.test(entry.toLowerCase())) {
          throw new RulesValidationError(entryKey, `"${entryKey}" must name a vertebra such as "s1" or "l5", got ${describe(entry)}`);
        }
      });
      return;
    case 'gradeMap':
      checkMap(key, value, false, (entryKey, entry) => {
        if (!isGrade(entry)) throw new RulesValidationError(entryKey, `"${entryKey}" must be a grade 0, 1, 2 or 3, got ${describe(entry)}`);
      });
      return;
    case 'rangeMap':
      checkMap(key, value, false, (entryKey, entry) => {
        if (!Array.isArray(entry) || entry.length !== 2 || !isGrade(entry[0]) || !isGrade(entry[1]) || entry[0] >= entry[1]) {
          throw new RulesValidationError(entryKey, `"${entryKey}" must be two increasing grades such as [2, 3], got ${describe(entry)}`);
        }
      });
      return;
    case 'unitMap':
      checkMap(key, value, true, (entryKey, entry) => {
        if (typeof entry !== 'number' || !(entry > 0) || !Number.isFinite(entry)) {
          throw new RulesValidationError(entryKey, `"${entryKey}" must be the unit's size in mm, a positive number, got ${describe(entry)}`);
        }
      });
      return;
    case 'grade':
      if (!isGrade(value)) throw new RulesValidationError(key, `"${key}" must be a grade 0, 1, 2 or 3, got ${describe(value)}`);
      return;
    case 'positiveNumber':
      if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
        throw new RulesValidationError(key, `"${key}" must be a positive number, got ${describe(value)}`);
      }
      return;
    case 'object':
      if (!isPlainObject(value)) throw new RulesValidationError(key, `"${key}" must be an object, got ${describe(value)}`);
      for (const [field, fieldValue] of Object.entries(value)) {
        const fieldSpec = spec.fields[field];
        const fieldKey = key === '' ? field : `${key}.${field}`;
        if (fieldSpec === undefined) {
          const known = Object.keys(spec.fields).join(', ');
          throw new RulesValidationError(fieldKey, `"${fieldKey}" is not a known key; the keys here are ${known}`);
        }
        validateValue(fieldKey, fieldValue, fieldSpec);
      }
      return;
  }
}

/**
 * Merges a validated partial rules object into `target`: lists are appended without duplicates,
 * maps gain or replace entries, and numbers are replaced.
 */
export function mergeValue(target: Record<string, unknown>, source: Record<string, unknown>, spec: { kind: 'object'; fields: Record<string, Spec> }): void {
  for (const [field, value] of Object.entries(source)) {
    const fieldSpec = spec.fields[field]!;
    if (fieldSpec.kind === 'object') {
      const existing = target[field];
      const child = isPlainObject(existing) ? existing : {};
      target[field] = child;
      mergeValue(child, value as Record<string, unknown>, fieldSpec);
    } else if (fieldSpec.kind === 'phrases' || fieldSpec.kind === 'words' || fieldSpec.kind === 'abbreviations') {
      const existing = Array.isArray(target[field]) ? (target[field] as string[]) : [];
      const seen = new Set(existing);
      const merged = [...existing];
      for (const phrase of value as string[]) {
        if (!seen.has(phrase)) {
          seen.add(phrase);
          merged.push(phrase);
        }
      }
      target[field] = merged;
    } else if (isPlainObject(value)) {
      const existing = isPlainObject(target[field]) ? (target[field] as Record<string, unknown>) : {};
      target[field] = { ...existing, ...value };
    } else {
      target[field] = value;
    }
  }
}

/** Returns the dotted key of the first value that `spec` requires and `value` lacks, or null. */
export function findMissingKey(value: Record<string, unknown>, spec: { kind: 'object'; fields: Record<string, Spec> }, prefix = ''): string | null {
  for (const [field, fieldSpec] of Object.entries(spec.fields)) {
    const key = prefix === '' ? field : `${prefix}.${field}`;
    const fieldValue = value[field];
    if (fieldValue === undefined) return key;
    if (fieldSpec.kind === 'object') {
      const missing = findMissingKey(fieldValue as Record<string, unknown>, fieldSpec, key);
      if (missing !== null) return missing;
    }
  }
  return null;
}
