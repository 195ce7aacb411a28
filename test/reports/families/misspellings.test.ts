import { bothFacets, bothForamina, testCases, type LabelCase } from './expect.js';

// Misspelled condition words that the rules list as examples.
const cases: LabelCase[] = [
  {
    name: 'foramenal for foraminal',
    text: 'L4-5: Mild bilateral foramenal stenosis.',
    levels: { 'L4-L5': bothForamina(1) },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'foramenal' } } },
  },
  {
    name: 'arthopathy for arthropathy',
    text: 'L5-S1: Moderate facet arthopathy.',
    levels: { 'L5-S1': bothFacets(1) },
    evidence: { 'L5-S1': { right_facet_arthropathy: { keyword: 'arthopathy' } } },
  },
  {
    name: 'nueral for neural',
    text: 'L3-4: Mild narrowing of the left nueral foramen.',
    levels: { 'L3-L4': { left_foraminal_stenosis: 1 } },
  },
  {
    name: 'facett for facet',
    text: 'L4-5: Facett arthropathy.',
    levels: { 'L4-L5': bothFacets(1) },
  },
  {
    name: 'two misspellings together',
    text: 'L5-S1: Right foramenal narrowing and left facett arthopathy.',
    levels: { 'L5-S1': { right_foraminal_stenosis: 1, left_facet_arthropathy: 1 } },
    evidence: { 'L5-S1': { right_foraminal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'misspelling in a negation',
    text: 'L2-L3: No foramenal stenosis or facett arthropathy.',
    levels: { 'L2-L3': { ...bothForamina(0), ...bothFacets(0) } },
  },
  {
    name: 'nueral foramina patent',
    text: 'L1-2: The nueral foramina are patent.',
    levels: { 'L1-L2': bothForamina(0) },
  },
  {
    name: 'buldge modreate narowing',
    text: 'L4-L5: Diffuse disc buldge. Modreate left neural foraminal narowing. No signficant canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, left_foraminal_stenosis: 2, spinal_canal_stenosis: 0 } },
  },
];

testCases(cases);
