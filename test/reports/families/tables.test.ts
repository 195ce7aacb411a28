import { allConditions, atLevels, bothFacets, bothForamina, mergeLevels, testCases, type LabelCase } from './expect.js';

// Tables whose grades stand under column headers, and the lines with vertical bars that are no such table.
const cases: LabelCase[] = [
  {
    name: 'grades under column headers',
    text: 'Level | Canal | Left foramen | Right foramen\nL4-5 | moderate | mild to moderate | none\nL5-S1 | mild | severe | moderate',
    levels: {
      'L4-L5': { spinal_canal_stenosis: 2, left_foraminal_stenosis: 2, right_foraminal_stenosis: 0 },
      'L5-S1': { spinal_canal_stenosis: 1, left_foraminal_stenosis: 3, right_foraminal_stenosis: 2 },
    },
    evidence: {
      'L4-L5': {
        spinal_canal_stenosis: { keyword: 'moderate', range: null, unspecifiedGrade: false },
        left_foraminal_stenosis: { keyword: 'mild to moderate', range: [1, 2] },
        right_foraminal_stenosis: { keyword: 'none' },
      },
      'L5-S1': { left_foraminal_stenosis: { keyword: 'severe' } },
    },
    everyEvidence: { section: 'findings', global: false, uncertain: false },
  },
  {
    name: 'markdown table with unread column',
    text:
      '| Level | Canal stenosis | Foramina | Facets | Disc |\n' +
      '|---|---|---|---|---|\n' +
      '| L3-4 | none | mild left | mild | bulge |\n' +
      '| L4-5 | severe | moderate | none | protrusion |',
    levels: {
      'L3-L4': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 1, ...bothFacets(1), disc_bulge: 1 },
      'L4-L5': { spinal_canal_stenosis: 3, ...bothForamina(2), ...bothFacets(0), disc_herniation: 1 },
    },
    evidence: { 'L3-L4': { disc_bulge: { keyword: 'bulge' } }, 'L4-L5': { disc_herniation: { keyword: 'protrusion' } } },
    warnings: ['TABLE_COLUMN_UNREAD'],
  },
  {
    name: 'unknown column header warns',
    text: 'Level | Canal | Widget\nL4-5 | moderate | none',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    warnings: ['TABLE_COLUMN_UNREAD'],
  },
  {
    name: 'canal diameter and hedge in cells',
    text: 'Level | Canal | NF\nL4-5 | 9 mm | possibly moderate\nL5-S1 | normal | -',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3, ...bothForamina(2) }, 'L5-S1': { spinal_canal_stenosis: 0 } },
    evidence: {
      'L4-L5': {
        spinal_canal_stenosis: { keyword: '9 mm', measurementMm: 9, uncertain: false },
        left_foraminal_stenosis: { keyword: 'moderate', uncertain: true },
      },
    },
  },
  {
    name: 'table then text lines',
    text: 'Level | Canal\nL3-4 | mild\nL4-5 | moderate\nL5-S1: Mild disc bulge. No canal stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
  },
  {
    name: 'span of levels in a row',
    text: 'Level | Canal | Foramina\nL1-L3 | normal | normal\nL3-4 | mild | none',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3'], { spinal_canal_stenosis: 0, ...bothForamina(0) }), {
      'L3-L4': { spinal_canal_stenosis: 1, ...bothForamina(0) },
    }),
  },
  {
    name: 'row level heads later lines',
    text: 'Level | Canal\nL4-5 | moderate\nNormal facets.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, ...bothFacets(0) } },
  },
  {
    name: 'header without rows is text',
    text: 'Level | Canal\nL4-5: moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'row with other cell count',
    text: 'Level | Canal | Foramina\nL4-5 | canal stenosis: moderate',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'normal level row',
    text: 'Level | Canal | Foramina\nL2-3 | normal | normal\nL5-S1: Normal.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 0, ...bothForamina(0) }, 'L5-S1': allConditions(0) },
  },
];

testCases(cases);
