import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelReport } from '../../../src/reports/labeler.js';
import { atLevels, bothFacets, bothForamina, testCases, type LabelCase } from './expect.js';

// "Respectively" pairs grades or sides with levels in text order when the counts match.
const cases: LabelCase[] = [
  {
    name: 'two grades with two levels',
    text: 'Mild and moderate canal stenosis at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: {
      'L3-L4': { spinal_canal_stenosis: { keyword: 'mild', unspecifiedGrade: false } },
      'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', unspecifiedGrade: false } },
    },
  },
  {
    name: 'comma before respectively',
    text: 'Mild and moderate canal stenosis at L3-4 and L4-5, respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'grades after the levels',
    text: 'Canal stenosis at L3-4 and L4-5, mild and moderate respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'three grades with three levels',
    text: 'Mild, moderate and severe canal stenosis at L2-3, L3-4 and L4-5, respectively.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 1 }, 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'levels opening the sentence',
    text: 'L3-4 and L4-5 show mild and moderate canal stenosis, respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'level heading with colon',
    text: 'L3-4 and L4-5: mild and severe foraminal stenosis, respectively.',
    levels: { 'L3-L4': bothForamina(1), 'L4-L5': bothForamina(3) },
  },
  {
    name: 'adverbs of one predicate',
    text: 'The canal is mildly and moderately narrowed at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'comma before the level list',
    text: 'Mild and moderate canal stenosis, L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'in that order',
    text: 'Mild and severe canal stenosis at L3-4 and L5-S1, in that order.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L5-S1': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'abbreviated grade in the list',
    text: 'Mild and mod. canal stenosis at L3-4 and L4-5, respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'ungraded finding is no value',
    // One grade for two levels: nothing is paired, so both findings take both levels.
    text: 'Mild canal stenosis and facet arthropathy at L3-4 and L4-5 respectively.',
    levels: atLevels(['L3-L4', 'L4-L5'], { spinal_canal_stenosis: 1, ...bothFacets(1) }),
  },
  {
    name: 'graded findings of two kinds',
    text: 'Mild canal stenosis and moderate facet arthropathy at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': bothFacets(1) },
  },
  {
    name: 'ungraded finding keeps both levels',
    text: 'Disc bulges with mild and moderate canal stenosis at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { disc_bulge: 1, spinal_canal_stenosis: 1 }, 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 } },
  },
  {
    name: 'other level group unchanged',
    text: 'Severe canal stenosis at L2-3; mild and moderate foraminal stenosis at L3-4 and L4-5 respectively.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 3 }, 'L3-L4': bothForamina(1), 'L4-L5': bothForamina(2) },
  },
  {
    name: 'left and right with two levels',
    text: 'Left and right foraminal stenosis at L4-5 and L5-S1 respectively.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 1 }, 'L5-S1': { right_foraminal_stenosis: 1 } },
    evidence: {
      'L4-L5': { left_foraminal_stenosis: { unspecifiedGrade: true } },
      'L5-S1': { right_foraminal_stenosis: { unspecifiedGrade: true } },
    },
  },
  {
    name: 'right and left in order',
    text: 'Right and left subarticular stenosis at L3-4 and L4-5, respectively.',
    levels: { 'L3-L4': { right_subarticular_stenosis: 1 }, 'L4-L5': { left_subarticular_stenosis: 1 } },
  },
  {
    name: 'one grade with two sides',
    text: 'Severe left and right foraminal stenosis at L4-5 and L5-S1 respectively.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 3 }, 'L5-S1': { right_foraminal_stenosis: 3 } },
  },
  {
    name: 'grade and side per level',
    text: 'Moderate left and severe right foraminal stenosis at L4-5 and L5-S1 respectively.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 2 }, 'L5-S1': { right_foraminal_stenosis: 3 } },
  },
  {
    name: 'sides after the levels',
    text: 'Foraminal stenosis at L4-5 and L5-S1, on the left and right respectively.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 1 }, 'L5-S1': { right_foraminal_stenosis: 1 } },
  },
  {
    name: 'two grades of one side',
    text: 'Mild and moderate left foraminal stenosis at L4-5 and L5-S1 respectively.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 1 }, 'L5-S1': { left_foraminal_stenosis: 2 } },
  },
  {
    name: 'paired value replaces a span',
    // A paired value is a statement about one level, so it replaces the span's value at that level.
    text: 'L3-S1: Moderate canal stenosis. Mild and severe canal stenosis at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 3 }, 'L5-S1': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'finding after a comma',
    text: 'Mild and moderate canal stenosis at L3-4 and L4-5 respectively, and mild foraminal stenosis at both levels.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothForamina(1) }, 'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(1) } },
  },
  {
    name: 'finding after with',
    text: 'Mild and moderate canal stenosis at L3-4 and L4-5 respectively, with mild bilateral foraminal stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothForamina(1) }, 'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(1) } },
  },
  {
    name: 'finding after and',
    text: 'Mild and moderate canal stenosis at L3-4 and L4-5 respectively and mild facet arthropathy.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothFacets(1) }, 'L4-L5': { spinal_canal_stenosis: 2, ...bothFacets(1) } },
  },
  {
    name: 'finding after a semicolon',
    text: 'Mild and moderate canal stenosis at L3-4 and L4-5 respectively; mild foraminal stenosis at both levels.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothForamina(1) }, 'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(1) } },
  },
  {
    name: 'graded finding before with',
    // The clause after "with" states the paired grades, so the canal keeps both levels.
    text: 'Mild canal stenosis with mild and moderate foraminal stenosis at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothForamina(1) }, 'L4-L5': { spinal_canal_stenosis: 1, ...bothForamina(2) } },
  },
  {
    name: 'graded finding before a semicolon',
    text: 'Mild canal stenosis; mild and moderate foraminal stenosis at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothForamina(1) }, 'L4-L5': { spinal_canal_stenosis: 1, ...bothForamina(2) } },
  },
  {
    name: 'ungraded clause after with',
    // The clause after "with" states no grade, so the grades of the clause before it are paired.
    text: 'Mild and moderate canal stenosis with facet arthropathy at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothFacets(1) }, 'L4-L5': { spinal_canal_stenosis: 2, ...bothFacets(1) } },
  },
  {
    name: 'grades right after respectively',
    text: 'Canal stenosis at L3-4 and L4-5, respectively mild and moderate.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'grades after respectively, then a finding',
    text: 'Canal stenosis at L3-4 and L4-5, respectively mild and moderate, and mild facet arthropathy.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothFacets(1) }, 'L4-L5': { spinal_canal_stenosis: 2, ...bothFacets(1) } },
  },
  {
    name: 'grade list of two structures',
    text: 'Mild and moderate canal and foraminal stenosis at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, ...bothForamina(1) }, 'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(2) } },
    evidence: {
      'L3-L4': { spinal_canal_stenosis: { keyword: 'mild', unspecifiedGrade: false }, left_foraminal_stenosis: { keyword: 'mild' } },
      'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate' }, left_foraminal_stenosis: { keyword: 'moderate', unspecifiedGrade: false } },
    },
  },
  {
    name: 'three grades of two structures',
    text: 'Mild, moderate and severe canal and foraminal stenosis at L2-3, L3-4 and L4-5, respectively.',
    levels: {
      'L2-L3': { spinal_canal_stenosis: 1, ...bothForamina(1) },
      'L3-L4': { spinal_canal_stenosis: 2, ...bothForamina(2) },
      'L4-L5': { spinal_canal_stenosis: 3, ...bothForamina(3) },
    },
  },
  {
    name: 'grade list with a side',
    text: 'Mild and moderate canal and left foraminal stenosis at L3-4 and L4-5 respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1, left_foraminal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2, left_foraminal_stenosis: 2 } },
  },
  {
    name: 'without respectively unchanged',
    text: 'Mild and moderate canal stenosis at L3-4 and L4-5.',
    levels: atLevels(['L3-L4', 'L4-L5'], { spinal_canal_stenosis: 2 }),
  },
  {
    name: 'more levels than grades',
    text: 'Mild and moderate canal stenosis at L2-3, L3-4 and L4-5 respectively.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5'], { spinal_canal_stenosis: 2 }),
  },
  {
    name: 'grades after the levels unpaired',
    text: 'Canal stenosis at L2-3, L3-4 and L4-5, mild and moderate respectively.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5'], { spinal_canal_stenosis: 2 }),
  },
  {
    name: 'more grades than levels',
    text: 'Mild, moderate and severe canal stenosis at L3-4 and L4-5 respectively.',
    levels: atLevels(['L3-L4', 'L4-L5'], { spinal_canal_stenosis: 3 }),
  },
  {
    name: 'more levels than sides',
    text: 'Left and right foraminal stenosis at L3-4, L4-5 and L5-S1 respectively.',
    levels: atLevels(['L3-L4', 'L4-L5', 'L5-S1'], bothForamina(1)),
  },
  {
    name: 'span is no level list',
    text: 'Mild and moderate canal stenosis at L3-4 to L4-5 respectively.',
    levels: atLevels(['L3-L4', 'L4-L5'], { spinal_canal_stenosis: 2 }),
  },
  {
    name: 'absent finding is no value',
    text: 'No canal stenosis and mild foraminal stenosis at L3-4 and L4-5 respectively.',
    levels: atLevels(['L3-L4', 'L4-L5'], { spinal_canal_stenosis: 0, ...bothForamina(1) }),
  },
  {
    name: 'one level is no list',
    text: 'Mild and moderate canal stenosis at L4-5 respectively.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'levels open with demonstrate',
    text: 'L3-4 and L4-5 demonstrate mild and moderate canal stenosis, respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'levels open with have',
    text: 'L3-4 and L4-5 have mild and severe canal stenosis, respectively.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
];

