import { allConditions, bothForamina, testCases, type LabelCase } from './expect.js';

// Abbreviations written with a period ("mod.", "bilat."): the period does not end the sentence
// before a lowercase word, a number or punctuation, and does before a capitalised word or a level.
const cases: LabelCase[] = [
  {
    name: 'mod. grades the canal after it',
    text: 'L4-5: Mod. canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'mod.', unspecifiedGrade: false } } },
  },
  {
    name: 'sev. grades the foramen after it',
    text: 'L5-S1: Disc bulge with sev. right foraminal narrowing.',
    levels: { 'L5-S1': { disc_bulge: 1, right_foraminal_stenosis: 3 } },
  },
  {
    name: 'mild-mod. keeps its range',
    text: 'L3-4: Mild-mod. canal stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'mild-mod', range: [1, 2] } } },
  },
  {
    name: 'grade before bilat. reaches the foramina',
    text: 'L4-5: Moderate bilat. foraminal stenosis.',
    levels: { 'L4-L5': bothForamina(2) },
  },
  {
    name: 'two abbreviations in a row',
    text: 'L4-5: mild-mod. bilat. foraminal stenosis.',
    levels: { 'L4-L5': bothForamina(2) },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { range: [1, 2] } } },
  },
  {
    name: 'approx. before a diameter',
    text: 'L4-5: Canal stenosis with an AP diameter of approx. 9 mm.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { measurementMm: 9, unspecifiedGrade: false } } },
  },
  {
    name: 'e.g. inside a sentence',
    text: 'L4-5: Disc bulge, e.g. with mod. canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 } },
  },
  {
    name: 'mod. at a wrapped line end',
    text: 'L4-5: Disc bulge with mod.\ncanal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 } },
  },
  {
    name: 'capitalised word after sev. ends',
    // Read as one sentence, "sev" would grade the disc bulge and leave the canal at the default grade.
    text: 'L4-5: Canal stenosis, sev. Disc bulge.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3, disc_bulge: 1 } },
  },
  {
    name: 'capitalised word after mod. ends',
    text: 'L4-5: The canal stenosis is mod. The left foramen is severely narrowed.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, left_foraminal_stenosis: 3 } },
  },
  {
    name: 'lowercase level after mod. ends',
    // Read as one sentence, L5-S1 would take the canal stenosis and L4-L5 the normal statement.
    text: 'L4-5: Canal stenosis is mod. l5-s1 is normal.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': allConditions(0) },
  },
  {
    name: 'capitalised line after sev. ends',
    text: 'L4-5: Severe canal stenosis.\nL5-S1: Foraminal stenosis, sev.\nDisc bulge.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 }, 'L5-S1': { ...bothForamina(3), disc_bulge: 1 } },
  },
  {
    name: 'capitals after MOD. end',
    // In text written all in capitals every word looks like a sentence start, so the period ends the sentence.
    text: 'L4-5: MOD. CANAL STENOSIS.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'unlisted abbreviation still ends',
    text: 'L4-5: Moderate sig. canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
  },
];

testCases(cases);
