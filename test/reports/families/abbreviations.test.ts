import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelReport } from '../../../src/reports/labeler.js';
import { allConditions, bothForamina, bothSubarticular, statedLevels, testCases, type LabelCase } from './expect.js';

// Abbreviations written with a period ("mod.", "bilat."): the period does not end the sentence
// before a lowercase word, a number, punctuation or a word in capitals that continues it, and does
// before a capitalised word or a level.
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
    name: 'side letter after sev. continues',
    text: 'L4-5: sev. L NF stenosis.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 3 } },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'sev.', unspecifiedGrade: false } } },
  },
  {
    name: 'acronym after mod. continues',
    text: 'L4-5: mod. NF narrowing.',
    levels: { 'L4-L5': bothForamina(2) },
    everyEvidence: { keyword: 'mod.', unspecifiedGrade: false },
  },
  {
    name: 'acronym after bilat. continues',
    text: 'L4-5: mild bilat. NF narrowing.',
    levels: { 'L4-L5': bothForamina(1) },
    everyEvidence: { keyword: 'mild', unspecifiedGrade: false },
  },
  {
    name: 'acronym after min. continues',
    // "AP" is no phrase of the rules, but after a lowercase abbreviation any word in capitals is an acronym.
    text: 'L4-5: Canal stenosis, min. AP diameter 9 mm.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { measurementMm: 9, unspecifiedGrade: false } } },
  },
  {
    name: 'capital letter A after mod. ends',
    text: 'L4-5: Canal stenosis is mod. A disc bulge is present.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, disc_bulge: 1 } },
  },
  {
    name: 'capital level after mod. ends',
    text: 'L4-5: Canal stenosis is mod. L5-S1 is normal.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': allConditions(0) },
  },
  {
    name: 'capitals after MOD. continue',
    // "CANAL" names a finding, so in text written all in capitals the period keeps the sentence going.
    text: 'L4-5: MOD. CANAL STENOSIS.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'MOD.', unspecifiedGrade: false } } },
  },
  {
    name: 'capital side letter after SEV.',
    text: 'L4-5: SEV. L NF STENOSIS.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 3 } },
  },
  {
    name: 'capital range and list words',
    text: 'L4-5: MOD. RIGHT AND MOD. TO SEV. LEFT FORAMINAL STENOSIS.',
    levels: { 'L4-L5': { right_foraminal_stenosis: 2, left_foraminal_stenosis: 3 } },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'MOD. TO SEV.' } } },
  },
  {
    name: 'capital negation after MOD. ends',
    // Read as one sentence, "MOD" would grade the herniation and the canal would get the default grade.
    text: 'L4-5: CANAL STENOSIS IS MOD. NO DISC HERNIATION.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, disc_herniation: 0 } },
  },
  {
    name: 'capital article after MOD. ends',
    text: 'L4-5: CANAL STENOSIS IS MOD. THE FORAMINA ARE PATENT.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(0) } },
  },
  {
    name: 'unknown capitals after MIN. end',
    // After an abbreviation in capitals, "AP" might open a sentence, so the diameter is a sentence of its own.
    text: 'L4-5: CANAL STENOSIS, MIN. AP DIAMETER 9 MM.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { unspecifiedGrade: true, measurementMm: null } } },
  },
  {
    name: 'lat. recess is subarticular',
    text: 'L4-5: left lat. recess stenosis.',
    levels: { 'L4-L5': { left_subarticular_stenosis: 1 } },
    evidence: { 'L4-L5': { left_subarticular_stenosis: { keyword: 'lat. recess' } } },
  },
  {
    name: 'lat recesses without period',
    text: 'L4-5: Moderate narrowing of both lat recesses.',
    levels: { 'L4-L5': bothSubarticular(2) },
  },
  {
    name: 'lat. recesses with period',
    text: 'L4-5: Moderate narrowing of both lat. recesses.',
    levels: { 'L4-L5': bothSubarticular(2) },
  },
  {
    name: 'min. is no grade',
    // "min." may also stand for "minimum", so it gives no grade and the stenosis gets the default one.
    text: 'L4-5: min. canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'min. diameter keeps its grade',
    text: 'L4-5: Canal stenosis with a min. canal diameter of 9 mm.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { measurementMm: 9, unspecifiedGrade: false } } },
  },
  {
    name: 'unlisted abbreviation still ends',
    text: 'L4-5: Moderate sig. canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
  },
  {
    name: 'LR for lateral recess',
    text: 'L4-5 mod bilat LR narrowing.\nL5-S1 no LR stenosis.',
    levels: { 'L4-L5': bothSubarticular(2), 'L5-S1': bothSubarticular(0) },
  },
  {
    name: 'w/o sig stenosis',
    text: 'L2-3 mild disc bulge w/o sig stenosis.',
    levels: { 'L2-L3': { disc_bulge: 1, spinal_canal_stenosis: 0, ...bothForamina(0), ...bothSubarticular(0) } },
  },
];

testCases(cases);

// Before a word in capitals that continues the sentence, the period of an abbreviation changes
// nothing, so each text gets the values of the same text without it.
const PERIOD_BEFORE_CAPITALS = [
  'L4-5: sev. L NF stenosis.',
  'L4-5: mod. NF narrowing.',
  'L4-5: mild bilat. NF narrowing.',
  'L4-5: mod. L foraminal narrowing.',
  'L4-5: Disc bulge with mod. LF thickening.',
  'L5-S1: sev. HNP.',
  'L4-5: MOD. BILAT. NF NARROWING.',
];

test('period before capitals reads as absent', () => {
  for (const text of PERIOD_BEFORE_CAPITALS) {
    const without = text.replaceAll('. ', ' ');
    assert.deepEqual(statedLevels(labelReport(text)), statedLevels(labelReport(without)), `text: ${JSON.stringify(text)}`);
  }
});
