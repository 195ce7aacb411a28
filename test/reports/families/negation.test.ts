import { LUMBAR_LEVELS } from '../../../src/reports/types.js';
import {
  allConditions,
  allStenosis,
  atLumbarLevels,
  bothForamina,
  mergeLevels,
  testCases,
  type ExpectedEvidenceByLevel,
  type LabelCase,
} from './expect.js';

// Negation over lists, "patent", levels described as normal, and whole-study statements.
const cases: LabelCase[] = [
  {
    name: 'negation covers only listed conditions',
    text: 'L4-5: Mild disc bulge. No canal or right foraminal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0, right_foraminal_stenosis: 0 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'canal' }, right_foraminal_stenosis: { keyword: 'foraminal' } } },
  },
  {
    name: 'negation over three conditions',
    text: 'L3-4: No disc herniation, canal stenosis or foraminal stenosis.',
    levels: { 'L3-L4': { disc_herniation: 0, spinal_canal_stenosis: 0, ...bothForamina(0) } },
  },
  {
    name: 'without after a finding',
    text: 'L2-3: Mild disc bulge without canal stenosis.',
    levels: { 'L2-L3': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
    evidence: { 'L2-L3': { disc_bulge: { keyword: 'bulge' }, spinal_canal_stenosis: { keyword: 'canal' } } },
  },
  {
    name: 'negative for herniation',
    text: 'L5-S1: Negative for disc herniation.',
    levels: { 'L5-S1': { disc_herniation: 0 } },
  },
  {
    name: 'free of herniation',
    text: 'L1-L2 is free of disc herniation.',
    levels: { 'L1-L2': { disc_herniation: 0 } },
  },
  {
    name: 'absence of canal stenosis',
    text: 'L2-3: Disc bulge in the absence of canal stenosis.',
    levels: { 'L2-L3': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
  },
  {
    name: 'no evidence of',
    text: 'L5-S1: No evidence of disc herniation or foraminal stenosis.',
    levels: { 'L5-S1': { disc_herniation: 0, ...bothForamina(0) } },
  },
  {
    name: 'does not cause stenosis',
    text: 'L4-5: The disc bulge does not cause canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
  },
  {
    name: 'negation stops at sentence end',
    text: 'L4-5: No canal stenosis. Moderate bilateral foraminal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 0, ...bothForamina(2) } },
  },
  {
    name: 'negation stops at but',
    text: 'L3-4: No canal stenosis, but mild right foraminal stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 0, right_foraminal_stenosis: 1 } },
  },
  {
    name: 'canal and foramina patent',
    text: 'L3-4: The canal and foramina are patent.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 0, ...bothForamina(0) } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'patent' } } },
  },
  {
    name: 'canal widely patent',
    text: 'L1-2: The central canal is widely patent.',
    levels: { 'L1-L2': { spinal_canal_stenosis: 0 } },
  },
  {
    name: 'neural foramina patent',
    text: 'L2-3: Mild disc bulge. Neural foramina are patent.',
    levels: { 'L2-L3': { disc_bulge: 1, ...bothForamina(0) } },
  },
  {
    name: 'level called normal',
    text: 'L1-2: Normal.',
    levels: { 'L1-L2': allConditions(0) },
    evidence: { 'L1-L2': { disc_bulge: { keyword: 'normal' } } },
  },
  {
    name: 'level called unremarkable',
    text: 'L2-L3: Unremarkable.\nL3-L4: Mild disc bulge.',
    levels: { 'L2-L3': allConditions(0), 'L3-L4': { disc_bulge: 1 } },
  },
  {
    name: 'level within normal limits',
    text: 'The L3-4 level is within normal limits.',
    levels: { 'L3-L4': allConditions(0) },
  },
  {
    name: 'no significant abnormality',
    text: 'L1-L2: No significant abnormality.',
    levels: { 'L1-L2': allConditions(0) },
  },
  {
    name: 'no significant stenosis',
    text: 'L4-5: Mild disc bulge. No significant canal or foraminal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0, ...bothForamina(0) } },
  },
  {
    name: 'normal study covers every level',
    text: 'MRI LUMBAR SPINE\nIMPRESSION: Normal MRI of the lumbar spine.',
    levels: atLumbarLevels(allConditions(0)),
    everyEvidence: { global: true, section: 'impression' },
  },
  {
    name: 'unremarkable lumbar spine',
    text: 'Unremarkable lumbar spine.',
    levels: atLumbarLevels(allConditions(0)),
    everyEvidence: { global: true },
  },
  {
    name: 'no stenosis at any level',
    text: 'No stenosis at any level.',
    levels: atLumbarLevels(allStenosis(0)),
    everyEvidence: { global: true },
  },
  {
    name: 'no bulge or herniation anywhere',
    text: 'FINDINGS:\nNo disc bulge or herniation at any level.',
    levels: atLumbarLevels({ disc_bulge: 0, disc_herniation: 0 }),
    everyEvidence: { global: true, section: 'findings' },
  },
  {
    name: 'global beside level statement',
    text: 'FINDINGS:\nL5-S1: Small central disc protrusion.\nIMPRESSION:\nNo stenosis at any level.',
    levels: mergeLevels(atLumbarLevels(allStenosis(0)), { 'L5-S1': { disc_herniation: 1 } }),
    evidence: {
      'L5-S1': { disc_herniation: { section: 'findings', global: false } },
      'L2-L3': { spinal_canal_stenosis: { section: 'impression', global: true } },
    },
  },
  {
    name: 'level statement replaces global',
    text: 'FINDINGS:\nL4-5: Minimal left foraminal narrowing.\nOtherwise no stenosis at any level.',
    levels: mergeLevels(atLumbarLevels(allStenosis(0)), { 'L4-L5': { left_foraminal_stenosis: 1 } }),
    evidence: leftForamenLocalElsewhereGlobal(),
  },
  {
    name: 'decompressed stenosis is gone',
    text: 'L3-4: The former severe canal stenosis has been decompressed.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 0 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'decompressed' } } },
  },
  {
    name: 'resected extrusion is gone',
    text: 'L5-S1: The disc extrusion was resected. Mild residual left foraminal narrowing.',
    levels: { 'L5-S1': { disc_herniation: 0, left_foraminal_stenosis: 1 } },
  },
  {
    name: 'interval resolution of extrusion',
    text: 'L4-5: There has been interval resolution of the previously seen disc extrusion.',
    levels: { 'L4-L5': { disc_herniation: 0 } },
  },
  {
    name: 'resolution of one foramen',
    text: 'L4-5: Interval resolution of the left foraminal stenosis. Persistent moderate right foraminal stenosis.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 0, right_foraminal_stenosis: 2 } },
  },
  {
    name: 'not causing stenosis',
    text: 'L4-5: Mild disc bulge, not causing significant canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
  },
  {
    name: 'without causing stenosis',
    text: 'L4-5: Disc bulge without causing canal or foraminal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0, ...bothForamina(0) } },
  },
  {
    name: 'which is not causing narrowing',
    text: 'L4-5: Small protrusion, which is not causing any neural foraminal narrowing.',
    levels: { 'L4-L5': { disc_herniation: 1, ...bothForamina(0) } },
  },
  {
    name: 'incomplete resolution keeps finding',
    text: 'L4-5: Incomplete resolution of the right paracentral disc extrusion.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
  },
  {
    name: 'no resolution keeps finding',
    text: 'L4-5: There has been no resolution of the large central disc extrusion.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
  },
  {
    name: 'decompression for stenosis',
    text: 'Interval L4-5 decompression for stenosis.',
    levels: {},
  },
  {
    name: 'nerve root compromise names no stenosis',
    text: 'L4-5: Moderate canal stenosis. No compromise of the exiting nerve roots.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'nil negates',
    text: 'L4/5: Nil canal stenosis. Mild left foraminal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 1 } },
  },
  {
    name: 'nil of note is normal',
    text: 'L2/3: Nil of note.',
    levels: { 'L2-L3': allConditions(0) },
  },
];

/** L4-L5 left foramen comes from its own statement; the other levels keep the whole-study value. */
function leftForamenLocalElsewhereGlobal(): ExpectedEvidenceByLevel {
  const evidence: ExpectedEvidenceByLevel = {};
  for (const level of LUMBAR_LEVELS) {
    evidence[level] = { left_foraminal_stenosis: level === 'L4-L5' ? { keyword: 'minimal', global: false } : { global: true } };
  }
  return evidence;
}

testCases(cases);
