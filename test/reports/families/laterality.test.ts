import { bothFacets, bothForamina, bothSubarticular, testCases, type LabelCase } from './expect.js';

// Sides: bilateral, no side, a side before or after the grade, two grades, and "left greater than right".
const cases: LabelCase[] = [
  {
    name: 'bilateral sets both foramina',
    text: 'L4-5: Moderate bilateral foraminal stenosis.',
    levels: { 'L4-L5': bothForamina(2) },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'moderate' }, right_foraminal_stenosis: { keyword: 'moderate' } } },
  },
  {
    name: 'both foramina narrowed',
    text: 'L5-S1: Mild narrowing of both foramina.',
    levels: { 'L5-S1': bothForamina(1) },
  },
  {
    name: 'foraminal stenosis without side',
    text: 'L3-4: Mild foraminal stenosis.',
    levels: { 'L3-L4': bothForamina(1) },
  },
  {
    name: 'subarticular stenosis without side',
    text: 'L4-5: Moderate subarticular stenosis.',
    levels: { 'L4-L5': bothSubarticular(2) },
  },
  {
    name: 'facet arthropathy without side',
    text: 'L5-S1: Facet arthropathy.',
    levels: { 'L5-S1': bothFacets(1) },
  },
  {
    name: 'left side only',
    text: 'L4-5: Severe left foraminal stenosis.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 3 } },
  },
  {
    name: 'right facet only',
    text: 'L4-5: Right facet hypertrophy.',
    levels: { 'L4-L5': { right_facet_arthropathy: 1 } },
  },
  {
    name: 'left after the grade',
    text: 'L5-S1: Mild foraminal stenosis on the left.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 1 } },
    evidence: { 'L5-S1': { left_foraminal_stenosis: { keyword: 'mild' } } },
  },
  {
    name: 'right after the grade',
    text: 'L4-L5: Moderate subarticular stenosis on the right.',
    levels: { 'L4-L5': { right_subarticular_stenosis: 2 } },
  },
  {
    name: 'moderate right severe left',
    text: 'L4-5: Moderate right and severe left foraminal stenosis.',
    levels: { 'L4-L5': { right_foraminal_stenosis: 2, left_foraminal_stenosis: 3 } },
    evidence: {
      'L4-L5': { right_foraminal_stenosis: { keyword: 'moderate' }, left_foraminal_stenosis: { keyword: 'severe' } },
    },
  },
  {
    name: 'mild left moderate right',
    text: 'L5-S1: Mild left and moderate right foraminal narrowing.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 2 } },
  },
  {
    name: 'two grades after bilateral',
    text: 'L4-5: Bilateral foraminal stenosis, moderate on the right and mild on the left.',
    levels: { 'L4-L5': { right_foraminal_stenosis: 2, left_foraminal_stenosis: 1 } },
  },
  {
    name: 'left greater than right',
    text: 'L4-5: Moderate foraminal stenosis, left greater than right.',
    levels: { 'L4-L5': bothForamina(2) },
  },
  {
    name: 'left > right notation',
    text: 'L5-S1: Severe bilateral foraminal stenosis, left > right.',
    levels: { 'L5-S1': bothForamina(3) },
  },
  {
    name: 'worse on the left stays mild',
    text: 'L3-4: Mild foraminal narrowing, worse on the left.',
    levels: { 'L3-L4': bothForamina(1) },
  },
  {
    name: 'right greater than left subarticular',
    text: 'L4-5: Moderate right greater than left subarticular stenosis.',
    levels: { 'L4-L5': bothSubarticular(2) },
  },
  {
    name: 'lone side in next sentence',
    text: 'L5-S1: The left neural foramen is moderately narrowed. The right is mildly narrowed.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 1 } },
    evidence: { 'L5-S1': { right_foraminal_stenosis: { keyword: 'mildly' } } },
  },
  {
    name: 'lone side after mid-sentence level',
    text: 'The right neural foramen at L4-5 is severely narrowed. The left is patent.',
    levels: { 'L4-L5': { right_foraminal_stenosis: 3, left_foraminal_stenosis: 0 } },
  },
  {
    name: 'lone side after blank line',
    text: 'L5-S1: The left neural foramen is moderately narrowed.\n\nThe right is patent.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 2 } },
  },
  {
    name: 'worse side shares severe grade',
    text: 'L3-4: Severe bilateral neural foraminal narrowing, right worse than left.',
    levels: { 'L3-L4': bothForamina(3) },
    evidence: { 'L3-L4': { left_foraminal_stenosis: { keyword: 'severe' }, right_foraminal_stenosis: { keyword: 'severe' } } },
  },
  {
    name: 'lone side with its own level',
    text: 'The right neural foramen at L3-4 is moderately narrowed, and the left at L4-5 is severely narrowed.',
    levels: { 'L3-L4': { right_foraminal_stenosis: 2 }, 'L4-L5': { left_foraminal_stenosis: 3 } },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'severely', unspecifiedGrade: false } } },
  },
  {
    name: 'lone side after a placed finding',
    text: 'The left foramen is mildly narrowed at L2-3, and the right at L3-4 is moderately narrowed.',
    levels: { 'L2-L3': { left_foraminal_stenosis: 1 }, 'L3-L4': { right_foraminal_stenosis: 2 } },
  },
  {
    name: 'lone side with a level next sentence',
    text: 'Moderate right foraminal stenosis at L5-S1. The left at L4-5 is mildly narrowed.',
    levels: { 'L5-S1': { right_foraminal_stenosis: 2 }, 'L4-L5': { left_foraminal_stenosis: 1 } },
  },
  {
    name: 'lone side at a level, no structure',
    text: 'The right at L4-5 is mildly narrowed.',
    levels: {},
  },
  {
    name: 'grade and side next sentence',
    text: 'L3-4: Moderate left foraminal stenosis. Severe right.',
    levels: { 'L3-L4': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 3 } },
    evidence: { 'L3-L4': { right_foraminal_stenosis: { keyword: 'severe' } } },
  },
  {
    name: 'grade and side after blank line',
    text: 'L3-4: Moderate left foraminal stenosis.\n\nSevere right.',
    levels: { 'L3-L4': { left_foraminal_stenosis: 2 } },
  },
  {
    name: 'side carries to second structure',
    text: 'L4-5: Severe stenosis of the right lateral recess and foramen.',
    levels: { 'L4-L5': { right_subarticular_stenosis: 3, right_foraminal_stenosis: 3 } },
  },
  {
    name: 'predicate grade for both structures',
    text: 'L4-5: The left lateral recess and foramen are moderately narrowed.',
    levels: { 'L4-L5': { left_subarticular_stenosis: 2, left_foraminal_stenosis: 2 } },
  },
  {
    name: 'predicate grade for canal and foramina',
    text: 'L4-5: The canal and foramina are moderately narrowed.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(2) } },
  },
];

testCases(cases);