testCases(cases);

// A statement whose lists cannot be paired reads as it would without "respectively", so it gets
// the labels of the same text with spaces in place of the word.
const UNPAIRED = [
  'Mild and moderate canal stenosis at L2-3, L3-4 and L4-5 respectively.',
  'Mild and moderate canal stenosis, L2-3, L3-4 and L4-5 respectively.',
  'Canal stenosis at L2-3, L3-4 and L4-5, mild and moderate respectively.',
  'Left and right foraminal stenosis at L3-4, L4-5 and L5-S1 respectively.',
  'Mild and moderate canal stenosis at L3-4 to L4-5 respectively.',
  'L4-5: Disc bulge. Mild canal stenosis, moderate respectively.',
  'No canal stenosis and mild foraminal stenosis at L3-4 and L4-5 respectively.',
  'The canal measures 9 mm and 12 mm at L3-4 and L4-5 respectively.',
  'Mild and moderate canal stenosis at L2-3, L3-4 and L4-5 respectively, and mild foraminal stenosis.',
  'Mild and moderate canal and foraminal stenosis at L2-3, L3-4 and L4-5 respectively.',
  'Mild, moderate and severe canal and foraminal stenosis at L3-4 and L4-5 respectively.',
];

test('unpaired respectively reads as absent', () => {
  for (const text of UNPAIRED) {
    const without = text.replace('respectively', ' '.repeat('respectively'.length));
    assert.deepEqual(labelReport(text), labelReport(without), `text: ${JSON.stringify(text)}`);
  }
});
